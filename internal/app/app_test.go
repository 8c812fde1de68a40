package app_test

import (
	"bytes"
	"context"
	"path/filepath"

	"errors"
	"github.com/scribe-health/scribe/internal/blob"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// env is one backend's store, the service over it and the people who act.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	blobs blob.Store
	svc   *app.Service
	now   time.Time

	operator, admin, clinician, other, supervisor, part2 store.User
}

// forEachBackend runs fn on a fresh SQLite and a fresh PostgreSQL store:
// one suite for the service layer, whatever the database.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"), bytes.Repeat([]byte{7}, 32))
			if err != nil {
				t.Fatal(err)
			}
			e := &env{t: t, ctx: ctx, st: st, blobs: blobs, now: now, svc: &app.Service{Store: st, Blobs: blobs, Now: func() time.Time { return now }}}
			e.operator = app.Operator("cli:test")
			e.admin = e.user("admin@example.org", vocab.RoleAdmin, false)
			e.clinician = e.user("therapist@example.org", vocab.RoleClinician, false)
			e.other = e.user("other@example.org", vocab.RoleClinician, false)
			e.supervisor = e.user("supervisor@example.org", vocab.RoleSupervisor, false)
			e.part2 = e.user("program@example.org", vocab.RoleClinician, true)
			fn(t, e)
		})
	}
}

func (e *env) user(email string, role vocab.Role, part2 bool) store.User {
	e.t.Helper()
	nu, err := e.svc.AddUser(e.ctx, e.operator, app.UserInput{Email: email, Role: string(role), Part2Access: part2})
	if err != nil {
		e.t.Fatalf("add %s: %v", role, err)
	}
	if nu.InviteToken == "" {
		e.t.Fatal("an added user has no invitation")
	}
	return nu.User
}

// lastAudit is the newest audit entry with action.
func (e *env) lastAudit(action string) audit.Entry {
	e.t.Helper()
	var last audit.Entry
	if err := e.st.AuditEntries(e.ctx, 0, func(en audit.Entry) error {
		if en.Action == action {
			last = en
		}
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	if last.Action == "" {
		e.t.Fatalf("no %s in the audit log", action)
	}
	return last
}

// schedule books a session of the therapist's for an hour from now.
func (e *env) schedule(alias string) store.Session {
	e.t.Helper()
	res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: alias, Start: e.now.Add(time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Session
}

func wantValidation(t *testing.T, what string, err error, field validate.Field) *app.ValidationError {
	t.Helper()
	var ve *app.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: %v, want a ValidationError", what, err)
	}
	if ve.Field != field {
		t.Errorf("%s: field %q, want %q", what, ve.Field, field)
	}
	return ve
}

func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want %v", what, err, kind)
	}
}

func TestScheduleSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("success", func(t *testing.T) {
			res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: "client-1", Template: "DAP", Start: e.now.Add(time.Hour), Group: true, Clients: 2})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Session
			if s.Clinician != e.clinician.Email || s.Template != "dap" || s.Program != store.ProgramMH || s.Status != store.StatusScheduled || s.ClientID == "" {
				t.Errorf("scheduled %+v", s)
			}
			if len(res.Links) != 3 || res.Links[0].Role != "clinician" || res.Links[2].Label != "participant 2" || res.Links[1].Token == "" {
				t.Errorf("links %+v", res.Links)
			}
			if want := e.now.Add(time.Hour + pipeline.DefaultSessionLength + store.ScheduleGrace); !res.ExpiresAt.Equal(want) {
				t.Errorf("links expire %v, want %v", res.ExpiresAt, want)
			}
			if got, err := e.st.Session(e.ctx, s.ID); err != nil || got.ClientID != s.ClientID {
				t.Errorf("stored: %+v %v", got, err)
			}
			if a := e.lastAudit("session.create"); a.Actor != e.clinician.ID || a.EntityID != s.ID {
				t.Errorf("audited as %q for %q, want the clinician's user ID", a.Actor, a.EntityID)
			}
		})
		t.Run("supervisor books for a clinician", func(t *testing.T) {
			res, err := e.svc.ScheduleSession(e.ctx, e.supervisor, app.ScheduleInput{Clinician: "Therapist@example.org", ClientAlias: "client-2", Start: e.now})
			if err != nil || res.Session.Clinician != e.clinician.Email {
				t.Fatalf("%+v %v", res.Session, err)
			}
		})
		t.Run("validation", func(t *testing.T) {
			cases := []struct {
				in    app.ScheduleInput
				field validate.Field
			}{
				{app.ScheduleInput{ClientAlias: "c", Template: "haiku"}, pipeline.FieldTemplate},
				{app.ScheduleInput{ClientAlias: "c", Program: "psych"}, pipeline.FieldProgram},
				{app.ScheduleInput{}, pipeline.FieldClientAlias},
				{app.ScheduleInput{ClientAlias: "c", Start: e.now.Add(-time.Hour)}, pipeline.FieldAppointmentTime},
				{app.ScheduleInput{ClientAlias: "c", Length: time.Minute}, pipeline.FieldAppointmentLength},
				{app.ScheduleInput{ClientAlias: "c", Group: true, Clients: 30}, app.FieldClientLinks},
			}
			for _, c := range cases {
				_, err := e.svc.ScheduleSession(e.ctx, e.clinician, c.in)
				ve := wantValidation(t, string(c.field), err, c.field)
				if c.field == pipeline.FieldTemplate && !slices.Contains(ve.Allowed, "soap") {
					t.Errorf("the refused template does not list the templates: %+v", ve)
				}
			}
			_, err := e.svc.ScheduleSession(e.ctx, e.admin, app.ScheduleInput{ClientAlias: "c"})
			wantValidation(t, "an admin as the clinician", err, pipeline.FieldClinician)
		})
		t.Run("forbidden", func(t *testing.T) {
			_, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{Clinician: e.other.Email, ClientAlias: "c"})
			wantKind(t, "a clinician booking for another", err, app.ErrForbidden)
			_, err = e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: "c", Program: "sud"})
			wantKind(t, "a Part 2 session without Part 2 access", err, app.ErrForbidden)
			if _, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "c-sud", Program: "SUD"}); err != nil {
				t.Errorf("a Part 2 clinician's Part 2 session: %v", err)
			}
		})
		t.Run("conflict", func(t *testing.T) {
			// A client outside the Part 2 program cannot have a Part 2
			// session under the same alias.
			if _, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "c-mh"}); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "c-mh", Program: "sud"})
			wantKind(t, "a Part 2 session for a client outside the program", err, app.ErrConflict)
		})
	})
}

func TestCancelSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		_, err := e.svc.CancelSession(e.ctx, e.clinician, sess.ID, "bored")
		ve := wantValidation(t, "a made-up reason", err, pipeline.FieldCancelReason)
		if !slices.Equal(ve.Allowed, pipeline.CancelReasonCodes()) {
			t.Errorf("allowed %v", ve.Allowed)
		}
		_, err = e.svc.CancelSession(e.ctx, e.supervisor, sess.ID, "rescheduled")
		wantKind(t, "a supervisor", err, app.ErrForbidden)
		_, err = e.svc.CancelSession(e.ctx, e.other, sess.ID, "rescheduled")
		wantKind(t, "another clinician", err, app.ErrForbidden)
		if a := e.lastAudit("session.access_denied"); a.Actor != e.other.ID || a.EntityID != sess.ID {
			t.Errorf("the refusal was audited as %q on %q", a.Actor, a.EntityID)
		}
		_, err = e.svc.CancelSession(e.ctx, e.clinician, "no-such-session", "rescheduled")
		wantKind(t, "no such session", err, app.ErrNotFound)
		if got, _ := e.st.Session(e.ctx, sess.ID); !got.Open() {
			t.Fatal("a refused cancellation changed the session")
		}
		res, err := e.svc.CancelSession(e.ctx, e.clinician, sess.ID, "client_cancelled")
		if err != nil || res.Recorded || res.Reason.Code != "client_cancelled" {
			t.Fatalf("cancel: %+v %v", res, err)
		}
		if got, _ := e.st.Session(e.ctx, sess.ID); got.Status != store.StatusCancelled {
			t.Errorf("status %q", got.Status)
		}
		if a := e.lastAudit("session.cancel"); a.Actor != e.clinician.ID {
			t.Errorf("audited as %q", a.Actor)
		}
		_, err = e.svc.CancelSession(e.ctx, e.admin, sess.ID, "rescheduled")
		wantKind(t, "an ended session", err, app.ErrConflict)
	})
}

