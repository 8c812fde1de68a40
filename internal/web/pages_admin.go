package web

import (
	"context"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/validate"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/prompts"
)

// Settings the admin pages keep.
const ()

type usersData struct {
	Users   []userRow
	Invite  string
	Now     int64
	Roles   []string
	NewRole string // the add-user form's starting role: the least privileged
}

// userRow is a user with the second factor's state, which the sign-in form
// never reveals: locks are reported here (and in the audit log).
type userRow struct {
	store.User
	MFA store.MFAState
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderUsers(w, r, c, http.StatusOK, "", "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, c *call, status int, invite, errMsg string) {
	us, err := s.cfg.Store.Users(r.Context())
	var mfa map[string]store.MFAState
	if err == nil {
		mfa, err = s.cfg.Store.MFAStates(r.Context())
	}
	if err != nil {
		s.serverError(w, r, err, "users could not be listed")
		return
	}
	d := usersData{Invite: invite, Now: s.cfg.Now().UnixMilli(), Roles: allRoles, NewRole: store.RoleClinician}
	for _, u := range us {
		d.Users = append(d.Users, userRow{User: u, MFA: mfa[u.ID]})
	}
	s.render(w, r, status, "admin_users", c, page{Title: "Users and roles", Nav: "admin", Error: errMsg, Data: d})
}

func (s *Server) adminUserAdd(w http.ResponseWriter, r *http.Request, c *call) {
	nu, err := s.service().AddUser(r.Context(), c.user, app.UserInput{Email: r.PostFormValue("email"), Role: r.PostFormValue("role"), Part2Access: r.PostFormValue("part2") == "1"})
	var invalid bool
	if _, invalid = validate.As(err); invalid || errors.Is(err, app.ErrConflict) {
		if fromSetup(r) {
			s.renderSetup(w, r, c, http.StatusBadRequest, setupStepInvite, setupData{InviteEmail: r.PostFormValue("email")}, formError(err)+" Nobody was added.")
			return
		}
		s.renderUsers(w, r, c, http.StatusBadRequest, "", formError(err)+" Nobody was added.")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	s.hasUsers.Store(true)
	link := s.baseURL(r) + "/invite?token=" + nu.InviteToken
	if fromSetup(r) {
		s.renderSetup(w, r, c, http.StatusCreated, setupStepInvite, setupData{Invite: link}, "")
		return
	}
	s.renderUsers(w, r, c, http.StatusCreated, link, "")
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request, c *call) {
	_, err := s.service().UpdateUser(r.Context(), c.user, app.UserUpdate{UserID: r.PathValue("id"), Change: app.UserChange(r.PostFormValue("action")),
		Role: r.PostFormValue("role"), Part2Access: r.PostFormValue("part2") == "1"})
	var invalid bool
	if _, invalid = validate.As(err); invalid || errors.Is(err, app.ErrForbidden) {
		s.renderUsers(w, r, c, http.StatusBadRequest, "", formError(err)+" Nothing was changed.")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/admin/users", "User updated.")
}

// ---- providers ----

type providerRow struct {
	store.Provider
	Active       bool
	ExpiringSoon bool
	DaysLeft     int
}

type providersData struct {
	Providers []providerRow
	Result    string
	ResultOK  bool
}

func (s *Server) adminProviders(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderProviders(w, r, c, http.StatusOK, "", false, "")
}

func (s *Server) renderProviders(w http.ResponseWriter, r *http.Request, c *call, status int, result string, ok bool, errMsg string) {
	ps, err := s.cfg.Store.Providers(r.Context(), "")
	if err != nil {
		s.serverError(w, r, err, "providers could not be listed")
		return
	}
	now := s.cfg.Now()
	d := providersData{Result: result, ResultOK: ok}
	for _, p := range ps {
		row := providerRow{Provider: p, Active: p.BAAActive(now)}
		if exp, err := time.Parse(time.DateOnly, p.BAAExpires); err == nil && row.Active {
			row.DaysLeft = int(exp.Sub(now.UTC().Truncate(24*time.Hour)).Hours() / 24)
			row.ExpiringSoon = row.DaysLeft <= 30
		}
		d.Providers = append(d.Providers, row)
	}
	s.render(w, r, status, "admin_providers", c, page{Title: "Model providers", Nav: "admin", Error: errMsg, Data: d})
}

func (s *Server) adminProviderPut(w http.ResponseWriter, r *http.Request, c *call) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	p := store.Provider{Name: f("name"), Kind: f("kind"), BaseURL: f("base_url"), Model: f("model"), APIKeyEnv: f("api_key_env"), Use: f("use"),
		SelfHosted: f("self_hosted") == "1", BAASigned: f("baa_signed"), BAAExpires: f("baa_expires"), ZeroRetention: f("zero_retention") == "1",
		Part2Allowed: f("part2_allowed") == "1", JSONSchema: f("no_json_schema") != "1", AzureAPIVersion: f("azure_api_version"),
		Diarization: f("diarization")}
	if v := f("context_tokens"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // refused below with the allowed range
		}
		p.ContextTokens = n
	}
	if _, err := s.service().PutProvider(r.Context(), c.user, p); err != nil {
		if _, invalid := validate.As(err); invalid {
			if fromSetup(r) {
				s.renderSetup(w, r, c, http.StatusBadRequest, setupStepProviders, setupData{Typed: p}, formError(err)+" Nothing was saved.")
				return
			}
			s.renderProviders(w, r, c, http.StatusBadRequest, "", false, formError(err)+" Nothing was saved.")
			return
		}
		s.refusal(w, r, err)
		return
	}
	if fromSetup(r) {
		back(w, r, setupPath+"?step="+setupStepProviders, "Provider "+p.Name+" saved. Test it with its button.")
		return
	}
	back(w, r, "/admin/providers", "Provider "+p.Name+" saved.")
}

func (s *Server) adminProviderTest(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	name := r.PathValue("name")
	var p *store.Provider
	ps, err := s.cfg.Store.Providers(ctx, "")
	if err != nil {
		s.serverError(w, r, err, "providers could not be listed")
		return
	}
	for i := range ps {
		if ps[i].Name == name {
			p = &ps[i]
		}
	}
	if p == nil {
		s.fail(w, r, http.StatusNotFound, "there is no provider named "+fmt.Sprintf("%q", name))
		return
	}
	// The Test button runs the doctor's checks (internal/doctor), the same
	// `scribe doctor` and the System page run: on the providers page the
	// key and the model list; in the wizard also one round trip (a second
	// of test tone, or a fixed question) in the shape Scribe needs.
	opt := s.doctorOptions()
	var checks []doctor.Result
	if fromSetup(r) {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		checks = doctor.CheckProvider(cctx, opt, *p)
		ccancel()
	} else {
		tctx, tcancel := context.WithTimeout(ctx, 10*time.Second)
		checks = []doctor.Result{doctor.CheckReachable(tctx, opt, *p)}
		tcancel()
	}
	ok, result := true, name+" answered."
	for _, ch := range checks {
		if ch.Status != doctor.Fail {
			continue
		}
		if ok {
			result = fmt.Sprintf("%s did not pass: %s. %s", name, ch.Detail, ch.Fix)
		}
		ok = false
	}
	outcome := "success"
	if !ok {
		outcome = "failure"
	}
	_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "provider.test", EntityType: "provider", EntityID: name, Outcome: outcome})
	if fromSetup(r) {
		s.renderSetup(w, r, c, http.StatusOK, setupStepProviders, setupData{Result: result, ResultOK: ok, Checks: checks}, "")
		return
	}
	s.renderProviders(w, r, c, http.StatusOK, result, ok, "")
}

