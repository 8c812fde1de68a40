package capture

import (
	"context"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
)

// Participant roles.
const (
	RoleClinician   = "clinician"
	RoleClient      = "client"
	RoleParticipant = "participant"
)

// Consent scopes and capture methods.
const (
	ScopeAIScribe = string(vocab.ScopeAIScribe)
	ScopePart2TPO = string(vocab.ScopePart2TPO)

	MethodElectronic     = "electronic"
	MethodVerbalAttested = "verbal_attested"
)

// Attendance events.
const (
	EventJoin  = "join"
	EventLeave = "leave"
)

// Participant is one authorised member of a call. Label is the speaker label
// every transcript segment of this participant carries ("clinician",
// "client", "participant 3"); it comes from the host, never from guessing.
type Participant struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Label string `json:"label"`
}

// ConsentInfo is the consent text a participant is shown before joining.
// Part2 marks a session of a 42 CFR Part 2 program; Part2Text is then shown
// as well.
type ConsentInfo struct {
	AIScribeText string `json:"aiScribeText"`
	Part2Text    string `json:"part2Text,omitempty"`
	Version      string `json:"version"`
	Part2        bool   `json:"part2"`
}

// ConsentDecision is one grant or refusal captured on the call page.
type ConsentDecision struct {
	Scope       string `json:"scope"`
	Granted     bool   `json:"granted"`
	Method      string `json:"method"`
	TextVersion string `json:"textVersion"`
}

// Backend is what the host application provides to the relay. Every method
// may be called concurrently. Errors returned by the backend are logged by
// ID only and answered to the participant with a generic message.
type Backend interface {
	// Authorize checks a join token (random, single-session, expiring) for
	// sessionID; it is called on every signaling connection.
	Authorize(ctx context.Context, sessionID, token string) (Participant, error)
	// ConsentText returns the consent text in force for the session.
	ConsentText(ctx context.Context, sessionID string) (ConsentInfo, error)
	// RecordConsent stores a dated consent decision made by (or, for
	// MethodVerbalAttested, attested by) the participant.
	RecordConsent(ctx context.Context, sessionID string, by Participant, c ConsentDecision) error
	// RecordingAllowed reports whether active AI-scribe consent is in force now.
	RecordingAllowed(ctx context.Context, sessionID string) (bool, error)
	// RevokeConsent records a revocation; the host purges or keeps audio
	// already stored according to its retention policy.
	RevokeConsent(ctx context.Context, sessionID string, by Participant) error
	// StoreChunk encrypts, stores and enqueues transcription of one chunk.
	StoreChunk(ctx context.Context, sessionID, speaker string, c Chunk) error
	// Attendance records a participant joining or leaving the call media.
	Attendance(ctx context.Context, sessionID string, p Participant, event string, at time.Time) error
	// CallEnded ends the session: it is called once, after every chunk of
	// the call has been stored, when the clinician ends the call or a limit
	// of the relay does (reason says which, in words for the participants).
	// A call whose room merely closes (everyone left) does not end its
	// session: see SessionKeeper.
	CallEnded(ctx context.Context, sessionID, reason string) error
}

// ErrSessionEnded is wrapped by a backend's refusal (Authorize, HostCall,
// StoreChunk) for a session that is over: ended by its clinician, or its
// time passed. The participant is told the session has ended.
var ErrSessionEnded = errors.New("the session has ended")

// ErrSessionCancelled is ErrSessionEnded for a cancelled session.
var ErrSessionCancelled = fmt.Errorf("%w: it was cancelled", ErrSessionEnded)

// ErrWindowOver is ErrSessionEnded for a link opened after its
// appointment window and grace period: the participant is told to ask the
// clinician for a new link.
var ErrWindowOver = fmt.Errorf("%w: its appointment time is over", ErrSessionEnded)

// TooEarlyError is a backend's refusal (Authorize) of a link opened before
// its call opens (JoinEarly before the appointment). The link is not
// spent: the same link joins once Opens has passed. The participant sees
// the appointment time in their own time zone.
type TooEarlyError struct {
	Start, End, Opens time.Time
}

func (e *TooEarlyError) Error() string {
	return "the call opens at " + e.Opens.UTC().Format(time.RFC3339) + ", before the appointment at " + e.Start.UTC().Format(time.RFC3339)
}

