package web

import (
	"errors"
	"net/http"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// ---- an admin assigns supervisors ----

type supervisionRow struct {
	Clinician, Supervisor string
}

type supervisionData struct {
	Rows        []supervisionRow
	Supervisors []string
	Error       string
}

func (s *Server) adminSupervision(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderSupervision(w, r, c, http.StatusOK, "")
}

func (s *Server) renderSupervision(w http.ResponseWriter, r *http.Request, c *call, status int, msg string) {
	users, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		s.serverError(w, r, err, "the users could not be listed")
		return
	}
	d := supervisionData{Error: msg}
	for _, u := range users {
		switch {
		case u.Disabled:
		case u.Role == store.RoleSupervisor:
			d.Supervisors = append(d.Supervisors, u.Email)
		case u.Role == store.RoleClinician:
			sup, err := s.cfg.Store.SupervisorOf(r.Context(), u.Email)
			if err != nil {
				s.serverError(w, r, err, "the supervisors could not be read")
				return
			}
			d.Rows = append(d.Rows, supervisionRow{Clinician: u.Email, Supervisor: sup})
		}
	}
	s.render(w, r, status, "admin_supervision", c, page{Title: "Supervision", Nav: "admin", Data: d})
}

func (s *Server) adminSupervisionSave(w http.ResponseWriter, r *http.Request, c *call) {
	err := s.service().SetSupervisor(r.Context(), c.user, r.PostFormValue("clinician"), r.PostFormValue("supervisor"))
	if _, invalid := validate.As(err); invalid {
		s.renderSupervision(w, r, c, http.StatusBadRequest, formError(err)+" Nothing was changed.")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/admin/supervision", "Saved.")
}

// ---- a supervisor's queue, co-signature and return ----

func (s *Server) cosignQueue(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.service().CosignQueue(r.Context(), c.user)
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "supervision", c, page{Title: "Notes waiting for your co-signature", Nav: "supervision", Data: q})
}

func (s *Server) cosign(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if r.PostFormValue("attest") != "1" {
		s.cosignRefused(w, r, c, sess, http.StatusBadRequest, "Tick the co-signature statement to co-sign; the note was not co-signed.")
		return
	}
	if status, msg := s.checkSignCredential(r.Context(), c.user, r.PostFormValue("credential")); status != 0 {
		s.cosignRefused(w, r, c, sess, status, msg)
		return
	}
	_, err := s.service().Cosign(r.Context(), c.user, sess.ID)
	s.draftChange(w, r, sess.ID, "Co-signed. The note is final.", err)
}

func (s *Server) cosignRefused(w http.ResponseWriter, r *http.Request, c *call, sess store.Session, status int, msg string) {
	d, err := s.reviewData(r.Context(), sess, c)
	if err != nil {
		s.fail(w, r, status, msg)
		return
	}
	d.CosignError = msg
	s.render(w, r, status, "review", c, page{Title: "Review note", Nav: "sessions", Data: d})
}

func (s *Server) returnNote(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	_, err := s.service().ReturnNote(r.Context(), c.user, sess.ID, r.PostFormValue("comment"))
	if ve, invalid := validate.As(err); invalid && ve.Field == app.FieldComment {
		s.cosignRefused(w, r, c, sess, http.StatusBadRequest, "Say what the associate should change; the note was not returned.")
		return
	}
	if errors.Is(err, drafts.ErrNotTheSupervisor) {
		err = app.ErrForbidden
	}
	s.draftChange(w, r, sess.ID, "Returned to the associate with your comment.", err)
}
