package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/summarize"
)

// requireTool returns an external program's path, or skips the test with
// the reason (fails under SCRIBE_REQUIRE_ALL=1).
func requireTool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

const testPassword = "correct horse battery staple"

// fakeClock is a clock tests move by hand (idle logoff, lockout, TOTP).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     testing.TB
	ctx   context.Context
	store *store.Store
	blobs *blob.Dir
	clock *fakeClock
	web   *Server
	srv   *httptest.Server
	dir   string // the data dir: scribe.db and blobs/
}

func newEnv(t testing.TB, dbURL string, mod func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Now()}
	st.SetClock(clk.Now)
	cfg := Config{Store: st, Blobs: blobs, Sealer: blobs, Now: clk.Now, Audit: compliance.AuditTrust{DataDir: dir},
		NewJoinToken: func() (string, string) { tok := randomToken(24); return tok, pipeline.HashJoinToken(tok) },
		Ingester:     &pipeline.Ingester{Store: st, Blobs: blobs, ChunkMax: 20 * time.Second}}
	if mod != nil {
		mod(&cfg)
	}
	w, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, store: st, blobs: blobs, clock: clk, web: w, srv: srv, dir: dir}
}

// addUser creates a user with testPassword directly in the store.
func (e *env) addUser(email, role string, part2 bool) store.User {
	e.t.Helper()
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u := store.User{ID: uuid.NewString(), Email: email, Role: role, Part2Access: part2, PasswordHash: h}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateUser(e.ctx, &u) }); err != nil {
		e.t.Fatal(err)
	}
	e.web.hasUsers.Store(true)
	return u
}

// enableTOTP gives a user a second factor and returns its secret.
func (e *env) enableTOTP(u store.User) string {
	e.t.Helper()
	key, err := auth.NewTOTPKey("Scribe", u.Email)
	if err != nil {
		e.t.Fatal(err)
	}
	sealed, err := e.blobs.Seal("totp/"+u.ID, []byte(key.Secret()))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		cur, err := tx.User(e.ctx, u.ID)
		if err != nil {
			return err
		}
		cur.TOTPSecret, cur.TOTPEnabled = b64(sealed), true
		return tx.UpdateUser(e.ctx, &cur)
	}); err != nil {
		e.t.Fatal(err)
	}
	return key.Secret()
}

// browserish is an HTTP client with cookies that does not follow redirects.
type browserish struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) client() *browserish {
	jar, _ := cookiejar.New(nil)
	return &browserish{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browserish) do(req *http.Request) resp {
	b.e.t.Helper()
	r, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	out := resp{status: r.StatusCode, body: string(body), location: r.Header.Get("Location"), header: r.Header}
	if m := csrfRe.FindStringSubmatch(out.body); m != nil {
		b.csrf = m[1]
	}
	return out
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browserish) get(path string) resp {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form; the CSRF token of the last page is added unless the
// form sets "csrf" itself.
func (b *browserish) post(path string, form url.Values) resp {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in with a password (and TOTP secret when given).
func (b *browserish) login(email, secret string) {
	b.e.t.Helper()
	b.get("/login")
	r := b.post("/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/sessions"}})
	if r.status != http.StatusSeeOther {
		b.e.t.Fatalf("sign-in of %s: HTTP %d %s", email, r.status, errorText(r.body))
	}
	if strings.HasPrefix(r.location, "/login/totp") {
		b.get("/login/totp")
		code, _ := auth.TOTPCode(secret, b.e.clock.Now())
		r = b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}})
		if r.status != http.StatusSeeOther {
			b.e.t.Fatalf("TOTP of %s: HTTP %d %s", email, r.status, errorText(r.body))
		}
	}
	if p := b.get("/sessions"); p.status != http.StatusOK {
		b.e.t.Fatalf("after sign-in /sessions is HTTP %d (location %s)", p.status, p.location)
	}
}

var errRe = regexp.MustCompile(`(?s)<p class="error" role="alert">(.*?)</p>`)

func errorText(body string) string {
	if m := errRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	if len(body) > 300 {
		return body[:300]
	}
	return body
}

// seedSession inserts a session owned by clinician.
func (e *env) seedSession(clinician, program, status string) store.Session {
	e.t.Helper()
	s := store.Session{ID: uuid.NewString(), Source: "call", Status: status, Template: "soap", Modality: "general", Program: program, ClientAlias: "client-" + testenv.RandomHex(2), Clinician: clinician}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateSession(e.ctx, &s) }); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// seedDraft gives a session a redacted transcript of the given length
