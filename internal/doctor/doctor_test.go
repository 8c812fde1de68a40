package doctor_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// now is the checks' day: BAA dates are read against it.
var now = time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)

type rig struct {
	st      *store.Store
	dataDir string
	fake    *fakeopenai.Server
}

func newRig(t testing.TB, b testenv.Backend) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := os.WriteFile(filepath.Join(dir, "master.key"), []byte(base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := fakeopenai.New("whisper-test", "notes-test")
	t.Cleanup(fake.Close)
	// One second of tone goes in; the fake checks it is a 16 kHz mono WAV.
	fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
		if len(pcm) != 16000 {
			return nil, errors.New("want one second of audio")
		}
		return nil, nil
	}
	r := &rig{st: st, dataDir: dir, fake: fake}
	r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true})
	r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", SelfHosted: true, JSONSchema: true})
	return r
}

// put stores a provider at the fake unless p says otherwise.
func (r *rig) put(t testing.TB, p store.Provider) {
	t.Helper()
	if p.Kind == "" {
		p.Kind = store.KindOpenAI
	}
	if p.BaseURL == "" {
		p.BaseURL = r.fake.BaseURL()
	}
	if err := r.st.InTx(context.Background(), func(tx *store.Tx) error { return tx.PutProvider(context.Background(), p) }); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) options() doctor.Options {
	return doctor.Options{Store: r.st, DataDir: r.dataDir, Now: func() time.Time { return now }, ListenAddr: "127.0.0.1:8080",
		Getenv: func(string) string { return "" },
		DiskStat: func(string) (doctor.DiskUsage, error) {
			return doctor.DiskUsage{Free: 200 << 30, Total: 500 << 30}, nil
		},
		CallTimeout: 20 * time.Second}
}

func (r *rig) run(t *testing.T, change func(o *doctor.Options)) doctor.Report {
	t.Helper()
	o := r.options()
	if change != nil {
		change(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := doctor.Run(ctx, o)
	for _, res := range rep.Results {
		t.Logf("%-4s %s: %s", res.Status, res.Check, res.Detail)
	}
	return rep
}

// find returns the one result whose check starts with prefix.
func find(t *testing.T, rep doctor.Report, prefix string) doctor.Result {
	t.Helper()
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Check, prefix) {
			return r
		}
	}
	t.Fatalf("no check %q in the report", prefix)
	return doctor.Result{}
}

func want(t *testing.T, rep doctor.Report, prefix string, status doctor.Status, inDetail string) doctor.Result {
	t.Helper()
	r := find(t, rep, prefix)
	if r.Status != status || !strings.Contains(r.Detail, inDetail) {
		t.Errorf("%s: got %s %q, want %s with %q", prefix, r.Status, r.Detail, status, inDetail)
	}
	if status != doctor.OK && r.Fix == "" {
		t.Errorf("%s is %s but says no fix", prefix, status)
	}
	// Words for an admin: no Go identifiers or Go error plumbing.
	for _, s := range []string{"store.", "doctor.", "modelcall.", "*", "%!"} {
		if strings.Contains(r.Detail+r.Fix, s) {
			t.Errorf("%s speaks code (%q): %s / %s", prefix, s, r.Detail, r.Fix)
		}
	}
	return r
}

