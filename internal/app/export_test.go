package app_test

import (
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
)

func TestExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		e.withDraft(sess)
		ex, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: "TEXT", Via: "test"})
		if err != nil || !strings.HasPrefix(ex.ContentType, "text/plain") || ex.Draft.Version != 1 || strings.Contains(string(ex.Body), synthetic) {
			t.Fatalf("export: %q %v", ex.ContentType, err)
		}
		if a := e.lastAudit("draft.export"); a.Actor != e.clinician.ID {
			t.Errorf("audited as %q", a.Actor)
		}
		ex, err = e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: "fhir", Reidentify: true, Via: "test"})
		if err != nil || !strings.Contains(string(ex.Body), "resourceType") {
			t.Fatalf("FHIR export with identifiers: %v", err)
		}
		_, err = e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: "pdf"})
		wantValidation(t, "an unknown format", err, app.FieldExportFormat)
		_, err = e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: "text", Version: 7})
		wantKind(t, "a version that does not exist", err, app.ErrNotFound)
		_, err = e.svc.Export(e.ctx, e.admin, app.ExportInput{SessionID: sess.ID, Format: "text", Reidentify: true})
		wantKind(t, "identifiers for someone not the session's clinician", err, app.ErrForbidden)
		_, err = e.svc.Export(e.ctx, e.other, app.ExportInput{SessionID: sess.ID, Format: "text"})
		wantKind(t, "another clinician's note", err, app.ErrForbidden)
		_, err = e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: e.schedule("client-2").ID, Format: "text"})
		wantKind(t, "no draft yet", err, app.ErrNotFound)

		// A Part 2 record goes only to a named recipient, for a purpose,
		// under a consent in force.
		res, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "client-p2", Program: "sud"})
		if err != nil {
			t.Fatal(err)
		}
		e.withDraft(res.Session)
		_, err = e.svc.Export(e.ctx, e.part2, app.ExportInput{SessionID: res.Session.ID, Format: "text"})
		wantValidation(t, "a Part 2 export without a recipient", err, app.FieldRecipient)
		_, err = e.svc.Export(e.ctx, e.part2, app.ExportInput{SessionID: res.Session.ID, Format: "text", Recipient: "Example Health"})
		wantValidation(t, "a Part 2 export without a purpose", err, app.FieldPurpose)
		_, err = e.svc.Export(e.ctx, e.part2, app.ExportInput{SessionID: res.Session.ID, Format: "text", Recipient: "Example Health", Purpose: "treatment"})
		wantKind(t, "a Part 2 export without consent", err, app.ErrForbidden)
		if !strings.Contains(err.Error(), "part2_tpo") {
			t.Errorf("the refusal does not name the consent: %v", err)
		}
		if ds, _ := e.st.Disclosures(e.ctx, store.DisclosureFilter{SessionID: res.Session.ID}); len(ds) != 0 {
			t.Errorf("a refused export was recorded as a disclosure: %+v", ds)
		}
	})
}
