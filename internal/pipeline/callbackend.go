package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/transcribe"
)

// Consent texts shown on the call page. The version is recorded on every
// consent decision; change it whenever the text changes.
const (
	ConsentTextVersion  = "consent-2026-11-v1"
	AIScribeConsentText = "This session uses Scribe, an AI documentation assistant. With your permission, the audio of this call is " +
		"recorded, transcribed, stripped of names and other identifiers, and used to draft your clinician's progress note. " +
		"Your clinician reviews and signs the note; nothing is final without them. Audio is deleted after transcription. " +
		"You may refuse: the session goes ahead without the AI scribe. You may stop the AI scribe at any time with \"Stop AI scribe\"."
	Part2ConsentText = "Consent to disclose substance use disorder treatment records (42 CFR Part 2). Patient: the client of this session. " +
		"Who may disclose: this treatment program. Information: the recording, transcript and draft note of this session. " +
		"Recipients: this program's clinicians and its AI documentation service providers under a Business Associate Agreement. " +
		"Purpose: treatment, payment and health care operations (documentation of this session). " +
		"You may revoke this consent at any time, in writing or with \"Stop AI scribe\", except where action has already been taken in reliance on it. " +
		"This consent expires one year from today unless revoked earlier. Your electronic acceptance below, with today's date, is your signature."
)

// CallBackend is the store-backed host of the call relay: join tokens,
// consent records, chunk storage with transcription enqueued during the
// call, attendance, and moving the session on when the call ends.
type CallBackend struct {
	Store *store.Store
	Blobs blob.Store
	// PurgeOnRevoke deletes audio already captured when consent is revoked
	// (the default policy); false keeps it.
	PurgeOnRevoke bool
	Now           func() time.Time

	epochOnce  sync.Once
	epoch      string
	mu         sync.Mutex
	placements map[string]placement
}

var (
	_ capture.Backend       = (*CallBackend)(nil)
	_ capture.CallHost      = (*CallBackend)(nil)
	_ capture.SessionKeeper = (*CallBackend)(nil)
)

// callHostTTL is how long a relay's claim on a call lasts without renewal
// (a crashed process's calls can be taken over after it).
const callHostTTL = 3 * capture.HostRenewInterval

// relayID names this relay (this CallBackend) in call claims and chunk names.
func (b *CallBackend) relayID() string {
	b.epochOnce.Do(func() {
		b.epoch = strconv.FormatInt(time.Now().UnixNano(), 36) + strings.ReplaceAll(uuid.NewString(), "-", "")[:6]
	})
	return b.epoch
}

// HostCall claims the session's call for this relay (capture.CallHost).
// A session that has ended meanwhile (cancelled by an admin, or ended by
// the expiry sweep of another process) is refused with
// capture.ErrSessionEnded, which ends its call.
func (b *CallBackend) HostCall(ctx context.Context, sessionID string) error {
	sess, err := b.Store.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := sessionOver(sess); err != nil {
		return err
	}
	ok, err := b.Store.ClaimCall(ctx, sessionID, b.relayID(), b.now().UnixMilli(), callHostTTL)
	if err != nil {
		return err
	}
	if !ok {
		return capture.ErrHostedElsewhere
	}
	return nil
}

// sessionOver returns capture.ErrSessionEnded (or ErrSessionCancelled)
// for a session whose capture has ended, nil for one still open.
func sessionOver(sess store.Session) error {
	switch {
	case !sess.CaptureEnded:
		return nil
	case sess.Status == store.StatusCancelled:
		return capture.ErrSessionCancelled
	default:
		return capture.ErrSessionEnded
	}
}

// OpenCall is what a new room of the session needs (capture.SessionKeeper):
// its appointment, its clock (started by its first recording, zero before)
// and each speaker's next chunk index, so a call opened again (after
// everyone left, or on a restarted relay) continues one timeline and never
// reuses an index.
func (b *CallBackend) OpenCall(ctx context.Context, sessionID string) (capture.CallInfo, error) {
	var info capture.CallInfo
	err := b.Store.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, false)
		if err != nil {
			return err
		}
		if err := sessionOver(sess); err != nil {
			return err
		}
		if start, end, ok := sess.Window(); ok {
			info.Schedule.Start, info.Schedule.End = start, end
		}
		if sess.ExpiresAt > 0 {
			info.Schedule.Deadline = time.UnixMilli(sess.ExpiresAt)
		}
		if sess.ClockStartAt > 0 {
			info.ClockStart = time.UnixMilli(sess.ClockStartAt)
		}
		info.NextIndex, err = tx.NextChunkIndexes(ctx, sessionID)
		return err
	})
	return info, err
}

