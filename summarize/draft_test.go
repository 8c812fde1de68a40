package summarize

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

func individualSession() []transcript.Segment {
	return session(
		"clinician: Good to see you, [NAME_1]. How has the week been since we last met?",
		"client: Honestly pretty rough. I've been sleeping maybe four hours a night and waking up at 3 am.",
		"clinician: That sounds exhausting. What has been on your mind when you wake up?",
		"client: Mostly work. My manager [NAME_2] moved the deadline and I keep worrying I'll get fired.",
		"clinician: So the thought is that you will get fired. On a scale of 0 to 10, how anxious does that thought make you?",
		"client: About an 8.",
		"clinician: Let's look at the evidence for and against that thought, like we practiced with the thought record.",
		"client: I guess my last review was good. Nobody has said anything about firing me.",
		"client: When I look at it that way my anxiety drops to maybe a 5.",
		"clinician: Have you had any thoughts of hurting yourself or of suicide this week?",
		"client: No, nothing like that. I'm not having any thoughts of suicide.",
		"clinician: For homework, fill in two thought records before next session, and we'll meet again next Tuesday at 4.",
		"client: Okay, I can do two thought records.",
	)
}

func groupSession() []transcript.Segment {
	return session(
		"facilitator: Welcome back everyone. Today's group topic is coping with cravings on weekends.",
		"participant 1: Saturday was hard for me. I had strong cravings after the party but I called my sponsor.",
		"participant 2: I've been sober for 30 days now. Weekends are easier since I started going to meetings.",
		"facilitator: Let's practice urge surfing together. Notice the craving, rate it, and breathe through it.",
		"participant 1: My craving went from a 7 down to a 4 during the exercise.",
		"facilitator: Next week we meet Thursday at 6 and the topic will be relapse prevention plans.",
	)
}

// happyReply answers with a well-grounded note for whichever format f is.
func happyReply(f prompts.Format, group bool) string {
	c := map[string][]stmt{}
	put := func(role string, s ...stmt) {
		if sec, ok := f.SectionByRole(role); ok {
			c[sec.Key] = append(c[sec.Key], s...)
		}
	}
	var other []string
	for _, s := range f.Sections {
		if s.Role == "" {
			other = append(other, s.Key)
		}
	}
	if group {
		put(prompts.RoleFocus, stmt{"Group topic was coping with cravings on weekends.", []string{"S0001"}})
		put(prompts.RolePlan, stmt{"Next group meets Thursday at 6; topic relapse prevention plans.", []string{"S0006"}})
		c[other[0]] = append(c[other[0]], stmt{"Facilitator led urge surfing practice: notice the craving, rate it, breathe through it.", []string{"S0004"}})
		c[other[1]] = append(c[other[1]],
			stmt{"Participant 1 reports strong cravings after a party on Saturday and called a sponsor.", []string{"S0002"}},
			stmt{"Participant 2 reports 30 days sober and attending meetings.", []string{"S0003"}})
		c[other[2]] = append(c[other[2]], stmt{"Participant 1 craving rating went from 7 to 4 during the exercise.", []string{"S0005"}})
		return noteJSON(f, c)
	}
	put(prompts.RoleFocus, stmt{"Client reports worrying about getting fired after [NAME_2] moved a work deadline.", []string{"S0004"}})
	put(prompts.RoleRisk, stmt{"Client denies thoughts of suicide or hurting self this week.", []string{"S0010", "S0011"}})
	put(prompts.RolePlan,
		stmt{"Homework: complete two thought records before next session.", []string{"S0012", "S0013"}},
		stmt{"Next appointment Tuesday at 4.", []string{"S0012"}})
	c[other[0]] = append(c[other[0]], stmt{"Client reports sleeping about four hours a night and waking at 3 am.", []string{"S0002"}})
	if len(other) > 1 {
		c[other[1]] = append(c[other[1]], stmt{"Clinician reviewed evidence for and against the thought using the thought record.", []string{"S0007", "S0008"}})
	}
	if len(other) > 2 {
		c[other[2]] = append(c[other[2]], stmt{"Anxiety rating dropped from 8 to 5 after looking at the evidence.", []string{"S0006", "S0009"}})
	}
	return noteJSON(f, c)
}

