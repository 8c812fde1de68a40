package web

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// kindWords are the kinds of session as a clinician reads them.
var kindWords = map[billing.Kind]string{
	billing.Psychotherapy:       "Individual psychotherapy",
	billing.Intake:              "Intake evaluation",
	billing.IntakeMedical:       "Intake evaluation with medical services",
	billing.FamilyWithClient:    "Family or couples therapy, client present",
	billing.FamilyWithoutClient: "Family therapy without the client",
	billing.Group:               "Group psychotherapy",
	billing.Crisis:              "Crisis psychotherapy",
}

// settingWords are the settings as a clinician reads them.
var settingWords = map[billing.Setting]string{
	billing.InPerson:        "In person",
	billing.TelehealthHome:  "Video, client at home",
	billing.TelehealthOther: "Video, client elsewhere",
	billing.TelehealthAudio: "Audio only, client at home",
}

type option struct {
	Value, Label string
	Selected     bool
}

// codesPanel is the sign panel's billing part: the suggestion for the
// chosen kind and setting, and what the clinician ticked or typed.
type codesPanel struct {
	Suggestion  app.CodeSuggestion
	Kinds       []option
	Settings    []option
	KindLabel   string
	SettingText string
	// Unticked are suggested codes the clinician unticked before a refused
	// signature; CPTOther and ICDOther what they typed.
	Unticked           map[string]bool
	CPTOther, ICDOther string
	Error              string
}

// codesFor builds the panel for the kind and setting asked for (the
// session's defaults when none or an unknown one is asked for).
func (s *Server) codesFor(r *http.Request, c *call, sess store.Session, kind, setting string) *codesPanel {
	svc := s.service()
	sug, err := svc.SuggestCodes(r.Context(), c.user, sess.ID, app.CodeChoice{Kind: kind, Setting: setting}, viewerZone(r))
	if _, invalid := validate.As(err); invalid {
		sug, err = svc.SuggestCodes(r.Context(), c.user, sess.ID, app.CodeChoice{}, viewerZone(r))
	}
	if err != nil {
		s.logFor(r).Warn("web: billing suggestion unavailable", "error", err)
		return nil
	}
	p := &codesPanel{Suggestion: sug, KindLabel: kindWords[sug.Kind], SettingText: settingWords[sug.Setting], Unticked: map[string]bool{}}
	for _, k := range billing.Kinds {
		p.Kinds = append(p.Kinds, option{Value: string(k), Label: kindWords[k], Selected: k == sug.Kind})
	}
	for _, st := range billing.Settings {
		p.Settings = append(p.Settings, option{Value: string(st), Label: settingWords[st], Selected: st == sug.Setting})
	}
	return p
}

// codeChoice reads the sign form's codes: the ticked suggestions and the
// codes typed beside them; nil when the clinician confirms none.
func codeChoice(r *http.Request) *app.CodeChoice {
	ch := app.CodeChoice{Kind: r.PostFormValue("kind"), Setting: r.PostFormValue("setting")}
	ch.Procedures = append(ch.Procedures, r.PostForm["cpt"]...)
	ch.Procedures = append(ch.Procedures, splitCodes(r.PostFormValue("cpt_other"))...)
	ch.Diagnoses = append(ch.Diagnoses, r.PostForm["icd"]...)
	ch.Diagnoses = append(ch.Diagnoses, splitCodes(r.PostFormValue("icd_other"))...)
	if len(ch.Procedures) == 0 && len(ch.Diagnoses) == 0 {
		return nil
	}
	return &ch
}

func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
}

// keep keeps what the clinician chose after a refused signature.
func (p *codesPanel) keep(r *http.Request, msg string) {
	if p == nil {
		return
	}
	ticked := map[string]bool{}
	for _, v := range append(append([]string{}, r.PostForm["cpt"]...), r.PostForm["icd"]...) {
		ticked[v] = true
	}
	for _, c := range p.Suggestion.Procedures {
		p.Unticked[c.Code] = !ticked[c.Code]
	}
	for _, c := range p.Suggestion.Diagnoses {
		p.Unticked[c.Code] = !ticked[c.Code]
	}
	p.CPTOther, p.ICDOther, p.Error = r.PostFormValue("cpt_other"), r.PostFormValue("icd_other"), msg
}

// ---- the charge export for billing staff ----

type chargesData struct {
	From, To string
	Rows     []billing.Charge
	Error    string
	Shown    bool
}

// charges is the charge export: the codes confirmed at signing in a
// period, for the sessions the user may see; as a table, or as CSV.
func (s *Server) charges(w http.ResponseWriter, r *http.Request, c *call) {
	loc := viewerZone(r)
	q := r.URL.Query()
	today := s.cfg.Now().In(loc).Format(time.DateOnly)
	d := chargesData{From: q.Get("from"), To: q.Get("to")}
	if d.From == "" && d.To == "" {
		d.From, d.To = s.cfg.Now().In(loc).AddDate(0, 0, -30).Format(time.DateOnly), today
		s.render(w, r, http.StatusOK, "charges", c, page{Title: "Charges", Nav: "charges", Data: d})
		return
	}
	from, err1 := time.ParseInLocation(time.DateOnly, d.From, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, d.To, loc)
	if err1 != nil || err2 != nil {
		d.Error = "Give both days as dates (YYYY-MM-DD)."
		s.render(w, r, http.StatusBadRequest, "charges", c, page{Title: "Charges", Nav: "charges", Data: d})
		return
	}
	rows, err := s.service().Charges(r.Context(), c.user, from, to.AddDate(0, 0, 1), loc)
	if _, invalid := validate.As(err); invalid {
		d.Error = "The first day must come before or be the last day."
		s.render(w, r, http.StatusBadRequest, "charges", c, page{Title: "Charges", Nav: "charges", Data: d})
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		var buf bytes.Buffer
		if err := billing.WriteCSV(&buf, rows); err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="charges-`+d.From+`-`+d.To+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
		return
	}
	d.Rows, d.Shown = rows, true
	s.render(w, r, http.StatusOK, "charges", c, page{Title: "Charges", Nav: "charges", Data: d})
}

// isCodeField reports whether a refusal is about the billing codes.
func isCodeField(f validate.Field) bool {
	switch f {
	case app.FieldServiceKind, app.FieldSetting, app.FieldProcedure, app.FieldDiagnosis:
		return true
	}
	return false
}
