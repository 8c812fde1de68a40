package summarize

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

var (
	clinicianLines = []string{
		"How did the breathing exercise go when you tried it on %d evenings this week?",
		"What went through your mind when your manager [NAME_2] called you into the office?",
		"On a scale of 0 to 10, how strong was the urge to drink at %d?",
		"Let's write that thought down and look at the evidence for it.",
		"It sounds like the weekend was hard. What helped you get through it?",
		"We have about %d minutes left, so let's plan the next steps.",
	}
	clientLines = []string{
		"I slept about %d hours most nights and woke up tired.",
		"My sister [NAME_3] came over and we argued about money again.",
		"I went for a walk %d times, which helped with the anxiety a little.",
		"At work I kept thinking everyone could see I was struggling.",
		"I skipped the meeting on Thursday because I felt exhausted.",
		"The cravings were worst in the evening, maybe a %d out of 10.",
		"I called my sponsor [NAME_4] instead of going to the bar.",
	}
)

// syntheticSession makes n segments of a long, redacted, made-up session,
// alternating clinician and client every ~2.5 s.
func syntheticSession(n int, seed int64) []transcript.Segment {
	rng := rand.New(rand.NewSource(seed))
	segs := make([]transcript.Segment, n)
	t := int64(0)
	for i := range segs {
		pool, speaker := clientLines, "client"
		if i%2 == 0 {
			pool, speaker = clinicianLines, "clinician"
		}
		line := pool[rng.Intn(len(pool))]
		if strings.Contains(line, "%d") {
			line = fmt.Sprintf(line, 2+rng.Intn(8))
		}
		dur := int64(1500 + rng.Intn(2000))
		segs[i] = transcript.Segment{Speaker: speaker, StartMS: t, EndMS: t + dur, Text: line}
		t += dur + 500
	}
	transcript.AssignIDs(segs)
	return segs
}

// extractReply answers a pass-1 window: every fifth segment becomes a
// statement in a section, citing that segment; a clinician line about
// next steps goes to the plan, a client line to the focus section.
func extractReply(f prompts.Format, segs map[string]transcript.Segment, ids []string) string {
	c := map[string][]stmt{}
	plan, _ := f.SectionByRole(prompts.RolePlan)
	focus, _ := f.SectionByRole(prompts.RoleFocus)
	for i, id := range ids {
		if i%5 != 0 {
			continue
		}
		s := segs[id]
		key := focus.Key
		if s.Speaker == "clinician" {
			key = plan.Key
		}
		c[key] = append(c[key], stmt{Text: transcript.Label(s.Speaker) + " said: " + s.Text, Citations: []string{id}})
	}
	return noteJSON(f, c)
}

// composeReply answers pass 2 with every extracted statement, deduplicated
// by text with the union of citations.
func composeReply(f prompts.Format, ex []prompts.Extracted) string {
	c := map[string][]stmt{}
	pos := map[string]int{}
	for _, e := range ex {
		k := e.Section + "\x00" + e.Text
		if i, ok := pos[k]; ok {
			c[e.Section][i].Citations = append(c[e.Section][i].Citations, e.Citations...)
			continue
		}
		pos[k] = len(c[e.Section])
		c[e.Section] = append(c[e.Section], stmt{Text: e.Text, Citations: append([]string(nil), e.Citations...)})
	}
	return noteJSON(f, c)
}

