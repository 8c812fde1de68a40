package pipeline_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/validate"
)

// bookCall creates a call session booked at start for 50 minutes, with a
// client join link (hashed) valid as long as the session, and returns the
// session ID and the link's token.
func (h *harness) bookCall(start time.Time, consent bool) (string, string) {
	h.t.Helper()
	id := "call-" + testenv.RandomHex(8)
	tok := testenv.RandomHex(24) // a join token (only its hash is stored)
	sess := store.Session{ID: id, Source: "call", Status: store.StatusScheduled, Template: "dap", Modality: "general", Program: "mh",
		ClientAlias: "client-7Q", Clinician: "therapist@example.org"}
	sess.Book(start, 50*time.Minute)
	if err := h.store.InTx(h.ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(h.ctx, &sess); err != nil {
			return err
		}
		if err := tx.AddJoinToken(h.ctx, store.JoinToken{TokenHash: pipeline.HashJoinToken(tok), SessionID: id, Role: "client", Label: "client", ExpiresAt: sess.ExpiresAt}); err != nil {
			return err
		}
		if !consent {
			return nil
		}
		return tx.AddConsent(h.ctx, &store.Consent{ID: uuid.NewString(), SessionID: id, Scope: capture.ScopeAIScribe, Granted: true, Method: "electronic",
			CapturedBy: "client:client", TextVersion: pipeline.ConsentTextVersion})
	}); err != nil {
		h.t.Fatal(err)
	}
	return id, tok
}

// storeSpeech stores one chunk of real speech for the client, as the relay
// does during a call.
func (h *harness) storeSpeech(cb *pipeline.CallBackend, id string, index int, text string) {
	h.t.Helper()
	pcm := testenv.Concat(testenv.Speech(h.t, text), testenv.Silence(500))
	c := capture.Chunk{Index: index, StartSample: int64(index) * 20 * 16000, Samples: pcm}
	c.EndSample = c.StartSample + int64(len(pcm))
	if err := cb.StoreChunk(h.ctx, id, "client", c); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) session(id string) store.Session {
	h.t.Helper()
	s, err := h.store.Session(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// audited returns the session's audit entries with the action.
func (h *harness) audited(id, action string) []audit.Entry {
	h.t.Helper()
	var out []audit.Entry
	for _, e := range h.auditIntact() {
		if e.EntityID == id && e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestEndExpiredSessions: once a session's appointment window and grace
// period have passed with nobody in its call, the sweep ends it: with
// nothing recorded it becomes no_recording with a reason; with recorded
// audio it moves on to transcription and a draft, as End does. A session
// still in its grace period, or whose call is live, is left alone; the
// links of an expired session say it has ended.
func TestEndExpiredSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		testenv.Tool(t, "pocketsphinx_continuous")
		h := newHarness(t, b)
		h.startWorkers(store.WorkerOptions{})
		cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs}
		now := time.Now()
		past := now.Add(-50*time.Minute - store.ScheduleGrace - time.Minute) // expired a minute ago
		empty, emptyTok := h.bookCall(past, false)
		recorded, _ := h.bookCall(past, true)
		h.storeSpeech(cb, recorded, 0, turns[1].text)
		inGrace, _ := h.bookCall(now.Add(-55*time.Minute), false)
		live, _ := h.bookCall(past, false)
		if err := cb.HostCall(h.ctx, live); err != nil {
			t.Fatal(err)
		}

		n, err := pipeline.EndExpiredSessions(h.ctx, h.store, now)
		if err != nil || n != 2 {
			t.Fatalf("EndExpiredSessions ended %d (%v), want 2", n, err)
		}
		if s := h.session(empty); s.Status != store.StatusNoRecording || !s.CaptureEnded || s.EndReason != pipeline.ExpiredReason {
			t.Errorf("expired empty session: status %q, capture ended %v, reason %q", s.Status, s.CaptureEnded, s.EndReason)
		}
		if e := h.audited(empty, "session.expire"); len(e) != 1 || e[0].Actor != "system" {
			t.Errorf("session.expire audit entries %+v; want one by system", e)
		}
		for _, id := range []string{inGrace, live} {
			if s := h.session(id); !s.Open() {
				t.Errorf("session %s ended by the sweep (status %q): in its grace period or live", id, s.Status)
			}
		}
		if err := pipeline.Wait(h.ctx, h.store, recorded, nil); err != nil {
			t.Fatalf("the expired session with a recording: %v", err)
		}
		if d, err := h.store.LatestDraft(h.ctx, recorded); err != nil || d.Status != store.DraftDraft {
			t.Errorf("draft of the expired recorded session: %+v, %v", d, err)
		}
		h.noFakeProblems()
		if _, err := cb.Authorize(h.ctx, empty, emptyTok); !errors.Is(err, capture.ErrSessionEnded) || errors.Is(err, capture.ErrSessionCancelled) {
			t.Errorf("the link of an expired session: %v, want ErrSessionEnded", err)
		}
		// The live call's room closes (everyone left): the next sweep ends it.
		cb.ReleaseCall(h.ctx, live)
		if n, err := pipeline.EndExpiredSessions(h.ctx, h.store, now); err != nil || n != 1 || h.session(live).Open() {
			t.Errorf("after the live call closed: %d ended (%v), open %v", n, err, h.session(live).Open())
		}
		if n, err := pipeline.EndExpiredSessions(h.ctx, h.store, now); err != nil || n != 0 {
			t.Errorf("a second sweep ended %d (%v); want 0", n, err)
		}
	})
}

