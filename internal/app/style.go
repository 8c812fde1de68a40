package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/prompts"
)

// The inputs of a clinician's note style, in the domain's words.
const (
	FieldNoteLength   Field = "note length"
	FieldPerson       Field = "voice"
	FieldHeadings     Field = "headings"
	FieldAvoidPhrases Field = "phrases to avoid"
)

// StyleInput is a clinician's note style as given: each field empty for
// no preference; Avoid one phrase a line.
type StyleInput struct {
	NoteLength string
	Person     string
	Headings   string
	Avoid      []string
	// Examples: show the model the clinician's own recent signed notes
	// (never a Part 2 record, never another clinician's) as examples.
	Examples bool
}

// Style is the principal's own note style (the zero style when never set).
func (s *Service) Style(ctx context.Context, by store.User) (store.ClinicianStyle, error) {
	if err := requireRole(by, "keep a note style", clinicalRoles...); err != nil {
		return store.ClinicianStyle{}, err
	}
	return s.Store.ClinicianStyle(ctx, by.ID)
}

// SetStyle replaces the principal's own note style, which the drafting of
// their sessions' notes follows from then on. A value not accepted is a
// ValidationError and nothing is saved.
func (s *Service) SetStyle(ctx context.Context, by store.User, in StyleInput) (store.ClinicianStyle, error) {
	if err := requireRole(by, "keep a note style", clinicalRoles...); err != nil {
		return store.ClinicianStyle{}, err
	}
	length, err := prompts.ParseNoteLength(in.NoteLength)
	if err != nil {
		return store.ClinicianStyle{}, &validate.Error{Field: FieldNoteLength, Value: in.NoteLength, Allowed: []string{"short", "standard", "detailed"}, Err: err}
	}
	person, err := prompts.ParsePerson(in.Person)
	if err != nil {
		return store.ClinicianStyle{}, &validate.Error{Field: FieldPerson, Value: in.Person, Allowed: []string{"first", "third"}, Err: err}
	}
	headings, err := prompts.ParseHeadings(in.Headings)
	if err != nil {
		return store.ClinicianStyle{}, &validate.Error{Field: FieldHeadings, Value: in.Headings, Allowed: []string{"on", "off"}, Err: err}
	}
	avoid, err := prompts.CleanAvoidPhrases(in.Avoid)
	if err != nil {
		return store.ClinicianStyle{}, &validate.Error{Field: FieldAvoidPhrases, Problem: "cannot be saved", Hint: err.Error(), Err: err}
	}
	st := store.ClinicianStyle{UserID: by.ID, NoteLength: string(length), Person: string(person), Headings: string(headings), Avoid: avoid, Examples: in.Examples}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetClinicianStyle(ctx, &st); err != nil {
			return err
		}
		// The audit records the choices and how many phrases, not the
		// phrases themselves (free text).
		return tx.Audit(ctx, event(by, audit.Event{Action: "style.set", EntityType: "user", EntityID: by.ID,
			Details: map[string]string{"note_length": st.NoteLength, "person": st.Person, "headings": st.Headings, "avoid_phrases": strconv.Itoa(len(avoid)), "examples": strconv.FormatBool(in.Examples)}}))
	})
	if err != nil {
		return store.ClinicianStyle{}, fmt.Errorf("save the note style: %w", err)
	}
	return st, nil
}

// EditHistoryLength is how many signed notes the edit history shows.
const EditHistoryLength = 20

// EditHistory is how much of their drafts a clinician changed before
// signing, note by note, oldest first, with the trend.
type EditHistory struct {
	Notes []store.EditMeasure // oldest first
	// Average is the mean share changed over Notes (0–1).
	Average float64
	// Trend compares the newer half of Notes with the older half: the
	// newer half's mean share minus the older half's (negative: the
	// clinician changes less than before). Valid when Notes has 4 or more.
	Trend      float64
	TrendKnown bool
}

// EditHistory is the principal's own last n signed notes' measures (n ≤ 0:
// EditHistoryLength). It holds counts only.
func (s *Service) EditHistory(ctx context.Context, by store.User, n int) (EditHistory, error) {
	if err := requireRole(by, "see how much of their drafts they changed", clinicalRoles...); err != nil {
		return EditHistory{}, err
	}
	if n <= 0 {
		n = EditHistoryLength
	}
	ms, err := s.Store.EditMeasures(ctx, by.ID, n)
	if err != nil {
		return EditHistory{}, fmt.Errorf("read the edit history: %w", err)
	}
	h := EditHistory{Notes: make([]store.EditMeasure, len(ms))}
	for i, m := range ms {
		h.Notes[len(ms)-1-i] = m
	}
	h.Average = meanShare(h.Notes)
	if len(h.Notes) >= 4 {
		half := len(h.Notes) / 2
		h.Trend, h.TrendKnown = meanShare(h.Notes[len(h.Notes)-half:])-meanShare(h.Notes[:half]), true
	}
	return h, nil
}

func meanShare(ms []store.EditMeasure) float64 {
	if len(ms) == 0 {
		return 0
	}
	var sum float64
	for _, m := range ms {
		sum += m.Share()
	}
	return sum / float64(len(ms))
}

// SplitPhrases splits typed text into phrases, one a line (the form's and
// the command line's way of giving the list).
func SplitPhrases(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' })
}
