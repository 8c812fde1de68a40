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

// TestTagLineFormsSame: the tagger's fast path (form sums, tagLineForms)
// gives the same tags and margins as the features computed token by token
// (tagLine), over every line of the dev corpus and the independent parts,
// for the embedded weights and for random ones, with the detector's
// buffers switching between the two models; and the same spans.
func TestTagLineFormsSame(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	rnd := &taggerModel{w: make([]int16, len(g.tag.w))}
	x := uint64(88172645463325252)
	for i := range rnd.w {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		rnd.w[i] = int16(x)
	}
	rnd.setRows()
	texts := []string{}
	for _, d := range loadCorpus(t) {
		texts = append(texts, d.Text)
	}
	for _, f := range []string{"indep-tune.jsonl", "indep-heldout.jsonl", "indep-heldout5.jsonl"} {
		for _, d := range loadIndep(t, f) {
			texts = append(texts, d.Text, strings.ToLower(d.Text))
		}
	}
	lines := 0
	for n, text := range texts {
		d := newDetector(g, text)
		for _, m := range []*taggerModel{g.tag, rnd, g.tag} {
			d.lines(func(a, b int) {
				lines++
				slow := make([]tokFeat, 0, b-a)
				for i := a; i < b; i++ {
					slow = append(slow, d.tokFeatures(i))
				}
				st, sm := make([]uint8, b-a), make([]int32, b-a)
				m.tagLine(slow, st, sm, nil)
				forms := d.tokForms(m, a, b, nil)
				if forms == nil {
					t.Fatalf("document %d: no form sums", n)
				}
				ft, fm := make([]uint8, b-a), make([]int32, b-a)
				m.tagLineForms(d.bufs.tf, forms, ft, fm)
				if !slices.Equal(st, ft) || !slices.Equal(sm, fm) {
					t.Fatalf("document %d, tokens %d-%d: tags %v margins %v with form sums, %v %v without", n, a, b, ft, fm, st, sm)
				}
			})
		}
		d.release()
		fast := resolve(newDetector(g, text).run())
		ds := newDetector(g, text)
		ds.slowTagger = true
		if slow := resolve(ds.run()); !slices.EqualFunc(fast, slow, func(a, b cand) bool {
			return a.s == b.s && a.e == b.e && a.typ == b.typ && a.prio == b.prio
		}) {
			t.Fatalf("document %d: spans differ with the form sums", n)
		}
	}
	if lines < 1000 {
		t.Fatalf("only %d lines compared", lines)
	}
}