func TestRetrySession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		_, err := e.svc.RetrySession(e.ctx, e.clinician, sess.ID)
		wantKind(t, "a scheduled session", err, app.ErrConflict)
		_, err = e.svc.RetrySession(e.ctx, e.clinician, "no-such-session")
		wantKind(t, "no such session", err, app.ErrNotFound)
		_, err = e.svc.RetrySession(e.ctx, e.other, sess.ID)
		wantKind(t, "another clinician's session", err, app.ErrForbidden)
		if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
			if err := tx.EndCapture(e.ctx, sess.ID, 0); err != nil {
				return err
			}
			return tx.FailSession(e.ctx, sess.ID, string(vocab.StageRedact), "the redaction failed")
		}); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.RetrySession(e.ctx, e.clinician, sess.ID)
		if err != nil || res.AlreadyUnderway {
			t.Fatalf("retry: %+v %v", res, err)
		}
		if a := e.lastAudit("session.retry"); a.Actor != e.clinician.ID {
			t.Errorf("audited as %q", a.Actor)
		}
		if res, err := e.svc.RetrySession(e.ctx, e.clinician, sess.ID); err != nil || !res.AlreadyUnderway {
			t.Errorf("a second press: %+v %v", res, err)
		}
	})
}

func TestPutProvider(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		p := store.Provider{Name: "notes", Kind: store.KindOpenAI, BaseURL: "http://gpu-box:8001/v1", Model: "llama", Use: store.UseDrafting, SelfHosted: true}
		added, err := e.svc.PutProvider(e.ctx, e.admin, p)
		if err != nil || !added {
			t.Fatalf("add: %v %v", added, err)
		}
		if a := e.lastAudit("provider.add"); a.Actor != e.admin.ID || a.Details["model"] != "llama" {
			t.Errorf("audit %+v", a)
		}
		p.Model = "llama-2"
		if added, err := e.svc.PutProvider(e.ctx, e.operator, p); err != nil || added {
			t.Fatalf("replace: %v %v", added, err)
		}
		if a := e.lastAudit("provider.put"); a.Actor != e.operator.ID || a.Details["model"] != "llama-2" {
			t.Errorf("audit %+v", a)
		}
		bad := p
		bad.Kind = "bogus"
		ve := wantValidation(t, "a bad kind", func() error { _, err := e.svc.PutProvider(e.ctx, e.admin, bad); return err }(), store.FieldProviderKind)
		if !slices.Equal(ve.Allowed, []string{"openai", "azure"}) {
			t.Errorf("allowed %v", ve.Allowed)
		}
		_, err = e.svc.PutProvider(e.ctx, e.clinician, p)
		wantKind(t, "a clinician", err, app.ErrForbidden)
		ps, _ := e.st.Providers(e.ctx, "")
		if len(ps) != 1 || ps[0].Model != "llama-2" || ps[0].Kind != "openai" {
			t.Errorf("stored %+v", ps)
		}
	})
}

const template = "---\n" + `{"id": "pie", "version": 1, "title": "PIE progress note", "sections": [
 {"key": "problem", "title": "Problem", "required": true, "role": "focus", "description": "The problem addressed."},
 {"key": "intervention", "title": "Intervention", "required": true, "description": "What the clinician did."},
 {"key": "evaluation", "title": "Evaluation", "required": true, "role": "plan", "description": "Response and next steps."}]}` + "\n---\nPIE: Problem, Intervention, Evaluation.\n"

