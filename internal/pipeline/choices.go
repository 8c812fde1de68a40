package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/prompts"
)

// The inputs a person gives when a session is created, named in the
// domain's words; the command line maps each to its flag and the web app
// to its form label.
const (
	FieldTemplate          validate.Field = "note template"
	FieldModality          validate.Field = "modality"
	FieldProgram                          = vocab.FieldProgram
	FieldSpeakers          validate.Field = "speakers"
	FieldRecordingKind     validate.Field = "recording kind"
	FieldClinician         validate.Field = "clinician"
	FieldClientAlias       validate.Field = "client alias"
	FieldConsentAttestedBy validate.Field = "consent attested by"
	FieldChunkMax          validate.Field = "longest chunk"
	FieldMaxDuration       validate.Field = "longest recording"
	FieldAppointmentTime   validate.Field = "appointment time"
	FieldAppointmentLength validate.Field = "appointment length"
	FieldCancelReason      validate.Field = "cancellation reason"
)

// Limits on an ingest's chunk length and recording length. A chunk shorter
// than MinChunk only multiplies transcription requests (a 2-hour recording
// at 1 s would be 7,200 jobs per speaker); longer than MaxChunk exceeds the
// hosted transcription APIs' 25 MB request limit.
const (
	MinChunk         = 5 * time.Second
	MaxChunk         = 750 * time.Second // 12.5 minutes: audio.MaxChunkSamples' clamp at 16 kHz
	DefaultChunk     = 2 * time.Minute
	MinRecordingCap  = time.Minute
	MaxRecordingCap  = 24 * time.Hour
	DefaultRecording = 4 * time.Hour
)

// maxAliasLen bounds a client alias (an alias, never a name).
const maxAliasLen = 80

// SessionChoices are what a person chooses for a new session, scheduled or
// uploaded. CheckSession validates them once for the web forms and the
// command line alike, and normalises them (defaults, lower-case IDs,
// e-mails as the store keeps them).
type SessionChoices struct {
	Template    string
	Modality    string
	Program     string
	ClientAlias string
	Clinician   string
	// RequireAlias and RequireClinician make those choices mandatory
	// (scheduled calls and web uploads; the command-line ingest of a file
	// may leave both empty).
	RequireAlias     bool
	RequireClinician bool
}

// CheckSession refuses the first choice Scribe does not accept with a
// *validate.Error and otherwise normalises c in place. It reads the store
// for added templates and for the clinician's account; it writes nothing.
func CheckSession(ctx context.Context, st *store.Store, c *SessionChoices) error {
	if err := checkTemplate(ctx, st, &c.Template); err != nil {
		return err
	}
	c.Modality = strings.ToLower(strings.TrimSpace(c.Modality))
	if c.Modality == "" {
		c.Modality = prompts.DefaultModality
	}
	if _, err := prompts.ModalityByID(c.Modality); err != nil {
		var ids []string
		for _, m := range prompts.Modalities() {
			ids = append(ids, m.ID)
		}
		return &validate.Error{Field: FieldModality, Value: c.Modality, Allowed: ids}
	}
	c.Program = strings.ToLower(strings.TrimSpace(c.Program))
	if c.Program == "" {
		c.Program = store.ProgramMH
	}
	program, err := vocab.ParseProgram(c.Program)
	if err != nil {
		return err
	}
	c.Program = string(program)
	if err := checkAlias(&c.ClientAlias, c.RequireAlias); err != nil {
		return err
	}
	return checkClinician(ctx, st, &c.Clinician, c.RequireClinician)
}

func checkTemplate(ctx context.Context, st *store.Store, id *string) error {
	*id = strings.ToLower(strings.TrimSpace(*id))
	if *id == "" {
		*id = "soap"
	}
	if _, err := prompts.FormatByID(*id); err == nil {
		return nil
	}
	_, err := st.CustomTemplate(ctx, *id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read the note templates: %w", err)
	}
	var ids []string
	for _, f := range prompts.Formats() {
		ids = append(ids, f.ID)
	}
	custom, err := st.CustomTemplates(ctx)
	if err != nil {
		return fmt.Errorf("read the note templates: %w", err)
	}
	for _, t := range custom {
		ids = append(ids, t.ID)
	}
	return &validate.Error{Field: FieldTemplate, Value: *id, Allowed: ids}
}

