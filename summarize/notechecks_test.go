package summarize

import (
	"reflect"
	"testing"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

// TestNoteChecks: the checks an edit reruns see the note as the clinician
// left it: a risk statement (the clinician's, uncited) satisfies the risk
// check, which otherwise names the first segment with risk language; the
// unsupported count follows the note; consent is not NoteChecks' business.
func TestNoteChecks(t *testing.T) {
	f, err := prompts.FormatByID("soap")
	if err != nil {
		t.Fatal(err)
	}
	segs := []transcript.Segment{
		{ID: "S0001", Speaker: "clinician", Text: "How are you sleeping?"},
		{ID: "S0002", Speaker: "client", Text: "Some nights I want to die."},
		{ID: "S0003", Speaker: "client", Text: "I want to die when work piles up."},
	}
	in := NoteInput{Segments: segs, Format: f}
	note := Note{Format: "soap", Sections: []Section{
		{Key: "subjective", Title: "Subjective", Statements: []Statement{{Text: "Poor sleep.", Citations: []string{"S0001"}}, {Text: "Calm.", Unsupported: true}}},
		{Key: "assessment", Title: "Assessment", Statements: []Statement{{Text: "Low mood.", Citations: []string{"S0002"}}}},
		{Key: "plan", Title: "Plan", Statements: []Statement{{Text: "Weekly sessions.", Citations: []string{"S0001"}}}},
	}}
	codes := func(fl []Flag) []string {
		var out []string
		for _, x := range fl {
			out = append(out, x.Code)
		}
		return out
	}
	got := NoteChecks(in, note)
	if !reflect.DeepEqual(codes(got), []string{FlagRiskNotAssessed, FlagUnsupportedStatements}) || got[0].Segment != "S0002" || got[0].Severity != SeverityHigh {
		t.Fatalf("before the risk statement: %+v", got)
	}
	note.Sections = append(note.Sections[:3:3], Section{Key: "risk", Title: "Risk assessment", Statements: []Statement{{Text: "Denies plan or intent.", Citations: []string{}, ClinicianEdited: true}}})
	note.Sections[0].Statements = note.Sections[0].Statements[:1]
	if got := NoteChecks(in, note); len(got) != 0 {
		t.Fatalf("after the risk statement and without the unsupported one: %+v", got)
	}
	// The drafter's own check gives the risk flag the same segment.
	full := gapChecks(NoteInput{Format: f, Consent: ConsentState{AIScribe: true}}, Note{Format: "soap"}, RiskSegments(segs), 0, 0)
	if full[0].Code != FlagRiskNotAssessed || full[0].Segment != "S0002" {
		t.Fatalf("gapChecks: %+v", full)
	}
}