// TestExpirySweepRunsAsRiverJob: serve's River client runs the sweep as a
// periodic job (on start, then every minute), and it ends an expired
// session by itself.
func TestExpirySweepRunsAsRiverJob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		id, _ := h.bookCall(time.Now().Add(-2*time.Hour), false)
		h.startWorkers(store.WorkerOptions{Periodic: []*river.PeriodicJob{pipeline.ExpirePeriodic()}})
		deadline := time.Now().Add(60 * time.Second)
		for h.session(id).Open() {
			if time.Now().After(deadline) {
				t.Fatal("the periodic sweep did not end the expired session within 60 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if s := h.session(id); s.Status != store.StatusNoRecording || s.EndReason != pipeline.ExpiredReason {
			t.Errorf("status %q, reason %q", s.Status, s.EndReason)
		}
	})
}

// TestCancelSession: an admin (or the session's clinician) cancels a
// session: with nothing recorded it becomes cancelled with the reason,
// audited with who did it; its link then says it was cancelled. A bad
// reason changes nothing; an ended session cannot be cancelled; a session
// with recorded audio is ended and drafted rather than losing the audio.
func TestCancelSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		testenv.Tool(t, "pocketsphinx_continuous")
		h := newHarness(t, b)
		h.startWorkers(store.WorkerOptions{})
		cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs}
		id, tok := h.bookCall(time.Now().Add(time.Hour), false)

		var ve *validate.Error
		if _, err := pipeline.CancelSession(h.ctx, h.store, id, "admin@example.org", "admin", "bored"); !errors.As(err, &ve) || ve.Field != pipeline.FieldCancelReason {
			t.Errorf("a made-up reason: %v, want a ValidationError naming the reason", err)
		}
		if !h.session(id).Open() {
			t.Fatal("a refused cancellation changed the session")
		}
		res, err := pipeline.CancelSession(h.ctx, h.store, id, "admin@example.org", "admin", "rescheduled")
		if err != nil || res.Recorded {
			t.Fatalf("cancel: %+v, %v", res, err)
		}
		if s := h.session(id); s.Status != store.StatusCancelled || !s.CaptureEnded || s.EndReason != "rescheduled" {
			t.Errorf("cancelled session: status %q, capture ended %v, reason %q", s.Status, s.CaptureEnded, s.EndReason)
		}
		if e := h.audited(id, "session.cancel"); len(e) != 1 || e[0].Actor != "admin@example.org" || e[0].Details["reason"] != "rescheduled" {
			t.Errorf("session.cancel audit entries %+v", e)
		}
		if _, err := cb.Authorize(h.ctx, id, tok); !errors.Is(err, capture.ErrSessionCancelled) {
			t.Errorf("the link of a cancelled session: %v, want ErrSessionCancelled", err)
		}
		if err := cb.HostCall(h.ctx, id); !errors.Is(err, capture.ErrSessionCancelled) {
			t.Errorf("a live call of a cancelled session renewing its claim: %v, want ErrSessionCancelled", err)
		}
		if _, err := pipeline.CancelSession(h.ctx, h.store, id, "admin@example.org", "admin", "rescheduled"); !errors.Is(err, pipeline.ErrSessionNotOpen) {
			t.Errorf("cancelling twice: %v, want ErrSessionNotOpen", err)
		}

		rec, _ := h.bookCall(time.Now(), true)
		h.storeSpeech(cb, rec, 0, turns[3].text)
		res, err = pipeline.CancelSession(h.ctx, h.store, rec, "therapist@example.org", "clinician", "no_show")
		if err != nil || !res.Recorded {
			t.Fatalf("cancel a recorded session: %+v, %v", res, err)
		}
		if err := pipeline.Wait(h.ctx, h.store, rec, nil); err != nil {
			t.Fatalf("the cancelled session with a recording: %v", err)
		}
		// A chunk the call's relay flushes after the end is refused.
		pcm := testenv.Silence(1000)
		if err := cb.StoreChunk(h.ctx, rec, "client", capture.Chunk{Index: 5, StartSample: 40 * 16000, EndSample: 40*16000 + int64(len(pcm)), Samples: pcm}); !errors.Is(err, capture.ErrSessionEnded) {
			t.Errorf("a chunk after the session ended: %v, want ErrSessionEnded", err)
		}
		h.noFakeProblems()
	})
}

