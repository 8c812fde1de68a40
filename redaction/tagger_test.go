package redaction

import (
	"slices"
	"strings"
	"testing"
)

// TestTaggerWeightsLoad: the embedded weights decode, and weights of another
// version or damaged ones are refused with a clear error.
func TestTaggerWeightsLoad(t *testing.T) {
	m, err := loadTagger()
	if err != nil {
		t.Fatal(err)
	}
	nonzero := 0
	for _, v := range m.w {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero < 1000 {
		t.Fatalf("embedded tagger has %d non-zero weights: not trained (run go generate ./redaction)", nonzero)
	}
	if _, err := decodeTagger(taggerData[:len(taggerData)/2]); err == nil {
		t.Fatal("truncated weights accepted")
	}
	if _, err := decodeTagger(encodeTagger(m.w[:len(m.w)-5], m.threshold)); err == nil || !strings.Contains(err.Error(), "go generate") {
		t.Fatalf("weights of the wrong size: err = %v, want one naming the fix", err)
	}
}

// TestTaggerOnlyAdds: the statistical layer never removes or changes a span
// the rules found: on the dev corpus and the independent tuning part, every
// span found without the tagger is found, unchanged, with it.
func TestTaggerOnlyAdds(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	noTag := *g
	noTag.tag = nil
	texts := []string{}
	for _, d := range loadCorpus(t) {
		texts = append(texts, d.Text)
	}
	for _, d := range loadIndep(t, "indep-tune.jsonl") {
		texts = append(texts, d.Text)
	}
	added := 0
	for n, text := range texts {
		without := resolve(newDetector(&noTag, text).run())
		with := resolve(newDetector(g, text).run())
		have := map[[2]int]string{}
		for _, c := range with {
			have[[2]int{c.s, c.e}] = c.typ
		}
		for _, c := range without {
			if typ, ok := have[[2]int{c.s, c.e}]; !ok || typ != c.typ {
				t.Fatalf("document %d: the tagger removed or retyped a %s span at bytes %d-%d", n, c.typ, c.s, c.e)
			}
		}
		added += len(with) - len(without)
	}
	if added == 0 {
		t.Fatal("the tagger added nothing on either corpus")
	}
	t.Logf("%d spans added by the tagger over %d documents", added, len(texts))
}

// TestTaggerShapes: identifiers that no rule finds and the tagger, trained
// only on the third generator's text, does (made-up examples).
func TestTaggerShapes(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	noTag := *g
	noTag.tag = nil
	for _, tc := range []struct{ name, text, want string }{
		// (the rules find spelled plates with the letter I since round 3)
		{"an employer left lower-case in cased text", "client: I work second shift at vandermolen poultry now", "ORG vandermolen poultry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans := func(g *gazetteers) []string {
				var out []string
				for _, c := range resolve(newDetector(g, tc.text).run()) {
					out = append(out, c.typ+" "+tc.text[c.s:c.e])
				}
				return out
			}
			if got := spans(&noTag); slices.Contains(got, tc.want) {
				t.Fatalf("the rules alone find %q: the example does not test the tagger", tc.want)
			}
			if got := spans(g); !slices.Contains(got, tc.want) {
				t.Fatalf("got spans %q, want %q among them", got, tc.want)
			}
		})
	}
}

// TestSaintPlaces: a place or facility named after a saint, with its heads
// and the hospital abbreviations (made-up names).
func TestSaintPlaces(t *testing.T) {
	checkSpans(t, []spanCase{
		{"lower-case ER", "client: they took me to saint wendeline er that night", []string{"LOCATION saint wendeline er"}},
		{"cased, two heads", "Client: She was at Saint Orsola Medical Center for a week.", []string{"LOCATION Saint Orsola Medical Center"}},
		{"no head", "client: we drove up to saint perpetine last summer", []string{"LOCATION saint perpetine"}},
		{"St. and ICU", "Client: He is in the St. Wendeline ICU now.", []string{"LOCATION St. Wendeline ICU"}},
		{"saint alone", "client: she is no saint you know", nil},
	})
}
