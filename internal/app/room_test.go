package app_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// room books a room session of the therapist's and returns it with its
// room link's token.
func (e *env) room(alias string) (store.Session, string) {
	e.t.Helper()
	res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: alias, Mode: app.ModeRoom, Start: e.now})
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Session.Source != app.ModeRoom || len(res.Links) != 1 || res.Links[0].Label != app.RoomLabel || res.Links[0].Role != "clinician" {
		e.t.Fatalf("a room session: source %q, links %+v; want one clinician room link", res.Session.Source, res.Links)
	}
	return res.Session, res.Links[0].Token
}

// split cuts b into n pieces of about equal size (a MediaRecorder's
// timeslices cut a WebM stream anywhere, not at element bounds).
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, b[i*len(b)/n:(i+1)*len(b)/n])
	}
	return out
}

// decodeAll is the 16 kHz mono audio of a recording.
func decodeAll(t *testing.T, b []byte) []int16 {
	t.Helper()
	src, err := audio.Open(bytes.NewReader(b), audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pcm []int16
	if err := src.Decode(func(block [][]int16) error { pcm = append(pcm, block[0]...); return nil }); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// TestRoomPiecesAssembledInOrderOnce: the pieces of two takes (a reload
// between them) arrive out of order and some twice; the second copy of a
// piece changes nothing, a different piece under a kept number is refused,
// Stop with a piece missing waits for it, and Stop assembles the takes in
// order into chunks whose audio is exactly both takes decoded one after
// the other, then deletes the pieces. Stop again changes nothing.
func TestRoomPiecesAssembledInOrderOnce(t *testing.T) {
	take0 := audiotest.WebMOpus(t, testenv.Concat(testenv.Speech(t, "how have you been sleeping since our last session"), testenv.Silence(500)))
	take1 := audiotest.WebMOpus(t, testenv.Concat(testenv.Speech(t, "we will meet again next week"), testenv.Silence(300)))
	want := append(decodeAll(t, take0), decodeAll(t, take1)...)
	forEachBackend(t, func(t *testing.T, e *env) {
		sess, tok := e.room("client-r1")
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs, ChunkMax: 20 * time.Second}

		// Nothing is kept before consent.
		_, err := e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: 0, Seq: 0, Data: take0[:100]})
		wantKind(t, "a piece before consent", err, app.ErrForbidden)
		if ps, _ := e.st.RoomPieces(e.ctx, sess.ID); len(ps) != 0 {
			t.Fatalf("a piece was kept before consent: %d", len(ps))
		}
		_, err = e.svc.RoomState(e.ctx, sess.ID, "not-the-token")
		wantKind(t, "a wrong token", err, app.ErrForbidden)

		st, err := e.svc.RecordRoomConsent(e.ctx, sess.ID, tok, app.RoomConsentInput{Choice: app.RoomAttest, TextVersion: pipeline.ConsentTextVersion})
		if err != nil || st.ConsentState != app.RoomConsentGranted {
			t.Fatalf("attest: %+v, %v", st, err)
		}
		if a := e.lastAudit("consent.record"); a.EntityID != sess.ID || a.Details["method"] != "verbal_attested" {
			t.Errorf("the attested consent's audit entry: %+v", a)
		}

		p0, p1 := split(take0, 5), split(take1, 3)
		type up struct{ take, seq int }
		order := []up{{0, 3}, {1, 0}, {0, 0}, {0, 3}, {0, 1}, {1, 2}, {0, 4}, {0, 2}, {1, 1}, {0, 0}}
		seen := map[up]bool{}
		for _, u := range order {
			data := p0
			if u.take == 1 {
				data = p1
			}
			res, err := e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: u.take, Seq: u.seq, StartedAt: 1, Data: data[u.seq]})
			if err != nil {
				t.Fatalf("piece %v: %v", u, err)
			}
			if res.Added == seen[u] {
				t.Fatalf("piece %v: added %v, but it was sent before: %v", u, res.Added, seen[u])
			}
			seen[u] = true
		}
		_, err = e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: 0, Seq: 2, Data: []byte("other bytes")})
		wantKind(t, "a different piece under a kept number", err, app.ErrConflict)
		pieces, err := e.st.RoomPieces(e.ctx, sess.ID)
		if err != nil || len(pieces) != 8 {
			t.Fatalf("pieces kept: %d (%v), want 8", len(pieces), err)
		}
		if got, _ := e.st.Session(e.ctx, sess.ID); got.Status != store.StatusRecording {
			t.Errorf("status while pieces arrive: %q", got.Status)
		}

		// The browser counted a fourth piece of take 1 that has not arrived.
		fin, err := e.svc.FinishRoom(e.ctx, ing, sess.ID, tok, app.RoomFinishInput{Pieces: map[int]int{0: 5, 1: 4}})
		if !errors.Is(err, app.ErrConflict) || !errors.Is(err, app.ErrRoomIncomplete) || fin.Missing != 1 {
			t.Fatalf("stop with a piece missing: %+v, %v", fin, err)
		}
		if ch, _ := e.st.Chunks(e.ctx, sess.ID); len(ch) != 0 {
			t.Fatalf("stop with a piece missing stored %d chunks", len(ch))
		}

		fin, err = e.svc.FinishRoom(e.ctx, ing, sess.ID, tok, app.RoomFinishInput{Pieces: map[int]int{0: 5, 1: 3}})
		if err != nil || !fin.Done || !fin.Recorded || fin.Chunks == 0 {
			t.Fatalf("stop: %+v, %v", fin, err)
		}
		chunks, err := e.st.Chunks(e.ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []int16
		for _, c := range chunks {
			b, err := e.blobs.Get(e.ctx, c.AudioBlob)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, decodeAll(t, b)...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the assembled recording is %d samples unlike both takes decoded in order (%d samples)", len(got), len(want))
		}
		after, _ := e.st.Session(e.ctx, sess.ID)
		if after.Source != app.ModeRoom || after.Status != store.StatusTranscribing || !after.CaptureEnded {
			t.Errorf("after stop: source %q, status %q, capture ended %v", after.Source, after.Status, after.CaptureEnded)
		}
		if left, _ := e.st.RoomPieces(e.ctx, sess.ID); len(left) != 0 {
			t.Errorf("%d pieces left after assembly", len(left))
		}
		for _, p := range pieces {
			if ok, _ := e.blobs.Exists(e.ctx, p.BlobID); ok {
				t.Errorf("a piece's audio is left after assembly")
			}
		}
		if a := e.lastAudit("room.finish"); a.Details["pieces"] != "8" || a.Details["takes"] != "2" {
			t.Errorf("room.finish audit details %v", a.Details)
		}

		again, err := e.svc.FinishRoom(e.ctx, ing, sess.ID, tok, app.RoomFinishInput{Pieces: map[int]int{0: 5, 1: 3}})
		if err != nil || !again.Done || again.Chunks != len(chunks) {
			t.Fatalf("stop again: %+v, %v (chunks before %d)", again, err, len(chunks))
		}
		_, err = e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: 2, Seq: 0, Data: take1})
		wantKind(t, "a piece after stop", err, app.ErrConflict)
	})
}

