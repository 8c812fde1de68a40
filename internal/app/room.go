package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// Room mode: a session recorded in the room by the clinician's browser
// (laptop or phone). The browser encodes Opus with MediaRecorder, keeps
// every piece in IndexedDB until the server has it, and uploads numbered
// pieces as the session goes; a take is one MediaRecorder run (a reload or
// a closed lid starts the next). Stop assembles the takes in order and
// feeds them to the same pipeline as an upload (chunks → transcribe →
// redact → draft). Every operation is authorised by the room link's token,
// like the call page's join link.

// Capture modes of a booked session.
const (
	ModeCall = "call"
	ModeRoom = "room"
)

// RoomLabel is the join-token label of a room link (role clinician).
const RoomLabel = "room"

// Limits of a room upload.
const (
	// MaxRoomPiece is the largest piece accepted: the browser sends one
	// every four seconds, about 16 KB of Opus at 32 kbit/s (1 MiB is over
	// four minutes of it).
	MaxRoomPiece = 1 << 20
	maxRoomTakes = 1000
	maxRoomSeq   = 1_000_000
)

// The inputs of room mode, in the domain's words.
const (
	FieldMode        Field = "capture mode"
	FieldRoomPiece   Field = "recording piece"
	FieldRoomTake    Field = "recording take"
	FieldRoomConsent Field = "consent choice"
)

// ErrRoomLink refuses a room link that is not (or no longer) valid.
var ErrRoomLink = errors.New("this room link is not valid: it may have expired or been mistyped; open the session in Scribe and choose \"Record in the room\" again")

// ParseMode reads a capture mode: "" and "call" are a call, "room" the room.
func ParseMode(s string) (string, error) {
	switch s {
	case "", ModeCall:
		return ModeCall, nil
	case ModeRoom:
		return ModeRoom, nil
	}
	return "", &ValidationError{Field: FieldMode, Value: s, Problem: "is not a capture mode", Hint: "call or room"}
}

// roomOpen: a room session whose recording has not ended.
func roomOpen(sess store.Session) bool {
	return sess.Source == ModeRoom && !sess.CaptureEnded && (sess.Status == store.StatusScheduled || sess.Status == store.StatusRecording)
}

// StartRoomLink issues the clinician's link to record a booked session in
// the room (the "Record in the room" button): the session becomes a room
// session, whose call can no longer be joined. It must not have started
// (nobody in its call, no audio) unless it is a room session already.
func (s *Service) StartRoomLink(ctx context.Context, by store.User, sessionID string) (IssuedLink, error) {
	var out IssuedLink
	if err := requireRole(by, "record a session in the room", vocab.RoleClinician, vocab.RoleSupervisor); err != nil {
		return out, err
	}
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return out, err
	}
	if by.Role == store.RoleClinician && sess.Clinician != by.Email {
		return out, forbidden("a clinician records only their own sessions")
	}
	if sess.Group {
		return out, conflict("a group session is recorded on its call, one track per participant; room recording is for individual sessions")
	}
	startable := (sess.Source == ModeCall && sess.Status == store.StatusScheduled && !sess.CaptureEnded && sess.ClockStartAt == 0) || roomOpen(sess)
	if !startable {
		return out, conflict(fmt.Sprintf("this session is %s; only a booked session that has not started can be recorded in the room", statusWords(sess.Status)))
	}
	now := s.now()
	if out.Expires, err = linkExpiry(sess, now); err != nil {
		return out, err
	}
	tok, hash := s.joinToken()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if cur.Status != sess.Status || cur.CaptureEnded {
			return conflict("the session changed meanwhile; reload its page")
		}
		if err := tx.MarkRoomSession(ctx, sessionID); err != nil {
			return err
		}
		if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: hash, SessionID: sessionID, Role: capture.RoleClinician, Label: RoomLabel, ExpiresAt: out.Expires.UnixMilli()}); err != nil {
			return err
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "room.start", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"was": sess.Source}}))
	})
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return IssuedLink{}, err
		}
		return IssuedLink{}, fmt.Errorf("issue a room link: %w", err)
	}
	out.Link = JoinLink{Role: capture.RoleClinician, Label: RoomLabel, Token: tok}
	return out, nil
}

