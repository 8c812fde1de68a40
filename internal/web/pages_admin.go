package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/config"
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
		s.fail(w, r, http.StatusInternalServerError, "users could not be listed")
		return
	}
	d := usersData{Invite: invite, Now: s.cfg.Now().UnixMilli(), Roles: allRoles, NewRole: store.RoleClinician}
	for _, u := range us {
		d.Users = append(d.Users, userRow{User: u, MFA: mfa[u.ID]})
	}
	s.render(w, r, status, "admin_users", c, page{Title: "Users and roles", Nav: "admin", Error: errMsg, Data: d})
}

// AddUser creates a user and returns a one-time link to choose a password
// (used by the admin page and `scribe user add`).
func AddUser(ctx context.Context, st *store.Store, actor, email, role string, part2 bool, now time.Time) (store.User, string, error) {
	if _, err := mail.ParseAddress(email); err != nil || strings.ContainsAny(email, "<> ") {
		return store.User{}, "", fmt.Errorf("%q is not an e-mail address", email)
	}
	if role == "" {
		return store.User{}, "", errors.New("choose the user's role (admin, clinician or supervisor); there is no default")
	}
	if !store.ValidRole(role) {
		return store.User{}, "", fmt.Errorf("the role must be admin, clinician or supervisor, not %q", role)
	}
	u := store.User{ID: uuid.NewString(), Email: email, Role: role, Part2Access: part2}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "user.add", EntityType: "user", EntityID: u.ID,
			Details: map[string]string{"role": role, "part2_access": fmt.Sprint(part2)}})
	})
	if err != nil {
		return u, "", err
	}
	link, err := InviteLink(ctx, st, u.ID, 72*time.Hour, now)
	return u, link, err
}

func (s *Server) adminUserAdd(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	_, link, err := AddUser(ctx, s.cfg.Store, c.user.Email, strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("role"), r.PostFormValue("part2") == "1", s.cfg.Now())
	if err != nil {
		s.renderUsers(w, r, c, http.StatusBadRequest, "", capitalize(err.Error())+"; nobody was added.")
		return
	}
	s.hasUsers.Store(true)
	s.renderUsers(w, r, c, http.StatusCreated, s.baseURL(r)+link, "")
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	id := r.PathValue("id")
	action := r.PostFormValue("action")
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		details := map[string]string{"change": action}
		switch action {
		case "save":
			role := r.PostFormValue("role")
			if u.ID == c.user.ID && role != store.RoleAdmin {
				return errors.New("you cannot remove your own admin role (another admin must)")
			}
			u.Role, u.Part2Access = role, r.PostFormValue("part2") == "1"
			details["role"], details["part2_access"] = role, fmt.Sprint(u.Part2Access)
		case "disable", "enable":
			if u.ID == c.user.ID {
				return errors.New("you cannot disable your own account")
			}
			u.Disabled = action == "disable"
		case "unlock":
			if err := auth.Unlock(ctx, tx, &u); err != nil {
				return err
			}
		case "reset_totp":
			if err := auth.ResetSecondFactor(ctx, tx, &u); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown change %q", action)
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		if action != "unlock" {
			if err := tx.DeleteUserLoginSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "user.update", EntityType: "user", EntityID: u.ID, Details: details})
	})
	if err != nil {
		s.renderUsers(w, r, c, http.StatusBadRequest, "", capitalize(err.Error())+"; nothing was changed.")
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
		s.fail(w, r, http.StatusInternalServerError, "providers could not be listed")
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
		Part2Allowed: f("part2_allowed") == "1", JSONSchema: f("no_json_schema") != "1", AzureAPIVersion: f("azure_api_version")}
	if v := f("context_tokens"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // refused below with the allowed range
		}
		p.ContextTokens = n
	}
	if err := p.Validate(); err != nil {
		s.renderProviders(w, r, c, http.StatusBadRequest, "", false, formError(err)+" Nothing was saved.")
		return
	}
	ctx := r.Context()
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutProvider(ctx, p); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "provider.put", EntityType: "provider", EntityID: p.Name, Details: map[string]string{
			"use": p.Use, "self_hosted": fmt.Sprint(p.SelfHosted), "baa_signed": p.BAASigned, "baa_expires": p.BAAExpires,
			"zero_retention": fmt.Sprint(p.ZeroRetention), "part2_allowed": fmt.Sprint(p.Part2Allowed)}})
	})
	if err != nil {
		s.renderProviders(w, r, c, http.StatusInternalServerError, "", false, "The provider could not be saved; try again.")
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
		s.fail(w, r, http.StatusInternalServerError, "providers could not be listed")
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
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	terr := s.cfg.TestProvider(tctx, *p)
	outcome := "success"
	if terr != nil {
		outcome = "failure"
	}
	_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "provider.test", EntityType: "provider", EntityID: name, Outcome: outcome})
	if terr != nil {
		s.renderProviders(w, r, c, http.StatusOK, fmt.Sprintf("%s did not answer: %v", name, terr), false, "")
		return
	}
	s.renderProviders(w, r, c, http.StatusOK, name+" answered.", true, "")
}

