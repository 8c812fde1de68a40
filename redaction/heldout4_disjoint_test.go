package redaction

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// poolWords returns, per pools literal of testdata/gen ("var X = pools{…}"),
// the lower-case words of its strings.
func poolWords(t *testing.T) map[string]map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "gen", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("generator sources not found: %v", err)
	}
	block := regexp.MustCompile(`(?s)var (\w+) = pools\{(.*?)\n\}`)
	quoted := regexp.MustCompile(`"([^"]*)"`)
	out := map[string]map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(src), -1) {
			ws := map[string]bool{}
			for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
				for _, w := range strings.FieldsFunc(q[1], func(r rune) bool { return r == ' ' || r == '-' }) {
					if w = strings.ToLower(strings.Trim(w, ".,'")); w != "" {
						ws[w] = true
					}
				}
			}
			out[m[1]] = ws
		}
	}
	return out
}

// TestHeldout4Disjoint checks that the fourth held-out part's filler pools
// (testdata/gen/fresh4.go) share no word with the other parts' pools or
// with the dev corpus, heads and particles excepted: its names, places,
// employers, chains and schools were never seen while the rules were written.
func TestHeldout4Disjoint(t *testing.T) {
	structural := set(`and county street avenue road lane drive way terrace rd elementary middle high school
		van la ten de da del bottling lube springs staffing`)
	pw := poolWords(t)
	mine, ok := pw["fresh4Pools"]
	if !ok || len(pw) < 4 {
		t.Fatalf("pools literals not found (%d)", len(pw))
	}
	dev := map[string]bool{}
	for _, d := range loadCorpus(t) {
		for _, w := range strings.FieldsFunc(d.Text, func(r rune) bool { return r == ' ' || r == '-' || r == '\n' }) {
			dev[strings.ToLower(strings.Trim(w, ".,'\"?!:;()"))] = true
		}
	}
	clash := 0
	for w := range mine {
		if structural[w] {
			continue
		}
		for name, ws := range pw {
			if name != "fresh4Pools" && ws[w] {
				clash++
				t.Errorf("a fresh4 pool word is also in %s", name)
			}
		}
		if dev[w] {
			clash++
			t.Errorf("a fresh4 pool word occurs in the dev corpus")
		}
	}
	if clash == 0 {
		t.Logf("%d fresh4 pool words, none shared", len(mine))
	}
}
