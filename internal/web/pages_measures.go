package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// measuresPanel is what the session and review pages show of the client's
// questionnaires: this session's, and a trend chart per instrument.
type measuresPanel struct {
	SessionID string
	CSRF      string // the page's form token (the panel is rendered as its own template)
	// Requested lists the questionnaires sent to the client's link, each
	// with whether the client has answered it.
	Requested []requested
	Session   []measureRow
	Trends    []trend
	CanAdd    bool
	All       []instruments.Instrument
}

type requested struct {
	Name     string
	Answered bool
}

type measureRow struct {
	Name, Band, When, Source string
	Total, Max               int
	Risk                     bool
	RiskItem                 int
}

type trend struct {
	Name string
	SVG  template.HTML
}

func rowOf(m store.Measure, loc *time.Location) measureRow {
	in, _ := instruments.ByID(m.Instrument)
	res, _ := in.Score(m.Answers)
	src := "answered by the client"
	if m.Source == store.MeasureByClinician {
		src = "entered by " + m.EnteredBy
	}
	return measureRow{Name: in.Name, Band: res.Band, When: time.UnixMilli(m.AdministeredAt).In(loc).Format("2006-01-02 15:04"), Source: src,
		Total: res.Total, Max: in.MaxTotal, Risk: res.Risk, RiskItem: in.RiskItem}
}

// measuresFor builds the panel for a session the user may see.
func (s *Server) measuresFor(r *http.Request, c *call, sess store.Session) *measuresPanel {
	if sess.ClientID == "" {
		return nil
	}
	all, err := s.service().ClientMeasures(r.Context(), c.user, sess.ClientID)
	if err != nil {
		s.logFor(r).Warn("web: the client's questionnaires could not be read", "error", err)
		return nil
	}
	loc := viewerZone(r)
	p := &measuresPanel{SessionID: sess.ID, CSRF: c.login.CSRF, CanAdd: hasRole(c.user.Role, clinicalRoles), All: instruments.All}
	byInst := map[string][]store.Measure{}
	for _, m := range all {
		byInst[m.Instrument] = append(byInst[m.Instrument], m)
		if m.SessionID == sess.ID {
			p.Session = append(p.Session, rowOf(m, loc))
		}
	}
	asked, _ := s.cfg.Store.MeasureRequests(r.Context(), sess.ID)
	for _, id := range asked {
		in, err := instruments.ByID(id)
		if err != nil {
			continue
		}
		rq := requested{Name: in.Name}
		for _, m := range all {
			rq.Answered = rq.Answered || (m.SessionID == sess.ID && m.Instrument == id && m.Source == store.MeasureByClient)
		}
		p.Requested = append(p.Requested, rq)
	}
	for _, in := range instruments.All {
		if ms := byInst[in.ID]; len(ms) > 0 {
			p.Trends = append(p.Trends, trend{Name: in.Name, SVG: trendSVG(in, ms, loc)})
		}
	}
	return p
}