// TestRoomDeclineAndStopKeepNothing: a decline ends the session with no
// recording and keeps no piece; "Stop AI scribe" after some pieces revokes
// the consent, deletes them and ends the session with no recording.
func TestRoomDeclineAndStopKeepNothing(t *testing.T) {
	rec := audiotest.WebMOpus(t, testenv.Speech(t, "we will meet again next week"))
	forEachBackend(t, func(t *testing.T, e *env) {
		sess, tok := e.room("client-r2")
		st, err := e.svc.RecordRoomConsent(e.ctx, sess.ID, tok, app.RoomConsentInput{Choice: app.RoomDecline, TextVersion: pipeline.ConsentTextVersion})
		if err != nil || st.ConsentState != app.RoomConsentDeclined || !st.Ended {
			t.Fatalf("decline: %+v, %v", st, err)
		}
		_, err = e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: 0, Seq: 0, Data: rec})
		wantKind(t, "a piece after a decline", err, app.ErrConflict)
		got, _ := e.st.Session(e.ctx, sess.ID)
		if got.Status != store.StatusNoRecording || !got.CaptureEnded {
			t.Errorf("after a decline: status %q, capture ended %v", got.Status, got.CaptureEnded)
		}
		if ps, _ := e.st.RoomPieces(e.ctx, sess.ID); len(ps) != 0 {
			t.Errorf("a declined session kept %d pieces", len(ps))
		}

		// A room session booked and never started can be cancelled.
		booked, _ := e.room("client-r5")
		if _, err := e.svc.CancelSession(e.ctx, e.clinician, booked.ID, "clinician_cancelled"); err != nil {
			t.Errorf("cancel a room session not started: %v", err)
		}

		sess2, tok2 := e.room("client-r3")
		_, err = e.svc.RecordRoomConsent(e.ctx, sess2.ID, tok2, app.RoomConsentInput{Choice: app.RoomAccept, TextVersion: pipeline.ConsentTextVersion})
		if err != nil {
			t.Fatal(err)
		}
		var blobs []string
		for i, p := range split(rec, 3) {
			if _, err := e.svc.AddRoomPiece(e.ctx, sess2.ID, tok2, app.RoomPieceInput{Take: 0, Seq: i, Data: p}); err != nil {
				t.Fatal(err)
			}
		}
		ps, _ := e.st.RoomPieces(e.ctx, sess2.ID)
		for _, p := range ps {
			blobs = append(blobs, p.BlobID)
		}
		if err := e.svc.StopRoomScribe(e.ctx, sess2.ID, tok2); err != nil {
			t.Fatal(err)
		}
		if ps, _ := e.st.RoomPieces(e.ctx, sess2.ID); len(ps) != 0 {
			t.Errorf("%d pieces kept after Stop AI scribe", len(ps))
		}
		for _, id := range blobs {
			if ok, _ := e.blobs.Exists(e.ctx, id); ok {
				t.Errorf("a piece's audio is kept after Stop AI scribe")
			}
		}
		got, _ = e.st.Session(e.ctx, sess2.ID)
		if got.Status != store.StatusNoRecording || !got.CaptureEnded {
			t.Errorf("after Stop AI scribe: status %q, capture ended %v", got.Status, got.CaptureEnded)
		}
		if in, _ := e.st.ConsentScopesInForce(e.ctx, sess2.ID); in["ai_scribe"] {
			t.Error("the AI-scribe consent is still in force after Stop AI scribe")
		}
		_, err = e.svc.AddRoomPiece(e.ctx, sess2.ID, tok2, app.RoomPieceInput{Take: 0, Seq: 3, Data: rec})
		wantKind(t, "a piece after Stop AI scribe", err, app.ErrConflict)

		// Consent revoked on the session page while recording: Stop keeps nothing.
		sess3, tok3 := e.room("client-r4")
		if _, err := e.svc.RecordRoomConsent(e.ctx, sess3.ID, tok3, app.RoomConsentInput{Choice: app.RoomAttest, TextVersion: pipeline.ConsentTextVersion}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddRoomPiece(e.ctx, sess3.ID, tok3, app.RoomPieceInput{Take: 0, Seq: 0, Data: rec}); err != nil {
			t.Fatal(err)
		}
		consents, err := e.st.Consents(e.ctx, sess3.ID)
		if err != nil || len(consents) != 1 {
			t.Fatalf("consents: %d, %v", len(consents), err)
		}
		if _, err := e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: consents[0].ID, SessionID: sess3.ID, Method: "written"}); err != nil {
			t.Fatal(err)
		}
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs}
		_, err = e.svc.FinishRoom(e.ctx, ing, sess3.ID, tok3, app.RoomFinishInput{Pieces: map[int]int{0: 1}})
		wantKind(t, "stop after the consent was revoked", err, app.ErrForbidden)
		chunks, _ := e.st.Chunks(e.ctx, sess3.ID)
		if ps, _ := e.st.RoomPieces(e.ctx, sess3.ID); len(ps) != 0 || len(chunks) != 0 {
			t.Errorf("after a revoked consent Stop kept %d pieces and %d chunks", len(ps), len(chunks))
		}
	})
}

