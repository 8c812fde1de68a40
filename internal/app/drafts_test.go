package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/summarize"
)

// synthetic is a made-up person for the identifier map (not a client).
const synthetic = "Avery Quillfeather"

// withDraft gives the therapist's session a redacted transcript that names
// a synthetic person, and a first draft with an open high-severity flag, as
// the pipeline would leave them.
func (e *env) withDraft(sess store.Session) store.Draft {
	e.t.Helper()
	segs := []transcript.Segment{
		{Speaker: "client", StartMS: 0, EndMS: 4000, Text: synthetic + " moved here last spring."},
		{Speaker: "clinician", StartMS: 5000, EndMS: 9000, Text: "Let us practise the breathing exercise."},
	}
	transcript.AssignIDs(segs)
	red, tokenMap, _, err := pipeline.RedactSegments(segs)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := json.Marshal(red)
	if err := e.blobs.Put(e.ctx, pipeline.RedactedBlobID(sess.ID), body); err != nil {
		e.t.Fatal(err)
	}
	if err := e.blobs.Put(e.ctx, pipeline.TokenMapBlobID(sess.ID), tokenMap); err != nil {
		e.t.Fatal(err)
	}
	note := summarize.Note{Format: "soap", Sections: []summarize.Section{
		{Key: "subjective", Title: "Subjective", Statements: []summarize.Statement{{Text: "Client reports a move.", Citations: []string{red[0].ID}}}},
		{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Practise breathing.", Citations: []string{red[1].ID}}}},
	}}
	flags := []drafts.Flag{{Flag: summarize.Flag{Code: summarize.FlagRiskNotAssessed, Severity: summarize.SeverityHigh, Reason: "no risk assessment"}}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	fl, _ := json.Marshal(flags)
	d := store.Draft{ID: uuid.NewString(), SessionID: sess.ID, Version: 1, Status: store.DraftDraft, Template: "soap", PromptVersion: "soap@1", Content: string(content), Flags: string(fl)}
	if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.PutTranscript(e.ctx, store.Transcript{SessionID: sess.ID, RedactedBlob: pipeline.RedactedBlobID(sess.ID), MapBlob: pipeline.TokenMapBlobID(sess.ID), Segments: len(red)}); err != nil {
			return err
		}
		if _, err := tx.InsertDraft(e.ctx, &d); err != nil {
			return err
		}
		if err := tx.EndCapture(e.ctx, sess.ID, 9000); err != nil {
			return err
		}
		return tx.SetSessionStatus(e.ctx, sess.ID, store.StatusReady)
	}); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func TestDraftOperations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		e.withDraft(sess)
		id := sess.ID

		t.Run("validation", func(t *testing.T) {
			_, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "plan", Text: "  "})
			wantValidation(t, "an empty edit", err, app.FieldSectionText)
			_, err = e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "horoscope", Text: "x"})
			if ve := wantValidation(t, "an unknown section", err, app.FieldSection); !slices.Equal(ve.Allowed, []string{"subjective", "plan"}) {
				t.Errorf("allowed %v", ve.Allowed)
			}
			_, err = e.svc.ResolveFlag(e.ctx, e.clinician, id, summarize.FlagRiskNotAssessed, " ")
			wantValidation(t, "a resolution without a reason", err, app.FieldReason)
			_, err = e.svc.ResolveFlag(e.ctx, e.clinician, id, "made_up", "because")
			wantValidation(t, "an unknown flag", err, app.FieldFlag)
			_, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: id})
			wantValidation(t, "no attestation", err, app.FieldAttestation)
			_, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: id, Attest: true})
			wantValidation(t, "signing over an open flag", err, app.FieldOverride)
			_, err = e.svc.Reject(e.ctx, e.clinician, id, "")
			wantValidation(t, "a rejection without a reason", err, app.FieldReason)
			_, err = e.svc.AddAddendum(e.ctx, e.clinician, id, "")
			wantValidation(t, "an empty addendum", err, app.FieldAddendum)
			_, err = e.svc.Regenerate(e.ctx, e.clinician, id, "haiku")
			wantValidation(t, "an unknown template", err, pipeline.FieldTemplate)
		})
		t.Run("forbidden and not found", func(t *testing.T) {
			_, err := e.svc.EditSection(e.ctx, e.other, app.DraftEdit{SessionID: id, Section: "plan", Text: "x"})
			wantKind(t, "another clinician's note", err, app.ErrForbidden)
			_, err = e.svc.Sign(e.ctx, e.admin, app.Signature{SessionID: id, Attest: true, Override: "x"})
			wantKind(t, "an admin signing", err, app.ErrForbidden)
			_, err = e.svc.Reject(e.ctx, e.clinician, "no-such-session", "x")
			wantKind(t, "no such session", err, app.ErrNotFound)
			other := e.schedule("client-2")
			_, err = e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: other.ID, Section: "plan", Text: "x"})
			wantKind(t, "a session without a draft", err, app.ErrNotFound)
		})
		t.Run("edit, resolve, sign, addendum", func(t *testing.T) {
			if _, err := e.svc.ResolveFlag(e.ctx, e.clinician, id, summarize.FlagRiskNotAssessed, "assessed verbally"); err != nil {
				t.Fatal(err)
			}
			d, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "Plan", Text: synthetic + " will practise breathing daily."})
			if err != nil || d.Status != store.DraftEdited {
				t.Fatalf("edit: %+v %v", d.Status, err)
			}
			if strings.Contains(d.Content, synthetic) || !strings.Contains(d.Content, "[NAME_") {
				t.Error("the edit stored an identifier the session's map replaces")
			}
			if a := e.lastAudit("draft.edit"); a.Actor != e.clinician.ID {
				t.Errorf("edit audited as %q", a.Actor)
			}
			_, err = e.svc.AddAddendum(e.ctx, e.clinician, id, "later")
			wantKind(t, "an addendum before signing", err, app.ErrConflict)
			d, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: id, Attest: true})
			if err != nil || d.Status != store.DraftSigned || d.SignedBy != e.clinician.Email || d.ContentHash == "" {
				t.Fatalf("sign: %+v %v", d, err)
			}
			if a := e.lastAudit("draft.sign"); a.Actor != e.clinician.ID {
				t.Errorf("signature audited as %q", a.Actor)
			}
			_, err = e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "plan", Text: "changed"})
			wantKind(t, "an edit after signing", err, app.ErrConflict)
			_, err = e.svc.Regenerate(e.ctx, e.clinician, id, "")
			wantKind(t, "regenerating a signed note", err, app.ErrConflict)
			ad, err := e.svc.AddAddendum(e.ctx, e.clinician, id, "Called "+synthetic+" to confirm the next appointment.")
			if err != nil || strings.Contains(ad.Text, synthetic) || ad.Author != e.clinician.Email {
				t.Fatalf("addendum: %+v %v", ad, err)
			}
			if a := e.lastAudit("draft.addendum"); a.Actor != e.clinician.ID {
				t.Errorf("addendum audited as %q", a.Actor)
			}
		})
		t.Run("reject and regenerate", func(t *testing.T) {
			sess := e.schedule("client-3")
			e.withDraft(sess)
			d, err := e.svc.Reject(e.ctx, e.clinician, sess.ID, "wrong session")
			if err != nil || d.Status != store.DraftRejected {
				t.Fatalf("reject: %+v %v", d.Status, err)
			}
			_, err = e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: sess.ID, Attest: true, Override: "x"})
			wantKind(t, "signing a rejected draft", err, app.ErrConflict)
			v, err := e.svc.Regenerate(e.ctx, e.operator, sess.ID, "DAP")
			if err != nil || v != 2 {
				t.Fatalf("regenerate: %d %v", v, err)
			}
			if a := e.lastAudit("draft.regenerate"); a.Actor != e.operator.ID || a.Details["template"] != "dap" {
				t.Errorf("audit %+v", a)
			}
			_, err = e.svc.Regenerate(e.ctx, e.clinician, sess.ID, "")
			wantKind(t, "regenerating while drafting", err, app.ErrConflict)
		})
	})
}