func statusWords(status string) string {
	b := []byte(status)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	return string(b)
}

// roomSession checks a room link's token for sessionID and returns the
// session. Any token that is not a live room link of this session is
// ErrRoomLink (ErrForbidden); the session's state is the caller's to check.
func (s *Service) roomSession(ctx context.Context, sessionID, token string) (store.Session, error) {
	refused := as(ErrForbidden, ErrRoomLink)
	if token == "" || sessionID == "" {
		return store.Session{}, refused
	}
	t, err := s.Store.JoinTokenByHash(ctx, pipeline.HashJoinToken(token))
	if err != nil || t.SessionID != sessionID || t.Label != RoomLabel || t.Role != capture.RoleClinician {
		return store.Session{}, refused
	}
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return store.Session{}, refused
	}
	if sess.Source != ModeRoom {
		return store.Session{}, refused
	}
	// An expired link still finishes (and uploads the pieces of) a
	// recording that is under way: nothing recorded is lost to the clock.
	if s.now().UnixMilli() >= t.ExpiresAt && !roomOpen(sess) {
		return store.Session{}, refused
	}
	return sess, nil
}

// CheckRoomLink refuses (ErrForbidden) a token that is not a live room
// link of the session; adapters check it before reading a request's body.
func (s *Service) CheckRoomLink(ctx context.Context, sessionID, token string) error {
	_, err := s.roomSession(ctx, sessionID, token)
	return err
}

func (s *Service) callBackend() *pipeline.CallBackend {
	return &pipeline.CallBackend{Store: s.Store, Blobs: s.Blobs, PurgeOnRevoke: true, Now: s.Now}
}

// RoomConsent is the consent question of the room page.
type RoomConsent struct {
	AIScribeText string `json:"aiScribeText"`
	Part2Text    string `json:"part2Text,omitempty"`
	Version      string `json:"version"`
	Part2        bool   `json:"part2"`
}

// RoomState is what the room page needs when it opens (or reopens after a
// reload): the consent question and its answer, and the pieces the server
// already holds, so the page uploads only the rest.
type RoomState struct {
	SessionID string      `json:"sessionId"`
	Consent   RoomConsent `json:"consent"`
	// ConsentState: "pending" (nothing answered), "granted" (recording
	// may start), "declined" (nothing is recorded), or "revoked" (the AI
	// scribe was stopped).
	ConsentState string `json:"consentState"`
	// Ended: the recording is over (stopped, declined, or discarded).
	Ended bool `json:"ended"`
	// Status is the session's status, in words.
	Status string `json:"status"`
	// Received lists the piece numbers held, by take.
	Received map[int][]int `json:"received"`
}

// Consent states of a room session.
const (
	RoomConsentPending  = "pending"
	RoomConsentGranted  = "granted"
	RoomConsentDeclined = "declined"
	RoomConsentRevoked  = "revoked"
)

// RoomState reads the room page's state for a room link.
func (s *Service) RoomState(ctx context.Context, sessionID, token string) (RoomState, error) {
	sess, err := s.roomSession(ctx, sessionID, token)
	if err != nil {
		return RoomState{}, err
	}
	return s.roomState(ctx, sess)
}