// ---- policy: retention and second factor ----

type policyData struct {
	Retention store.RetentionPolicy
	TOTPRoles string
}

// adminPolicy shows the one retention policy the purge jobs and the sweep
// obey (store.RetentionPolicy) and the second-factor policy.
func (s *Server) adminPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	var d policyData
	var err error
	if d.Retention, err = s.cfg.Store.RetentionPolicy(ctx); err != nil {
		s.serverError(w, r, err, "the retention policy could not be read")
		return
	}
	d.TOTPRoles, _ = s.cfg.Store.Setting(ctx, settingTOTPRoles, store.RoleAdmin)
	s.render(w, r, http.StatusOK, "admin_policy", c, page{Title: "Retention and sign-in policy", Nav: "admin", Data: d})
}

func (s *Server) adminPolicySave(w http.ResponseWriter, r *http.Request, c *call) {
	days := func(field string) (int, bool) {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			return 0, true
		}
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	in := app.PolicyInput{PurgeAudioAfterTranscription: r.PostFormValue("retention_audio") != "days", SecondFactorRoles: []string{}}
	var ok bool
	if in.AudioDays, ok = days("audio_days"); !ok {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("audio retention must be 'after transcription' or a number of days between 1 and %d; nothing was saved", app.MaxAudioDays))
		return
	}
	if in.TranscriptDays, ok = days("transcript_days"); !ok {
		s.fail(w, r, http.StatusBadRequest, "transcript retention must be a number of days (0 keeps them); nothing was saved")
		return
	}
	for _, rl := range r.PostForm["totp_roles"] {
		if rl == store.RoleClinician || rl == store.RoleSupervisor {
			in.SecondFactorRoles = append(in.SecondFactorRoles, rl)
		}
	}
	if r.PostFormValue("keep_totp_roles") == "1" { // the wizard's form asks only about retention
		in.SecondFactorRoles = nil
	}
	if _, err := s.service().SetPolicy(r.Context(), c.user, in); err != nil {
		if _, invalid := validate.As(err); invalid {
			s.fail(w, r, http.StatusBadRequest, formError(err)+" Nothing was saved.")
			return
		}
		s.refusal(w, r, err)
		return
	}
	if fromSetup(r) {
		back(w, r, setupPath+"?step="+setupStepNext[setupStepPolicy], "Retention policy saved.")
		return
	}
	back(w, r, "/admin/policy", "Policy saved.")
}