// (a synthetic conversation, one segment every 5 s) and a draft whose
// statements cite it, as the pipeline would leave them.
func (e *env) seedDraft(sessionID string, minutes int) (store.Draft, []transcript.Segment) {
	e.t.Helper()
	lines := []string{
		"Dana Whitfield moved to Springfield last spring.",
		"How have you been sleeping since we last met two weeks ago?",
		"Better most nights, although work at the hospital still keeps me anxious.",
		"Let us practise the breathing exercise together before we finish today.",
		"I have been taking the sertraline every morning as prescribed.",
		"We will meet again next Tuesday and review the thought record.",
	}
	var segs []transcript.Segment
	for i := 0; i < minutes*12; i++ {
		sp := "clinician"
		if i%2 == 1 {
			sp = "client"
		}
		segs = append(segs, transcript.Segment{Speaker: sp, StartMS: int64(i) * 5000, EndMS: int64(i)*5000 + 4500, Text: lines[i%len(lines)]})
	}
	transcript.AssignIDs(segs)
	red, tokenMap, _, err := pipeline.RedactSegments(segs)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := json.Marshal(red)
	if err := e.blobs.Put(e.ctx, pipeline.RedactedBlobID(sessionID), body); err != nil {
		e.t.Fatal(err)
	}
	if err := e.blobs.Put(e.ctx, pipeline.TokenMapBlobID(sessionID), tokenMap); err != nil {
		e.t.Fatal(err)
	}
	cite := func(i int) []string { return []string{red[i%len(red)].ID} }
	note := summarize.Note{Format: "soap", Sections: []summarize.Section{
		{Key: "subjective", Title: "Subjective", Statements: []summarize.Statement{{Text: "Client reports sleeping better most nights.", Citations: cite(2)}, {Text: red[0].Text, Citations: cite(0)}}},
		{Key: "objective", Title: "Objective", Statements: []summarize.Statement{{Text: "Client appeared calm and engaged.", Unsupported: true, UnsupportedReason: "no segment describes appearance"}}},
		{Key: "assessment", Title: "Assessment", Statements: []summarize.Statement{{Text: "Anxiety related to work persists.", Citations: cite(2)}}},
		{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Meet next Tuesday; review the thought record.", Citations: cite(5)}}},
	}}
	flags := []drafts.Flag{{Flag: summarize.Flag{Code: summarize.FlagRiskNotAssessed, Severity: summarize.SeverityHigh, Reason: "no risk assessment in the transcript"}},
		{Flag: summarize.Flag{Code: summarize.FlagUnsupportedStatements, Severity: summarize.SeverityMedium, Reason: "1 statement is not supported"}}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	fl, _ := json.Marshal(flags)
	d := store.Draft{ID: uuid.NewString(), SessionID: sessionID, Version: 1, Status: store.DraftDraft, Template: "soap", PromptVersion: "soap@1", Provider: "local-llm", Model: "note-model-test-1", Content: string(content), Flags: string(fl)}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.PutTranscript(e.ctx, store.Transcript{SessionID: sessionID, RedactedBlob: pipeline.RedactedBlobID(sessionID), MapBlob: pipeline.TokenMapBlobID(sessionID), Segments: len(red)}); err != nil {
			return err
		}
		if _, err := tx.InsertDraft(e.ctx, &d); err != nil {
			return err
		}
		return tx.SetSessionStatus(e.ctx, sessionID, store.StatusReady)
	}); err != nil {
		e.t.Fatal(err)
	}
	return d, segs
}

func (e *env) auditActions() []string {
	e.t.Helper()
	var out []string
	if err := e.store.AuditEntries(e.ctx, 0, func(en audit.Entry) error { out = append(out, en.Action); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// inferSpeakers turns a seeded transcript into one of a single-channel
// recording whose speaker roles a model inferred.
func (e *env) inferSpeakers(sessionID string) {
	e.t.Helper()
	b, err := e.blobs.Get(e.ctx, pipeline.RedactedBlobID(sessionID))
	if err != nil {
		e.t.Fatal(err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(b, &segs); err != nil {
		e.t.Fatal(err)
	}
	for i := range segs {
		segs[i].SpeakerBy, segs[i].Confidence = transcript.SpeakerByModel, 0.6
	}
	b, _ = json.Marshal(segs)
	if err := e.blobs.Put(e.ctx, pipeline.RedactedBlobID(sessionID), b); err != nil {
		e.t.Fatal(err)
	}
}

// pipelineEnv is an env on the real clock with the fake model provider
// (transcription and drafting models) and the pipeline's workers running,
// as `scribe serve` has them: what the browser tests that record audio
// need. configure, when given, sets the fake up before any request.
func pipelineEnv(t *testing.T, configure func(*fakeopenai.Server)) (*env, *fakeopenai.Server) {
	t.Helper()
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	fake := fakeopenai.New("whisper-test-1", "note-model-test-1")
	t.Cleanup(fake.Close)
	if configure != nil {
		configure(fake)
	}
	for _, p := range []store.Provider{
		{Name: "local-whisper", Use: "transcription", Model: "whisper-test-1", SelfHosted: true},
		{Name: "local-llm", Use: "drafting", Model: "note-model-test-1", SelfHosted: true, JSONSchema: true},
	} {
		p.Kind, p.BaseURL = "openai", fake.BaseURL()
		if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutProvider(e.ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.StartWorkers(e.ctx, pipeline.Workers(pipeline.Deps{Store: e.store, Blobs: e.blobs}), store.WorkerOptions{Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.store.StopWorkers(ctx)
	})
	return e, fake
}