func TestDraftNinetyMinuteSessionTwoPasses(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := syntheticSession(2200, 90) // ≈ 92 minutes
	if last := segs[len(segs)-1].EndMS; last < 90*60*1000 {
		t.Fatalf("synthetic session is only %d ms long", last)
	}
	byID := map[string]transcript.Segment{}
	for _, s := range segs {
		byID[s.ID] = s
	}
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		if req.Extracted != nil {
			return composeReply(f, req.Extracted)
		}
		return extractReply(f, byID, req.SegmentIDs)
	})
	// Room for the extracted statements in one pass-2 prompt (a smaller
	// budget condenses them: TestDraftCondensesStatementsOverBudget).
	const budget = 20000
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{
		SessionID: "long-1", Segments: segs, Format: f, Modality: mustModality(t, "mi"),
		ContextBudgetTokens: budget, Consent: ConsentState{AIScribe: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := fk.calls()
	if res.Passes != 2 || res.Attempts != len(calls) {
		t.Fatalf("passes=%d attempts=%d calls=%d", res.Passes, res.Attempts, len(calls))
	}
	if !strings.HasSuffix(res.PromptVersion, "+extract@1+compose@1") {
		t.Errorf("prompt version %q does not name both passes", res.PromptVersion)
	}
	windows := calls[:len(calls)-1]
	if last := calls[len(calls)-1]; last.Tokens > budget+1 {
		t.Errorf("pass-2 prompt ≈ %d tokens, over the %d budget", last.Tokens, budget)
	}
	if len(windows) < 2 || calls[len(calls)-1].Extracted == nil {
		t.Fatalf("%d windows; last call extracted=%v", len(windows), calls[len(calls)-1].Extracted != nil)
	}
	// Every segment sent, whole, in order; windows consecutive and within budget.
	for _, s := range segs {
		if fk.seen[s.ID] == 0 {
			t.Fatalf("segment %s never sent", s.ID)
		}
	}
	prevLast := -1
	for i, w := range windows {
		if w.Tokens > budget+1 {
			t.Errorf("window %d prompt ≈ %d tokens, over the %d budget", i+1, w.Tokens, budget)
		}
		first := indexOf(segs, w.SegmentIDs[0])
		if first > prevLast+1 || first < prevLast-2 {
			t.Errorf("window %d starts at segment %d after previous ended at %d (gap or large overlap)", i+1, first, prevLast)
		}
		for j, id := range w.SegmentIDs {
			if indexOf(segs, id) != first+j {
				t.Fatalf("window %d is not consecutive at %s", i+1, id)
			}
		}
		prevLast = first + len(w.SegmentIDs) - 1
	}
	if prevLast != len(segs)-1 {
		t.Errorf("last window ends at %d of %d", prevLast, len(segs))
	}
	// Pass 2 received every extracted statement and the note kept citations.
	extracted := 0
	for _, w := range windows {
		extracted += (len(w.SegmentIDs) + 4) / 5
	}
	if got := len(calls[len(calls)-1].Extracted); got != extracted {
		t.Errorf("pass 2 got %d extracted statements, want %d", got, extracted)
	}
	statements, unsupported := 0, 0
	for _, sec := range res.Note.Sections {
		for _, st := range sec.Statements {
			statements++
			if len(st.Citations) == 0 {
				t.Fatalf("statement lost its citations")
			}
			if st.Unsupported {
				unsupported++
			}
		}
	}
	if statements == 0 || unsupported != 0 {
		t.Errorf("%d statements, %d unsupported", statements, unsupported)
	}
	t.Logf("90-minute session: %d segments, %d windows, %d extracted statements, %d in the note", len(segs), len(windows), extracted, statements)
}

func indexOf(segs []transcript.Segment, id string) int {
	for i, s := range segs {
		if s.ID == id {
			return i
		}
	}
	return -1
}

func TestWindowsCoverEverySegment(t *testing.T) {
	segs := syntheticSession(300, 3)
	huge := strings.Repeat("word ", 400)
	segs[100].Text = huge // bigger than the room on its own
	ws := windows(segs, 300)
	next := 0
	for _, w := range ws {
		if indexOf(segs, w[0].ID) > next {
			t.Fatalf("gap before %s", w[0].ID)
		}
		next = indexOf(segs, w[len(w)-1].ID) + 1
		size := 0
		for _, s := range w {
			size += EstimateTokens(prompts.SegmentLine(s))
		}
		if size > 300 && len(w) > 1 {
			t.Errorf("window of %d segments is %d tokens, over 300", len(w), size)
		}
		for _, s := range w {
			if s.ID == segs[100].ID && s.Text != huge {
				t.Error("oversized segment was cut")
			}
		}
	}
	if next != len(segs) {
		t.Errorf("windows end at %d of %d", next, len(segs))
	}
}

// instantLLM answers in-process with a canned note; it is the benchmark's
// stand-in for a provider so that only Scribe's own work is measured.
type instantLLM struct{ reply string }

func (l instantLLM) Chat(_ context.Context, req ChatRequest) (ChatResponse, error) {
	if req.Schema == nil || len(req.Messages) < 2 {
		return ChatResponse{}, fmt.Errorf("instantLLM: request without schema or messages")
	}
	return ChatResponse{Content: l.reply, Model: "instant", Usage: Usage{Prompt: len(req.Messages[1].Content) / 4, Completion: len(l.reply) / 4}}, nil
}

func BenchmarkDraftOverhead60Min(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler)) // measure drafting, not log output
	b.Cleanup(func() { slog.SetDefault(prev) })
	f := mustFormat(b, "soap")
	segs := syntheticSession(800, 60)
	size := 0
	byID := map[string]transcript.Segment{}
	var ids []string
	for _, s := range segs {
		size += len(s.Text) + len(s.ID) + 20
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	reply := extractReply(f, byID, ids) // 160 statements citing real segments
	var check map[string]any
	if err := json.Unmarshal([]byte(reply), &check); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		budget int
		passes int
	}{{"single_pass", 32000, 1}, {"two_pass_8k", 8000, 2}} {
		b.Run(c.name, func(b *testing.B) {
			in := NoteInput{SessionID: "bench", Segments: segs, Format: f, ContextBudgetTokens: c.budget, Consent: ConsentState{AIScribe: true}}
			res, err := Draft(context.Background(), instantLLM{reply}, in)
			// The instant model answers every window with all 160
			// statements, so pass 2 is over budget and tries to condense.
			if err != nil || res.Passes < c.passes {
				b.Fatalf("passes=%d err=%v", res.Passes, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Draft(context.Background(), instantLLM{reply}, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/draft")
			b.ReportMetric(float64(size)/1024, "KB/transcript")
		})
	}
}

// condenseReply answers a pass-2 call by merging every four statements of a
// section into one (the first one's text, all their citations): what a model
// does when asked to compose a note from many overlapping statements.
func condenseReply(f prompts.Format, ex []prompts.Extracted) string {
	c := map[string][]stmt{}
	n := map[string]int{}
	for _, e := range ex {
		if n[e.Section]%4 == 0 {
			c[e.Section] = append(c[e.Section], stmt{Text: e.Text})
		}
		last := &c[e.Section][len(c[e.Section])-1]
		last.Citations = append(last.Citations, e.Citations...)
		n[e.Section]++
	}
	return noteJSON(f, c)
}

// TestDraftCondensesStatementsOverBudget: when the statements extracted from
// a long session do not fit one pass-2 prompt under a small context budget,
// they are composed in batches that fit and the batches' statements composed
// again; every prompt stays within the budget and no citation is lost.
func TestDraftCondensesStatementsOverBudget(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := syntheticSession(2200, 91)
	byID := map[string]transcript.Segment{}
	for _, s := range segs {
		byID[s.ID] = s
	}
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		if req.Extracted != nil {
			return condenseReply(f, req.Extracted)
		}
		return extractReply(f, byID, req.SegmentIDs)
	})
	const budget = 3000
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{
		SessionID: "long-2", Segments: segs, Format: f, Modality: mustModality(t, "cbt"),
		ContextBudgetTokens: budget, Consent: ConsentState{AIScribe: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := fk.calls()
	var composes []request
	extractedCites := map[string]bool{}
	for _, c := range calls {
		if c.Tokens > budget+1 {
			t.Errorf("a prompt of ≈ %d tokens is over the %d budget (extracted=%v)", c.Tokens, budget, c.Extracted != nil)
		}
		if c.Extracted != nil {
			composes = append(composes, c)
		} else {
			for i, id := range c.SegmentIDs {
				if i%5 == 0 {
					extractedCites[id] = true
				}
			}
		}
	}
	if len(composes) < 3 || res.Passes < 3 {
		t.Fatalf("%d pass-2 calls, %d passes: the statements were not condensed in batches", len(composes), res.Passes)
	}
	noteCites := map[string]bool{}
	for _, sec := range res.Note.Sections {
		for _, st := range sec.Statements {
			if st.Unsupported {
				t.Errorf("statement %q unsupported after condensing", st.Text)
			}
			for _, c := range st.Citations {
				noteCites[c] = true
			}
		}
	}
	for id := range extractedCites {
		if !noteCites[id] {
			t.Fatalf("citation %s extracted in pass 1 is missing from the note", id)
		}
	}
	t.Logf("budget %d: %d calls, %d of them pass 2, %d passes; %d citations kept", budget, len(calls), len(composes), res.Passes, len(noteCites))
}

// TestDraftCondenseWithoutProgressSendsAll: a model that does not shrink the
// statements when composing batches stops the condensing after one round;
// the final prompt then carries every statement (over the budget, with a
// warning) rather than dropping any.
func TestDraftCondenseWithoutProgressSendsAll(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := syntheticSession(2200, 92)
	byID := map[string]transcript.Segment{}
	for _, s := range segs {
		byID[s.ID] = s
	}
	var extracted int
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		if req.Extracted != nil { // every statement back, verbatim
			c := map[string][]stmt{}
			for _, e := range req.Extracted {
				c[e.Section] = append(c[e.Section], stmt{Text: e.Text, Citations: e.Citations})
			}
			return noteJSON(f, c)
		}
		extracted += (len(req.SegmentIDs) + 4) / 5
		return extractReply(f, byID, req.SegmentIDs)
	})
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{
		SessionID: "long-3", Segments: segs, Format: f, Modality: mustModality(t, "cbt"),
		ContextBudgetTokens: 3000, Consent: ConsentState{AIScribe: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := fk.calls()
	last := calls[len(calls)-1]
	if res.Passes != 3 || len(last.Extracted) != extracted {
		t.Fatalf("passes %d, final prompt has %d statements of %d: want one condense round, then everything", res.Passes, len(last.Extracted), extracted)
	}
}