func (s *Service) roomState(ctx context.Context, sess store.Session) (RoomState, error) {
	out := RoomState{SessionID: sess.ID, Ended: sess.CaptureEnded, Status: statusWords(sess.Status), Received: map[int][]int{}}
	info, err := s.callBackend().ConsentText(ctx, sess.ID)
	if err != nil {
		return out, fmt.Errorf("read the consent text: %w", err)
	}
	out.Consent = RoomConsent{AIScribeText: info.AIScribeText, Part2Text: info.Part2Text, Version: info.Version, Part2: info.Part2}
	consents, err := s.Store.Consents(ctx, sess.ID)
	if err != nil {
		return out, fmt.Errorf("read the session's consents: %w", err)
	}
	out.ConsentState = RoomConsentPending
	for _, c := range consents {
		if c.Scope != string(vocab.ScopeAIScribe) {
			continue
		}
		switch {
		case c.Granted && c.RevokedAt == 0:
			out.ConsentState = RoomConsentGranted
		case c.Granted:
			out.ConsentState = RoomConsentRevoked
		case out.ConsentState == RoomConsentPending:
			out.ConsentState = RoomConsentDeclined
		}
	}
	pieces, err := s.Store.RoomPieces(ctx, sess.ID)
	if err != nil {
		return out, fmt.Errorf("read the recording's pieces: %w", err)
	}
	for _, p := range pieces {
		out.Received[p.Take] = append(out.Received[p.Take], p.Seq)
	}
	return out, nil
}

// Consent choices on the room page.
const (
	// RoomAttest: the clinician attests the client's verbal consent.
	RoomAttest = "attest"
	// RoomAccept: the client accepts on the clinician's screen.
	RoomAccept = "accept"
	// RoomDecline: the client declines; nothing is recorded and the
	// session ends without a recording.
	RoomDecline = "decline"
)

// RoomConsentInput is the answer to the room page's consent question.
type RoomConsentInput struct {
	Choice      string // attest, accept or decline
	TextVersion string // the version of the text shown
}

// RecordRoomConsent records the consent question's answer with the
// consent model and audit of the call page. A Part 2 session needs the
// client's own acceptance (its disclosure consent cannot be attested). A
// decline ends the session: nothing is recorded.
func (s *Service) RecordRoomConsent(ctx context.Context, sessionID, token string, in RoomConsentInput) (RoomState, error) {
	sess, err := s.roomSession(ctx, sessionID, token)
	if err != nil {
		return RoomState{}, err
	}
	if !roomOpen(sess) {
		return RoomState{}, conflict("this session's recording has ended")
	}
	cur, err := s.roomState(ctx, sess)
	if err != nil {
		return cur, err
	}
	if cur.ConsentState != RoomConsentPending {
		if (cur.ConsentState == RoomConsentGranted) == (in.Choice != RoomDecline) {
			return cur, nil // answered already (a double press, a reload)
		}
		return cur, conflict("consent for this session was answered already; reload the page")
	}
	cb := s.callBackend()
	clinician := capture.Participant{Role: capture.RoleClinician, Label: capture.RoleClinician}
	client := capture.Participant{Role: capture.RoleClient, Label: capture.RoleClient}
	var decisions []capture.ConsentDecision
	var by capture.Participant
	switch in.Choice {
	case RoomAttest:
		if sess.Part2() {
			return cur, &ValidationError{Field: FieldRoomConsent, Value: in.Choice, Problem: "is not enough for a substance-use (42 CFR Part 2) session",
				Hint: "the client accepts the consent on this screen themselves"}
		}
		by = clinician
		decisions = []capture.ConsentDecision{{Scope: capture.ScopeAIScribe, Granted: true, Method: capture.MethodVerbalAttested, TextVersion: in.TextVersion}}
	case RoomAccept:
		by = client
		decisions = []capture.ConsentDecision{{Scope: capture.ScopeAIScribe, Granted: true, Method: capture.MethodElectronic, TextVersion: in.TextVersion}}
		if sess.Part2() {
			decisions = append(decisions, capture.ConsentDecision{Scope: capture.ScopePart2TPO, Granted: true, Method: capture.MethodElectronic, TextVersion: in.TextVersion})
		}
	case RoomDecline:
		by = client
		decisions = []capture.ConsentDecision{{Scope: capture.ScopeAIScribe, Granted: false, Method: capture.MethodElectronic, TextVersion: in.TextVersion}}
	default:
		return cur, &ValidationError{Field: FieldRoomConsent, Value: in.Choice, Problem: "is not an answer to the consent question", Hint: "attest, accept or decline"}
	}
	if in.TextVersion != cur.Consent.Version {
		return cur, conflict("the consent text has changed since this page was opened; reload the page and read it again")
	}
	for _, d := range decisions {
		if err := cb.RecordConsent(ctx, sessionID, by, d); err != nil {
			return cur, fmt.Errorf("record the consent: %w", err)
		}
	}
	if in.Choice == RoomDecline {
		if err := s.endRoom(ctx, sessionID, "the client declined the AI scribe"); err != nil {
			return cur, err
		}
	}
	sess, err = s.Store.Session(ctx, sessionID)
	if err != nil {
		return cur, fmt.Errorf("read the session: %w", err)
	}
	return s.roomState(ctx, sess)
}

