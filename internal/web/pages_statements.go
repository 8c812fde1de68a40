package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// This file holds the review page's statement-level editing, its flag
// summary, the inline sign panel and the organisation's AI-assistance
// statement. The operations themselves are in drafts; these only read the
// form, call them and render.

// reviewExtra is what the review page shows beyond the note and transcript.
type reviewExtra struct {
	// FlagSummary lists the open flags, high first, each with where it
	// points; Counts is "1 high, 2 medium".
	FlagSummary []flagEntry
	Counts      string
	// Sign is the sign panel's state after a refused signature.
	Sign signForm
	// Codes is the sign panel's billing codes (nil when none can be
	// suggested).
	Codes *codesPanel
	// AIStatement is what signing adds to the note.
	AIStatement string
	// FlagTitles names each flag code for the clinician.
	FlagTitles map[string]string
	// Refused is a statement change that was refused, shown again in its
	// form with the error beside it.
	Refused stmtRefusal
}

type stmtRefusal struct {
	Form  string // "st-KEY-INDEX" or "st-add-KEY"
	Text  string // what was typed
	Error string
}

type flagEntry struct {
	Code, Severity, Title, Reason string
	Href, Where                   string // where it points, in words
	Segment                       string // a transcript segment too, when there is one
}

type signForm struct {
	Attest   bool
	Override string
	Field    string // attest, override or credential: which field the error is about
	Error    string
}

var severityOrder = map[string]int{summarize.SeverityHigh: 0, summarize.SeverityMedium: 1, summarize.SeverityLow: 2}

// reviewSections builds the note's sections for the page: every section of
// the note's template (a missing one empty, to write in), each statement
// with its place, its reference for edits and its edited mark; and the
// flag summary with where each flag points.
func (s *Server) reviewSections(ctx context.Context, d *reviewData) error {
	note := d.View.Note
	format, err := drafts.ResolveFormat(ctx, s.cfg.Store, d.View.Template)
	if err == nil && !d.Locked {
		note = drafts.WithTemplateSections(note, format)
	} else if err != nil {
		s.logCtx(ctx).Warn("web: review template", "session_id", d.Session.ID, "template", d.View.Template, "error", err)
	}
	refs := map[string][]string{}
	for i, sec := range d.View.Note.Sections {
		if i < len(d.View.Refs) {
			refs[sec.Key] = d.View.Refs[i]
		}
	}
	d.Sections = d.Sections[:0]
	for _, sec := range note.Sections {
		_, inNote := refs[sec.Key]
		sv := sectionView{Key: sec.Key, Title: sec.Title, NotDiscussed: sec.NotDiscussed || len(sec.Statements) == 0, NotDiscussedText: sec.NotDiscussedText, Missing: !inNote}
		var texts []string
		for i, st := range sec.Statements {
			ref := ""
			if i < len(refs[sec.Key]) {
				ref = refs[sec.Key][i]
			}
			sv.Statements = append(sv.Statements, stmtView{Text: st.Text, Citations: st.Citations, Unsupported: st.Unsupported, UnsupportedReason: st.UnsupportedReason,
				Index: i, Ref: ref, Edited: st.ClinicianEdited})
			texts = append(texts, st.Text)
		}
		sv.EditText = strings.Join(texts, "\n")
		d.Sections = append(d.Sections, sv)
	}
	var open []drafts.Flag
	count := map[string]int{}
	d.FlagTitles = map[string]string{}
	for _, f := range d.View.Flags {
		d.FlagTitles[f.Code] = drafts.FlagTitle(f.Code)
		if !f.Resolved {
			open = append(open, f)
			count[f.Severity]++
		}
	}
	titles := map[string]string{}
	for _, sec := range note.Sections {
		titles[sec.Key] = sec.Title
	}
	for _, p := range drafts.FlagPlaces(open, note, format) {
		e := flagEntry{Code: p.Code, Severity: p.Severity, Title: p.Title, Reason: p.Reason, Segment: p.Segment, Href: "#flag-" + p.Code, Where: "the flag below"}
		switch {
		case p.Section != "" && p.Statement >= 0:
			e.Href, e.Where = fmt.Sprintf("#st-%s-%d", p.Section, p.Statement), "the statement in "+titles[p.Section]
		case p.Section != "":
			e.Href, e.Where = "#sec-"+p.Section, titles[p.Section]
		case p.Segment != "":
			e.Href, e.Where, e.Segment = "#seg-"+p.Segment, "the transcript", ""
		}
		d.FlagSummary = append(d.FlagSummary, e)
	}
	// High first, then in the order the checks raised them.
	for i := 1; i < len(d.FlagSummary); i++ {
		for j := i; j > 0 && severityOrder[d.FlagSummary[j].Severity] < severityOrder[d.FlagSummary[j-1].Severity]; j-- {
			d.FlagSummary[j], d.FlagSummary[j-1] = d.FlagSummary[j-1], d.FlagSummary[j]
		}
	}
	var parts []string
	for _, sev := range []string{summarize.SeverityHigh, summarize.SeverityMedium, summarize.SeverityLow} {
		if count[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[sev], sev))
		}
	}
	d.Counts = strings.Join(parts, ", ")
	if d.AIStatement, err = drafts.AIStatement(ctx, s.cfg.Store); err != nil {
		return err
	}
	return nil
}

