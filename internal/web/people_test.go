package web

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/vocab"
)

var (
	hiddenRe = regexp.MustCompile(`(?is)<(script|style|template)\b.*?</(script|style|template)>|<input[^>]*type="hidden"[^>]*>`)
	// Attributes a person reads (tooltips, names read aloud, hints).
	readAttrRe = regexp.MustCompile(`\s(?:title|aria-label|placeholder|alt)="([^"]*)"`)
	tagRe      = regexp.MustCompile(`(?s)<[^>]*>`)
)

// readableText is what a person reads on a page: its text and the
// attributes shown as tooltips or read aloud, one string per piece.
func readableText(body string) []string {
	body = hiddenRe.ReplaceAllString(body, " ")
	var out []string
	for _, m := range readAttrRe.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	for _, piece := range tagRe.Split(body, -1) {
		if t := strings.TrimSpace(html.UnescapeString(piece)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Internal names a person must never read: the app's vocabulary as the
// code spells it. A whole piece of text equal to one of the plain-word
// values ("transcribing", "ready") is the raw value printed as is; a
// snake_case name is never a word.
var (
	rawWholeValues = func() map[string]bool {
		m := map[string]bool{}
		for _, kind := range []string{kindStatus, kindStage, kindState, kindScope, kindRole, kindProgram, kindDraft, kindUse} {
			for v := range labels[kind] {
				m[v] = true
			}
		}
		return m
	}()
	snakeRe = regexp.MustCompile(`\b[a-z][a-z0-9]*_[a-z0-9_]+\b`)
)

func rawNames(body string) []string {
	var found []string
	for _, t := range readableText(body) {
		if rawWholeValues[t] {
			found = append(found, t)
		}
		for _, m := range snakeRe.FindAllString(t, -1) {
			found = append(found, m+" (in "+short(t)+")")
		}
	}
	return found
}

// Text that speaks to a developer or an operator, not to the person in
// front of the page: CLI commands and flags, Go error wrapping, Go
// identifiers, SQL errors and stack traces.
var internalTextRes = []*regexp.Regexp{
	regexp.MustCompile(`(^|\s)--[a-z][a-z-]+`),
	regexp.MustCompile(`(?i)\bscribe (provider|user|migrate|serve|ingest|draft|retry|doctor|demo) `),
	regexp.MustCompile(`(?i):\s*not found\b|\bnot found:`),
	regexp.MustCompile(`(?i)\bsql: |\bno rows in result set\b|\bpq: |\bSQLSTATE\b`),
	regexp.MustCompile(`goroutine \d+|\.go:\d+|panic:|runtime error`),
	regexp.MustCompile(`\b(store|pipeline|compliance|web|jobs|auth|blob)\.[A-Z][A-Za-z]+`),
	regexp.MustCompile(`\bErr[A-Z][A-Za-z]+\b|\*[a-z]+\.[A-Z][A-Za-z]+Error\b`),
}

func internalText(body string) []string {
	var found []string
	for _, t := range readableText(body) {
		for _, re := range internalTextRes {
			if m := re.FindString(t); m != "" {
				found = append(found, strings.TrimSpace(m)+" (in "+short(t)+")")
			}
		}
	}
	return found
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestPagesShowNoRawNames renders every page that shows a status, stage,
// scope, role or program — as a clinician and as an admin, with a session
// in every status, stage rows in every state and consents of every scope —
// and fails when an internal name is shown as text (or as a tooltip) in
// place of its label.
func TestPagesShowNoRawNames(t *testing.T) {
	e := newEnv(t, "", nil)
	clin := e.addUser("therapist@example.org", store.RoleClinician, true)
	e.addUser("supervisor@example.org", store.RoleSupervisor, false)
	admin := e.addUser("admin@example.org", store.RoleAdmin, true)
	adminSecret := e.enableTOTP(admin)
	for _, p := range []store.Provider{
		{Name: "asr", Use: store.UseTranscription, Model: "whisper-x"},
		{Name: "llm", Use: store.UseDrafting, Model: "notes-x", JSONSchema: true},
		{Name: "second", Use: store.UseRedaction, Model: "notes-x"},
	} {
		p.Kind, p.BaseURL, p.SelfHosted = "openai", "http://127.0.0.1:9/v1", true
		if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutProvider(e.ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}

	var paths []string
	for status := range labels[kindStatus] {
		program := store.ProgramMH
		if status == store.StatusRedacting {
			program = store.ProgramSUD
		}
		s := e.seedSession(clin.Email, program, status)
		paths = append(paths, "/sessions/"+s.ID, "/sessions?status="+status)
	}
	// A session part way through the pipeline: stage rows in every state,
	// one failed with the operator's words.
	mid := e.seedSession(clin.Email, store.ProgramSUD, store.StatusTranscribing)
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		for i, st := range []string{store.StateDone, store.StateRunning, store.StatePending, store.StateFailed} {
			if err := tx.SetStage(e.ctx, mid.ID, jobs.StageTranscribe, int64(i+1), st, 1, ""); err != nil {
				return err
			}
		}
		if err := tx.SetStage(e.ctx, mid.ID, jobs.StageRedact, 0, store.StatePending, 0, ""); err != nil {
			return err
		}
		return tx.SetStage(e.ctx, mid.ID, jobs.StagePurge, 0, store.StatePending, 0, "")
	}); err != nil {
		t.Fatal(err)
	}
	for _, scope := range compliance.Scopes {
		c := &store.ConsentRecord{Consent: store.Consent{SessionID: mid.ID, Scope: scope, Granted: true, Method: compliance.MethodVerbalAttested, CapturedBy: clin.Email},
			Signature: clin.Email, SignedAt: e.clock.Now().UnixMilli(), Discloser: "this program", Information: "the note", Recipients: "this program's clinicians", Purpose: "treatment", ExpiryEvent: "end of treatment", RevocationNotice: true}
		if err := compliance.Add(e.ctx, e.store, c, clin.ID); err != nil {
			t.Fatalf("consent %s: %v", scope, err)
		}
	}
	paths = append(paths, "/sessions/"+mid.ID)
	ready := e.seedSession(clin.Email, store.ProgramMH, store.StatusDrafting)
	e.seedDraft(ready.ID, 2)
	paths = append(paths, "/sessions/"+ready.ID, "/sessions/"+ready.ID+"/review", "/sessions/"+ready.ID+"/versions", "/sessions", "/account", "/sessions/new", "/ingest")

	c := e.client()
	c.login(clin.Email, "")
	a := e.client()
	a.login(admin.Email, adminSecret)
	adminPaths := append([]string{"/admin/users", "/admin/providers", "/admin/clients", "/admin/policy", "/admin/system", "/sessions/" + mid.ID, "/sessions"}, paths[:4]...)
	if cl, err := e.store.Clients(e.ctx, ""); err == nil && len(cl) > 0 {
		adminPaths = append(adminPaths, "/admin/clients/"+cl[0].ID)
	}
	for _, tc := range []struct {
		who   string
		b     *browserish
		paths []string
	}{{"clinician", c, paths}, {"admin", a, adminPaths}} {
		for _, p := range tc.paths {
			r := tc.b.get(p)
			if r.status != http.StatusOK {
				t.Errorf("%s %s: HTTP %d %s", tc.who, p, r.status, errorText(r.body))
				continue
			}
			if raw := rawNames(r.body); len(raw) > 0 {
				t.Errorf("%s %s shows internal names: %q", tc.who, p, raw)
			}
		}
	}
	// Every value of internal/vocab's vocabularies has its own label (a new
	// status without one would read as its code).
	var missing []string
	has := func(kind, v string) {
		if _, ok := labels[kind][v]; !ok {
			missing = append(missing, kind+" "+v)
		}
	}
	for _, v := range vocab.SessionStatuses() {
		has(kindStatus, string(v))
		if statusLabel(v).Next == "" {
			t.Errorf("status %s has no tooltip", v)
		}
	}
	for _, v := range append(vocab.Stages(), vocab.StagePurge) {
		has(kindStage, string(v))
	}
	for _, v := range vocab.ConsentScopes() {
		has(kindScope, string(v))
		if scopeLabel(v).Next == "" {
			t.Errorf("scope %s has no tooltip", v)
		}
	}
	for _, v := range vocab.Roles() {
		has(kindRole, string(v))
		if roleLabel(v).Next == "" {
			t.Errorf("role %s has no tooltip", v)
		}
	}
	for _, v := range vocab.Programs() {
		has(kindProgram, string(v))
		if programLabel(v).Next == "" {
			t.Errorf("program %s has no tooltip", v)
		}
	}
	if len(missing) > 0 {
		t.Errorf("vocabulary values without a label: %v", missing)
	}
	// The labels table itself: every value has words, and every tooltip
	// says what happens next in a sentence.
	for kind, vals := range labels {
		for v, l := range vals {
			if l.Text == "" || l.Text == v || snakeRe.MatchString(l.Text) {
				t.Errorf("%s %q has no human label (%q)", kind, v, l.Text)
			}
			if l.Next != "" && !strings.HasSuffix(l.Next, ".") {
				t.Errorf("%s %q: tooltip %q is not a sentence", kind, v, l.Next)
			}
		}
	}
}

// TestErrorsSpeakToThePerson drives the web app's main error paths — no
// model provider, a bad upload, a bad schedule form, a page that does not
// exist, a page the user may not see — and fails on any CLI flag or
// command, Go identifier, ": not found" or stack trace in the HTML. With
// no transcription provider, a clinician reads that none is set up and
// who can add one; an admin reads the same with a link to the providers
// page. On both databases.
func TestErrorsSpeakToThePerson(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			clin := e.addUser("therapist@example.org", store.RoleClinician, false)
			admin := e.addUser("admin@example.org", store.RoleAdmin, false)
			if err := e.store.StartWorkers(e.ctx, pipeline.Workers(pipeline.Deps{Store: e.store, Blobs: e.blobs}), store.WorkerOptions{Concurrency: 1}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				e.store.StopWorkers(ctx)
			})
			c := e.client()
			c.login(clin.Email, "")
			a := e.client()
			a.login(admin.Email, e.enableTOTP(admin))
			check := func(who, what string, r resp, wantStatus int) {
				t.Helper()
				if r.status != wantStatus {
					t.Errorf("%s, %s: HTTP %d, want %d: %s", who, what, r.status, wantStatus, errorText(r.body))
				}
				if bad := append(internalText(r.body), rawNames(r.body)...); len(bad) > 0 {
					t.Errorf("%s, %s: the page shows %q", who, what, bad)
				}
				if !strings.Contains(r.body, "<html") {
					t.Errorf("%s, %s: not an app page: %s", who, what, short(r.body))
				}
			}

			// No transcription provider: the upload goes through, the
			// session stops at transcription.
			r := c.upload("/ingest", map[string]string{"alias": "client-3", "template": "soap", "modality": "general", "program": "mh", "consent": "1", "speakers": "mono"})
			if r.status != http.StatusSeeOther {
				t.Fatalf("upload: HTTP %d %s", r.status, errorText(r.body))
			}
			id := strings.TrimPrefix(r.location, "/sessions/")
			ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
			err := pipeline.Wait(ctx, e.store, id, nil)
			cancel()
			if !errors.Is(err, pipeline.ErrSessionFailed) {
				t.Fatalf("want the session to stop for want of a provider, got %v", err)
			}
			const want = "No transcription model is set up yet — your admin can add one under Settings → Model providers"
			p := c.get("/sessions/" + id)
			check("clinician", "session without a provider", p, http.StatusOK)
			if !strings.Contains(html.UnescapeString(p.body), want) {
				t.Errorf("the clinician does not read %q: %s", want, short(strings.Join(readableText(p.body), " | ")))
			}
			if strings.Contains(p.body, `href="/admin/providers"`) {
				t.Error("the clinician is given a link to an admin page")
			}
			st := c.get("/sessions/" + id + "/status")
			if bad := internalText(st.body); len(bad) > 0 || !strings.Contains(st.body, "No transcription model is set up yet") {
				t.Errorf("the status JSON says %s (internal text %q)", short(st.body), bad)
			}
			p = a.get("/sessions/" + id)
			check("admin", "session without a provider", p, http.StatusOK)
			if !strings.Contains(html.UnescapeString(p.body), "No transcription model is set up yet") || !strings.Contains(p.body, `<a href="/admin/providers">`) {
				t.Errorf("the admin is not told of the missing model with a link to the providers page: %s", short(strings.Join(readableText(p.body), " | ")))
			}

			// A bad upload: not a recording, and an empty file.
			for _, tc := range []struct {
				what string
				file []byte
			}{{"a text file as the recording", []byte("this is not audio at all")}, {"an empty recording", nil}} {
				ct, body := uploadForm(t, [][2]string{{"alias", "client-4"}, {"template", "soap"}, {"modality", "general"}, {"program", "mh"}, {"consent", "1"}}, tc.file)
				req, _ := http.NewRequest("POST", e.srv.URL+"/ingest?csrf="+url.QueryEscape(c.csrf), bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				check("clinician", tc.what, c.do(req), http.StatusBadRequest)
			}
			// A bad schedule form.
			c.get("/sessions/new")
			for _, form := range []url.Values{
				{"alias": {"client-5"}, "template": {"bogus"}, "modality": {"general"}, "program": {"mh"}, "kind": {"individual"}},
				{"alias": {""}, "template": {"soap"}, "modality": {"general"}, "program": {"mh"}, "kind": {"individual"}},
				{"alias": {"client-5"}, "template": {"soap"}, "modality": {"general"}, "program": {"mh"}, "kind": {"individual"}, "start": {"2026-02-31T25:99"}, "duration": {"-5"}},
			} {
				r := c.post("/sessions", form)
				if r.status < 400 {
					t.Errorf("schedule form %v accepted: HTTP %d", form, r.status)
				}
				check("clinician", "bad schedule form", r, r.status)
			}
			// Not found and forbidden.
			check("clinician", "a session that does not exist", c.get("/sessions/no-such-session"), http.StatusNotFound)
			check("clinician", "the review of a session that does not exist", c.get("/sessions/no-such-session/review"), http.StatusNotFound)
			check("clinician", "an address that does not exist", c.get("/no/such/page"), http.StatusNotFound)
			check("clinician", "an admin page", c.get("/admin/users"), http.StatusForbidden)
			check("admin", "a provider that does not exist", a.post("/admin/providers/nope/test", url.Values{}), http.StatusNotFound)
			check("admin", "the review of a session with no draft", a.get("/sessions/"+id+"/review"), http.StatusNotFound)
		})
	}
}
