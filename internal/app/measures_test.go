package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// TestPHQ9ItemNineBlocksSigning: a PHQ-9 with item 9 above 0 raises a
// high-severity flag on the session's draft that no reason can sign over;
// once resolved the note signs. Three administrations make the client's
// trend; the FHIR export carries each as a QuestionnaireResponse with
// LOINC Observations (total, item 9) and validates against R4.
func TestPHQ9ItemNineBlocksSigning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		e.withDraft(sess)
		if _, err := e.svc.ResolveFlag(e.ctx, e.clinician, sess.ID, summarize.FlagRiskNotAssessed, "assessed"); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.RecordMeasure(e.ctx, e.clinician, app.MeasureInput{SessionID: sess.ID, Instrument: "phq9", Answers: []int{1, 1}})
		wantValidation(t, "a half-answered PHQ-9", err, app.FieldAnswers)
		_, err = e.svc.RecordMeasure(e.ctx, e.clinician, app.MeasureInput{SessionID: sess.ID, Instrument: "bdi", Answers: []int{1}})
		wantValidation(t, "an instrument Scribe does not have", err, app.FieldInstrument)
		_, err = e.svc.RecordMeasure(e.ctx, e.other, app.MeasureInput{SessionID: sess.ID, Instrument: "gad7", Answers: []int{0, 0, 0, 0, 0, 0, 0}})
		wantKind(t, "another clinician's session", err, app.ErrForbidden)

		days := []time.Time{e.now.AddDate(0, 0, -28), e.now.AddDate(0, 0, -14), e.now}
		answers := [][]int{{2, 2, 2, 2, 2, 2, 1, 1, 0}, {2, 2, 1, 1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1, 0, 0, 1}}
		var last app.MeasureResult
		for i := range days {
			if last, err = e.svc.RecordMeasure(e.ctx, e.clinician, app.MeasureInput{SessionID: sess.ID, Instrument: "phq9", Answers: answers[i], AdministeredAt: days[i]}); err != nil {
				t.Fatal(err)
			}
		}
		if last.Total != 7 || last.Band != "mild" || !last.Risk || !last.FlagRaised {
			t.Fatalf("the third PHQ-9: %+v", last)
		}
		if a := e.lastAudit("draft.flag_raised"); a.Details["flag"] != drafts.FlagScreeningRisk {
			t.Errorf("the raised flag is not audited: %+v", a)
		}
		_, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true, Override: "client seemed fine"})
		if ve := wantValidation(t, "signing over a positive item 9", err, app.FieldOverride); !strings.Contains(ve.Hint, "cannot be signed over") {
			t.Errorf("the refusal says %q", ve.Hint)
		}
		if _, err := e.svc.ResolveFlag(e.ctx, e.clinician, sess.ID, drafts.FlagScreeningRisk, "C-SSRS screener negative; safety plan reviewed"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true}); err != nil {
			t.Fatalf("sign after resolving: %v", err)
		}

		trend, err := e.svc.ClientMeasures(e.ctx, e.clinician, sess.ClientID)
		if err != nil || len(trend) != 3 || trend[0].Total != 14 || trend[2].Total != 7 {
			t.Fatalf("trend: %+v %v", trend, err)
		}
		if _, err := e.svc.ClientMeasures(e.ctx, e.other, sess.ClientID); err == nil {
			t.Error("another clinician read the client's scores")
		}

		ex, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatFHIR, Via: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := fhirschema.Validate(ex.Body); err != nil {
			t.Fatalf("not valid R4: %v", err)
		}
		var bundle struct {
			Entry []struct {
				Resource struct {
					ResourceType string `json:"resourceType"`
					Code         struct {
						Coding []struct{ System, Code string }
					}
					ValueInteger *int `json:"valueInteger"`
					Item         []json.RawMessage
				} `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(ex.Body, &bundle); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, en := range bundle.Entry {
			r := en.Resource
			switch r.ResourceType {
			case "QuestionnaireResponse":
				counts["qr"]++
				if len(r.Item) != 9 {
					t.Errorf("a PHQ-9 response with %d items", len(r.Item))
				}
			case "Observation":
				counts[r.Code.Coding[0].Code]++
				if r.Code.Coding[0].System != "http://loinc.org" || r.ValueInteger == nil {
					t.Errorf("observation %+v", r)
				}
			}
		}
		if counts["qr"] != 3 || counts["44261-6"] != 3 || counts["44260-8"] != 3 {
			t.Errorf("resources %v, want 3 responses, 3 totals (44261-6), 3 item-9 (44260-8)", counts)
		}
		text, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatText, Via: "test"})
		if err != nil || !strings.Contains(string(text.Body), "PHQ-9 7 of 27 (mild)") || !strings.Contains(string(text.Body), "item 9 positive (1)") {
			t.Errorf("the note's text does not list the scores: %v\n%s", err, text.Body)
		}
	})
}

// TestScreeningFlagOnANewDraft: a positive PHQ-9 given before the draft
// exists is raised on the draft when it is made (and on a regenerated one).
func TestScreeningFlagRaisedBeforeTheDraft(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-2")
		res, err := e.svc.RecordMeasure(e.ctx, e.clinician, app.MeasureInput{SessionID: sess.ID, Instrument: "phq9", Answers: []int{0, 0, 0, 0, 0, 0, 0, 0, 2}})
		if err != nil || res.FlagRaised {
			t.Fatalf("before the draft: %+v %v", res, err)
		}
		flags, err := drafts.MeasureFlags(e.ctx, e.st, sess.ID)
		if err != nil || len(flags) != 1 || flags[0].Code != drafts.FlagScreeningRisk || flags[0].Severity != summarize.SeverityHigh {
			t.Fatalf("flags for the new draft: %+v %v", flags, err)
		}
		if d, err := e.st.LatestDraft(e.ctx, sess.ID); err == nil {
			t.Fatalf("a draft appeared: %v", d.ID)
		} else if !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
			t.Fatal(err)
		}
	})
}