// editStatement changes, or removes, one statement of a section.
func (s *Server) editStatement(w http.ResponseWriter, r *http.Request, c *call) {
	s.statementChange(w, r, c, false)
}

// addStatement adds a statement at the end of a section.
func (s *Server) addStatement(w http.ResponseWriter, r *http.Request, c *call) {
	s.statementChange(w, r, c, true)
}

func (s *Server) statementChange(w http.ResponseWriter, r *http.Request, c *call, add bool) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	e := drafts.StatementEdit{SessionID: sess.ID, Section: r.PathValue("key"), Add: add, Remove: r.PostFormValue("remove") == "1",
		Expect: r.PostFormValue("expect"), RemoveCitations: r.PostForm["remove_cite"], Actor: c.user.Email}
	if !add {
		i, err := strconv.Atoi(r.PathValue("index"))
		if err != nil {
			s.fail(w, r, http.StatusNotFound, "there is no such statement in the note")
			return
		}
		e.Index = i
	}
	if !e.Remove {
		_, tm, err := s.transcriptFor(ctx, sess.ID)
		if err != nil {
			s.serverError(w, r, err, "the identifier map could not be read; the change was not saved")
			return
		}
		e.Text = deidentify(r.PostFormValue("text"), tm)
	}
	_, err := s.svc().EditStatement(ctx, e)
	done := "Statement saved; flags checked again."
	switch {
	case e.Remove:
		done = "Statement removed; flags checked again."
	case add:
		done = "Statement added; flags checked again."
	}
	if err != nil {
		form := fmt.Sprintf("st-%s-%d", e.Section, e.Index)
		if add {
			form = "st-add-" + e.Section
		}
		s.editRefused(w, r, c, sess, form, err)
		return
	}
	anchor := ""
	if !e.Remove && !add {
		anchor = fmt.Sprintf("#st-%s-%d", e.Section, e.Index)
	}
	if wantsJSON(r) {
		back(w, r, "/sessions/"+sess.ID+"/review"+anchor, done)
		return
	}
	http.Redirect(w, r, withFlash(r, "/sessions/"+sess.ID+"/review", done)+anchor, http.StatusSeeOther)
}

// editRefused answers a refused change of the note's text: for a form
// post, the review page again with the form open, what was typed kept and
// the error beside it; otherwise (scripts, a signed or rejected note) as
// draftChange does.
func (s *Server) editRefused(w http.ResponseWriter, r *http.Request, c *call, sess store.Session, form string, err error) {
	if !wantsJSON(r) && !errors.Is(err, drafts.ErrAlreadySigned) && !errors.Is(err, drafts.ErrRejected) && !errors.Is(err, store.ErrNotFound) {
		if d, derr := s.reviewData(r.Context(), sess, c); derr == nil {
			msg := capitalize(err.Error()) + "; nothing was changed."
			if !formOnPage(d, form) { // a form the page does not have: the error at the top
				s.render(w, r, http.StatusBadRequest, "review", c, page{Title: "Review note", Nav: "sessions", Data: d, Error: msg})
				return
			}
			d.Refused = stmtRefusal{Form: form, Text: r.PostFormValue("text"), Error: msg}
			s.render(w, r, http.StatusBadRequest, "review", c, page{Title: "Review note", Nav: "sessions", Data: d})
			return
		}
	}
	s.draftChange(w, r, sess.ID, "", err)
}