// TestEndExpiredRoomSessions: a room session whose time passed without a
// recording started ends as no_recording, like a call nobody joined; one
// whose recording is under way (pieces on the server, more perhaps still
// on the clinician's device) is left for its clinician's Stop.
func TestEndExpiredRoomSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		now := time.Now()
		past := now.Add(-50*time.Minute - store.ScheduleGrace - time.Minute)
		ids := map[string]string{}
		for _, status := range []string{store.StatusScheduled, store.StatusRecording} {
			sess := store.Session{ID: "room-" + testenv.RandomHex(8), Source: "room", Status: status, Template: "dap", Modality: "general", Program: "mh",
				ClientAlias: "client-7R", Clinician: "therapist@example.org"}
			sess.Book(past, 50*time.Minute)
			if err := h.store.InTx(h.ctx, func(tx *store.Tx) error { return tx.CreateSession(h.ctx, &sess) }); err != nil {
				t.Fatal(err)
			}
			ids[status] = sess.ID
		}
		n, err := pipeline.EndExpiredSessions(h.ctx, h.store, now)
		if err != nil || n != 1 {
			t.Fatalf("EndExpiredSessions ended %d (%v), want 1", n, err)
		}
		if s := h.session(ids[store.StatusScheduled]); s.Status != store.StatusNoRecording || !s.CaptureEnded || s.EndReason != pipeline.ExpiredReason {
			t.Errorf("an expired room session never recorded: status %q, capture ended %v, reason %q", s.Status, s.CaptureEnded, s.EndReason)
		}
		if s := h.session(ids[store.StatusRecording]); s.CaptureEnded || s.Status != store.StatusRecording {
			t.Errorf("an expired room session with a recording under way was ended: status %q", s.Status)
		}
	})
}