// testProviderHTTP lists the provider's models: it proves the URL, the key
// and the network path without sending any PHI.
func testProviderHTTP(ctx context.Context, p store.Provider) error {
	u := strings.TrimRight(p.BaseURL, "/") + "/models"
	if p.Kind == "azure" {
		v := p.AzureAPIVersion
		if v == "" {
			v = "2024-10-21"
		}
		u = strings.TrimRight(p.BaseURL, "/") + "/openai/models?api-version=" + url.QueryEscape(v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if p.APIKeyEnv != "" {
		key := config.Secret(p.APIKeyEnv)
		if key == "" {
			return fmt.Errorf("the environment variable %s (the API key) is not set on this server", p.APIKeyEnv)
		}
		if p.Kind == "azure" {
			req.Header.Set("api-key", key)
		} else {
			req.Header.Set("Authorization", "Bearer "+key)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no connection: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, "/models")
	}
	return nil
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
		s.fail(w, r, http.StatusInternalServerError, "the retention policy could not be read")
		return
	}
	d.TOTPRoles, _ = s.cfg.Store.Setting(ctx, settingTOTPRoles, store.RoleAdmin)
	s.render(w, r, http.StatusOK, "admin_policy", c, page{Title: "Retention and sign-in policy", Nav: "admin", Data: d})
}

func (s *Server) adminPolicySave(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	days := func(field string, max int) (int, bool) {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			return 0, true
		}
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 0 || n > max {
			return 0, false
		}
		return n, true
	}
	p := store.RetentionPolicy{PurgeAudioAfterTranscription: r.PostFormValue("retention_audio") != "days", UpdatedBy: c.user.Email}
	var ok bool
	if p.AudioDays, ok = days("audio_days", 3650); !ok || (!p.PurgeAudioAfterTranscription && p.AudioDays < 1) {
		s.fail(w, r, http.StatusBadRequest, "audio retention must be 'after transcription' or a number of days between 1 and 3650; nothing was saved")
		return
	}
	if p.TranscriptDays, ok = days("transcript_days", 36500); !ok {
		s.fail(w, r, http.StatusBadRequest, "transcript retention must be a number of days (0 keeps them); nothing was saved")
		return
	}
	roles := []string{store.RoleAdmin}
	for _, rl := range r.PostForm["totp_roles"] {
		if rl == store.RoleClinician || rl == store.RoleSupervisor {
			roles = append(roles, rl)
		}
	}
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetRetentionPolicy(ctx, &p); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingTOTPRoles, strings.Join(roles, ",")); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "policy.update", EntityType: "settings", EntityID: "policy",
			Details: map[string]string{"purge_audio_after_transcription": fmt.Sprint(p.PurgeAudioAfterTranscription), "audio_days": fmt.Sprint(p.AudioDays),
				"transcript_days": fmt.Sprint(p.TranscriptDays), "totp_roles": strings.Join(roles, ",")}})
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the policy could not be saved; nothing was changed")
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
		s.fail(w, r, http.StatusInternalServerError, "templates could not be listed")
		return
	}
	s.render(w, r, status, "admin_templates", c, page{Title: "Note templates", Nav: "admin", Error: errMsg,
		Data: templatesData{BuiltIn: prompts.Formats(), Custom: cs, Content: content}})
}

func (s *Server) adminTemplateAdd(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	content := r.PostFormValue("content")
	f, err := prompts.ParseTemplate([]byte(content))
	if err != nil {
		s.renderTemplates(w, r, c, http.StatusBadRequest, content, "The template was not added: "+err.Error())
		return
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutTemplate(ctx, store.CustomTemplate{ID: f.ID, Version: fmt.Sprint(f.Version), Content: content}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "template.add", EntityType: "template", EntityID: f.VersionString()})
	})
	if err != nil {
		s.renderTemplates(w, r, c, http.StatusConflict, content, capitalize(err.Error())+".")
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
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderAudit(w, r, c)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	q := r.URL.Query()
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), Witness: s.cfg.Audit.WitnessPath()}
	const show = 500
	err := s.cfg.Store.AuditEntries(ctx, 0, func(e audit.Entry) error {
		d.Total++
		if d.Actor != "" && !strings.Contains(e.Actor, d.Actor) || d.Action != "" && !strings.HasPrefix(e.Action, d.Action) || d.Entity != "" && e.EntityID != d.Entity {
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
		slog.Error("web: read audit", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the audit log could not be read")
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
	_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "audit.verify", EntityType: "audit", EntityID: "chain", Outcome: map[bool]string{true: "success", false: "failure"}[err == nil]})
	s.renderAudit(w, r, c)
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request, c *call) {
	if s.cfg.JobsUI == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the job dashboard is not configured on this server")
		return
	}
	s.cfg.JobsUI.ServeHTTP(w, r)
}
