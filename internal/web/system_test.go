package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

var systemSummaryRe = regexp.MustCompile(`(?s)data-testid="system-check-summary">(.*?)</p>`)

// TestSystemCheckPage: the admin System check page shows scribe doctor's
// checks, each with its fix; opening it sends providers nothing, its button
// runs the round trips (audited); only admins reach it.
func TestSystemCheckPage(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			fake := fakeopenai.New("whisper-test", "notes-test")
			defer fake.Close()
			fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) { return nil, nil }
			e := newEnv(t, be.URL(t), func(c *Config) {
				c.Doctor.DiskStat = func(string) (doctor.DiskUsage, error) { return doctor.DiskUsage{Free: 2 << 30, Total: 100 << 30}, nil }
			})
			for _, p := range []store.Provider{
				{Name: "speech", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "whisper-test", Use: store.UseTranscription, SelfHosted: true},
				{Name: "notes", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "notes-test", Use: store.UseDrafting, BAASigned: "2024-01-01", BAAExpires: "2025-01-01", JSONSchema: true},
			} {
				if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutProvider(e.ctx, p) }); err != nil {
					t.Fatal(err)
				}
			}
			admin := e.addUser("admin@example.org", store.RoleAdmin, false)
			secret := e.enableTOTP(admin)
			b := e.client()
			b.login(admin.Email, secret)
			if p := b.get("/admin/users"); !strings.Contains(p.body, `href="/admin/system"`) {
				t.Fatal("the admin pages do not link the System check")
			}
			known, err := e.store.MigrationStatus(e.ctx) // the count grows with every migration
			if err != nil {
				t.Fatal(err)
			}
			p := b.get("/admin/system")
			if p.status != http.StatusOK {
				t.Fatalf("GET /admin/system: HTTP %d %s", p.status, errorText(p.body))
			}
			m := systemSummaryRe.FindStringSubmatch(p.body)
			if m == nil || !strings.Contains(m[1], "check(s) failed") || !strings.Contains(m[1], "round trips were not run") {
				t.Fatalf("summary: %q", m)
			}
			for _, want := range []string{
				`<td>Disk space</td>`, "2.0 GiB free", "Plan more space", // a warning with its fix
				"the BAA expired on 2025-01-01", "Record the renewed BAA", // a failure with its fix
				"lists the model whisper-test", fmt.Sprintf("all %d database updates are applied", len(known.Known)), "hash chain whole",
			} {
				if !strings.Contains(p.body, want) {
					t.Errorf("the page does not say %q", want)
				}
			}
			if n := fake.Requests(fakeopenai.Transcriptions) + fake.Requests(fakeopenai.ChatCompletions); n != 0 {
				t.Errorf("opening the page sent %d model request(s)", n)
			}
			p = b.post("/admin/system", nil)
			if p.status != http.StatusOK || !strings.Contains(p.body, "one second of test audio transcribed") || strings.Contains(p.body, "round trips were not run") {
				t.Fatalf("POST /admin/system: HTTP %d\n%s", p.status, errorText(p.body))
			}
			if fake.Requests(fakeopenai.Transcriptions) != 1 || fake.Requests(fakeopenai.ChatCompletions) != 0 {
				t.Errorf("the round trips sent %d transcription and %d chat request(s); want 1 and none (the chat provider's BAA expired)",
					fake.Requests(fakeopenai.Transcriptions), fake.Requests(fakeopenai.ChatCompletions))
			}
			if !contains(e.auditActions(), "system.check") {
				t.Error("the round trips are not in the audit log")
			}
			if pr := fake.Problems(); len(pr) > 0 {
				t.Errorf("the fake saw problems: %v", pr)
			}
			for _, role := range []string{store.RoleClinician, store.RoleSupervisor} {
				u := e.addUser(role+"@example.org", role, false)
				c := e.client()
				c.login(u.Email, e.enableTOTP(u))
				if p := c.get("/admin/system"); p.status != http.StatusForbidden || strings.Contains(p.body, "system-check") {
					t.Errorf("a %s opened the System check: HTTP %d", role, p.status)
				}
				if p := c.get("/sessions"); strings.Contains(p.body, "/admin/system") {
					t.Errorf("a %s is shown the System check link", role)
				}
			}
		})
	}
}

// TestProviderTestButton: the providers page's Test button runs the
// doctor's reachability check (one code path with `scribe doctor`): a
// provider that lists its model answers; one whose key is missing, whose
// server fails or that is not running gets the doctor's cause and fix; each
// try is audited with its outcome; nothing of a session is sent.
func TestProviderTestButton(t *testing.T) {
	fake := fakeopenai.New("whisper-test", "notes-test")
	defer fake.Close()
	e := newEnv(t, testenv.Backends[0].URL(t), nil)
	for _, p := range []store.Provider{
		{Name: "speech", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "whisper-test", Use: store.UseTranscription, SelfHosted: true},
		{Name: "keyless", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "notes-test", Use: store.UseDrafting, SelfHosted: true, APIKeyEnv: "SCRIBE_TEST_KEY_NOBODY_SET"},
		{Name: "gone", Kind: store.KindOpenAI, BaseURL: "http://127.0.0.1:1/v1", Model: "notes-test", Use: store.UseDrafting, SelfHosted: true},
	} {
		if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutProvider(e.ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	b := e.client()
	b.login(admin.Email, e.enableTOTP(admin))
	for _, c := range []struct {
		name, want string
		fault      bool
	}{
		{"speech", "speech answered.", false},
		{"speech", "is failing (HTTP 503 on its model list)", true},
		{"keyless", "SCRIBE_TEST_KEY_NOBODY_SET, which holds its API key, is not set here", false},
		{"gone", "Check that the model server is running", false},
	} {
		if c.fault {
			fake.Inject(fakeopenai.Models, fakeopenai.Fault{Status: http.StatusServiceUnavailable})
		}
		p := b.post("/admin/providers/"+c.name+"/test", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, c.want) {
			t.Errorf("Test %s: HTTP %d, want %q in\n%s", c.name, p.status, c.want, errorText(p.body))
		}
	}
	if n := fake.Requests(fakeopenai.Transcriptions) + fake.Requests(fakeopenai.ChatCompletions); n != 0 {
		t.Errorf("the Test button sent %d model request(s); it only lists models", n)
	}
	var ok, failed int
	if err := e.store.AuditEntries(e.ctx, 0, func(en audit.Entry) error {
		switch {
		case en.Action != "provider.test":
		case en.Outcome == "success":
			ok++
		default:
			failed++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || failed != 3 {
		t.Errorf("audited %d successful and %d failed tests; want 1 and 3", ok, failed)
	}
}
