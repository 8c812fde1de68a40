package web

import (
	"html/template"
	"strings"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// A label is what a person reads for one value of the app's vocabulary
// (a session status, a pipeline stage, a consent scope, a role, a
// program), and Next says what happens next: the tooltip beside it.
type label struct {
	Text, Next string
}

// Kinds of vocabulary the labels table names.
const (
	kindStatus  = "status"  // a session's status
	kindStage   = "stage"   // a pipeline stage (jobs.Stage*)
	kindState   = "state"   // a stage's state
	kindScope   = "scope"   // a consent scope
	kindRole    = "role"    // a user's role
	kindProgram = "program" // a session's program
	kindDraft   = "draft"   // a draft's status
	kindMethod  = "method"  // how a consent was captured or revoked
	kindUse     = "use"     // what a model provider is used for
)

// labels is the one table of human words for internal names, keyed by the
// closed vocabularies of internal/vocab (statuses, stages, scopes, roles,
// programs) and the store's own (stage states, draft statuses); templates
// reach it through the label, labelNext and labelled functions, Go code
// through labelOf and the typed helpers below.
var labels = map[string]map[string]label{
	kindStatus: {
		string(vocab.StatusScheduled):    {"Scheduled", "Waiting for the appointment: start the call from this page when it is time."},
		string(vocab.StatusInCall):       {"In a call", "The call has started; recording begins once the client consents."},
		string(vocab.StatusRecording):    {"Recording", "The session is being recorded; transcription starts when it ends."},
		string(vocab.StatusTranscribing): {"Transcribing", "The recording is being turned into text; identifiers are removed next."},
		string(vocab.StatusRedacting):    {"Removing identifiers", "Names and other identifiers are being removed; the note is drafted next."},
		string(vocab.StatusDrafting):     {"Drafting the note", "The note is being written from the transcript; you can review it next."},
		string(vocab.StatusReady):        {"Ready for review", "The draft note is ready: review, edit and sign it."},
		string(vocab.StatusFailed):       {"Stopped", "A step could not finish; the session page says why and offers a retry."},
		string(vocab.StatusNoRecording):  {"Nothing recorded", "The call ended with no recording kept; there is no note to write."},
		string(vocab.StatusCancelled):    {"Cancelled", "The session was cancelled before anything was recorded."},
	},
	kindStage: {
		"recording":                   {"Recording", "The session's audio is captured and stored encrypted."},
		string(vocab.StageTranscribe): {"Transcribing", "The recording is turned into text."},
		string(vocab.StageRedact):     {"Removing identifiers", "Names and other identifiers are removed from the text."},
		string(vocab.StageDraft):      {"Drafting", "The note is written from the transcript."},
		string(vocab.StagePurge):      {"Removing the audio", "The recording is deleted as the retention policy asks."},
		"ready":                       {"Ready", "The draft note waits for the clinician's review and signature."},
	},
	kindState: {
		store.StatePending: {"Waiting", "This step starts when the one before it finishes."},
		store.StateRunning: {"Under way", "This step is running now."},
		store.StateDone:    {"Done", "This step has finished."},
		store.StateFailed:  {"Stopped", "This step could not finish; a retry starts it again."},
	},
	kindScope: {
		string(vocab.ScopeAIScribe):  {"AI scribe", "Consent for the AI scribe to record, transcribe and draft the note."},
		string(vocab.ScopePart2TPO):  {"Part 2 disclosure (treatment, payment, operations)", "Consent to disclose this 42 CFR Part 2 record for treatment, payment and health care operations."},
		string(vocab.ScopeRecording): {"Recording", "Consent to keep the session's audio recording."},
	},
	kindRole: {
		string(vocab.RoleAdmin):      {"Administrator", "Sets up users, model providers, retention and policy."},
		string(vocab.RoleClinician):  {"Clinician", "Runs sessions and reviews and signs their own notes."},
		string(vocab.RoleSupervisor): {"Supervisor", "A clinician who may also see the sessions of the clinicians they supervise."},
	},
	kindProgram: {
		string(vocab.ProgramMH):  {"Mental health", "An ordinary health record."},
		string(vocab.ProgramSUD): {"Substance use (42 CFR Part 2)", "A Part 2 record: only people with Part 2 access see it, and disclosure needs the client's written consent."},
	},
	kindDraft: {
		store.DraftDraft:    {"Draft", "Waiting for the clinician to review and sign it."},
		store.DraftEdited:   {"Edited draft", "The clinician has edited it; it still needs a signature."},
		store.DraftSigned:   {"Signed", "Locked; changes are made by addendum."},
		store.DraftRejected: {"Rejected", "The clinician set this draft aside; a new one can be drafted."},
	},
	kindMethod: {
		compliance.MethodElectronic:     {"Electronic signature", ""},
		compliance.MethodWritten:        {"Written, on paper", ""},
		compliance.MethodVerbalAttested: {"Verbal, attested by the clinician", ""},
		"verbal":                        {"Verbal", ""},
	},
	kindUse: {
		store.UseTranscription: {"Transcription", "Turns recordings into text."},
		store.UseDrafting:      {"Drafting", "Writes the note from the transcript."},
		store.UseRedaction:     {"Redaction second opinion", "Suggests identifiers the rules missed; must be self-hosted."},
	},
}

// labelOf returns the label of a value; an unknown value (a new status a
// table does not have yet) reads as words rather than an identifier.
func labelOf(kind, value string) label {
	if l, ok := labels[kind][value]; ok {
		return l
	}
	if value == "" {
		return label{Text: "—"}
	}
	w := strings.ReplaceAll(value, "_", " ")
	return label{Text: strings.ToUpper(w[:1]) + w[1:]}
}

// labelled renders a value's label with its "what happens next" as a
// tooltip that mouse, keyboard and screen reader users all get: the title
// for the pointer, focus shows it (app.css), and the words are in the text
// for screen readers.
func labelled(kind, value string) template.HTML {
	l := labelOf(kind, value)
	esc := template.HTMLEscapeString
	// Every value put into the markup goes through esc; the rest is constant.
	if l.Next == "" {
		return template.HTML(`<span class="label label-` + esc(kind) + ` ` + esc(kind) + `-` + esc(value) + `">` + esc(l.Text) + `</span>`) // #nosec G203 -- each interpolated value is HTML-escaped by esc
	}
	return template.HTML(`<span class="label label-` + esc(kind) + ` ` + esc(kind) + `-` + esc(value) + `" tabindex="0" title="` + esc(l.Next) + `">` + // #nosec G203 -- each interpolated value is HTML-escaped by esc
		esc(l.Text) + `<span class="vh">: ` + esc(l.Next) + `</span></span>`)
}

// labelFuncs are the template functions of the labels table.
var labelFuncs = template.FuncMap{
	"label":     func(kind, value string) string { return labelOf(kind, value).Text },
	"labelNext": func(kind, value string) string { return labelOf(kind, value).Next },
	"labelled":  labelled,
}

// statusWords is a session status inside a sentence ("it is ready for
// review").
func statusWords(status string) string {
	return strings.ToLower(statusLabel(vocab.SessionStatus(status)).Text)
}

// The typed ways in, for Go code holding a vocabulary value.
func statusLabel(v vocab.SessionStatus) label { return labelOf(kindStatus, string(v)) }
func stageLabel(v vocab.Stage) label          { return labelOf(kindStage, string(v)) }
func scopeLabel(v vocab.ConsentScope) label   { return labelOf(kindScope, string(v)) }
func roleLabel(v vocab.Role) label            { return labelOf(kindRole, string(v)) }
func programLabel(v vocab.Program) label      { return labelOf(kindProgram, string(v)) }
