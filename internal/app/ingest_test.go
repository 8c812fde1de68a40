package app_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestIngest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs}
		wav := func() *bytes.Reader { return bytes.NewReader(testenv.WAV(16000, testenv.Silence(3000))) }
		id, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "client-1", ConsentAttested: true, RequireChoices: true})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := e.st.Session(e.ctx, id)
		if err != nil || sess.Clinician != e.clinician.Email || sess.ClientID == "" || sess.Source != "ingest" {
			t.Fatalf("ingested %+v %v", sess, err)
		}
		if a := e.lastAudit("consent.add"); a.Actor != e.clinician.ID {
			t.Errorf("the attested consent was audited as %q", a.Actor)
		}
		if recs, _ := e.st.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: id}); len(recs) != 1 || recs[0].CapturedBy != e.clinician.Email {
			t.Errorf("attested consent %+v", recs)
		}

		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Template: "haiku"})
		wantValidation(t, "an unknown template", err, pipeline.FieldTemplate)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), RequireChoices: true})
		wantValidation(t, "no alias", err, pipeline.FieldClientAlias)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Clinician: e.other.Email})
		wantKind(t, "a clinician uploading for another", err, app.ErrForbidden)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Program: "sud"})
		wantKind(t, "a Part 2 upload without Part 2 access", err, app.ErrForbidden)
		if _, err := e.svc.Ingest(e.ctx, e.part2, ing, app.IngestInput{Recording: wav(), ClientAlias: "c-mh"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Ingest(e.ctx, e.part2, ing, app.IngestInput{Recording: wav(), ClientAlias: "c-mh", Program: "sud"})
		wantKind(t, "a Part 2 session for a client outside the program", err, app.ErrConflict)
		if all, _ := e.st.ListSessions(e.ctx, "", 100); len(all) != 2 {
			t.Errorf("%d sessions after two accepted uploads and five refused ones, want 2", len(all))
		}
	})
}

// TestIngestIntoScheduledSession: an upload for a booked session attaches
// to that session (its client, clinician and template; no new session),
// queues transcription and ends its call window; a second upload into it,
// another clinician and a cancelled session are refused with nothing
// stored.
func TestIngestIntoScheduledSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs}
		wav := func() *bytes.Reader { return bytes.NewReader(testenv.WAV(16000, testenv.Silence(3000))) }
		res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: "client-u", Template: "dap", Start: e.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		booked := res.Session
		_, err = e.svc.Ingest(e.ctx, e.other, ing, app.IngestInput{Recording: wav(), SessionID: booked.ID})
		if !errors.Is(err, app.ErrForbidden) && !errors.Is(err, app.ErrNotFound) {
			t.Errorf("another clinician's upload into the session: %v", err)
		}
		id, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: booked.ID, ClientAlias: "ignored", ConsentAttested: true})
		if err != nil {
			t.Fatal(err)
		}
		if id != booked.ID {
			t.Errorf("the upload made session %s; want it attached to %s", id, booked.ID)
		}
		s, err := e.st.Session(e.ctx, id)
		if err != nil || s.ClientID != booked.ClientID || s.ClientAlias != "client-u" || s.Template != "dap" || s.Status != store.StatusTranscribing || !s.CaptureEnded || s.DurationMS != 3000 || s.ConsentAttestedBy != e.clinician.Email {
			t.Errorf("after the upload %+v, %v", s, err)
		}
		if ch, _ := e.st.Chunks(e.ctx, id); len(ch) == 0 {
			t.Error("no audio chunks stored")
		}
		if all, _ := e.st.ListSessions(e.ctx, "", 100); len(all) != 1 {
			t.Errorf("%d sessions; the upload must not make a new one", len(all))
		}
		if a := e.lastAudit("session.ingest"); a.EntityID != booked.ID || a.Details["into_booked_session"] != "true" {
			t.Errorf("audited %+v", a)
		}
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: booked.ID})
		wantKind(t, "a second upload into the session", err, app.ErrConflict)
		if ch, _ := e.st.Chunks(e.ctx, id); len(ch) != 1 {
			t.Errorf("%d chunks after a refused second upload; want the first's only", len(ch))
		}

		other := e.schedule("client-v")
		if _, err := e.svc.CancelSession(e.ctx, e.clinician, other.ID, "client_cancelled"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: other.ID})
		wantKind(t, "an upload into a cancelled session", err, app.ErrConflict)
	})
}

