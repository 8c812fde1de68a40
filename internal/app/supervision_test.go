package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// TestAssociateSignReturnResignCosign (must show, #17): an associate's
// signature leaves the note awaiting co-signature (not final in any
// export); the supervisor returns it with a comment, the associate sees
// it, edits and signs again; the supervisor co-signs; both signatures are
// on the note, in the audit log and in the FHIR Provenance. The associate
// cannot bypass: they cannot co-sign, edit or regenerate a note awaiting
// co-signature, and another supervisor cannot co-sign it.
func TestAssociateSignReturnResignCosign(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		other := e.user("other-supervisor@example.org", "supervisor", false)
		err := e.svc.SetSupervisor(e.ctx, e.clinician, e.clinician.Email, e.supervisor.Email)
		wantKind(t, "a clinician assigning supervisors", err, app.ErrForbidden)
		wantValidation(t, "a supervisor who is not one", e.svc.SetSupervisor(e.ctx, e.admin, e.clinician.Email, e.other.Email), app.FieldSupervisor)
		if err := e.svc.SetSupervisor(e.ctx, e.admin, e.clinician.Email, e.supervisor.Email); err != nil {
			t.Fatal(err)
		}
		if e.lastAudit("user.supervisor").Details["supervisor"] != e.supervisor.Email {
			t.Error("the assignment is not audited")
		}
		sess := e.schedule("client-1")
		e.withDraft(sess)
		if _, err := e.svc.ResolveFlag(e.ctx, e.clinician, sess.ID, summarize.FlagRiskNotAssessed, "assessed"); err != nil {
			t.Fatal(err)
		}
		sign := func() store.Draft {
			t.Helper()
			d, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := sign()
		if d.Status != store.DraftAwaitingCosign || e.lastAudit("draft.sign").Details["awaiting_cosign_by"] != e.supervisor.Email {
			t.Fatalf("an associate's signature: %s", d.Status)
		}
		// No bypass.
		_, err = e.svc.Cosign(e.ctx, e.clinician, sess.ID)
		wantKind(t, "the associate co-signing", err, app.ErrForbidden)
		_, err = e.svc.Cosign(e.ctx, other, sess.ID)
		wantKind(t, "another supervisor co-signing", err, app.ErrForbidden)
		_, err = e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: sess.ID, Section: "plan", Text: "changed after signing"})
		wantKind(t, "an edit awaiting co-signature", err, app.ErrConflict)
		_, err = e.svc.Regenerate(e.ctx, e.clinician, sess.ID, "")
		wantKind(t, "regenerating awaiting co-signature", err, app.ErrConflict)
		_, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true})
		wantKind(t, "signing again to finalise", err, app.ErrConflict)
		ex, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatText, Via: "test"})
		if err != nil || !strings.Contains(string(ex.Body), drafts.AwaitingBanner) {
			t.Fatalf("the export of a note awaiting co-signature is not marked: %v", err)
		}

		// Returned with a comment, edited, signed again.
		_, err = e.svc.ReturnNote(e.ctx, e.supervisor, sess.ID, " ")
		wantValidation(t, "a return without a comment", err, app.FieldComment)
		if d, err = e.svc.ReturnNote(e.ctx, e.supervisor, sess.ID, "Add the safety plan to the plan section."); err != nil || d.Status != store.DraftEdited || d.SignedBy != "" {
			t.Fatalf("return: %+v %v", d.Status, err)
		}
		rs, err := e.st.DraftReturns(e.ctx, d.ID)
		if err != nil || len(rs) != 1 || rs[0].Comment != "Add the safety plan to the plan section." || rs[0].AssociateSignedAt == 0 {
			t.Fatalf("returns: %+v %v", rs, err)
		}
		if _, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: sess.ID, Section: "plan", Text: "Practise breathing; safety plan reviewed."}); err != nil {
			t.Fatal(err)
		}
		if d = sign(); d.Status != store.DraftAwaitingCosign {
			t.Fatalf("re-sign: %s", d.Status)
		}
		if d, err = e.svc.Cosign(e.ctx, e.supervisor, sess.ID); err != nil || d.Status != store.DraftSigned || d.SignedBy != e.clinician.Email {
			t.Fatalf("co-sign: %+v %v", d, err)
		}
		if e.lastAudit("draft.cosign").Details["associate"] != e.clinician.Email {
			t.Error("the co-signature is not audited with its associate")
		}
		// Both signatures on the note and in the FHIR Provenance.
		text, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatText, Via: "test"})
		if err != nil || !strings.Contains(string(text.Body), "Reviewed and signed by "+e.clinician.Email) || !strings.Contains(string(text.Body), "Co-signed by "+e.supervisor.Email) || strings.Contains(string(text.Body), drafts.AwaitingBanner) {
			t.Fatalf("the co-signed note's text:\n%s", text.Body)
		}
		fhir, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: exchange.FormatFHIR, Via: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := fhirschema.Validate(fhir.Body); err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Entry []struct {
				Resource struct {
					ResourceType string `json:"resourceType"`
					DocStatus    string `json:"docStatus"`
					Agent        []struct {
						Type struct{ Coding []struct{ Code string } }
						Who  struct{ Display string }
					} `json:"agent"`
				} `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(fhir.Body, &bundle); err != nil {
			t.Fatal(err)
		}
		roles := map[string]string{}
		for _, en := range bundle.Entry {
			if en.Resource.ResourceType == "DocumentReference" && en.Resource.DocStatus != "final" {
				t.Errorf("docStatus %q", en.Resource.DocStatus)
			}
			for _, a := range en.Resource.Agent {
				roles[a.Type.Coding[0].Code] = a.Who.Display
			}
		}
		if roles["verifier"] != e.clinician.Email || roles["attester"] != e.supervisor.Email {
			t.Errorf("provenance agents %v", roles)
		}
	})
}

// TestCosignQueue: a supervisor's queue lists their associates' notes
// awaiting co-signature and nothing else.
func TestCosignQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		if err := e.svc.SetSupervisor(e.ctx, e.admin, e.clinician.Email, e.supervisor.Email); err != nil {
			t.Fatal(err)
		}
		a, b := e.schedule("client-1"), e.schedule("client-2")
		e.withDraft(a)
		e.withDraft(b)
		for _, s := range []store.Session{a, b} {
			if _, err := e.svc.ResolveFlag(e.ctx, e.clinician, s.ID, summarize.FlagRiskNotAssessed, "assessed"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: a.ID, Attest: true}); err != nil {
			t.Fatal(err)
		}
		q, err := e.svc.CosignQueue(e.ctx, e.supervisor)
		if err != nil || len(q) != 1 || q[0].Session.ID != a.ID || q[0].Associate != e.clinician.Email {
			t.Fatalf("queue: %+v %v", q, err)
		}
		_, err = e.svc.CosignQueue(e.ctx, e.clinician)
		wantKind(t, "a clinician's queue", err, app.ErrForbidden)
	})
}