func TestDraftHappyPathPerFormat(t *testing.T) {
	for _, id := range []string{"soap", "dap", "birp", "girp", "group"} {
		t.Run(id, func(t *testing.T) {
			f := mustFormat(t, id)
			group := id == "group"
			segs := individualSession()
			if group {
				segs = groupSession()
			}
			fk := newFake(t, f, segs, "json_schema", func(int, request) string { return happyReply(f, group) })
			res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{
				SessionID: "sess-" + id, Segments: segs, Format: f, Modality: mustModality(t, "cbt"), Group: group,
				Program: "mh", Consent: ConsentState{AIScribe: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			calls := fk.calls()
			if len(calls) != 1 || res.Attempts != 1 || res.Passes != 1 {
				t.Fatalf("calls=%d attempts=%d passes=%d, want 1/1/1", len(calls), res.Attempts, res.Passes)
			}
			if len(calls[0].SegmentIDs) != len(segs) {
				t.Errorf("sent %d segments, want %d", len(calls[0].SegmentIDs), len(segs))
			}
			if want := "system@1+" + f.VersionString() + "+cbt@1"; res.PromptVersion != want {
				t.Errorf("prompt version = %q, want %q", res.PromptVersion, want)
			}
			if res.Model != testModel+"-2025" || res.Usage.Total == 0 || res.Usage.Total != res.Usage.Prompt+res.Usage.Completion {
				t.Errorf("model %q usage %+v", res.Model, res.Usage)
			}
			if res.Note.Format != id || len(res.Note.Sections) != len(f.Sections) {
				t.Fatalf("note format %q with %d sections", res.Note.Format, len(res.Note.Sections))
			}
			statements := 0
			for i, sec := range res.Note.Sections {
				if sec.Key != f.Sections[i].Key || sec.Title != f.Sections[i].Title {
					t.Errorf("section %d = %s/%s, want format order", i, sec.Key, sec.Title)
				}
				if sec.NotDiscussed != (len(sec.Statements) == 0) {
					t.Errorf("section %s NotDiscussed=%v with %d statements", sec.Key, sec.NotDiscussed, len(sec.Statements))
				}
				if sec.NotDiscussed && sec.NotDiscussedText != NotDiscussedText {
					t.Errorf("section %s not-discussed text %q", sec.Key, sec.NotDiscussedText)
				}
				for _, st := range sec.Statements {
					statements++
					if st.Unsupported {
						t.Errorf("supported statement flagged in %s: %q (%s)", sec.Key, st.Text, st.UnsupportedReason)
					}
				}
			}
			if statements < 5 {
				t.Errorf("only %d statements", statements)
			}
			if len(res.Flags) != 0 {
				t.Errorf("unexpected flags %+v", res.Flags)
			}
			if res.Latency <= 0 {
				t.Error("latency not measured")
			}
		})
	}
}

func TestDraftRepairsMalformedOutputOnce(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		if call == 0 {
			// Plan missing and citations given as a string.
			return `{"sections": {"subjective": {"statements": [{"text": "Client reports sleeping four hours a night.", "citations": "S0002"}]},
				"objective": {"statements": []}, "assessment": {"statements": []}, "risk": {"statements": []}, "medications": {"statements": []}}}`
		}
		return happyReply(f, false)
	})
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{SessionID: "s1", Segments: segs, Format: f, Consent: ConsentState{AIScribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", res.Attempts)
	}
	calls := fk.calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	retry := calls[1].Messages
	if len(retry) != 4 || retry[2].Role != "assistant" || retry[3].Role != "user" {
		t.Fatalf("retry messages: %d, roles %v", len(retry), retry)
	}
	for _, want := range []string{`missing required section "plan"`, "sections.subjective.statements[0].citations must be an array"} {
		if !strings.Contains(retry[3].Content, want) {
			t.Errorf("retry message lacks validation error %q:\n%s", want, retry[3].Content)
		}
	}
}

func TestDraftMalformedTwiceFails(t *testing.T) {
	f := mustFormat(t, "dap")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		// Invalid JSON that quotes the transcript: the error must not.
		return `{"sections": {"data": {"statements": [{"text": "I keep worrying I'll get fired", "citations": ["S0004"]}` // truncated
	})
	_, err := Draft(context.Background(), fk.llm(t, true), NoteInput{SessionID: "s2", Segments: segs, Format: f, Consent: ConsentState{AIScribe: true}})
	if !errors.Is(err, ErrMalformedOutput) {
		t.Fatalf("err = %v, want ErrMalformedOutput", err)
	}
	if !strings.Contains(err.Error(), "not valid JSON") || !strings.Contains(err.Error(), "s2") {
		t.Errorf("error does not say what was wrong: %v", err)
	}
	if strings.Contains(err.Error(), "fired") || strings.Contains(err.Error(), "worrying") {
		t.Errorf("error quotes transcript text: %v", err)
	}
	if n := len(fk.calls()); n != 2 {
		t.Errorf("%d calls, want 2 (one retry)", n)
	}
}

