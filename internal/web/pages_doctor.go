package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/doctor"
)

// The System check page runs `scribe doctor`'s checks for admins. Opening
// it runs every check but the model round trips; its button runs those too
// (they send each provider one second of test audio or a fixed question).

type systemData struct {
	Report         doctor.Report
	OK, Warn, Fail int
	WithCalls      bool
	At             int64
}

func (s *Server) adminSystem(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderSystem(w, r, c, false)
}

func (s *Server) adminSystemRun(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderSystem(w, r, c, true)
}

// doctorOptions are the checks' options on this server.
func (s *Server) doctorOptions() doctor.Options {
	opt := s.cfg.Doctor
	opt.Store = s.cfg.Store
	opt.Audit = s.cfg.Audit
	if opt.DataDir == "" {
		opt.DataDir = s.cfg.Audit.DataDir
	}
	if opt.PublicURL == "" {
		opt.PublicURL = s.cfg.PublicURL
	}
	opt.TLS = opt.TLS || s.cfg.Secure
	if opt.Now == nil {
		opt.Now = s.cfg.Now
	}
	return opt
}

func (s *Server) renderSystem(w http.ResponseWriter, r *http.Request, c *call, calls bool) {
	opt := s.doctorOptions()
	opt.SkipModelCalls = !calls
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	rep := doctor.Run(ctx, opt)
	d := systemData{Report: rep, WithCalls: calls, At: time.Now().UnixMilli()}
	if opt.Now != nil {
		d.At = opt.Now().UnixMilli()
	}
	d.OK, d.Warn, d.Fail = rep.Counts()
	if calls {
		// The round trips send test data to each provider: on the record.
		outcome := "success"
		if d.Fail > 0 {
			outcome = "failure"
		}
		if err := s.cfg.Store.Audit(r.Context(), audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "system.check", EntityType: "system", EntityID: "doctor", Outcome: outcome,
			Details: map[string]string{"ok": fmt.Sprint(d.OK), "warn": fmt.Sprint(d.Warn), "fail": fmt.Sprint(d.Fail), "model_calls": "true"}}); err != nil {
			s.serverError(w, r, err, "the check ran but could not be recorded in the audit log; try again")
			return
		}
	}
	s.render(w, r, http.StatusOK, "admin_system", c, page{Title: "System check", Nav: "admin", Data: d})
}
