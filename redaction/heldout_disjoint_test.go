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

// TestHeldoutPoolsDisjoint checks that the round-4 and round-5 held-out
// parts' filler pools (testdata/gen/fresh4.go, fresh5.go, fresh6.go) share no word with any other
// part's pools or with the dev corpus, heads and particles excepted: their
// names, places, employers, chains and schools were never seen while the
// rules were written. A clash is reported by pool name only.
func TestHeldoutPoolsDisjoint(t *testing.T) {
	structural := set(`and county street avenue road lane drive way terrace rd circle pike ave elementary middle high school
		academy christian van la ten de da del le bin st saint bottling lube springs staffing plastics fabrication concrete
		trucking lumber welding dairy roofing bakery paving masonry electric`)
	pw := poolWords(t)
	if len(pw) < 5 {
		t.Fatalf("pools literals not found (%d)", len(pw))
	}
	dev := map[string]bool{}
	for _, d := range loadCorpus(t) {
		for _, w := range strings.FieldsFunc(d.Text, func(r rune) bool { return r == ' ' || r == '-' || r == '\n' }) {
			dev[strings.ToLower(strings.Trim(w, ".,'\"?!:;()"))] = true
		}
	}
	for _, part := range []string{"fresh4Pools", "fresh5Pools", "fresh6Pools"} {
		mine, ok := pw[part]
		if !ok {
			t.Fatalf("%s not found", part)
		}
		clash := 0
		for w := range mine {
			if structural[w] {
				continue
			}
			for name, ws := range pw {
				if name != part && ws[w] {
					clash++
					t.Errorf("a %s word is also in %s", part, name)
				}
			}
			if dev[w] {
				clash++
				t.Errorf("a %s word occurs in the dev corpus", part)
			}
		}
		if clash == 0 {
			t.Logf("%s: %d pool words, none shared", part, len(mine))
		}
	}
}