func TestDraftFlagsUnknownCitations(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_schema", func(int, request) string {
		return noteJSON(f, map[string][]stmt{
			"subjective": {
				{"Client reports sleeping four hours a night.", []string{"S0002", "S0099"}},
				{"Client reports a panic attack at the grocery store.", []string{"S0099"}},
				{"Client reports trouble sleeping.", []string{}},
			},
			"assessment": {{"Client reports worrying about getting fired.", []string{"S0004"}}},
			"plan":       {{"Homework: complete two thought records.", []string{"S0012"}}},
		})
	})
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{SessionID: "s3", Segments: segs, Format: f, Consent: ConsentState{AIScribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Note.Sections[0].Statements
	if len(sub) != 3 {
		t.Fatalf("subjective has %d statements, want all 3 kept", len(sub))
	}
	if !sub[0].Unsupported || !strings.Contains(sub[0].UnsupportedReason, "cites unknown segment S0099") || strings.Join(sub[0].Citations, ",") != "S0002" {
		t.Errorf("statement 0: %+v", sub[0])
	}
	if !sub[1].Unsupported || len(sub[1].Citations) != 0 || !strings.Contains(sub[1].UnsupportedReason, "S0099") {
		t.Errorf("statement 1: %+v", sub[1])
	}
	if !sub[2].Unsupported || sub[2].UnsupportedReason != "no citations" {
		t.Errorf("statement 2: %+v", sub[2])
	}
	if !hasFlag(res.Flags, FlagUnsupportedStatements, SeverityMedium) {
		t.Errorf("flags %+v lack unsupported_statements", res.Flags)
	}
	if !res.Note.Sections[1].NotDiscussed {
		t.Error("objective with no statements is not marked NotDiscussed")
	}
}

func hasFlag(flags []Flag, code, severity string) bool {
	for _, f := range flags {
		if f.Code == code && f.Severity == severity {
			return true
		}
	}
	return false
}

func riskSession() []transcript.Segment {
	return session(
		"clinician: How have things been since our last appointment?",
		"client: Bad. Some nights I think everyone would be better off if I just didn't wake up.",
		"client: I've been drinking more, maybe six beers a night.",
		"clinician: Let's work on a plan for cutting back on the drinking, and meet again on Friday.",
	)
}

func TestDraftRiskLanguageWithoutRiskSection(t *testing.T) {
	f := mustFormat(t, "birp")
	segs := riskSession()
	base := map[string][]stmt{
		"behavior": {{"Client reports drinking about six beers a night.", []string{"S0003"}}},
		"plan":     {{"Plan to work on cutting back drinking; next appointment Friday.", []string{"S0004"}}},
	}
	fk := newFake(t, f, segs, "json_schema", func(call int, req request) string {
		if call == 0 {
			return noteJSON(f, base)
		}
		withRisk := map[string][]stmt{"risk": {{"Client reports passive thoughts of not waking up.", []string{"S0002"}}}}
		for k, v := range base {
			withRisk[k] = v
		}
		return noteJSON(f, withRisk)
	})
	in := NoteInput{SessionID: "s4", Segments: segs, Format: f, Consent: ConsentState{AIScribe: true}}
	res, err := Draft(context.Background(), fk.llm(t, true), in)
	if err != nil {
		t.Fatal(err)
	}
	if !hasFlag(res.Flags, FlagRiskNotAssessed, SeverityHigh) {
		t.Fatalf("flags %+v lack risk_not_assessed", res.Flags)
	}
	for _, fl := range res.Flags {
		if strings.Contains(fl.Reason, "wake") {
			t.Errorf("flag reason quotes transcript: %q", fl.Reason)
		}
	}
	if !strings.Contains(fk.calls()[0].Messages[1].Content, "Risk language appears") {
		t.Error("prompt did not tell the model that risk language is present")
	}
	res, err = Draft(context.Background(), fk.llm(t, true), in)
	if err != nil {
		t.Fatal(err)
	}
	if hasFlag(res.Flags, FlagRiskNotAssessed, SeverityHigh) {
		t.Errorf("risk flag raised although the risk section documents it: %+v %+v", res.Flags, res.Note.Sections[3])
	}
}

func TestRiskSegments(t *testing.T) {
	segs := session(
		"client: I want to kill myself some days.",
		"client: I'm cutting back on coffee.",
		"client: I thought about taking all my pills, like an overdose on purpose.",
		"client: I've been cutting again on my arms.",
		"client: We went to the end of the pier.",
		"client: Sometimes I just want to end it all.",
		"client: I had self-harm urges last week.",
		"client: I get so angry I could hurt someone.",
	)
	got := strings.Join(RiskSegments(segs), ",")
	if got != "S0001,S0003,S0004,S0006,S0007,S0008" {
		t.Errorf("risk segments = %s", got)
	}
}

func TestDraftGapFlags(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_schema", func(int, request) string {
		return noteJSON(f, map[string][]stmt{
			"subjective": {{"Client reports sleeping four hours a night.", []string{"S0002"}}},
		})
	})
	res, err := Draft(context.Background(), fk.llm(t, true), NoteInput{
		SessionID: "s5", Segments: segs, Format: f, Modality: mustModality(t, "mat"), Program: "sud",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		FlagConsentMissing: SeverityHigh, FlagPart2ConsentMissing: SeverityHigh, FlagMedRecMissing: SeverityMedium,
		FlagNoPlan: SeverityMedium, FlagNoFocus: SeverityMedium,
	}
	got := map[string]string{}
	for _, fl := range res.Flags {
		got[fl.Code] = fl.Severity
		if fl.Reason == "" {
			t.Errorf("flag %s has no reason", fl.Code)
		}
	}
	for code, sev := range want {
		if got[code] != sev {
			t.Errorf("flag %s = %q, want %q (all: %+v)", code, got[code], sev, res.Flags)
		}
	}
	// The clinician screened for suicide (S0010) and the note does not
	// document it: that is a documentation gap too.
	if got[FlagRiskNotAssessed] != SeverityHigh {
		t.Error("suicide screening in the transcript but not in the note raised no risk flag")
	}
	if !strings.Contains(fk.calls()[0].Messages[1].Content, "Part 2 record") {
		t.Error("SUD session prompt does not say it is a Part 2 record")
	}
}