func TestAddTemplate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		if _, err := e.svc.AddTemplate(e.ctx, e.admin, []byte("no front matter")); err == nil {
			t.Fatal("a template without sections was added")
		} else {
			wantValidation(t, "no sections", err, app.FieldTemplateSource)
		}
		f, err := e.svc.AddTemplate(e.ctx, e.admin, []byte(template))
		if err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit("template.add"); a.Actor != e.admin.ID || a.EntityID != f.VersionString() {
			t.Errorf("audit %+v", a)
		}
		_, err = e.svc.AddTemplate(e.ctx, e.admin, []byte(template))
		wantKind(t, "the same version again", err, app.ErrConflict)
		_, err = e.svc.AddTemplate(e.ctx, e.supervisor, []byte(template))
		wantKind(t, "a supervisor", err, app.ErrForbidden)
		// The added template is a choice for the next session.
		if _, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: "c", Template: "pie"}); err != nil {
			t.Errorf("schedule with the added template: %v", err)
		}
	})
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("add", func(t *testing.T) {
			if a := e.lastAudit("user.add"); a.Actor != e.operator.ID {
				t.Errorf("audited as %q", a.Actor)
			}
			_, err := e.svc.AddUser(e.ctx, e.admin, app.UserInput{Email: "not an address", Role: "clinician"})
			wantValidation(t, "a bad e-mail", err, app.FieldEmail)
			// A role left out makes a clinician.
			nu, err := e.svc.AddUser(e.ctx, e.admin, app.UserInput{Email: "plain@example.org"})
			if err != nil || nu.User.Role != store.RoleClinician {
				t.Fatalf("no role: %+v, %v; want a clinician", nu.User, err)
			}
			if a := e.lastAudit("user.add"); a.EntityID != nu.User.ID || a.Details["role"] != "clinician" {
				t.Errorf("audit %+v", a)
			}
			_, err = e.svc.AddUser(e.ctx, e.admin, app.UserInput{Email: "new@example.org", Role: "owner"})
			if ve := wantValidation(t, "a made-up role", err, vocab.FieldRole); len(ve.Allowed) != 3 {
				t.Errorf("allowed %v", ve.Allowed)
			}
			_, err = e.svc.AddUser(e.ctx, e.admin, app.UserInput{Email: e.clinician.Email, Role: "clinician"})
			wantKind(t, "a taken e-mail", err, app.ErrConflict)
			_, err = e.svc.AddUser(e.ctx, e.clinician, app.UserInput{Email: "new@example.org", Role: "admin"})
			wantKind(t, "a clinician", err, app.ErrForbidden)
			if _, err := e.st.UserByEmail(e.ctx, "new@example.org"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused user was stored: %v", err)
			}
		})
		t.Run("role", func(t *testing.T) {
			u, err := e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeRole, Role: " Supervisor", Part2Access: true})
			if err != nil || u.Role != store.RoleSupervisor || !u.Part2Access {
				t.Fatalf("%+v %v", u, err)
			}
			if a := e.lastAudit("user.update"); a.Actor != e.admin.ID || a.EntityID != e.other.ID || a.Details["role"] != "supervisor" {
				t.Errorf("audit %+v", a)
			}
			_, err = e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeRole, Role: "owner"})
			wantValidation(t, "a made-up role", err, vocab.FieldRole)
			_, err = e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.admin.ID, Change: app.ChangeRole, Role: "clinician"})
			wantKind(t, "an admin's own role", err, app.ErrForbidden)
			_, err = e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: "no-such-user", Change: app.ChangeRole, Role: "clinician"})
			wantKind(t, "no such user", err, app.ErrNotFound)
			_, err = e.svc.UpdateUser(e.ctx, e.supervisor, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeDisable})
			wantKind(t, "a supervisor", err, app.ErrForbidden)
			_, err = e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.other.ID, Change: "promote"})
			wantValidation(t, "a made-up change", err, app.FieldUserChange)
		})
		t.Run("disable", func(t *testing.T) {
			_, err := e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.admin.ID, Change: app.ChangeDisable})
			wantKind(t, "an admin's own account", err, app.ErrForbidden)
			u, err := e.svc.UpdateUser(e.ctx, e.admin, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeDisable})
			if err != nil || !u.Disabled {
				t.Fatalf("%+v %v", u, err)
			}
			if u, err := e.svc.UpdateUser(e.ctx, e.operator, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeEnable}); err != nil || u.Disabled {
				t.Fatalf("%+v %v", u, err)
			}
		})
	})
}

func TestSessionAccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		for _, by := range []store.User{e.clinician, e.admin, e.operator} {
			if _, err := e.svc.Session(e.ctx, by, sess.ID); err != nil {
				t.Errorf("%s: %v", by.Role, err)
			}
		}
		_, err := e.svc.Session(e.ctx, e.other, sess.ID)
		wantKind(t, "another clinician", err, app.ErrForbidden)
		if !strings.Contains(err.Error(), "care team") {
			t.Errorf("the refusal does not say why: %v", err)
		}
		_, err = e.svc.Session(e.ctx, e.clinician, "no-such-session")
		wantKind(t, "no such session", err, app.ErrNotFound)
	})
}
