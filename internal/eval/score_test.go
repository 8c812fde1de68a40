package eval_test

import (
	"testing"

	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

func loadGold(t testing.TB) []*gold.Session {
	t.Helper()
	s, err := gold.Load()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sessionByID(t testing.TB, id string) *gold.Session {
	t.Helper()
	for _, s := range loadGold(t) {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no gold session %q", id)
	return nil
}

// crafted turns a crafted note into the drafting result Draft would give
// for it: grounded by the pipeline's grounding, one pass, one attempt.
func crafted(s *gold.Session, f prompts.Format, c gold.Crafted, edit func(*summarize.Note)) (summarize.Result, []transcript.Segment) {
	n := summarize.Note{Format: f.ID}
	for _, fs := range f.Sections {
		sec := summarize.Section{Key: fs.Key, Title: fs.Title}
		for _, st := range c.Sections[fs.Key] {
			sec.Statements = append(sec.Statements, summarize.Statement{Text: st.Text, Citations: append([]string(nil), st.Citations...)})
		}
		n.Sections = append(n.Sections, sec)
	}
	if edit != nil {
		edit(&n)
	}
	segs := eval.Segments(s)
	summarize.Ground(segs, &n)
	return summarize.Result{Note: n, Passes: 1, Attempts: 1}, segs
}

func scorePerfect(t *testing.T, s *gold.Session, edit func(*summarize.Note)) eval.SessionScore {
	t.Helper()
	f, err := prompts.FormatByID(s.Template)
	if err != nil {
		t.Fatal(err)
	}
	res, segs := crafted(s, f, gold.Craft(s, f, gold.Good, nil), edit)
	return eval.Score(s, f, segs, res)
}

// TestScorePerfectNotes: the good crafted note of every gold session scores
// 0 % omissions and 0 % hallucinations, every citation supports its
// statement, every risk fact is in the risk assessment, every medication is
// named, nothing leaks and the template is kept.
func TestScorePerfectNotes(t *testing.T) {
	for _, s := range loadGold(t) {
		sc := scorePerfect(t, s, nil)
		sum := eval.Summarize("perfect", []eval.SessionScore{sc})
		if sum.OmissionRate != 0 || sum.HallucinationRate != 0 || len(sc.Missing) != 0 || len(sc.Hallucinated) != 0 {
			t.Errorf("%s: omissions %.3f %v, hallucinations %.3f %v", s.ID, sum.OmissionRate, sc.Missing, sum.HallucinationRate, sc.Hallucinated)
		}
		if sum.CitationPrecision != 1 || sum.RiskRecall != 1 || sum.RiskPrecision != 1 || sum.MedRecall != 1 || sum.MedPrecision != 1 ||
			sum.DistractorLeakage != 0 || sum.FormatCompliance != 1 {
			t.Errorf("%s: perfect note scored %+v (wrong citations %v, med errors %v, leaks %v, format %+v)", s.ID, sum, sc.WrongCitations, sc.MedErrors, sc.Leaks, sc.Format)
		}
	}
}

// findStatement locates the statement with the text.
func findStatement(t *testing.T, n *summarize.Note, text string) (int, int) {
	t.Helper()
	for i, sec := range n.Sections {
		for j, st := range sec.Statements {
			if st.Text == text {
				return i, j
			}
		}
	}
	t.Fatalf("no statement %q", text)
	return 0, 0
}

func factByID(t *testing.T, s *gold.Session, id string) gold.Fact {
	t.Helper()
	for _, f := range s.Facts {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("%s has no fact %s", s.ID, id)
	return gold.Fact{}
}

// TestScoreCatchesEachDefect: one defect at a time, each caught by its own
// metric and by no other.
func TestScoreCatchesEachDefect(t *testing.T) {
	s := sessionByID(t, "intake-gad")
	k1 := factByID(t, s, "k1")
	clean := func(t *testing.T, sc eval.SessionScore, except ...string) {
		t.Helper()
		not := func(what string) bool {
			for _, e := range except {
				if e == what {
					return false
				}
			}
			return true
		}
		if not("missing") && len(sc.Missing) != 0 {
			t.Errorf("omissions reported: %v", sc.Missing)
		}
		if not("hallucinated") && len(sc.Hallucinated) != 0 {
			t.Errorf("hallucinations reported: %v", sc.Hallucinated)
		}
		if not("citation") && len(sc.WrongCitations) != 0 {
			t.Errorf("wrong citations reported: %v", sc.WrongCitations)
		}
		if not("leak") && len(sc.Leaks) != 0 {
			t.Errorf("leaks reported: %v", sc.Leaks)
		}
	}

	t.Run("missing key fact", func(t *testing.T) {
		sc := scorePerfect(t, s, func(n *summarize.Note) {
			i, j := findStatement(t, n, k1.Note)
			n.Sections[i].Statements = append(n.Sections[i].Statements[:j], n.Sections[i].Statements[j+1:]...)
		})
		if len(sc.Missing) != 1 || sc.Missing[0].Item != "k1" {
			t.Fatalf("missing = %v, want k1 alone", sc.Missing)
		}
		if sum := eval.Summarize("x", []eval.SessionScore{sc}); sum.OmissionRate != 1/float64(sc.Facts) {
			t.Errorf("omission rate %.3f, want 1/%d", sum.OmissionRate, sc.Facts)
		}
		clean(t, sc, "missing")
	})

	t.Run("invented medication", func(t *testing.T) {
		sc := scorePerfect(t, s, func(n *summarize.Note) {
			for i := range n.Sections {
				if n.Sections[i].Key == "medications" {
					n.Sections[i].Statements = append(n.Sections[i].Statements, summarize.Statement{Text: "Client takes lorazepam 1 mg at night.", Citations: []string{"S0006"}})
				}
			}
		})
		if sc.Contradicting != 1 || len(sc.Hallucinated) != 1 {
			t.Fatalf("hallucinated = %v (contradicting %d), want the invented medication", sc.Hallucinated, sc.Contradicting)
		}
		if sc.MedMentions-sc.MedCorrect != 1 || len(sc.MedErrors) != 1 {
			t.Errorf("medication precision missed it: %d of %d correct, %v", sc.MedCorrect, sc.MedMentions, sc.MedErrors)
		}
		if sum := eval.Summarize("x", []eval.SessionScore{sc}); sum.HallucinationRate <= 0 || sum.MedPrecision >= 1 {
			t.Errorf("summary: hallucination %.3f, medication precision %.3f", sum.HallucinationRate, sum.MedPrecision)
		}
		clean(t, sc, "hallucinated", "citation") // its cited segment does not support it either
	})

	t.Run("wrong segment cited", func(t *testing.T) {
		sc := scorePerfect(t, s, func(n *summarize.Note) {
			i, j := findStatement(t, n, k1.Note)
			n.Sections[i].Statements[j].Citations = []string{"S0009"} // the risk question, not the worry
		})
		if len(sc.WrongCitations) != 1 {
			t.Fatalf("wrong citations = %v, want one", sc.WrongCitations)
		}
		if sum := eval.Summarize("x", []eval.SessionScore{sc}); sum.CitationPrecision >= 1 {
			t.Errorf("citation precision %.3f, want below 1", sum.CitationPrecision)
		}
		if len(sc.Missing) != 0 || len(sc.Leaks) != 0 {
			t.Errorf("a wrong citation was reported as an omission or a leak: %v %v", sc.Missing, sc.Leaks)
		}
	})

	t.Run("distractor stated as fact", func(t *testing.T) {
		// The refused sertraline, stated as taken.
		sc := scorePerfect(t, s, func(n *summarize.Note) {
			n.Sections[0].Statements = append(n.Sections[0].Statements, summarize.Statement{Text: "Client takes sertraline as prescribed.", Citations: []string{"S0008"}})
		})
		if len(sc.Leaks) != 1 {
			t.Fatalf("leaks = %v, want the refused sertraline", sc.Leaks)
		}
		if sum := eval.Summarize("x", []eval.SessionScore{sc}); sum.DistractorLeakage != 1/float64(sc.Distractors) {
			t.Errorf("leakage %.3f, want 1/%d", sum.DistractorLeakage, sc.Distractors)
		}
		if len(sc.Missing) != 0 {
			t.Errorf("omissions reported: %v", sc.Missing)
		}
	})

	t.Run("relative's diagnosis stated as the client's", func(t *testing.T) {
		d := sessionByID(t, "intake-depression")
		sc := scorePerfect(t, d, func(n *summarize.Note) {
			n.Sections[0].Statements = append(n.Sections[0].Statements, summarize.Statement{Text: "Client has bipolar disorder.", Citations: []string{"S0010"}})
		})
		if len(sc.Leaks) != 1 || sc.Leaks[0].Item != "d1" {
			t.Fatalf("leaks = %v, want d1", sc.Leaks)
		}
		clean(t, sc, "leak")
	})

	t.Run("statement contradicting its segment", func(t *testing.T) {
		d := sessionByID(t, "intake-depression")
		sc := scorePerfect(t, d, func(n *summarize.Note) {
			n.Sections[0].Statements = append(n.Sections[0].Statements, summarize.Statement{Text: "Client has had thoughts of killing themself.", Citations: []string{"S0008"}})
		})
		if sc.Contradicting != 1 || sc.Unsupported != 0 || len(sc.Hallucinated) != 1 {
			t.Fatalf("contradicting %d, unsupported %d, hallucinated %v: want the one contradiction", sc.Contradicting, sc.Unsupported, sc.Hallucinated)
		}
		if sum := eval.Summarize("x", []eval.SessionScore{sc}); sum.ContradictionRate <= 0 {
			t.Errorf("contradiction rate %.3f", sum.ContradictionRate)
		}
	})

	t.Run("risk fact outside the risk assessment", func(t *testing.T) {
		r1 := factByID(t, s, "r1")
		sc := scorePerfect(t, s, func(n *summarize.Note) {
			i, j := findStatement(t, n, r1.Note)
			st := n.Sections[i].Statements[j]
			n.Sections[i].Statements = append(n.Sections[i].Statements[:j], n.Sections[i].Statements[j+1:]...)
			n.Sections[0].Statements = append(n.Sections[0].Statements, st)
		})
		if sc.RiskFound != sc.RiskFacts-1 || sc.Format.Compliant {
			t.Fatalf("risk found %d of %d, format %+v: want the risk fact missed in the risk assessment and the note out of format", sc.RiskFound, sc.RiskFacts, sc.Format)
		}
		if len(sc.Missing) != 0 {
			t.Errorf("a misplaced fact counted as omitted: %v", sc.Missing)
		}
	})

	t.Run("the relative's diagnosis attributed is no leak", func(t *testing.T) {
		d := sessionByID(t, "intake-depression")
		sc := scorePerfect(t, d, func(n *summarize.Note) {
			n.Sections[0].Statements = append(n.Sections[0].Statements, summarize.Statement{Text: "Client's mother was diagnosed with bipolar disorder.", Citations: []string{"S0010"}})
		})
		clean(t, sc)
	})
}