// StartClock keeps the clock a room started at the session's first
// recording (capture.SessionKeeper).
func (b *CallBackend) StartClock(ctx context.Context, sessionID string, at time.Time) error {
	return b.Store.InTx(ctx, func(tx *store.Tx) error {
		kept, err := tx.StartClock(ctx, sessionID, at.UnixMilli())
		if err != nil {
			return err
		}
		if kept != at.UnixMilli() {
			return fmt.Errorf("session %s: its clock started at %s already, not at %s", sessionID,
				time.UnixMilli(kept).UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
		}
		return nil
	})
}

// ReleaseCall gives up this relay's claim on the session's call.
func (b *CallBackend) ReleaseCall(ctx context.Context, sessionID string) {
	if err := b.Store.ReleaseCall(ctx, sessionID, b.relayID()); err != nil {
		b.Store.Logger().Warn("capture: releasing the claim on a call failed", "session_id", sessionID, "err", err)
	}
}

func (b *CallBackend) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// JoinEarly is how long before its appointment a client's join link opens
// the call.
const JoinEarly = 30 * time.Minute

// ErrJoinRefused is returned for any invalid, expired or foreign join token.
var ErrJoinRefused = errors.New("join link is not valid for this session (expired, mistyped, or for another session)")

// HashJoinToken is how join tokens are stored and looked up.
func HashJoinToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (b *CallBackend) Authorize(ctx context.Context, sessionID, token string) (capture.Participant, error) {
	if token == "" {
		return capture.Participant{}, ErrJoinRefused
	}
	t, err := b.Store.JoinTokenByHash(ctx, HashJoinToken(token))
	if err != nil || t.SessionID != sessionID {
		return capture.Participant{}, ErrJoinRefused
	}
	sess, err := b.Store.Session(ctx, sessionID)
	if err != nil {
		return capture.Participant{}, ErrJoinRefused
	}
	now := b.now()
	if err := sessionOver(sess); err != nil {
		if !errors.Is(err, capture.ErrSessionCancelled) && sess.ExpiresAt > 0 && now.UnixMilli() >= sess.ExpiresAt {
			err = capture.ErrWindowOver // ended with its time: the link is past its window
		}
		return capture.Participant{}, fmt.Errorf("%w: %w", ErrJoinRefused, err)
	}
	// A client's link opens the call JoinEarly before the appointment;
	// opened earlier, it says when and stays good (nothing is spent). The
	// clinician may open the room at any time before.
	if start, end, ok := sess.Window(); ok && t.Role != capture.RoleClinician && now.Before(start.Add(-JoinEarly)) {
		return capture.Participant{}, &capture.TooEarlyError{Start: start, End: end, Opens: start.Add(-JoinEarly)}
	}
	if now.UnixMilli() >= t.ExpiresAt {
		// A call still going past the session's time (it overran while
		// recording) takes its participants back after a reconnect.
		live, err := b.Store.CallLive(ctx, sessionID, now.Add(-callHostTTL).UnixMilli())
		switch {
		case err == nil && live:
		case sess.ExpiresAt > 0 && now.UnixMilli() >= sess.ExpiresAt:
			// Its time is over; the expiry sweep ends it shortly.
			return capture.Participant{}, fmt.Errorf("%w: %w", ErrJoinRefused, capture.ErrWindowOver)
		default:
			return capture.Participant{}, ErrJoinRefused
		}
	}
	return capture.Participant{ID: participantID(sessionID, t.Role, t.Label), Role: t.Role, Label: t.Label}, nil
}

// participantID is the same for every link of one role and label in a
// session: a clinician who starts the call again from the session page
// (a new link) is the same participant, whose new window replaces the old
// one and continues the same recording, not a second "clinician" speaker.
func participantID(sessionID, role, label string) string {
	sum := sha256.Sum256([]byte(sessionID + "\x00" + role + "\x00" + label))
	return hex.EncodeToString(sum[:8])
}

func (b *CallBackend) ConsentText(ctx context.Context, sessionID string) (capture.ConsentInfo, error) {
	sess, err := b.Store.Session(ctx, sessionID)
	if err != nil {
		return capture.ConsentInfo{}, err
	}
	ci := capture.ConsentInfo{AIScribeText: AIScribeConsentText, Version: ConsentTextVersion, Part2: sess.Part2()}
	if sess.Part2() {
		ci.Part2Text = Part2ConsentText
	}
	return ci, nil
}

func (b *CallBackend) RecordConsent(ctx context.Context, sessionID string, by capture.Participant, c capture.ConsentDecision) error {
	sess, err := b.Store.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	body := AIScribeConsentText
	if c.Scope == capture.ScopePart2TPO {
		body = Part2ConsentText
	}
	if c.TextVersion == ConsentTextVersion {
		if _, err := compliance.EnsureText(ctx, b.Store, c.Scope, c.TextVersion, body, "system"); err != nil {
			return err
		}
	}
	// The elements of 42 CFR 2.31 are those the consent text states.
	rec := &store.ConsentRecord{Consent: store.Consent{ID: uuid.NewString(), SessionID: sessionID, ClientAlias: sess.ClientAlias, Scope: c.Scope, Granted: c.Granted,
		Method: c.Method, CapturedBy: by.Role + ":" + by.Label, TextVersion: c.TextVersion}, RevocationNotice: true, TextHash: compliance.TextHash(body)}
	if c.Granted {
		rec.Signature, rec.SignedAt = "electronic acceptance on the call page ("+by.Role+")", b.now().UnixMilli()
	}
	if c.Scope == capture.ScopePart2TPO && c.Granted {
		rec.ExpiresAt = b.now().AddDate(1, 0, 0).UnixMilli()
		rec.Discloser, rec.Information = "this treatment program", "the recording, transcript and draft note of this session"
		rec.Recipients = "this program's clinicians and its AI documentation service providers under a Business Associate Agreement"
		rec.Purpose = "treatment, payment and health care operations (documentation of this session)"
	}
	if err := compliance.Validate(*rec); err != nil {
		return err
	}
	return b.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddConsentRecord(ctx, rec); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: "call:" + by.Role, Action: "consent.record", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"consent": rec.ID, "scope": c.Scope, "granted": fmt.Sprint(c.Granted), "method": c.Method, "text_version": c.TextVersion}})
	})
}