// endRoom ends a room session without a recording (declined, stopped
// before anything was recorded, or discarded).
func (s *Service) endRoom(ctx context.Context, sessionID, reason string) error {
	if err := s.callBackend().CallEnded(ctx, sessionID, reason); err != nil {
		return fmt.Errorf("end the session: %w", err)
	}
	return nil
}

// RoomPieceInput is one numbered piece of a room recording.
type RoomPieceInput struct {
	Take int // the MediaRecorder run, from 0
	Seq  int // the piece within its take, from 0
	// StartedAt is when the take started by the browser's clock (unix
	// ms), kept for the record.
	StartedAt int64
	Data      []byte
}

// RoomPieceResult says whether a piece was new.
type RoomPieceResult struct {
	Added bool `json:"added"` // false: the server had it already (a retry)
}

// AddRoomPiece keeps one piece of a room recording, encrypted, and its
// number; the same piece uploaded again changes nothing. Nothing is kept
// without AI-scribe consent in force, or after the recording has ended
// (a retry of a piece already kept is still answered as such).
func (s *Service) AddRoomPiece(ctx context.Context, sessionID, token string, in RoomPieceInput) (RoomPieceResult, error) {
	var out RoomPieceResult
	sess, err := s.roomSession(ctx, sessionID, token)
	if err != nil {
		return out, err
	}
	if err := validate.Int(FieldRoomTake, in.Take, 0, maxRoomTakes-1); err != nil {
		return out, err
	}
	if err := validate.Int(FieldRoomPiece, in.Seq, 0, maxRoomSeq); err != nil {
		return out, err
	}
	if len(in.Data) == 0 {
		return out, &ValidationError{Field: FieldRoomPiece, Problem: "is empty", Hint: "send the recorded bytes"}
	}
	if len(in.Data) > MaxRoomPiece {
		return out, &ValidationError{Field: FieldRoomPiece, Value: strconv.Itoa(len(in.Data)) + " bytes", Problem: "is too large", Hint: fmt.Sprintf("at most %d bytes; send shorter pieces", MaxRoomPiece)}
	}
	sum := sha256.Sum256(in.Data)
	hash := hex.EncodeToString(sum[:])
	if !roomOpen(sess) {
		if have, err := s.hasPiece(ctx, sessionID, in.Take, in.Seq, hash); err != nil || have {
			return out, err
		}
		return out, conflict("this session's recording has ended; nothing more is kept")
	}
	ok, err := s.callBackend().RecordingAllowed(ctx, sessionID)
	if err != nil {
		return out, fmt.Errorf("check the consent: %w", err)
	}
	if !ok {
		return out, forbidden("no AI-scribe consent is in force for this session: the audio was not kept")
	}
	// The hash in the name: a different piece under the same number can
	// never overwrite the one kept.
	blobID := fmt.Sprintf("sessions/%s/room/take-%03d-%06d-%s.webm", sessionID, in.Take, in.Seq, hash[:12])
	if err := s.Blobs.Put(ctx, blobID, in.Data); err != nil {
		return out, fmt.Errorf("store a recording piece: %w", err)
	}
	var existing store.RoomPiece
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if !roomOpen(cur) {
			return conflict("this session's recording has ended; nothing more is kept")
		}
		added, ex, err := tx.AddRoomPiece(ctx, store.RoomPiece{SessionID: sessionID, Take: in.Take, Seq: in.Seq, BlobID: blobID, Size: int64(len(in.Data)), SHA256: hash, StartedAt: in.StartedAt})
		if err != nil {
			return err
		}
		out.Added, existing = added, ex
		if !added {
			return nil
		}
		if cur.Status == store.StatusScheduled {
			if err := tx.SetSessionStatus(ctx, sessionID, store.StatusRecording); err != nil {
				return err
			}
		}
		if in.Seq == 0 {
			// One entry per take rather than per piece (one every few seconds).
			return tx.Audit(ctx, audit.Event{Actor: "room:" + capture.RoleClinician, Action: "room.take", EntityType: "session", EntityID: sessionID,
				Details: map[string]string{"take": strconv.Itoa(in.Take)}})
		}
		return nil
	})
	if err == nil && !out.Added && existing.SHA256 != hash {
		err = conflict(fmt.Sprintf("piece %d of take %d was already received with different content; the recording in this browser does not match the server's", in.Seq, in.Take+1))
	}
	if err != nil || (!out.Added && existing.BlobID != blobID) {
		// Nothing refers to this object: remove it. (A retry of a kept piece
		// wrote the same bytes under the same name; that one stays.)
		if derr := s.Blobs.Delete(context.WithoutCancel(ctx), blobID); derr != nil {
			s.Store.Logger().Warn("room: removing an unreferenced recording piece failed", "session", sessionID, "err", derr)
		}
	}
	var r *refusal
	if err != nil && !errors.As(err, &r) {
		err = fmt.Errorf("keep a recording piece: %w", err)
	}
	return out, err
}

