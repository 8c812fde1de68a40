package eval_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/summarize"
)

func fakeProvider(t *testing.T, name string, q gold.Quality) (eval.Provider, *fakeopenai.Server) {
	t.Helper()
	fake := fakeopenai.New("unused", "model-"+name)
	t.Cleanup(fake.Close)
	fake.CraftNotes(loadGold(t), q)
	llm, err := summarize.NewOpenAI(summarize.Config{Name: name, BaseURL: fake.BaseURL(), Model: "model-" + name, JSONSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	return eval.Provider{Name: name, Model: "model-" + name, LLM: llm, Part2Allowed: true}, fake
}

// TestRunRanksGoodAboveDegraded: the whole gold set through redaction,
// drafting (the go-openai client against the fake), grounding and the gap
// checks, for a fake answering with good notes and one answering with
// degraded notes, in one run. The scores tell them apart on every metric
// the degradation touches, and the good one ranks first whatever the
// order given.
func TestRunRanksGoodAboveDegraded(t *testing.T) {
	bad, badFake := fakeProvider(t, "fake-degraded", gold.Degraded)
	good, goodFake := fakeProvider(t, "fake-good", gold.Good)
	judge, judgeFake := fakeProvider(t, "fake-judge", gold.Good)
	rep, err := eval.Run(context.Background(), eval.Options{Providers: []eval.Provider{bad, good}, Judge: &judge})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Summaries) != 2 || rep.Summaries[0].Provider != "fake-good" || rep.Summaries[0].Rank != 1 || rep.Summaries[1].Rank != 2 {
		t.Fatalf("ranking: %+v", rep.Summaries)
	}
	g, b := rep.Summaries[0], rep.Summaries[1]
	t.Logf("good: %+v", g)
	t.Logf("degraded: %+v", b)
	if g.Notes != len(loadGold(t)) || g.Failed != 0 || b.Failed != 0 {
		t.Fatalf("notes: good %d (failed %d), degraded failed %d", g.Notes, g.Failed, b.Failed)
	}
	if g.OmissionRate != 0 || g.HallucinationRate != 0 || g.CitationPrecision != 1 || g.DistractorLeakage != 0 ||
		g.RiskRecall != 1 || g.MedRecall != 1 || g.MedPrecision != 1 || g.FormatCompliance != 1 {
		for _, sc := range rep.Sessions {
			if sc.Provider == "fake-good" && (len(sc.Missing)+len(sc.Hallucinated)+len(sc.WrongCitations)+len(sc.Leaks) > 0 || !sc.Format.Compliant) {
				t.Logf("%s: missing %v hallucinated %v citations %v leaks %v format %+v", sc.Session, sc.Missing, sc.Hallucinated, sc.WrongCitations, sc.Leaks, sc.Format)
			}
		}
		t.Errorf("the good fake is not scored perfect: %+v", g)
	}
	for _, c := range []struct {
		metric   string
		good, bd float64
		higherOK bool
	}{
		{"omission rate", g.OmissionRate, b.OmissionRate, false},
		{"hallucination rate", g.HallucinationRate, b.HallucinationRate, false},
		{"distractor leakage", g.DistractorLeakage, b.DistractorLeakage, false},
		{"citation precision", g.CitationPrecision, b.CitationPrecision, true},
		{"risk recall", g.RiskRecall, b.RiskRecall, true},
		{"medication recall", g.MedRecall, b.MedRecall, true},
		{"medication precision", g.MedPrecision, b.MedPrecision, true},
		{"format compliance", g.FormatCompliance, b.FormatCompliance, true},
	} {
		if c.higherOK && !(c.good > c.bd) || !c.higherOK && !(c.good < c.bd) {
			t.Errorf("%s does not tell them apart: good %.3f, degraded %.3f", c.metric, c.good, c.bd)
		}
	}
	if g.Judge != nil && b.Judge != nil {
		t.Logf("judge: good %+v, degraded %+v", *g.Judge, *b.Judge)
	}
	if g.Judge == nil || b.Judge == nil || !(g.Judge.OmissionRate < b.Judge.OmissionRate) || !(g.Judge.UnsupportedRate < b.Judge.UnsupportedRate) {
		t.Errorf("judge figures: good %+v, degraded %+v", g.Judge, b.Judge)
	}
	for name, f := range map[string]*fakeopenai.Server{"good": goodFake, "degraded": badFake, "judge": judgeFake} {
		if p := f.Problems(); len(p) > 0 {
			t.Errorf("the %s fake saw problems: %v", name, p)
		}
	}
	// The degraded fake's first replies leave out a required section:
	// drafting repaired them, one retry a session.
	if got, want := badFake.Requests(fakeopenai.ChatCompletions), 2*g.Notes; got < want {
		t.Errorf("the degraded fake answered %d requests, want at least %d (a repair retry each)", got, want)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "SYNTHETIC") || !strings.Contains(text.String(), "omission rate") {
		t.Errorf("text report:\n%s", text.String())
	}
}

// TestRunLongSessionTwoPasses: with a small context budget the 90-minute
// session is drafted in two passes (windows, then composition), as in
// production; the good fake still scores perfect and the degraded one
// does not.
func TestRunLongSessionTwoPasses(t *testing.T) {
	long := sessionByID(t, "long-extended-assessment")
	// Two budgets, so the windows are cut at different turns.
	for _, budget := range []int{1500, 1800} {
		t.Run(strconv.Itoa(budget), func(t *testing.T) { twoPasses(t, long, budget) })
	}
}

func twoPasses(t *testing.T, long *gold.Session, budget int) {
	good, _ := fakeProvider(t, "fake-good", gold.Good)
	bad, _ := fakeProvider(t, "fake-degraded", gold.Degraded)
	good.ContextTokens, bad.ContextTokens = budget, budget
	rep, err := eval.Run(context.Background(), eval.Options{Sessions: []*gold.Session{long}, Providers: []eval.Provider{good, bad}})
	if err != nil {
		t.Fatal(err)
	}
	g, b := rep.Summaries[0], rep.Summaries[1]
	if g.Provider != "fake-good" || g.Failed != 0 || g.OmissionRate != 0 || g.HallucinationRate != 0 || g.DistractorLeakage != 0 {
		t.Errorf("good, two passes: %+v %+v", g, rep.Sessions)
	}
	if b.OmissionRate == 0 || b.DistractorLeakage == 0 {
		t.Errorf("degraded, two passes: %+v", b)
	}
	for _, sc := range rep.Sessions {
		if sc.Passes < 2 {
			t.Errorf("%s: drafted in %d pass(es), want two", sc.Provider, sc.Passes)
		}
	}
	if tokens := g.MeanPromptTokens; tokens == 0 {
		t.Error("no tokens counted")
	}
}