func (b *CallBackend) RecordingAllowed(ctx context.Context, sessionID string) (bool, error) {
	_, err := compliance.CheckStage(ctx, b.Store, sessionID, compliance.StageCapture)
	if errors.Is(err, compliance.ErrNoConsent) {
		return false, nil
	}
	return err == nil, err
}

func (b *CallBackend) RevokeConsent(ctx context.Context, sessionID string, by capture.Participant) error {
	var purge []store.Chunk
	err := b.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.RevokeConsents(ctx, sessionID, capture.ScopeAIScribe, by.Role+":"+by.Label, "stop_ai_scribe")
		if err != nil {
			return err
		}
		if b.PurgeOnRevoke {
			if purge, err = tx.Chunks(ctx, sessionID); err != nil {
				return err
			}
			if err := tx.DeleteChunks(ctx, sessionID); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: "call:" + by.Role, Action: "consent.revoke", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"scope": capture.ScopeAIScribe, "revoked": fmt.Sprint(n), "purge_chunks": fmt.Sprint(len(purge))}})
	})
	if err != nil {
		return err
	}
	var failed int
	for _, c := range purge {
		// A transcription in flight may have written its transcript without
		// recording it on the row yet: delete it by its name.
		tr := c.TranscriptBlob
		if tr == "" {
			tr = transcribe.ChunkTranscriptBlob(sessionID, c.ID)
		}
		for _, id := range []string{c.AudioBlob, tr} {
			if id == "" {
				continue
			}
			if err := b.Blobs.Delete(ctx, id); err != nil {
				failed++
			}
		}
	}
	outcome := "success"
	if failed > 0 {
		outcome = "failure"
	}
	if len(purge) > 0 {
		b.Store.Logger().Info("audio purged after consent revocation", "session_id", sessionID, "chunks", len(purge), "failed", failed)
		return b.Store.Audit(ctx, audit.Event{Actor: "system", Action: "audio.purge", EntityType: "session", EntityID: sessionID, Outcome: outcome,
			Details: map[string]string{"reason": "consent_revoked", "chunks": fmt.Sprint(len(purge)), "failed": fmt.Sprint(failed)}})
	}
	return nil
}

