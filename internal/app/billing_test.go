package app_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// withTimedDraft gives the session a recording of the given length that
// started at start, and a draft whose cited statements document a
// diagnosis, an interpreter, and a relative's diagnosis (a distractor).
func (e *env) withTimedDraft(sess store.Session, start time.Time, recorded time.Duration) {
	e.t.Helper()
	note := summarize.Note{Format: "soap", Sections: []summarize.Section{
		{Key: "subjective", Title: "Subjective", Statements: []summarize.Statement{
			{Text: "An interpreter joined for the whole session.", Citations: []string{"S1"}},
			{Text: "Client's brother has schizophrenia.", Citations: []string{"S2"}},
		}},
		{Key: "assessment", Title: "Assessment", Statements: []summarize.Statement{{Text: "Generalized anxiety disorder, improving.", Citations: []string{"S3", "S4"}}}},
	}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	d := store.Draft{ID: uuid.NewString(), SessionID: sess.ID, Version: 1, Status: store.DraftDraft, Template: "soap", PromptVersion: "soap@1", Content: string(content), Flags: "[]"}
	if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.StartClock(e.ctx, sess.ID, start.UnixMilli()); err != nil {
			return err
		}
		if _, err := tx.InsertDraft(e.ctx, &d); err != nil {
			return err
		}
		if err := tx.EndCapture(e.ctx, sess.ID, recorded.Milliseconds()); err != nil {
			return err
		}
		return tx.SetSessionStatus(e.ctx, sess.ID, store.StatusReady)
	}); err != nil {
		e.t.Fatal(err)
	}
}