func (s *Service) hasPiece(ctx context.Context, sessionID string, take, seq int, hash string) (bool, error) {
	pieces, err := s.Store.RoomPieces(ctx, sessionID)
	if err != nil {
		return false, err
	}
	for _, p := range pieces {
		if p.Take == take && p.Seq == seq && p.SHA256 == hash {
			return true, nil
		}
	}
	return false, nil
}

// RoomFinishInput is the browser's account of what it recorded: the
// number of pieces of each take, so the server knows none is missing.
type RoomFinishInput struct {
	Pieces map[int]int
}

// RoomFinished is the outcome of Stop.
type RoomFinished struct {
	// Missing is how many pieces have not reached the server (the browser
	// keeps them and sends them; Stop is then asked again).
	Missing int  `json:"missing"`
	Done    bool `json:"done"`
	Chunks  int  `json:"chunks"`
	// Recorded is false when nothing was recorded (the session ended
	// without a recording).
	Recorded bool `json:"recorded"`
}

// ErrRoomIncomplete: Stop was asked before every piece arrived.
var ErrRoomIncomplete = errors.New("some of the recording has not reached the server yet")

// FinishRoom ends a room recording: when every piece the browser counted
// has arrived, the takes are assembled in order and stored through ing
// like an upload into the booked session (decoded, chunked, encrypted,
// transcription queued), and the pieces are deleted. Asked again after it
// succeeded, it changes nothing. With pieces missing it is ErrConflict
// wrapping ErrRoomIncomplete and Missing counts them.
func (s *Service) FinishRoom(ctx context.Context, ing *pipeline.Ingester, sessionID, token string, in RoomFinishInput) (RoomFinished, error) {
	var out RoomFinished
	sess, err := s.roomSession(ctx, sessionID, token)
	if err != nil {
		return out, err
	}
	if sess.CaptureEnded {
		chunks, err := s.Store.Chunks(ctx, sessionID)
		if err != nil {
			return out, fmt.Errorf("read the session's chunks: %w", err)
		}
		return RoomFinished{Done: true, Chunks: len(chunks), Recorded: len(chunks) > 0}, nil
	}
	if ing == nil {
		return out, errors.New("room recording: no ingester is configured")
	}
	pieces, err := s.Store.RoomPieces(ctx, sessionID)
	if err != nil {
		return out, fmt.Errorf("read the recording's pieces: %w", err)
	}
	// The consent may have been revoked meanwhile (on the session page):
	// then nothing recorded is kept.
	allowed, err := s.callBackend().RecordingAllowed(ctx, sessionID)
	if err != nil {
		return out, fmt.Errorf("check the consent: %w", err)
	}
	if !allowed {
		if err := s.dropPieces(ctx, sessionID, pieces, "room.discard", map[string]string{"pieces": strconv.Itoa(len(pieces)), "reason": "no_consent_in_force"}); err != nil {
			return out, err
		}
		if err := s.endRoom(ctx, sessionID, "the AI-scribe consent was withdrawn"); err != nil {
			return out, err
		}
		return out, forbidden("no AI-scribe consent is in force for this session (it was withdrawn): nothing recorded was kept")
	}
	have := map[[2]int]bool{}
	for _, p := range pieces {
		have[[2]int{p.Take, p.Seq}] = true
	}
	for take, n := range in.Pieces {
		if take < 0 || take >= maxRoomTakes || n < 0 || n > maxRoomSeq+1 {
			return out, &ValidationError{Field: FieldRoomTake, Value: strconv.Itoa(take), Problem: "is not a take of this recording"}
		}
		for seq := range n {
			if !have[[2]int{take, seq}] {
				out.Missing++
			}
		}
	}
	if out.Missing > 0 {
		return out, as(ErrConflict, fmt.Errorf("%w: %d pieces are still to come", ErrRoomIncomplete, out.Missing))
	}
	if len(pieces) == 0 {
		if err := s.endRoom(ctx, sessionID, "stopped before anything was recorded"); err != nil {
			return out, err
		}
		return RoomFinished{Done: true}, nil
	}
	if err := pipeline.AssembleRoom(ctx, ing, sess, pieces, "room:"+capture.RoleClinician); err != nil {
		return out, err
	}
	chunks, err := s.Store.Chunks(ctx, sessionID)
	if err != nil {
		return out, fmt.Errorf("read the session's chunks: %w", err)
	}
	return RoomFinished{Done: true, Chunks: len(chunks), Recorded: true}, nil
}