func (b *CallBackend) StoreChunk(ctx context.Context, sessionID, speaker string, c capture.Chunk) error {
	// The relay checked consent when the recorder started; check again at
	// the moment audio is kept.
	ok, err := b.RecordingAllowed(ctx, sessionID)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("no AI-scribe consent in force: chunk not stored")
	}
	// The relay numbers chunks from 0 and places them on its own clock; a
	// relay restarted mid-call starts again at 0. The blob name carries this
	// relay's epoch so nothing already stored is ever overwritten.
	// A random part keeps a write that is refused below (a chunk of that
	// speaker and index already stored) from replacing the stored audio.
	id := fmt.Sprintf("sessions/%s/audio/%s-%s-%04d-%s.wav", sessionID, sanitizeSpeaker(speaker), b.relayID(), c.Index, uuid.NewString()[:8])
	if err := b.Blobs.Put(ctx, id, audio.EncodeWAV(c.Samples, 16000)); err != nil {
		return err
	}
	var ch *store.Chunk
	err = b.Store.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if err := sessionOver(sess); err != nil {
			// Its redaction may be under way: a chunk now would be missed.
			return fmt.Errorf("%w: chunk %d of %s not stored", err, c.Index, sanitizeSpeaker(speaker))
		}
		if sess.Status == store.StatusScheduled || sess.Status == store.StatusInCall {
			if err := tx.SetSessionStatus(ctx, sessionID, store.StatusRecording); err != nil {
				return err
			}
		}
		ch = &store.Chunk{SessionID: sessionID, Speaker: speaker, Index: c.Index, StartMS: c.StartSample * 1000 / 16000, EndMS: c.EndSample * 1000 / 16000, AudioBlob: id}
		if err := b.continueAfterRestart(ctx, tx, ch); err != nil {
			return err
		}
		cid, err := tx.AddChunk(ctx, ch)
		if err != nil {
			return err
		}
		if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, cid, store.StatePending, 0, ""); err != nil {
			return err
		}
		return tx.Enqueue(ctx, jobs.TranscribeChunkArgs{SessionID: sessionID, ChunkID: cid}, nil)
	})
	if err != nil || ch.AudioBlob != id {
		// Nothing refers to the object (the row was not written, or the
		// chunk was already stored: a retry): remove it rather than keep
		// audio no record accounts for.
		if derr := b.Blobs.Delete(context.WithoutCancel(ctx), id); derr != nil {
			b.Store.Logger().Warn("capture: removing the audio of a chunk that was not stored failed", "session_id", sessionID, "err", derr)
		}
	}
	return err
}

// placement is how this relay's chunks of one speaker are shifted to
// follow what an earlier relay (before a restart mid-call) stored.
type placement struct {
	index   int
	shiftMS int64
}

// continueAfterRestart keeps a restarted relay's chunks apart from the
// ones an earlier relay stored for the same speaker: the new relay numbers
// its chunks from 0 on a clock that started again, so its chunks are
// renumbered after the stored ones and placed no earlier than their end.
// The shift is decided at this relay's first chunk of the speaker.
func (b *CallBackend) continueAfterRestart(ctx context.Context, tx *store.Tx, ch *store.Chunk) error {
	key := ch.SessionID + "|" + ch.Speaker
	b.mu.Lock()
	p, ok := b.placements[key]
	b.mu.Unlock()
	if !ok {
		existing, err := tx.Chunks(ctx, ch.SessionID)
		if err != nil {
			return err
		}
		maxIdx, maxEnd, earlier := -1, int64(0), false
		for _, e := range existing {
			if e.Speaker != ch.Speaker || strings.Contains(e.AudioBlob, "-"+b.relayID()+"-") {
				continue
			}
			earlier = true
			maxIdx, maxEnd = max(maxIdx, e.Index), max(maxEnd, e.EndMS)
		}
		if earlier {
			p = placement{index: maxIdx + 1 - ch.Index, shiftMS: max(0, maxEnd-ch.StartMS)}
		}
		b.mu.Lock()
		if b.placements == nil {
			b.placements = map[string]placement{}
		}
		b.placements[key] = p
		b.mu.Unlock()
	}
	ch.Index += p.index
	ch.StartMS += p.shiftMS
	ch.EndMS += p.shiftMS
	return nil
}

func sanitizeSpeaker(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			out[i] = '-'
		}
	}
	return string(out)
}

func (b *CallBackend) Attendance(ctx context.Context, sessionID string, p capture.Participant, event string, at time.Time) error {
	return b.Store.InTx(ctx, func(tx *store.Tx) error {
		// Lock the session row before inserting: the attendance row's
		// foreign key takes a share lock on it, and two joins that both
		// hold that lock and then ask for the row lock deadlock (PostgreSQL).
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if err := tx.AddAttendance(ctx, store.Attendance{SessionID: sessionID, Participant: p.Label, Role: p.Role, Event: event, At: at.UnixMilli()}); err != nil {
			return err
		}
		if event == capture.EventJoin && sess.Status == store.StatusScheduled {
			return tx.SetSessionStatus(ctx, sessionID, store.StatusInCall)
		}
		return nil
	})
}

// CallEnded closes capture and moves the session on: transcription of the
// last chunks is already queued; redaction follows when all are done. A
// session that has ended already (cancelled, expired) is left as it is.
func (b *CallBackend) CallEnded(ctx context.Context, sessionID, reason string) error {
	return b.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := endCapture(ctx, tx, sessionID, store.StatusNoRecording, "",
			audit.Event{Actor: "system", Action: "call.end", EntityType: "session", EntityID: sessionID, Details: map[string]string{"reason": reason}})
		return err
	})
}