// TestBillingCodesConfirmedAtSigning: the codes are suggested from the
// recorded time and the cited statements, the clinician confirms or changes
// them with the signature, and the confirmed codes are in the signed note
// (under its hash), the FHIR export (ChargeItem, valid R4) and the charge
// CSV; nothing else is.
func TestBillingCodesConfirmedAtSigning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		start := time.Date(2026, 12, 7, 14, 2, 0, 0, time.UTC)
		e.withTimedDraft(sess, start, 54*time.Minute+20*time.Second)

		sug, err := e.svc.SuggestCodes(e.ctx, e.clinician, sess.ID, app.CodeChoice{}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if sug.Kind != billing.Psychotherapy || sug.Setting != billing.TelehealthHome {
			t.Errorf("defaults: %s / %s; a call is psychotherapy by video from home unless the clinician says otherwise", sug.Kind, sug.Setting)
		}
		var got []string
		for _, c := range append(append([]billing.Code{}, sug.Procedures...), sug.Diagnoses...) {
			got = append(got, c.Code)
		}
		if strings.Join(got, " ") != "90837 90785 F41.1" {
			t.Fatalf("suggested %v, want 90837 +90785 (interpreter) and F41.1 (not the brother's diagnosis)", got)
		}
		if b := sug.Procedures[0].Basis; !strings.HasPrefix(b, "54 min recorded, 14:02–14:56") {
			t.Errorf("basis %q", b)
		}
		if _, err := e.svc.SuggestCodes(e.ctx, e.other, sess.ID, app.CodeChoice{}, time.UTC); err == nil {
			t.Error("another clinician saw the suggestion")
		}
		_, err = e.svc.SuggestCodes(e.ctx, e.clinician, sess.ID, app.CodeChoice{Kind: "haircut"}, time.UTC)
		wantValidation(t, "an unknown kind", err, app.FieldServiceKind)

		// Refusals keep the note unsigned.
		for _, c := range []struct {
			choice app.CodeChoice
			field  app.Field
		}{
			{app.CodeChoice{Procedures: []string{"99213"}}, app.FieldProcedure},
			{app.CodeChoice{Procedures: []string{"90837"}, Diagnoses: []string{"anxiety"}}, app.FieldDiagnosis},
			{app.CodeChoice{Diagnoses: []string{"F41.1"}}, app.FieldProcedure},
			{app.CodeChoice{Setting: "moon"}, app.FieldSetting},
		} {
			choice := c.choice
			_, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true, Codes: &choice})
			wantValidation(t, "codes "+strings.Join(c.choice.Procedures, ","), err, c.field)
		}
		if d, _ := e.st.LatestDraft(e.ctx, sess.ID); d.Status == store.DraftSigned {
			t.Fatal("a refused code signed the note")
		}

		// The clinician keeps 90837, drops the add-on, adds a diagnosis of
		// their own and says the client was elsewhere.
		choice := app.CodeChoice{Setting: string(billing.TelehealthOther), Procedures: []string{"90837"}, Diagnoses: []string{"f41.1", "Z63.0"}}
		d, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true, Codes: &choice, Zone: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if drafts.VerifySigned(d) != nil {
			t.Fatal("the signed note does not match its hash")
		}
		var c drafts.Content
		if err := json.Unmarshal([]byte(d.Content), &c); err != nil || c.Billing == nil {
			t.Fatalf("signed content has no billing: %v", err)
		}
		b := c.Billing
		if b.PlaceOfService != "02" || len(b.Procedures) != 1 || b.Procedures[0].Code != "90837" || strings.Join(b.Procedures[0].Modifiers, ",") != "95" ||
			len(b.Diagnoses) != 2 || b.Diagnoses[0].Code != "F41.1" || len(b.Diagnoses[0].Evidence) != 2 || b.Diagnoses[1].Basis != "chosen by the clinician" {
			t.Errorf("confirmed billing %+v", b)
		}
		if a := e.lastAudit("draft.sign"); !strings.Contains(a.Details["billing_codes"], "90837,F41.1,Z63.0") {
			t.Errorf("the signature's audit entry does not list the codes: %v", a.Details)
		}

		ex, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatFHIR, Via: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := fhirschema.Validate(ex.Body); err != nil {
			t.Fatalf("the bundle with its ChargeItem is not valid R4: %v", err)
		}
		var bundle struct {
			Entry []struct {
				Resource struct {
					ResourceType string `json:"resourceType"`
					Code         struct {
						Coding []struct{ System, Code string }
					} `json:"code"`
					Reason []struct {
						Coding []struct{ Code string }
					} `json:"reason"`
				} `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(ex.Body, &bundle); err != nil {
			t.Fatal(err)
		}
		charges := 0
		for _, en := range bundle.Entry {
			if r := en.Resource; r.ResourceType == "ChargeItem" {
				charges++
				if r.Code.Coding[0].Code != "90837" || len(r.Reason) != 2 || r.Reason[1].Coding[0].Code != "Z63.0" {
					t.Errorf("ChargeItem %+v", r)
				}
			}
		}
		if charges != 1 {
			t.Errorf("%d ChargeItems, want 1", charges)
		}
		text, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatText, Via: "test"})
		if err != nil || !strings.Contains(string(text.Body), "Service: 90837-95") || !strings.Contains(string(text.Body), "Diagnosis: F41.1 Generalized anxiety disorder") {
			t.Errorf("the note's text does not carry the confirmed codes: %v\n%s", err, text.Body)
		}

		// The charge export: this note's one service, in the period only.
		rows, err := e.svc.Charges(e.ctx, e.admin, start.Add(-24*time.Hour), e.now.Add(24*time.Hour), time.UTC)
		if err != nil || len(rows) != 1 {
			t.Fatalf("charges: %v %v", rows, err)
		}
		var buf bytes.Buffer
		if err := billing.WriteCSV(&buf, rows); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("csv: %v %v", recs, err)
		}
		if r := recs[1]; r[0] != "2026-12-07" || r[1] != sess.ID || r[4] != "90837" || r[5] != "95" || r[7] != "02" || r[8] != "F41.1 Z63.0" {
			t.Errorf("csv row %v", r)
		}
		if rows, _ := e.svc.Charges(e.ctx, e.admin, e.now.Add(48*time.Hour), e.now.Add(72*time.Hour), time.UTC); len(rows) != 0 {
			t.Errorf("a period without signatures lists %d charges", len(rows))
		}
		if rows, _ := e.svc.Charges(e.ctx, e.other, start.Add(-24*time.Hour), e.now.Add(24*time.Hour), time.UTC); len(rows) != 0 {
			t.Error("another clinician's charge export lists this clinician's session")
		}
		if e.lastAudit("charges.export").Details["rows"] == "" {
			t.Error("the charge export is not audited")
		}
	})
}

func TestChargeCSVDefusesFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := billing.WriteCSV(&buf, []billing.Charge{{ClientAlias: "=HYPERLINK(1)", Code: "90834", Units: 1}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'=HYPERLINK(1)") {
		t.Errorf("a formula went out as one: %s", buf.String())
	}
}