// trendSVG draws an instrument's totals over time: one point per
// administration in order, the severity bands shaded, every value in the
// chart's title and description for a screen reader, and each point with
// its own title.
func trendSVG(in instruments.Instrument, ms []store.Measure, loc *time.Location) template.HTML {
	const w, h, left, right, top, bottom = 360.0, 150.0, 34.0, 12.0, 10.0, 26.0
	plotW, plotH := w-left-right, h-top-bottom
	y := func(v int) float64 { return top + plotH - plotH*float64(v)/float64(in.MaxTotal) }
	x := func(i int) float64 {
		if len(ms) == 1 {
			return left + plotW/2
		}
		return left + plotW*float64(i)/float64(len(ms)-1)
	}
	var b strings.Builder
	var desc []string
	for _, m := range ms {
		res, _ := in.Score(m.Answers)
		desc = append(desc, fmt.Sprintf("%s: %d (%s)", time.UnixMilli(m.AdministeredAt).In(loc).Format(time.DateOnly), res.Total, res.Band))
	}
	id := "trend-" + in.ID
	fmt.Fprintf(&b, `<svg class="trend" data-testid="trend-%s" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %.0f %.0f" width="100%%" style="max-width:%.0fpx">`, in.ID, id, id, w, h, w)
	fmt.Fprintf(&b, `<title id="%s-t">%s totals over time (0 to %d)</title><desc id="%s-d">%s</desc>`, id, template.HTMLEscapeString(in.Name), in.MaxTotal, id, template.HTMLEscapeString(strings.Join(desc, "; ")))
	for i, band := range in.Bands {
		shade := []string{"#eef6ee", "#f8f6e6", "#fbefe2", "#f8e4e0", "#f2d9d9"}[min(i, 4)]
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d–%d</title></rect>`,
			left, y(band.Max+1)-0, plotW, y(band.Min)-y(band.Max+1), shade, template.HTMLEscapeString(band.Label), band.Min, band.Max)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555"/>`, left, top+plotH, left+plotW, top+plotH)
	for _, v := range []int{0, in.MaxTotal / 2, in.MaxTotal} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#333">%d</text>`, left-4, y(v)+4, v)
	}
	var pts []string
	for i, m := range ms {
		res, _ := in.Score(m.Answers)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(res.Total)))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f4e79" stroke-width="2"/>`, strings.Join(pts, " "))
	}
	for i, m := range ms {
		res, _ := in.Score(m.Answers)
		fill := "#1f4e79"
		if res.Risk {
			fill = "#a40000"
		}
		when := time.UnixMilli(m.AdministeredAt).In(loc).Format("Jan 2")
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" data-total="%d"><title>%s: %d (%s)</title></circle>`, x(i), y(res.Total), fill, res.Total, when, res.Total, template.HTMLEscapeString(res.Band))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#333">%s</text>`, x(i), h-8, when)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- built here from numbers, dates and escaped instrument and band names
}

type measureForm struct {
	Session    store.Session
	Instrument instruments.Instrument
	Answers    map[int]int // item index → value, as typed before a refusal
	Error      string
}

// measureNew is the form of one questionnaire for a session.
func (s *Server) measureNew(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	in, err := instruments.ByID(r.URL.Query().Get("instrument"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "There is no such questionnaire; choose PHQ-9, GAD-7 or AUDIT-C on the session page.")
		return
	}
	s.render(w, r, http.StatusOK, "measure", c, page{Title: in.Name + " for " + sess.ClientAlias, Nav: "sessions", Data: measureForm{Session: sess, Instrument: in}})
}

// measureAdd stores a questionnaire the clinician gave or entered.
func (s *Server) measureAdd(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	in, err := instruments.ByID(r.PostFormValue("instrument"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "There is no such questionnaire; nothing was saved.")
		return
	}
	typed := map[int]int{}
	answers := make([]int, len(in.Items))
	missing := 0
	for i := range in.Items {
		v, err := strconv.Atoi(r.PostFormValue(fmt.Sprintf("q%d", i+1)))
		if err != nil {
			answers[i] = -1
			missing++
			continue
		}
		answers[i], typed[i] = v, v
	}
	res, err := s.service().RecordMeasure(r.Context(), c.user, app.MeasureInput{SessionID: sess.ID, Instrument: in.ID, Answers: answers})
	if _, invalid := validate.As(err); invalid || missing > 0 {
		msg := formError(err)
		if missing > 0 {
			msg = fmt.Sprintf("%d of the %d questions have no answer; answer each one. Nothing was saved.", missing, len(in.Items))
		}
		s.render(w, r, http.StatusBadRequest, "measure", c, page{Title: in.Name + " for " + sess.ClientAlias, Nav: "sessions",
			Data: measureForm{Session: sess, Instrument: in, Answers: typed, Error: msg}})
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	done := fmt.Sprintf("%s saved: %d of %d (%s).", in.Name, res.Total, in.MaxTotal, res.Band)
	if res.Risk {
		done += fmt.Sprintf(" Item %d is positive: assess suicide risk; the note cannot be signed until the flag is resolved.", in.RiskItem)
	}
	back(w, r, "/sessions/"+sess.ID, done)
}

// measureRequest sends questionnaires to the client's link.
func (s *Server) measureRequest(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	_ = r.ParseForm()
	err := s.service().RequestMeasures(r.Context(), c.user, sess.ID, r.PostForm["instrument"])
	if _, invalid := validate.As(err); invalid {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, "Choose at least one questionnaire to send; nothing was sent.", nil)
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/sessions/"+sess.ID, "Sent: the client answers on their link's waiting page, before the call.")
}
