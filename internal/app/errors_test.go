package app_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// goIdentifier finds a word written as Go writes names: a lower-case start
// with an upper-case letter inside (clientAlias) or two humps (ClientAlias,
// FieldTemplate). Product names that look like one are allowed.
var goIdentifier = regexp.MustCompile(`\b([a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*)\b`)

// flagLike is a field written as a flag or form name is: words joined by
// dashes with no space (client-alias); "two-step sign-in" in a phrase is
// English.
var flagLike = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)

var productNames = map[string]bool{"OpenAI": true, "PostgreSQL": true}

// TestErrorsSpeakTheDomain invokes every operation of the service layer
// with each kind of input it refuses and fails if a message names a
// command-line flag (--…), a form field's or Go's name for an input
// (client_alias, ClientAlias), or a validation error's field is not
// written in words.
func TestErrorsSpeakTheDomain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		noted := e.schedule("client-2")
		e.withDraft(noted)
		draft := func(f func(id string) error) func() error { return func() error { return f(noted.ID) } }
		good := store.Provider{Name: "notes", Kind: store.KindOpenAI, BaseURL: "http://gpu-box:8001/v1", Model: "llama", Use: store.UseDrafting, SelfHosted: true}
		provider := func(change func(p *store.Provider)) func() error {
			return func() error {
				p := good
				change(&p)
				_, err := e.svc.PutProvider(e.ctx, e.admin, p)
				return err
			}
		}
		schedule := func(by store.User, in app.ScheduleInput) func() error {
			return func() error { _, err := e.svc.ScheduleSession(e.ctx, by, in); return err }
		}
		update := func(by store.User, u app.UserUpdate) func() error {
			return func() error { _, err := e.svc.UpdateUser(e.ctx, by, u); return err }
		}
		addUser := func(by store.User, in app.UserInput) func() error {
			return func() error { _, err := e.svc.AddUser(e.ctx, by, in); return err }
		}
		calls := map[string]func() error{
			"schedule: unknown template":      schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Template: "haiku"}),
			"schedule: unknown modality":      schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Modality: "astrology"}),
			"schedule: unknown program":       schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Program: "psych"}),
			"schedule: no alias":              schedule(e.clinician, app.ScheduleInput{}),
			"schedule: alias on two lines":    schedule(e.clinician, app.ScheduleInput{ClientAlias: "a\nb"}),
			"schedule: no clinician":          schedule(e.operator, app.ScheduleInput{ClientAlias: "c"}),
			"schedule: clinician not e-mail":  schedule(e.admin, app.ScheduleInput{ClientAlias: "c", Clinician: "dr who"}),
			"schedule: unknown clinician":     schedule(e.admin, app.ScheduleInput{ClientAlias: "c", Clinician: "nobody@example.org"}),
			"schedule: admin as clinician":    schedule(e.admin, app.ScheduleInput{ClientAlias: "c", Clinician: e.admin.Email}),
			"schedule: in the past":           schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Start: e.now.Add(-time.Hour)}),
			"schedule: too far ahead":         schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Start: e.now.AddDate(2, 0, 0)}),
			"schedule: too short":             schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Length: time.Minute}),
			"schedule: too many links":        schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Group: true, Clients: 40}),
			"schedule: for another clinician": schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Clinician: e.other.Email}),
			"schedule: Part 2 without access": schedule(e.clinician, app.ScheduleInput{ClientAlias: "c", Program: "sud"}),
			"cancel: unknown reason":          func() error { _, err := e.svc.CancelSession(e.ctx, e.clinician, sess.ID, "bored"); return err },
			"cancel: no session":              func() error { _, err := e.svc.CancelSession(e.ctx, e.clinician, "nope", "rescheduled"); return err },
			"cancel: supervisor":              func() error { _, err := e.svc.CancelSession(e.ctx, e.supervisor, sess.ID, "rescheduled"); return err },
			"cancel: another's session":       func() error { _, err := e.svc.CancelSession(e.ctx, e.other, sess.ID, "rescheduled"); return err },
			"retry: not failed":               func() error { _, err := e.svc.RetrySession(e.ctx, e.clinician, sess.ID); return err },
			"provider: name":                  provider(func(p *store.Provider) { p.Name = "x y" }),
			"provider: kind":                  provider(func(p *store.Provider) { p.Kind = "bogus" }),
			"provider: use":                   provider(func(p *store.Provider) { p.Use = "poetry" }),
			"provider: base URL":              provider(func(p *store.Provider) { p.BaseURL = "ftp://x" }),
			"provider: model":                 provider(func(p *store.Provider) { p.Model = "" }),
			"provider: key variable":          provider(func(p *store.Provider) { p.APIKeyEnv = "sk-live-123" }),
			"provider: one BAA date":          provider(func(p *store.Provider) { p.BAASigned = "2026-01-01" }),
			"provider: BAA date format":       provider(func(p *store.Provider) { p.BAASigned, p.BAAExpires = "1/1/26", "2027-01-01" }),
			"provider: BAA order":             provider(func(p *store.Provider) { p.BAASigned, p.BAAExpires = "2026-01-01", "2025-01-01" }),
			"provider: context budget":        provider(func(p *store.Provider) { p.ContextTokens = -5 }),
			"provider: Azure version":         provider(func(p *store.Provider) { p.AzureAPIVersion = "latest" }),
			"provider: not an admin": func() error {
				_, err := e.svc.PutProvider(e.ctx, e.clinician, good)
				return err
			},
			"template: unreadable": func() error {
				_, err := e.svc.AddTemplate(e.ctx, e.admin, []byte("---\n{\"id\": \"x\"}\n---\nno sections"))
				return err
			},
			"eval: not an admin":          evalRun(e, e.clinician, app.EvalInput{}),
			"eval: unknown provider":      evalRun(e, e.admin, app.EvalInput{Providers: []string{"nope"}}),
			"eval: runs":                  evalRun(e, e.admin, app.EvalInput{Runs: app.MaxEvalRuns + 1}),
			"eval: unknown gold session":  evalRun(e, e.admin, app.EvalInput{Sessions: []string{"nope"}}),
			"eval: unknown template":      evalRun(e, e.admin, app.EvalInput{Template: "haiku"}),
			"eval: price of another":      evalRun(e, e.admin, app.EvalInput{Providers: []string{"notes"}, Prices: map[string]eval.Price{"other": {}}}),
			"template: not an admin":      func() error { _, err := e.svc.AddTemplate(e.ctx, e.clinician, []byte(template)); return err },
			"user: bad e-mail":            addUser(e.admin, app.UserInput{Email: "x", Role: "clinician"}),
			"user: no role":               addUser(e.admin, app.UserInput{Email: "x@example.org"}),
			"user: unknown role":          addUser(e.admin, app.UserInput{Email: "x@example.org", Role: "owner"}),
			"user: taken e-mail":          addUser(e.admin, app.UserInput{Email: e.other.Email, Role: "clinician"}),
			"user: not an admin":          addUser(e.clinician, app.UserInput{Email: "x@example.org", Role: "clinician"}),
			"user update: unknown role":   update(e.admin, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeRole, Role: "owner"}),
			"user update: unknown change": update(e.admin, app.UserUpdate{UserID: e.other.ID, Change: "promote"}),
			"user update: own role":       update(e.admin, app.UserUpdate{UserID: e.admin.ID, Change: app.ChangeRole, Role: "clinician"}),
			"user update: own account":    update(e.admin, app.UserUpdate{UserID: e.admin.ID, Change: app.ChangeDisable}),
			"user update: no user":        update(e.admin, app.UserUpdate{UserID: "nobody", Change: app.ChangeDisable}),
			"user update: not an admin":   update(e.clinician, app.UserUpdate{UserID: e.other.ID, Change: app.ChangeDisable}),
			"session: no session":         func() error { _, err := e.svc.Session(e.ctx, e.clinician, "nope"); return err },
			"session: another's session":  func() error { _, err := e.svc.Session(e.ctx, e.other, sess.ID); return err },
			"draft: empty edit": draft(func(id string) error {
				_, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "plan"})
				return err
			}),
			"draft: no section": draft(func(id string) error {
				_, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: id, Section: "horoscope", Text: "x"})
				return err
			}),
			"draft: edit of another's": draft(func(id string) error {
				_, err := e.svc.EditSection(e.ctx, e.other, app.DraftEdit{SessionID: id, Section: "plan", Text: "x"})
				return err
			}),
			"draft: no flag": draft(func(id string) error { _, err := e.svc.ResolveFlag(e.ctx, e.clinician, id, "made_up", "x"); return err }),
			"draft: flag reason": draft(func(id string) error {
				_, err := e.svc.ResolveFlag(e.ctx, e.clinician, id, "risk_not_assessed", "")
				return err
			}),
			"draft: no attest": draft(func(id string) error {
				_, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: id})
				return err
			}),
			"draft: open flags": draft(func(id string) error {
				_, err := e.svc.Sign(e.ctx, e.clinician, app.Signature{SessionID: id, Attest: true})
				return err
			}),
			"draft: admin signs": draft(func(id string) error {
				_, err := e.svc.Sign(e.ctx, e.admin, app.Signature{SessionID: id, Attest: true})
				return err
			}),
			"draft: reject reason":       draft(func(id string) error { _, err := e.svc.Reject(e.ctx, e.clinician, id, ""); return err }),
			"draft: empty addendum":      draft(func(id string) error { _, err := e.svc.AddAddendum(e.ctx, e.clinician, id, ""); return err }),
			"draft: addendum unsigned":   draft(func(id string) error { _, err := e.svc.AddAddendum(e.ctx, e.clinician, id, "x"); return err }),
			"draft: regenerate template": draft(func(id string) error { _, err := e.svc.Regenerate(e.ctx, e.clinician, id, "haiku"); return err }),
			"draft: no draft": func() error {
				_, err := e.svc.Reject(e.ctx, e.clinician, sess.ID, "x")
				return err
			},
			"export: format": draft(func(id string) error {
				_, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: id, Format: "pdf"})
				return err
			}),
			"export: version": draft(func(id string) error {
				_, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: id, Format: "text", Version: -1})
				return err
			}),
			"export: identifiers by an admin": draft(func(id string) error {
				_, err := e.svc.Export(e.ctx, e.admin, app.ExportInput{SessionID: id, Format: "text", Reidentify: true})
				return err
			}),
			"export: no draft": func() error {
				_, err := e.svc.Export(e.ctx, e.clinician, app.ExportInput{SessionID: sess.ID, Format: "text"})
				return err
			},
			"consent: scope": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{SessionID: sess.ID, Scope: "everything", Method: "written"})
				return err
			},
			"consent: method": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{SessionID: sess.ID, Scope: "ai_scribe", Method: "telepathy"})
				return err
			},
			"consent: incomplete Part 2": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{SessionID: sess.ID, Scope: "part2_tpo", Method: "written", Granted: true})
				return err
			},
			"consent: nothing to point at": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{Scope: "ai_scribe", Method: "written"})
				return err
			},
			"consent: text version": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{SessionID: sess.ID, Scope: "ai_scribe", Method: "written", Granted: true, Signature: "x", TextVersion: "0"})
				return err
			},
			"consent: unknown client": func() error {
				_, err := e.svc.AddConsent(e.ctx, e.clinician, app.ConsentInput{Client: "nobody", Scope: "ai_scribe", Method: "written"})
				return err
			},
			"revoke: no consent": func() error {
				_, err := e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: "nope", Method: "written"})
				return err
			},
			"revoke: method": func() error {
				_, err := e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: "nope", Method: "pigeon"})
				return err
			},
			"revoke: nothing chosen": func() error {
				_, err := e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{Method: "written"})
				return err
			},
			"ingest: template": func() error {
				_, err := e.svc.Ingest(e.ctx, e.clinician, &pipeline.Ingester{Store: e.st, Blobs: e.blobs}, app.IngestInput{Recording: strings.NewReader(""), ClientAlias: "c", Template: "haiku"})
				return err
			},
			"ingest: another's": func() error {
				_, err := e.svc.Ingest(e.ctx, e.clinician, &pipeline.Ingester{Store: e.st, Blobs: e.blobs}, app.IngestInput{Recording: strings.NewReader(""), ClientAlias: "c", Clinician: e.other.Email})
				return err
			},
			"ingest: Part 2": func() error {
				_, err := e.svc.Ingest(e.ctx, e.clinician, &pipeline.Ingester{Store: e.st, Blobs: e.blobs}, app.IngestInput{Recording: strings.NewReader(""), ClientAlias: "c", Program: "sud"})
				return err
			},
			"ingest: speakers": func() error {
				_, err := e.svc.Ingest(e.ctx, e.clinician, &pipeline.Ingester{Store: e.st, Blobs: e.blobs}, app.IngestInput{Recording: strings.NewReader(""), ClientAlias: "c", Speakers: "both"})
				return err
			},
			"policy: audio for ever": func() error {
				_, err := e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{})
				return err
			},
			"policy: transcript days": func() error {
				_, err := e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{PurgeAudioAfterTranscription: true, TranscriptDays: -1})
				return err
			},
			"policy: second factor role": func() error {
				_, err := e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{PurgeAudioAfterTranscription: true, SecondFactorRoles: []string{"x"}})
				return err
			},
			"policy: not an admin": func() error {
				_, err := e.svc.SetPolicy(e.ctx, e.supervisor, app.PolicyInput{PurgeAudioAfterTranscription: true})
				return err
			},
			"hold: no reason":       func() error { return e.svc.SetLegalHold(e.ctx, e.clinician, sess.ID, true, "") },
			"hold: no session":      func() error { return e.svc.SetLegalHold(e.ctx, e.clinician, "nope", true, "m") },
			"vocab: role":           func() error { _, err := vocab.ParseRole("owner"); return err },
			"vocab: consent scope":  func() error { _, err := vocab.ParseConsentScope("everything"); return err },
			"vocab: session status": func() error { _, err := vocab.ParseSessionStatus("lost"); return err },
			"vocab: stage":          func() error { _, err := vocab.ParseStage("polish"); return err },
			"vocab: program":        func() error { _, err := vocab.ParseProgram("psych"); return err },
		}
		for what, call := range calls {
			err := call()
			if err == nil {
				t.Errorf("%s: accepted", what)
				continue
			}
			t.Logf("%s: %v", what, err)
			checkMessage(t, what, err)
		}
	})
}