// dropPieces deletes the pieces' rows (audited as action) and then their
// audio.
func (s *Service) dropPieces(ctx context.Context, sessionID string, pieces []store.RoomPiece, action string, details map[string]string) error {
	return pipeline.DropRoomPieces(ctx, s.Store, s.Blobs, sessionID, pieces, "room:"+capture.RoleClinician, action, details)
}

// StopRoomScribe is "Stop AI scribe" on the room page: the consent is
// revoked, everything recorded so far is deleted, and the session ends
// without a recording. Nothing is kept after the press.
func (s *Service) StopRoomScribe(ctx context.Context, sessionID, token string) error {
	sess, err := s.roomSession(ctx, sessionID, token)
	if err != nil {
		return err
	}
	if sess.CaptureEnded && sess.Status != store.StatusNoRecording {
		return conflict("this recording has been stopped and handed to transcription already; stop it on the session page instead (revoke the consent)")
	}
	if err := s.callBackend().RevokeConsent(ctx, sessionID, capture.Participant{Role: capture.RoleClinician, Label: RoomLabel}); err != nil {
		return fmt.Errorf("revoke the consent: %w", err)
	}
	pieces, err := s.Store.RoomPieces(ctx, sessionID)
	if err != nil {
		return fmt.Errorf("read the recording's pieces: %w", err)
	}
	if err := s.dropPieces(ctx, sessionID, pieces, "room.discard", map[string]string{"pieces": strconv.Itoa(len(pieces)), "reason": "stop_ai_scribe"}); err != nil {
		return err
	}
	return s.endRoom(ctx, sessionID, "the AI scribe was stopped")
}
