package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// ---- account page: note style and how much of the drafts was changed ----

// styleForm is the note-style form: the values shown (saved, or as typed
// when refused) and a refusal beside its field.
type styleForm struct {
	Shown      bool // the principal drafts notes (clinician, supervisor)
	NoteLength string
	Person     string
	Headings   string
	Avoid      string // one phrase a line
	Examples   bool
	Field      string // the refused field's form name
	Error      string
	Saved      bool
}

// styleChoice is one radio button of the note-style form.
type styleChoice struct{ Value, Label string }

// styleChoices are the form's choices; "" is no preference.
var styleChoices = map[string][]styleChoice{
	"length": {{"", "No preference"}, {"short", "Short: only the essentials"}, {"standard", "Standard"}, {"detailed", "Detailed: every relevant fact"}},
	"person": {{"", "No preference (third person)"}, {"first", "First person: “I reviewed the safety plan”"}, {"third", "Third person: “The clinician reviewed the safety plan”"}},
	"headings": {{"", "No preference (keep them)"}, {"on", "Keep the section headings"},
		{"off", "Without headings: each sentence must stand on its own"}},
}

// editChart is the edit history as the page shows it: a table (the
// record) and a bar chart of the same numbers.
type editChart struct {
	Rows       []editRow
	Average    int // percent
	Trend      string
	Width      int // the chart's viewBox width
	Summary    string
	TrendKnown bool
}

type editRow struct {
	SessionID              string
	SignedAt               int64
	Changed, Drafted       int
	Percent                int
	X, Y, BarW, BarH, Line int // the bar in the chart's viewBox (100 high)
}

const (
	chartBarW = 10
	chartGap  = 4
)

// styleFields maps the service's fields to the form's names.
var styleFields = map[validate.Field]string{
	app.FieldNoteLength:   "length",
	app.FieldPerson:       "person",
	app.FieldHeadings:     "headings",
	app.FieldAvoidPhrases: "avoid",
}

func init() {
	fieldLabels[app.FieldNoteLength] = "Note length"
	fieldLabels[app.FieldPerson] = "Voice"
	fieldLabels[app.FieldHeadings] = "Headings"
	fieldLabels[app.FieldAvoidPhrases] = "Phrases to avoid"
}

func percent(f float64) int { return int(math.Round(100 * f)) }

// fillStyle reads the principal's note style (unless the form carries
// what they typed) and edit history into d.
func (s *Server) fillStyle(r *http.Request, c *call, d *accountData) error {
	if c.user.Role != store.RoleClinician && c.user.Role != store.RoleSupervisor {
		return nil
	}
	ctx := r.Context()
	svc := s.service()
	d.Style.Shown, d.StyleChoices = true, styleChoices
	if d.Style.Field == "" {
		st, err := svc.Style(ctx, c.user)
		if err != nil {
			return err
		}
		d.Style.NoteLength, d.Style.Person, d.Style.Headings, d.Style.Avoid = st.NoteLength, st.Person, st.Headings, strings.Join(st.Avoid, "\n")
		d.Style.Examples = st.Examples
	}
	h, err := svc.EditHistory(ctx, c.user, 0)
	if err != nil {
		return err
	}
	ch := editChart{Average: percent(h.Average), TrendKnown: h.TrendKnown, Width: max(1, len(h.Notes))*(chartBarW+chartGap) + chartGap}
	for i, m := range h.Notes {
		p := percent(m.Share())
		bh := max(p, 1) // a note signed as drafted still shows as a sliver
		ch.Rows = append(ch.Rows, editRow{SessionID: m.SessionID, SignedAt: m.SignedAt, Changed: m.ChangedWords, Drafted: m.DraftedWords, Percent: p,
			X: chartGap + i*(chartBarW+chartGap), Y: 100 - bh, BarW: chartBarW, BarH: bh})
	}
	if h.TrendKnown {
		switch t := percent(h.Trend); {
		case t <= -5:
			ch.Trend = fmt.Sprintf("Lately you change less of the drafts: %d points less in your newer notes than in your older ones.", -t)
		case t >= 5:
			ch.Trend = fmt.Sprintf("Lately you change more of the drafts: %d points more in your newer notes than in your older ones.", t)
		default:
			ch.Trend = "Lately you change about as much of the drafts as before."
		}
	}
	if n := len(ch.Rows); n > 0 {
		ch.Summary = fmt.Sprintf("Share of the draft changed before signing, your last %d signed notes, oldest first: %s.", n, joinPercents(ch.Rows))
	}
	d.Edits = ch
	return nil
}

func joinPercents(rows []editRow) string {
	ps := make([]string, len(rows))
	for i, r := range rows {
		ps[i] = fmt.Sprintf("%d%%", r.Percent)
	}
	return strings.Join(ps, ", ")
}

// styleSave saves the principal's note style; a refused value is shown
// beside its field with everything typed kept.
func (s *Server) styleSave(w http.ResponseWriter, r *http.Request, c *call) {
	form := styleForm{NoteLength: r.PostFormValue("length"), Person: r.PostFormValue("person"), Headings: r.PostFormValue("headings"), Avoid: r.PostFormValue("avoid"), Examples: r.PostFormValue("examples") == "1"}
	_, err := s.service().SetStyle(r.Context(), c.user, app.StyleInput{NoteLength: form.NoteLength, Person: form.Person, Headings: form.Headings, Avoid: app.SplitPhrases(form.Avoid), Examples: form.Examples})
	var ve *validate.Error
	switch {
	case errors.As(err, &ve):
		form.Field, form.Error = styleFields[ve.Field], formError(err)
		if form.Field == "" {
			form.Field = "avoid"
		}
		s.renderAccount(w, r, c, http.StatusBadRequest, accountData{Style: form}, "")
		return
	case errors.Is(err, app.ErrForbidden):
		s.fail(w, r, http.StatusForbidden, "only clinicians and supervisors keep a note style")
		return
	case err != nil:
		s.serverError(w, r, err, "your note style could not be saved; try again")
		return
	}
	back(w, r, "/account", "Note style saved. Your next drafts follow it.")
}