func checkMessage(t *testing.T, what string, err error) {
	t.Helper()
	msg := err.Error()
	typed := errors.Is(err, app.ErrNotFound) || errors.Is(err, app.ErrForbidden) || errors.Is(err, app.ErrConflict)
	var ve *app.ValidationError
	if errors.As(err, &ve) {
		typed = true
		f := string(ve.Field)
		if f == "" || strings.ContainsAny(f, "_") || strings.HasPrefix(f, "-") || flagLike.MatchString(f) && f != "e-mail" || goIdentifier.MatchString(f) {
			t.Errorf("%s: the field %q is not named in words", what, f)
		}
	}
	if !typed {
		t.Errorf("%s: %v is neither a ValidationError nor ErrNotFound, ErrForbidden or ErrConflict", what, err)
	}
	if strings.Contains(msg, "--") {
		t.Errorf("%s: the message names a command-line flag: %s", what, msg)
	}
	for _, w := range goIdentifier.FindAllString(msg, -1) {
		if !productNames[w] {
			t.Errorf("%s: the message names %q, a Go identifier: %s", what, w, msg)
		}
	}
	for _, internal := range []string{"client_alias", "base_url", "api_key_env", "context_tokens", "part2_access"} {
		if strings.Contains(msg, internal) {
			t.Errorf("%s: the message names the form field %q: %s", what, internal, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("%s: the message is not one line: %q", what, msg)
	}
}

func evalRun(e *env, by store.User, in app.EvalInput) func() error {
	return func() error { _, err := e.svc.RunEval(e.ctx, by, in); return err }
}