// ---- note templates ----

type templatesData struct {
	BuiltIn []prompts.Format
	Custom  []store.CustomTemplate
	Content string
}

func (s *Server) adminTemplates(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderTemplates(w, r, c, http.StatusOK, "", "")
}

func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, c *call, status int, content, errMsg string) {
	cs, err := s.cfg.Store.CustomTemplates(r.Context())
	if err != nil {
		s.serverError(w, r, err, "templates could not be listed")
		return
	}
	s.render(w, r, status, "admin_templates", c, page{Title: "Note templates", Nav: "admin", Error: errMsg,
		Data: templatesData{BuiltIn: prompts.Formats(), Custom: cs, Content: content}})
}

func (s *Server) adminTemplateAdd(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	content := r.PostFormValue("content")
	f, err := s.service().AddTemplate(ctx, c.user, []byte(content))
	if ve, invalid := validate.As(err); invalid {
		s.renderTemplates(w, r, c, http.StatusBadRequest, content, "The template was not added: "+ve.Hint)
		return
	}
	if errors.Is(err, app.ErrConflict) {
		s.renderTemplates(w, r, c, http.StatusConflict, content, capitalize(err.Error())+".")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/admin/templates", "Template "+f.VersionString()+" added.")
}

// ---- audit log ----

type auditData struct {
	Entries               []audit.Entry
	Actor, Action, Entity string
	Total                 int
	// The state of the log's tamper evidence: the newest checkpoint, the
	// witness it goes to, and the last verification (this page's button,
	// `scribe audit verify`, or the server's own at start-up and at each
	// automatic checkpoint).
	LastCheckpoint *audit.Checkpoint
	Witness        string
	LastVerify     compliance.VerifyRecord
	// Emails names each user ID the log records as an actor: the log keeps
	// the ID (stable when an e-mail changes), the page shows both.
	Emails map[string]string
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderAudit(w, r, c)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	q := r.URL.Query()
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), Witness: s.cfg.Audit.WitnessPath(), Emails: map[string]string{}}
	users, err := s.cfg.Store.Users(ctx)
	if err != nil {
		s.internalError(w, r, fmt.Errorf("read the users for the audit log: %w", err))
		return
	}
	for _, u := range users {
		d.Emails[u.ID] = u.Email
	}
	const show = 500
	err = s.cfg.Store.AuditEntries(ctx, 0, func(e audit.Entry) error {
		d.Total++
		if d.Actor != "" && !strings.Contains(e.Actor, d.Actor) && !strings.Contains(d.Emails[e.Actor], d.Actor) || d.Action != "" && !strings.HasPrefix(e.Action, d.Action) || d.Entity != "" && e.EntityID != d.Entity {
			return nil
		}
		d.Entries = append(d.Entries, e)
		if len(d.Entries) > show {
			d.Entries = d.Entries[1:]
		}
		return nil
	})
	var cps []audit.Checkpoint
	if err == nil {
		cps, err = s.cfg.Store.AuditCheckpoints(ctx)
	}
	if err == nil {
		d.LastVerify, err = compliance.LastVerify(ctx, s.cfg.Store)
	}
	if err != nil {
		s.serverError(w, r, err, "the audit log could not be read")
		return
	}
	if len(cps) > 0 {
		d.LastCheckpoint = &cps[len(cps)-1]
	}
	for i, j := 0, len(d.Entries)-1; i < j; i, j = i+1, j-1 { // newest first
		d.Entries[i], d.Entries[j] = d.Entries[j], d.Entries[i]
	}
	s.render(w, r, http.StatusOK, "admin_audit", c, page{Title: "Audit log", Nav: "admin", Data: d})
}

// adminAuditVerify runs the one verification `scribe audit verify` runs,
// keeps its outcome for this page, and audits that it ran.
func (s *Server) adminAuditVerify(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	rep, err := compliance.VerifyAudit(ctx, s.cfg.Store, s.cfg.Audit)
	compliance.RecordVerify(ctx, s.cfg.Store, rep, err, c.user.Email, s.cfg.Now())
	_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "audit.verify", EntityType: "audit", EntityID: "chain", Outcome: map[bool]string{true: "success", false: "failure"}[err == nil]})
	s.renderAudit(w, r, c)
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request, c *call) {
	if s.cfg.JobsUI == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the job dashboard is not configured on this server")
		return
	}
	s.cfg.JobsUI.ServeHTTP(w, r)
}