// TestRoomPart2Consent: in a substance-use (42 CFR Part 2) session the
// clinician cannot attest the consent (the disclosure consent is the
// client's own); the client's acceptance on the screen records both the
// AI-scribe and the Part 2 consent, and recording may start.
func TestRoomPart2Consent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		res, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "client-p2", Program: "sud", Mode: app.ModeRoom, Start: e.now})
		if err != nil {
			t.Fatal(err)
		}
		id, tok := res.Session.ID, res.Links[0].Token
		st, err := e.svc.RoomState(e.ctx, id, tok)
		if err != nil || !st.Consent.Part2 || st.Consent.Part2Text == "" {
			t.Fatalf("state of a Part 2 room session: %+v, %v", st, err)
		}
		_, err = e.svc.RecordRoomConsent(e.ctx, id, tok, app.RoomConsentInput{Choice: app.RoomAttest, TextVersion: st.Consent.Version})
		wantValidation(t, "an attested Part 2 consent", err, app.FieldRoomConsent)
		if st, err = e.svc.RecordRoomConsent(e.ctx, id, tok, app.RoomConsentInput{Choice: app.RoomAccept, TextVersion: st.Consent.Version}); err != nil || st.ConsentState != app.RoomConsentGranted {
			t.Fatalf("the client accepts: %+v, %v", st, err)
		}
		in, err := e.st.ConsentScopesInForce(e.ctx, id)
		if err != nil || !in["ai_scribe"] || !in["part2_tpo"] {
			t.Errorf("consents in force %v (%v); want ai_scribe and part2_tpo", in, err)
		}
		// Answered already: the same answer again changes nothing, another is refused.
		if _, err := e.svc.RecordRoomConsent(e.ctx, id, tok, app.RoomConsentInput{Choice: app.RoomAccept, TextVersion: st.Consent.Version}); err != nil {
			t.Errorf("the same answer twice: %v", err)
		}
		_, err = e.svc.RecordRoomConsent(e.ctx, id, tok, app.RoomConsentInput{Choice: app.RoomDecline, TextVersion: st.Consent.Version})
		wantKind(t, "a decline after acceptance", err, app.ErrConflict)
		consents, _ := e.st.Consents(e.ctx, id)
		if len(consents) != 2 {
			t.Errorf("%d consent records; want 2 (a repeated answer records nothing)", len(consents))
		}
	})
}