// formOnPage reports whether the review page has the edit form named form.
func formOnPage(d reviewData, form string) bool {
	for _, sec := range d.Sections {
		if form == "edit-"+sec.Key || form == "st-add-"+sec.Key {
			return true
		}
		for _, st := range sec.Statements {
			if form == fmt.Sprintf("st-%s-%d", sec.Key, st.Index) {
				return true
			}
		}
	}
	return false
}

// signRefused answers a refused signature: the review page again, with the
// error beside the field it is about and what was typed kept (the
// attestation tick and the override reason; never the credential).
func (s *Server) signRefused(w http.ResponseWriter, r *http.Request, c *call, sess store.Session, status int, field, msg string) {
	if wantsJSON(r) {
		s.fail(w, r, status, msg)
		return
	}
	d, err := s.reviewData(r.Context(), sess, c)
	if err != nil {
		s.fail(w, r, status, msg)
		return
	}
	d.Sign = signForm{Attest: r.PostFormValue("attest") == "1", Override: r.PostFormValue("override"), Field: field, Error: msg}
	if d.CanSign {
		d.Codes = s.codesFor(r, c, sess, r.PostFormValue("kind"), r.PostFormValue("setting"))
		d.Codes.keep(r, "")
		if field == "codes" {
			d.Codes.Error = msg
		}
	}
	s.render(w, r, status, "review", c, page{Title: "Review note", Nav: "sessions", Data: d})
}

// signError is the words and field for a signature drafts refused, or
// false when the refusal is not about the form.
func signError(err error) (field, msg string, ok bool) {
	var uf *drafts.UnresolvedFlagsError
	switch {
	case errors.As(err, &uf):
		names := make([]string, len(uf.Codes))
		for i, code := range uf.Codes {
			names[i] = drafts.FlagTitle(code)
		}
		return "override", fmt.Sprintf("High-severity flags are still open (%s). Resolve them above, or give the reason you are signing anyway; the note was not signed.", strings.Join(names, ", ")), true
	case errors.Is(err, drafts.ErrNoAttestation):
		return "attest", "Tick the attestation to sign; the note was not signed.", true
	}
	return "", "", false
}

// ---- the organisation's AI-assistance statement ----

type aiStatementData struct {
	Statement string
	Default   string
	Custom    bool
	Error     string
}

func (s *Server) adminAIStatement(w http.ResponseWriter, r *http.Request, c *call) {
	st, err := drafts.AIStatement(r.Context(), s.cfg.Store)
	if err != nil {
		s.serverError(w, r, err, "the statement could not be read; try again")
		return
	}
	s.render(w, r, http.StatusOK, "admin_ai_statement", c, page{Title: "AI-assistance statement", Nav: "admin",
		Data: aiStatementData{Statement: st, Default: drafts.AIDisclosure, Custom: st != drafts.AIDisclosure}})
}

func (s *Server) adminAIStatementSave(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	text := r.PostFormValue("statement")
	if r.PostFormValue("reset") == "1" {
		text = drafts.AIDisclosure
	}
	clean, err := drafts.CleanAIStatement(text)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "admin_ai_statement", c, page{Title: "AI-assistance statement", Nav: "admin",
			Data: aiStatementData{Statement: text, Default: drafts.AIDisclosure, Custom: true, Error: capitalize(err.Error()) + "; nothing was saved."}})
		return
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutSetting(ctx, drafts.SettingAIStatement, clean); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "policy.update", EntityType: "settings", EntityID: drafts.SettingAIStatement,
			Details: map[string]string{"ai_statement_chars": strconv.Itoa(len([]rune(clean))), "default": strconv.FormatBool(clean == drafts.AIDisclosure)}})
	})
	if err != nil {
		s.serverError(w, r, err, "the statement could not be saved; nothing was changed")
		return
	}
	back(w, r, "/admin/ai-statement", "Saved. Notes signed from now on carry this statement; notes signed earlier keep theirs.")
}