// TestIngestDictation: the clinician's dictated recap goes into a session
// whose call ended with nothing recorded (the client declined) without any
// client consent, as one clinician track, audited as a consent-free
// recording of the clinician only; a recap of a session that has its own
// recording becomes a new session for the same client (audited as its
// recap); a consent attestation, another clinician and a call under way
// are refused with nothing stored.
func TestIngestDictation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs}
		wav := func() *bytes.Reader { return bytes.NewReader(testenv.WAV(16000, testenv.Silence(2000))) }
		res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: "client-d", Template: "dap", Start: e.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		declined := res.Session
		if err := e.st.InTx(e.ctx, func(tx *store.Tx) error { return tx.SetSessionStatus(e.ctx, declined.ID, store.StatusNoRecording) }); err != nil {
			t.Fatal(err)
		}

		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: declined.ID, Kind: "dictation", ConsentAttested: true})
		wantValidation(t, "a dictation with a client-consent attestation", err, pipeline.FieldConsentAttestedBy)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: declined.ID, Kind: "memo"})
		wantValidation(t, "an unknown kind", err, pipeline.FieldRecordingKind)
		_, err = e.svc.Ingest(e.ctx, e.other, ing, app.IngestInput{Recording: wav(), SessionID: declined.ID, Kind: "dictation"})
		if !errors.Is(err, app.ErrForbidden) && !errors.Is(err, app.ErrNotFound) {
			t.Errorf("another clinician's dictation into the session: %v", err)
		}
		if n, _ := e.st.Chunks(e.ctx, declined.ID); len(n) != 0 {
			t.Fatalf("a refused dictation stored %d chunks", len(n))
		}

		id, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: declined.ID, Kind: "dictation"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.st.Session(e.ctx, id)
		if err != nil || id != declined.ID || !s.Dictation() || s.Status != store.StatusTranscribing || s.ConsentAttestedBy != "" || s.ClientID != declined.ClientID {
			t.Fatalf("dictation into the declined session: %s %+v %v", id, s, err)
		}
		chunks, _ := e.st.Chunks(e.ctx, id)
		for _, c := range chunks {
			if c.Speaker != pipeline.SpeakerClinician {
				t.Errorf("dictation chunk speaker %q", c.Speaker)
			}
		}
		if recs, _ := e.st.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: id}); len(recs) != 0 {
			t.Errorf("a dictation recorded %d consents", len(recs))
		}
		a := e.lastAudit("session.ingest")
		if a.EntityID != id || a.Actor != e.clinician.ID || a.Details["kind"] != "dictation" || a.Details["consent"] != "not_required_clinician_only" ||
			a.Details["speakers"] != "1" || a.Details["into_booked_session"] != "true" {
			t.Errorf("dictation audit %+v", a)
		}

		// A recap of a session that has its own recording.
		recorded, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "client-r", ConsentAttested: true})
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := e.st.Session(e.ctx, recorded)
		recap, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), SessionID: recorded, Kind: "dictation"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.st.Session(e.ctx, recap)
		if err != nil || recap == recorded || !r.Dictation() || r.ClientID != orig.ClientID || r.Clinician != orig.Clinician || r.Template != orig.Template {
			t.Fatalf("recap of a recorded session: %+v %v", r, err)
		}
		if a := e.lastAudit("session.ingest"); a.EntityID != recap || a.Details["recap_of"] != recorded || a.Details["into_booked_session"] != "false" {
			t.Errorf("recap audit %+v", a)
		}
		if o, _ := e.st.Session(e.ctx, recorded); o.Source != store.SourceIngest {
			t.Errorf("the recapped session became %q", o.Source)
		}
	})
}