// Schedule is a session's appointment, shown to a participant who arrives
// before the clinician. Deadline is the end of the session's life (the
// window plus a grace period): after it, a call that is not recording and
// holds at most one participant ends the session. Zero values: none.
type Schedule struct {
	Start, End time.Time
	Deadline   time.Time
}

// CallInfo is what a room learns about its session when it opens.
type CallInfo struct {
	Schedule Schedule
	// ClockStart is sample 0 of the session's timeline, set by its first
	// recording; zero if nothing was recorded yet. A room opened again
	// (everyone had left, or the relay restarted) continues it, so a gap
	// between two calls of the session is a gap on the timeline.
	ClockStart time.Time
	// NextIndex is each speaker's next chunk index (by label), so chunks of
	// a later call never take the index of a stored one.
	NextIndex map[string]int
}

// SessionKeeper is implemented by backends whose sessions outlive a call's
// room. A room closes when its last participant leaves and the session
// stays open; with a SessionKeeper the next room continues the session's
// recording (its clock and chunk numbering) and knows its appointment.
// Without one a room's timeline starts at its first recording and chunk
// indexes at 0. Both are called off the media path: OpenCall when a room
// opens (before anyone's media flows), StartClock once recorders are
// running.
type SessionKeeper interface {
	// OpenCall returns what a new room of the session needs.
	OpenCall(ctx context.Context, sessionID string) (CallInfo, error)
	// StartClock keeps at as the session's clock, set by the session's
	// first recording (the room had no ClockStart). It fails if the
	// session has another clock already.
	StartClock(ctx context.Context, sessionID string, at time.Time) error
}

// Chunk is a span of one speaker's 16 kHz mono audio on the session clock
// (sample 0 is the session's first recording, CallInfo.ClockStart). Index
// counts a speaker's chunks in the session, across rejoins (from
// CallInfo.NextIndex; from 0 without a SessionKeeper).
type Chunk = audio.Chunk

// ErrInvalidConsent is wrapped by every consent message the relay refuses.
var ErrInvalidConsent = errors.New("invalid consent decision")

// validate checks a decision made on the call page against who made it and
// the consent text currently in force.
func (c ConsentDecision) validate(by Participant, info ConsentInfo) error {
	switch c.Scope {
	case ScopeAIScribe:
	case ScopePart2TPO:
		if !info.Part2 {
			return fmt.Errorf("%w: scope %q applies only to a 42 CFR Part 2 session", ErrInvalidConsent, c.Scope)
		}
	default:
		return fmt.Errorf("%w: unknown scope %q (want %q or %q)", ErrInvalidConsent, c.Scope, ScopeAIScribe, ScopePart2TPO)
	}
	switch c.Method {
	case MethodElectronic:
	case MethodVerbalAttested:
		if by.Role != RoleClinician {
			return fmt.Errorf("%w: only the clinician can attest verbal consent", ErrInvalidConsent)
		}
	default:
		return fmt.Errorf("%w: unknown method %q (want %q or %q)", ErrInvalidConsent, c.Method, MethodElectronic, MethodVerbalAttested)
	}
	if c.TextVersion == "" {
		return fmt.Errorf("%w: consent text version is missing", ErrInvalidConsent)
	}
	if c.TextVersion != info.Version {
		return fmt.Errorf("%w: consent text version %q is not the current version %q; reload the page", ErrInvalidConsent, c.TextVersion, info.Version)
	}
	return nil
}

// CallHost is implemented by backends that several relays share (several
// scribe processes on one database). A call is relayed by one of them: two
// rooms for one session on two relays would split the participants and
// record two timelines of one speaker.
type CallHost interface {
	// HostCall claims the session's call for this relay, or renews its
	// claim; it returns an error wrapping ErrHostedElsewhere when another
	// live relay holds it. The relay renews while the call lasts.
	HostCall(ctx context.Context, sessionID string) error
	// ReleaseCall gives up the claim (the call ended or the relay closes).
	ReleaseCall(ctx context.Context, sessionID string)
}

// ErrHostedElsewhere: the call is running on another relay.
var ErrHostedElsewhere = errors.New("this call is running on another Scribe server; the join link must reach that server (ask the administrator to route calls by session)")

// HostRenewInterval is how often a relay renews its claim on a call.
const HostRenewInterval = 10 * time.Second
