// Package vocab is Scribe's closed vocabularies: roles, consent scopes,
// session statuses, pipeline stages and programs. Each is a named type with
// its constants defined here once and a Parse for the edge (a flag, a form
// field, a stored value) that refuses anything else with a
// *validate.Error listing what is allowed.
//
// It imports nothing of Scribe's but internal/validate, so the store, the
// service layer (internal/app), the web app and the command line can all
// use it without cycles. The store keeps these values as text; its
// constants (store.RoleAdmin, store.ProgramSUD …) are these, converted.
package vocab

import (
	"strings"

	"github.com/scribe-health/scribe/internal/validate"
)

// The inputs a vocabulary value is given as, in the domain's words.
const (
	FieldRole          validate.Field = "role"
	FieldConsentScope  validate.Field = "consent scope"
	FieldSessionStatus validate.Field = "session status"
	FieldStage         validate.Field = "stage"
	FieldProgram       validate.Field = "program"
)

// Role is what a web app user may do.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleClinician  Role = "clinician"
	RoleSupervisor Role = "supervisor"
)

// Roles lists every role, the default choice for a new user first.
func Roles() []Role { return []Role{RoleClinician, RoleSupervisor, RoleAdmin} }

// ParseRole reads a role as a person types it ("Admin", " clinician").
func ParseRole(s string) (Role, error) { return parse(FieldRole, s, Roles()) }

// ConsentScope is what a consent record permits.
type ConsentScope string

const (
	// ScopeAIScribe: an AI scribe may record, transcribe and draft.
	ScopeAIScribe ConsentScope = "ai_scribe"
	// ScopePart2TPO: a Part 2 record may be disclosed for treatment,
	// payment and health care operations.
	ScopePart2TPO ConsentScope = "part2_tpo"
	// ScopeRecording: the session may be recorded.
	ScopeRecording ConsentScope = "recording"
)

// ConsentScopes lists every consent scope.
func ConsentScopes() []ConsentScope {
	return []ConsentScope{ScopeAIScribe, ScopePart2TPO, ScopeRecording}
}

// ParseConsentScope reads a consent scope.
func ParseConsentScope(s string) (ConsentScope, error) {
	return parse(FieldConsentScope, s, ConsentScopes())
}

// SessionStatus is where a session is in its life.
type SessionStatus string

const (
	StatusScheduled    SessionStatus = "scheduled"
	StatusInCall       SessionStatus = "in_call"
	StatusRecording    SessionStatus = "recording"
	StatusTranscribing SessionStatus = "transcribing"
	StatusRedacting    SessionStatus = "redacting"
	StatusDrafting     SessionStatus = "drafting"
	StatusReady        SessionStatus = "ready"
	StatusFailed       SessionStatus = "failed"
	// StatusNoRecording: the call ended with no audio kept (consent never
	// given, or revoked and purged). There is nothing to draft.
	StatusNoRecording SessionStatus = "no_recording"
	// StatusCancelled: the session was cancelled before anything was
	// recorded (its end reason says why).
	StatusCancelled SessionStatus = "cancelled"
)

// SessionStatuses lists every status in the order a session moves
// through them.
func SessionStatuses() []SessionStatus {
	return []SessionStatus{StatusScheduled, StatusInCall, StatusRecording, StatusTranscribing, StatusRedacting,
		StatusDrafting, StatusReady, StatusFailed, StatusNoRecording, StatusCancelled}
}

// ParseSessionStatus reads a session status (a list filter).
func ParseSessionStatus(s string) (SessionStatus, error) {
	return parse(FieldSessionStatus, s, SessionStatuses())
}

// Stage is a step of the pipeline a session's audio goes through, as a
// session's failure records it and Retry restarts it. Its value is the
// stage's River job kind.
type Stage string

const (
	StageTranscribe Stage = "transcribe_chunk"
	StageRedact     Stage = "redact"
	StageDraft      Stage = "draft"
	StagePurge      Stage = "purge"
)

// Stages lists the stages a session's audio goes through, in order.
func Stages() []Stage { return []Stage{StageTranscribe, StageRedact, StageDraft} }

// ParseStage reads a stage.
func ParseStage(s string) (Stage, error) { return parse(FieldStage, s, Stages()) }

// Label is the stage in words, as a clinician reads it.
func (s Stage) Label() string {
	switch s {
	case StageTranscribe:
		return "transcription"
	case StageRedact:
		return "redaction"
	case StageDraft:
		return "drafting"
	case StagePurge:
		return "audio purge"
	}
	return strings.ReplaceAll(string(s), "_", " ")
}

// Program is the kind of care a client or session belongs to.
type Program string

const (
	// ProgramMH: mental health (not a Part 2 program).
	ProgramMH Program = "mh"
	// ProgramSUD: substance use, a 42 CFR Part 2 program.
	ProgramSUD Program = "sud"
)

// Programs lists every program, the default first.
func Programs() []Program { return []Program{ProgramMH, ProgramSUD} }

// ParseProgram reads a program; empty is the default, mental health.
func ParseProgram(s string) (Program, error) {
	if strings.TrimSpace(s) == "" {
		return ProgramMH, nil
	}
	return parse(FieldProgram, s, Programs())
}

// Part2 reports whether the program's records fall under 42 CFR Part 2.
func (p Program) Part2() bool { return p == ProgramSUD }

// IsPart2 reports whether a stored program value is a Part 2 program.
func IsPart2(program string) bool { return Program(program).Part2() }

// parse accepts s (trimmed, any case) when it is one of allowed.
func parse[T ~string](f validate.Field, s string, allowed []T) (T, error) {
	v := T(strings.ToLower(strings.TrimSpace(s)))
	for _, a := range allowed {
		if v == a {
			return a, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", &validate.Error{Field: f, Value: strings.TrimSpace(s), Allowed: names}
}

// Strings converts a list of vocabulary values to text.
func Strings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