func checkAlias(alias *string, required bool) error {
	*alias = strings.TrimSpace(*alias)
	if *alias == "" {
		if required {
			return &validate.Error{Field: FieldClientAlias, Hint: "give the client's alias (never the client's real name)"}
		}
		return nil
	}
	bad := len(*alias) > maxAliasLen
	for _, r := range *alias {
		bad = bad || unicode.IsControl(r)
	}
	if bad {
		return &validate.Error{Field: FieldClientAlias, Value: *alias, Hidden: true,
			Hint: fmt.Sprintf("use at most %d characters on one line", maxAliasLen)}
	}
	return nil
}

// checkClinician accepts the e-mail of an active clinician or supervisor
// account: a session owned by an address nobody signs in with would be
// visible to no clinician at all.
func checkClinician(ctx context.Context, st *store.Store, email *string, required bool) error {
	given := strings.TrimSpace(*email)
	if given == "" {
		if required {
			return &validate.Error{Field: FieldClinician, Hint: "give the e-mail of the clinician's Scribe account"}
		}
		*email = ""
		return nil
	}
	refuse := func(why string) error {
		return &validate.Error{Field: FieldClinician, Value: given, Hint: why + "; give the e-mail of an active clinician or supervisor account"}
	}
	if a, err := mail.ParseAddress(given); err != nil || a.Address != given {
		return refuse("that is not an e-mail address")
	}
	u, err := st.UserByEmail(ctx, given)
	if errors.Is(err, store.ErrNotFound) {
		return refuse("no account has this e-mail")
	}
	if err != nil {
		return fmt.Errorf("look up the clinician: %w", err)
	}
	switch {
	case u.Disabled:
		return refuse("this account is disabled")
	case u.Role != store.RoleClinician && u.Role != store.RoleSupervisor:
		return refuse("this account is an " + u.Role + ", not a clinician")
	}
	*email = u.Email
	return nil
}

// CheckSpeakers accepts "", "stereo" or "mono".
func CheckSpeakers(s string) error {
	if s == "" {
		return nil
	}
	return validate.OneOf(FieldSpeakers, s, "stereo", "mono")
}

// RecordingKind says what an uploaded recording is.
type RecordingKind string

const (
	// KindSession is a recording of the session itself (the default).
	KindSession RecordingKind = "session"
	// KindDictation is the clinician's dictated recap: the clinician's voice
	// only, kept without the client's recording consent; the note is
	// drafted from the clinician's account.
	KindDictation RecordingKind = "dictation"
)

// ParseRecordingKind accepts "" (a session recording), "session" or "dictation".
func ParseRecordingKind(s string) (RecordingKind, error) {
	if s == "" {
		return KindSession, nil
	}
	if err := validate.OneOf(FieldRecordingKind, s, string(KindSession), string(KindDictation)); err != nil {
		return "", err
	}
	return RecordingKind(s), nil
}

// CheckConsentAttester accepts an empty value or an e-mail address.
func CheckConsentAttester(s string) error {
	if s == "" {
		return nil
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		return &validate.Error{Field: FieldConsentAttestedBy, Value: s, Hint: "give the e-mail address of the person attesting the client's consent"}
	}
	return nil
}

// CheckChunkMax accepts an ingest's longest chunk.
func CheckChunkMax(d time.Duration) error {
	return validate.Duration(FieldChunkMax, d, MinChunk, MaxChunk)
}

// CheckMaxDuration accepts the longest recording a person lets ingest take.
func CheckMaxDuration(d time.Duration) error {
	return validate.Duration(FieldMaxDuration, d, MinRecordingCap, MaxRecordingCap)
}

// CheckTemplate accepts a built-in note template or one an admin added,
// normalising the ID ("" is the default, soap).
func CheckTemplate(ctx context.Context, st *store.Store, id *string) error {
	return checkTemplate(ctx, st, id)
}
