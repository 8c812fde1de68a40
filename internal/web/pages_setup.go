package web

import (
	"net/http"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/store"
)

// The first-run wizard walks the first admin from the set-up link to a
// working Scribe: the admin account and its second factor (the set-up and
// enrolment pages), the model providers, the retention policy and the first
// clinician. Each step posts to the admin page's own handler (with
// from=setup, which brings the admin back here), so every operation lives
// once, in internal/app. Any step can be skipped and finished later: the
// state is read from the data each step makes (app.SetupProgress), and the
// admin's home shows "Finish setting up Scribe" until all are done.

// The wizard's steps in order; setupStepNext gives the one after each.
const (
	setupStepProviders = "providers"
	setupStepPolicy    = "policy"
	setupStepInvite    = "invite"
	setupStepDone      = "done"
	setupPath          = "/admin/setup"
)

var setupStepNext = map[string]string{setupStepProviders: setupStepPolicy, setupStepPolicy: setupStepInvite, setupStepInvite: setupStepDone}

// fromSetup: a form posted by the wizard, which is where its answer goes.
func fromSetup(r *http.Request) bool { return r.PostFormValue("from") == "setup" }

type setupStepRow struct {
	Key, Title string
	Done       bool
}

type setupData struct {
	Step     string
	Next     string
	Progress app.SetupProgress
	Steps    []setupStepRow
	// The providers step.
	Providers []store.Provider
	Result    string
	ResultOK  bool
	Checks    []doctor.Result // the Test button's round trip (doctor's checks)
	Typed     store.Provider  // what was typed into a refused provider form
	// The retention step.
	Retention store.RetentionPolicy
	// The invitation step.
	Invite      string
	InviteEmail string // what was typed into a refused invitation
	Roles       []string
	NewRole     string
}

func (s *Server) setupWizard(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderSetup(w, r, c, http.StatusOK, r.URL.Query().Get("step"), setupData{}, "")
}

// renderSetup shows one step of the wizard (the first not done when step
// is empty or unknown) with d's results of a form just posted.
func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, c *call, status int, step string, d setupData, errMsg string) {
	ctx := r.Context()
	prog, err := s.service().SetupProgress(ctx, c.user)
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	d.Progress = prog
	d.Steps = []setupStepRow{
		{Key: "account", Title: "Admin account and two-step sign-in", Done: prog.SecondFactor},
		{Key: setupStepProviders, Title: "Model providers", Done: prog.Providers()},
		{Key: setupStepPolicy, Title: "Retention policy", Done: prog.Retention},
		{Key: setupStepInvite, Title: "First clinician", Done: prog.Clinician},
	}
	if _, known := setupStepNext[step]; !known && step != setupStepDone {
		step = setupStepDone
		for _, st := range d.Steps[1:] {
			if !st.Done {
				step = st.Key
				break
			}
		}
	}
	d.Step, d.Next = step, setupStepNext[step]
	switch step {
	case setupStepProviders:
		if d.Providers, err = s.cfg.Store.Providers(ctx, ""); err != nil {
			s.internalError(w, r, err)
			return
		}
	case setupStepPolicy:
		if d.Retention, err = s.cfg.Store.RetentionPolicy(ctx); err != nil {
			s.internalError(w, r, err)
			return
		}
	case setupStepInvite:
		d.Roles, d.NewRole = allRoles, store.RoleClinician
	}
	s.render(w, r, status, "setup_wizard", c, page{Title: "Set up Scribe", Nav: "admin", Error: errMsg, Data: d})
}

// setupPending reports whether an admin's home should offer the wizard.
func (s *Server) setupPending(r *http.Request, u store.User) bool {
	if u.Role != store.RoleAdmin {
		return false
	}
	p, err := s.service().SetupProgress(r.Context(), u)
	if err != nil {
		s.logFor(r).Warn("web: read the set-up steps", "error", err)
		return false
	}
	return !p.Done()
}