func TestDraftFallsBackToJSONObject(t *testing.T) {
	f := mustFormat(t, "girp")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_object", func(int, request) string { return happyReply(f, false) })
	fk.rejectSchema = true
	llm := fk.llm(t, true)
	in := NoteInput{SessionID: "s6", Segments: segs, Format: f, Consent: ConsentState{AIScribe: true}}
	for i := 0; i < 2; i++ {
		res, err := Draft(context.Background(), llm, in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 1 {
			t.Errorf("attempts = %d; a schema fallback is not a repair retry", res.Attempts)
		}
	}
	if fk.rejected != 1 {
		t.Errorf("json_schema was tried %d times; the rejection must be remembered", fk.rejected)
	}
	if llm.UsesJSONSchema() {
		t.Error("client still wants json_schema after a 400")
	}
	if n := len(fk.calls()); n != 2 {
		t.Errorf("%d accepted calls, want 2", n)
	}

	// A server configured without json_schema is asked for json_object at once.
	fk2 := newFake(t, f, segs, "json_object", func(int, request) string { return happyReply(f, false) })
	fk2.rejectSchema = true
	if _, err := Draft(context.Background(), fk2.llm(t, false), in); err != nil {
		t.Fatal(err)
	}
	if fk2.rejected != 0 {
		t.Error("json_schema sent although Config.JSONSchema is false")
	}
}

func TestDraftProviderErrorHasNoPromptText(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := individualSession()
	srv := newFake(t, f, segs, "json_schema", nil)
	srv.srv.Config.Handler = http500("the prompt said: I keep worrying I'll get fired")
	_, err := Draft(context.Background(), srv.llm(t, true), NoteInput{SessionID: "s7", Segments: segs, Format: f})
	var pe *modelcall.Error
	if !errors.As(err, &pe) || pe.StatusCode != 500 || pe.Provider != "test-llm" || pe.Use != "drafting" {
		t.Fatalf("err = %v, want a modelcall.Error with status 500 naming the drafting provider", err)
	}
	if strings.Contains(err.Error(), "fired") {
		t.Errorf("provider error leaks prompt text: %v", err)
	}
}

func TestDraftBadInput(t *testing.T) {
	f := mustFormat(t, "soap")
	segs := individualSession()
	fk := newFake(t, f, segs, "json_schema", func(int, request) string { return happyReply(f, false) })
	llm := fk.llm(t, true)
	dup := individualSession()
	dup[3].ID = dup[2].ID
	noID := individualSession()
	noID[5].ID = ""
	cases := []struct {
		name string
		llm  LLM
		in   NoteInput
		want string
	}{
		{"nil llm", nil, NoteInput{Segments: segs, Format: f}, "no LLM"},
		{"no segments", llm, NoteInput{SessionID: "x", Format: f}, "no transcript segments"},
		{"no format", llm, NoteInput{Segments: segs}, "no note format"},
		{"duplicate id", llm, NoteInput{Segments: dup, Format: f}, "S0003 appears at index 2 and 3"},
		{"missing id", llm, NoteInput{Segments: noID, Format: f}, "index 5 has no ID"},
		{"program", llm, NoteInput{Segments: segs, Format: f, Program: "xyz"}, `program "xyz"`},
		{"budget too small", llm, NoteInput{Segments: segs, Format: f, ContextBudgetTokens: 300}, "context budget of 300 tokens"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fmt.Sprint(c.in.Segments)
			_, err := Draft(context.Background(), c.llm, c.in)
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrBadInput naming %q", err, c.want)
			}
			if fmt.Sprint(c.in.Segments) != before {
				t.Error("input segments were modified")
			}
		})
	}
	if n := len(fk.calls()); n != 0 {
		t.Errorf("bad input reached the provider (%d calls)", n)
	}
}
