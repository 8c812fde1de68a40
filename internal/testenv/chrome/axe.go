package chrome

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/testenv"
)

// axeDir is where `npm ci` installs axe-core (the version is pinned in its
// package-lock.json), relative to the module root.
const axeDir = "internal/web/testdata/a11y"

// AxeViolation is one rule axe-core found broken on a page.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// AxeScript returns axe.min.js as `npm ci` in internal/web/testdata/a11y
// installed it, or skips the test when it is missing (fails under
// SCRIBE_REQUIRE_ALL=1).
func AxeScript(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("axe: no go.mod above the test's directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, axeDir, "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(p)
	if err != nil {
		testenv.Missing(t, fmt.Sprintf("axe-core is not installed (run `npm ci` in %s): %v", axeDir, err))
	}
	return string(b)
}

// Axe runs axe-core (the WCAG 2.0/2.1 A and AA rules) on the page open in
// ctx and returns the serious and critical violations.
func Axe(ctx context.Context, script string) ([]AxeViolation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script+"\n;true")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)})))`
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return vs, nil
}

// Overflow reports how far the page is wider than its window (0: no
// horizontal scrolling).
func Overflow(ctx context.Context) (int, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
}