func TestDoctor(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b)
			t.Run("good", func(t *testing.T) {
				rep := r.run(t, nil)
				if ok, warn, fail := rep.Counts(); warn+fail != 0 || ok < 9 {
					t.Fatalf("a healthy installation: %d ok, %d warnings, %d failures", ok, warn, fail)
				}
				want(t, rep, "Database", doctor.OK, "all")
				want(t, rep, "Master key", doctor.OK, "key file")
				want(t, rep, "Provider speech (transcription): reachable", doctor.OK, "lists the model whisper-test")
				want(t, rep, "Provider speech (transcription): one-second", doctor.OK, "transcribed")
				want(t, rep, "Provider notes (drafting): structured", doctor.OK, "JSON")
				want(t, rep, "Audit log", doctor.OK, "hash chain whole")
				tr := r.fake.Transcriptions()
				if len(tr) != 1 || tr[0].DurationMS != 1000 {
					t.Errorf("transcription round trip sent %+v, want one second", tr)
				}
				if ch := r.fake.Chats(); len(ch) != 1 || ch[0].SchemaName != "scribe_check" || ch[0].ResponseFormat != "json_schema" {
					t.Errorf("chat round trip sent %+v, want one JSON-schema request", ch)
				}
				if p := r.fake.Problems(); len(p) > 0 {
					t.Errorf("the fake saw problems: %v", p)
				}
			})
			t.Run("provider down", func(t *testing.T) {
				down := fakeopenai.New("whisper-test", "notes-test")
				url := down.BaseURL()
				down.Close()
				r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true, BaseURL: url})
				defer r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true})
				rep := r.run(t, nil)
				want(t, rep, "Provider speech (transcription): reachable", doctor.Fail, "connection refused")
				if !rep.Failed() {
					t.Fatal("a provider that is down must fail the check")
				}
			})
			t.Run("model missing", func(t *testing.T) {
				before := r.fake.Requests(fakeopenai.Transcriptions)
				r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-large-v3", SelfHosted: true})
				defer r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true})
				rep := r.run(t, nil)
				res := want(t, rep, "Provider speech (transcription): reachable", doctor.Fail, "does not list the model whisper-large-v3 (it lists: notes-test, whisper-test)")
				if !strings.Contains(res.Fix, "ollama pull whisper-large-v3") {
					t.Errorf("fix: %q", res.Fix)
				}
				if got := r.fake.Requests(fakeopenai.Transcriptions); got != before {
					t.Errorf("a model that is not listed was still sent audio (%d requests)", got-before)
				}
			})
			t.Run("5xx", func(t *testing.T) {
				r.fake.Down(fakeopenai.Models, fakeopenai.Fault{Status: 503})
				rep := r.run(t, nil)
				r.fake.Heal(fakeopenai.Models)
				want(t, rep, "Provider speech (transcription): reachable", doctor.Fail, "HTTP 503")
				r.fake.Inject(fakeopenai.Transcriptions, fakeopenai.Fault{Status: 500})
				rep = r.run(t, nil)
				want(t, rep, "Provider speech (transcription): one-second", doctor.Fail, "500")
				want(t, rep, "Provider notes (drafting): structured", doctor.OK, "JSON")
			})
			t.Run("malformed JSON", func(t *testing.T) {
				r.fake.Answer = func(fakeopenai.ChatRequest) (string, error) { return "Sure! Here is the JSON: {ok: yes", nil }
				rep := r.run(t, nil)
				want(t, rep, "Provider notes (drafting): structured", doctor.Fail, "not with JSON")
				r.fake.Answer = func(fakeopenai.ChatRequest) (string, error) { return `{"status":"fine"}`, nil }
				rep = r.run(t, nil)
				want(t, rep, "Provider notes (drafting): structured", doctor.Fail, "not in the shape asked for")
				r.fake.Answer = nil
				// A server without JSON schemas (Ollama: --no-json-schema) is asked for a JSON object.
				r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", SelfHosted: true})
				defer r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", SelfHosted: true, JSONSchema: true})
				before := len(r.fake.Chats())
				r.fake.Answer = func(fakeopenai.ChatRequest) (string, error) { return `{"ok": true}`, nil }
				defer func() { r.fake.Answer = nil }()
				want(t, r.run(t, nil), "Provider notes (drafting): structured", doctor.OK, "JSON asked for")
				if ch := r.fake.Chats(); len(ch) != before+1 || ch[len(ch)-1].ResponseFormat != "json_object" {
					t.Errorf("without JSON schemas the check sent %+v", ch[before:])
				}
			})
			t.Run("BAA", func(t *testing.T) {
				before := r.fake.Requests(fakeopenai.ChatCompletions)
				r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", JSONSchema: true, BAASigned: "2025-01-01", BAAExpires: "2026-11-30"})
				rep := r.run(t, nil)
				want(t, rep, "Provider notes (drafting): BAA", doctor.Fail, "expired on 2026-11-30")
				want(t, rep, "Provider notes (drafting): structured", doctor.Warn, "not tried")
				if got := r.fake.Requests(fakeopenai.ChatCompletions); got != before {
					t.Errorf("a provider whose BAA expired was sent %d chat request(s)", got-before)
				}
				r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", JSONSchema: true, BAASigned: "2025-01-01", BAAExpires: "2026-12-20"})
				rep = r.run(t, nil)
				want(t, rep, "Provider notes (drafting): BAA", doctor.Warn, "ends on 2026-12-20, 14 day(s) from today")
				want(t, rep, "Provider notes (drafting): structured", doctor.OK, "JSON")
				if rep.Failed() {
					t.Error("a BAA ending in 14 days warns; it must not fail the check")
				}
				r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", JSONSchema: true})
				want(t, r.run(t, nil), "Provider notes (drafting): BAA", doctor.Fail, "no BAA is recorded")
				r.put(t, store.Provider{Name: "notes", Use: store.UseDrafting, Model: "notes-test", SelfHosted: true, JSONSchema: true})
			})
			t.Run("API key not set", func(t *testing.T) {
				r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true, APIKeyEnv: "SPEECH_KEY"})
				defer r.put(t, store.Provider{Name: "speech", Use: store.UseTranscription, Model: "whisper-test", SelfHosted: true})
				want(t, r.run(t, nil), "Provider speech (transcription): reachable", doctor.Fail, "SPEECH_KEY")
			})
			t.Run("disk", func(t *testing.T) {
				rep := r.run(t, func(o *doctor.Options) {
					o.DiskStat = func(string) (doctor.DiskUsage, error) { return doctor.DiskUsage{Free: 3 << 30, Total: 100 << 30}, nil }
				})
				want(t, rep, "Disk space", doctor.Warn, "3.0 GiB free")
				rep = r.run(t, func(o *doctor.Options) {
					o.DiskStat = func(string) (doctor.DiskUsage, error) {
						return doctor.DiskUsage{Free: 500 << 20, Total: 100 << 30}, nil
					}
				})
				want(t, rep, "Disk space", doctor.Fail, "500 MiB free")
				if !rep.Failed() {
					t.Fatal("a nearly full disk must fail the check")
				}
			})
			t.Run("master key", func(t *testing.T) {
				path := filepath.Join(r.dataDir, "master.key")
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
				res := want(t, r.run(t, nil), "Master key", doctor.Warn, "other accounts on this machine may read (mode 0644)")
				if !strings.Contains(res.Fix, "chmod 600 "+path) {
					t.Errorf("fix: %q", res.Fix)
				}
				os.Chmod(path, 0o600)
				rep := r.run(t, func(o *doctor.Options) {
					o.Getenv = func(k string) string {
						if k == "SCRIBE_MASTER_KEY" {
							return base64.StdEncoding.EncodeToString(make([]byte, 32))
						}
						return ""
					}
				})
				want(t, rep, "Master key", doctor.OK, "from the environment")
				rep = r.run(t, func(o *doctor.Options) {
					o.Getenv = func(k string) string {
						if k == "SCRIBE_MASTER_KEY" {
							return "too-short"
						}
						return ""
					}
				})
				want(t, rep, "Master key", doctor.Fail, "not a 32-byte key")
			})
			t.Run("public URL", func(t *testing.T) {
				cases := []struct {
					url     string
					tls     bool
					proxies []string
					status  doctor.Status
					detail  string
				}{
					{"https://scribe.example.org", false, nil, doctor.Fail, "trusts no reverse proxy"},
					{"https://scribe.example.org", false, []string{"10.0.0.2"}, doctor.OK, "trusted reverse proxy"},
					{"https://scribe.example.org", true, nil, doctor.OK, "https://scribe.example.org"},
					{"http://scribe.example.org", true, nil, doctor.Warn, "starts with http://"},
					{"http://scribe.example.org", false, nil, doctor.Warn, "only over HTTPS"},
					{"http://127.0.0.1:8080", false, nil, doctor.OK, "127.0.0.1:8080"},
					{"scribe.example.org", false, nil, doctor.Fail, "not an http(s) address"},
				}
				for _, c := range cases {
					rep := r.run(t, func(o *doctor.Options) { o.PublicURL, o.TLS, o.TrustedProxies = c.url, c.tls, c.proxies })
					want(t, rep, "Public address", c.status, c.detail)
				}
				want(t, r.run(t, func(o *doctor.Options) { o.ListenAddr = "0.0.0.0:8080" }), "Public address", doctor.Warn, "beyond this computer")
			})
			t.Run("audit changed", func(t *testing.T) {
				ctx := context.Background()
				for i := 0; i < 3; i++ {
					if err := r.st.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "p1"}); err != nil {
						t.Fatal(err)
					}
				}
				want(t, r.run(t, nil), "Audit log", doctor.OK, "3 entries")
				if err := r.st.TamperForTest(ctx, `UPDATE audit SET entity_id = 'q1' WHERE seq = 2`); err != nil {
					t.Fatal(err)
				}
				rep := r.run(t, nil)
				want(t, rep, "Audit log", doctor.Fail, "entry 2")
				if !rep.Failed() {
					t.Fatal("a changed audit entry must fail the check")
				}
			})
			t.Run("migrations", func(t *testing.T) {
				ctx := context.Background()
				fresh, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir(), SkipMigrations: true})
				if err != nil {
					t.Fatal(err)
				}
				defer fresh.Close()
				rep := r.run(t, func(o *doctor.Options) { o.Store = fresh; o.SkipModelCalls = true })
				res := want(t, rep, "Database", doctor.Fail, "database updates are not applied yet")
				want(t, rep, "Model providers and audit log", doctor.Warn, "not checked")
				for _, x := range rep.Results {
					if strings.Contains(x.Detail, "no such table") || strings.Contains(x.Detail, "does not exist") {
						t.Errorf("an unmigrated database gives a raw SQL error: %s: %s", x.Check, x.Detail)
					}
				}
				if !strings.Contains(res.Fix, "scribe migrate") {
					t.Errorf("fix: %q", res.Fix)
				}
				if err := r.st.TamperForTest(ctx, `UPDATE scribe_migrations SET version = 999 WHERE version = 10`); err != nil {
					t.Fatal(err)
				}
				want(t, r.run(t, func(o *doctor.Options) { o.SkipModelCalls = true }), "Database", doctor.Fail, "newer version of Scribe (database updates 999")
				if err := r.st.TamperForTest(ctx, `UPDATE scribe_migrations SET version = 10 WHERE version = 999`); err != nil {
					t.Fatal(err)
				}
				rep = r.run(t, func(o *doctor.Options) {
					o.Store = nil
					o.OpenErr = errors.New("connect to PostgreSQL: connection refused")
				})
				want(t, rep, "Database", doctor.Fail, "cannot be opened")
			})
		})
	}
}

// TestKeyFileIsBlobs: the key file the check inspects is the one Scribe
// creates.
func TestKeyFileIsBlobs(t *testing.T) {
	dir := t.TempDir()
	if _, created, err := blob.LoadKEK(dir, ""); err != nil || !created {
		t.Fatalf("LoadKEK: created %v, %v", created, err)
	}
	rep := doctor.Run(context.Background(), doctor.Options{DataDir: dir, Getenv: func(string) string { return "" }})
	if r := find(t, rep, "Master key"); r.Status != doctor.OK {
		t.Fatalf("a key file Scribe created: %s %s", r.Status, r.Detail)
	}
}

// BenchmarkRun measures one full check on SQLite against the fake provider
// (model lists, a one-second transcription, a structured chat answer and
// an audit verification of 1,000 entries): the cost of opening the admin
// System check page with its button pressed.
func BenchmarkRun(b *testing.B) {
	r := newRig(b, testenv.Backends[0])
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if err := r.st.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "p1"}); err != nil {
			b.Fatal(err)
		}
	}
	o := r.options()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep := doctor.Run(ctx, o); rep.Failed() {
			b.Fatalf("failed: %+v", rep)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
}