// TestAbandonedRoomRecordingIsFinished: a room recording whose clinician
// left without pressing Stop is not left waiting forever. Before its
// appointment time and grace are over the sweep leaves it alone; after,
// with the consent in force, the pieces that arrived go to the pipeline as
// Stop would send them and are deleted (audited as the system's); without
// the consent they are deleted and the session ends with nothing recorded.
func TestAbandonedRoomRecordingIsFinished(t *testing.T) {
	take := audiotest.WebMOpus(t, testenv.Concat(testenv.Speech(t, "we will meet again next week"), testenv.Silence(300)))
	forEachBackend(t, func(t *testing.T, e *env) {
		record := func(alias string) store.Session {
			t.Helper()
			sess, tok := e.room(alias)
			if _, err := e.svc.RecordRoomConsent(e.ctx, sess.ID, tok, app.RoomConsentInput{Choice: app.RoomAttest, TextVersion: pipeline.ConsentTextVersion}); err != nil {
				t.Fatal(err)
			}
			for i, p := range split(take, 3) {
				if _, err := e.svc.AddRoomPiece(e.ctx, sess.ID, tok, app.RoomPieceInput{Take: 0, Seq: i, StartedAt: 1, Data: p}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.st.Session(e.ctx, sess.ID)
			if err != nil || got.Status != store.StatusRecording || got.ExpiresAt == 0 {
				t.Fatalf("recording: %+v %v", got.Status, err)
			}
			return got
		}
		kept, revoked := record("client-ab1"), record("client-ab2")
		cb := &pipeline.CallBackend{Store: e.st, Blobs: e.blobs}
		if err := cb.RevokeConsent(e.ctx, revoked.ID, capture.Participant{Role: capture.RoleClinician, Label: app.RoomLabel}); err != nil {
			t.Fatal(err)
		}
		early := time.UnixMilli(min(kept.ExpiresAt, revoked.ExpiresAt)).Add(-time.Minute)
		if n, err := pipeline.FinishAbandonedRooms(e.ctx, e.st, e.blobs, early); err != nil || n != 0 {
			t.Fatalf("before the appointment's time is over: %d finished (%v)", n, err)
		}
		late := time.UnixMilli(max(kept.ExpiresAt, revoked.ExpiresAt)).Add(time.Hour)
		if n, err := pipeline.FinishAbandonedRooms(e.ctx, e.st, e.blobs, late); err != nil || n != 2 {
			t.Fatalf("after: %d finished (%v), want 2", n, err)
		}
		for _, id := range []string{kept.ID, revoked.ID} {
			if ps, _ := e.st.RoomPieces(e.ctx, id); len(ps) != 0 {
				t.Errorf("session %s keeps %d pieces", id, len(ps))
			}
		}
		if got, _ := e.st.Session(e.ctx, kept.ID); !got.CaptureEnded || got.Status == store.StatusRecording {
			t.Errorf("the kept recording is still %q", got.Status)
		}
		if ch, _ := e.st.Chunks(e.ctx, kept.ID); len(ch) == 0 {
			t.Error("the kept recording's audio did not reach the pipeline")
		}
		if a := e.lastAudit("room.finish"); a.EntityID != kept.ID || a.Actor != "system" {
			t.Errorf("the finish is not audited as the system's: %+v", a)
		}
		if got, _ := e.st.Session(e.ctx, revoked.ID); got.Status != store.StatusNoRecording {
			t.Errorf("the recording without consent ended as %q, want no_recording", got.Status)
		}
		if ch, _ := e.st.Chunks(e.ctx, revoked.ID); len(ch) != 0 {
			t.Errorf("the recording without consent kept %d chunks", len(ch))
		}
		if n, err := pipeline.FinishAbandonedRooms(e.ctx, e.st, e.blobs, late); err != nil || n != 0 {
			t.Errorf("a second sweep finished %d (%v)", n, err)
		}
	})
}
