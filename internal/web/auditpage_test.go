package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

var verifyResultRe = regexp.MustCompile(`(?s)data-testid="audit-verify-result">(.*?)</p>`)

// TestAuditPageVerify (finding 6): the admin page's Verify runs the same
// verification as `scribe audit verify`, so it says the same about the
// same tamperings, on SQLite and PostgreSQL; the page shows the last
// checkpoint's time and the last verification's outcome.
func TestAuditPageVerify(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			for _, tc := range testenv.AuditTamperings {
				t.Run(tc.Name, func(t *testing.T) {
					e := newEnv(t, be.URL(t), nil)
					admin := e.addUser("admin@example.org", store.RoleAdmin, false)
					secret := e.enableTOTP(admin)
					b := e.client()
					b.login(admin.Email, secret)
					// The sign-in wrote entries; start the test log from empty.
					if err := e.store.TamperForTest(e.ctx, `DELETE FROM audit`); err != nil {
						t.Fatal(err)
					}
					if p := b.get("/admin/audit"); !strings.Contains(p.body, "No signed checkpoint yet") || !strings.Contains(p.body, "has not been verified yet") {
						t.Fatalf("audit page before any checkpoint:\n%s", errorText(p.body))
					}
					for i := 0; i < 8; i++ {
						if i == 3 || i == 7 {
							if _, _, err := compliance.CheckpointAudit(e.ctx, e.store, e.web.cfg.Audit, "admin"); err != nil {
								t.Fatal(err)
							}
							continue
						}
						if err := e.store.Audit(e.ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "p1"}); err != nil {
							t.Fatal(err)
						}
					}
					if p := b.get("/admin/audit"); !strings.Contains(p.body, "Last signed checkpoint: entry 8") {
						t.Fatalf("the audit page does not show the last checkpoint:\n%s", p.body)
					}
					for _, q := range tc.SQL {
						if err := e.store.TamperForTest(e.ctx, q); err != nil {
							t.Fatal(err)
						}
					}
					b.get("/admin/audit")
					r := b.post("/admin/audit/verify", nil)
					m := verifyResultRe.FindStringSubmatch(r.body)
					if r.status != http.StatusOK || m == nil {
						t.Fatalf("verify: %d %s", r.status, errorText(r.body))
					}
					if tc.Reason == "" {
						if !strings.Contains(m[1], "Verified") || !strings.Contains(m[1], "audit chain intact: 8 entries") {
							t.Fatalf("untouched log: %s", m[1])
						}
						return
					}
					if !strings.Contains(m[1], "FAILED") || !strings.Contains(m[1], tc.Reason) {
						t.Fatalf("%s: the page says %q; want a failure naming %q", tc.Name, m[1], tc.Reason)
					}
					// The outcome stays on the page until the next verification.
					if again := verifyResultRe.FindStringSubmatch(b.get("/admin/audit").body); again == nil || again[1] != m[1] {
						t.Fatalf("the last verification is not shown on the page: %v", again)
					}
				})
			}
		})
	}
}

// TestAuditPageNamesActors: the log records the acting user's ID (as every
// operation of the service layer does); the page shows the e-mail beside
// it and its actor filter finds entries by either.
func TestAuditPageNamesActors(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	secret := e.enableTOTP(admin)
	b := e.client()
	b.login(admin.Email, secret)
	b.get("/admin/users")
	if r := b.post("/admin/users", url.Values{"email": {"new@example.org"}, "role": {"clinician"}}); r.status != http.StatusCreated {
		t.Fatalf("add a user: %d %s", r.status, errorText(r.body))
	}
	row := regexp.MustCompile(`<tr><td>\d+</td><td>[^<]*</td><td>([^<]*) <small>([^<]*)</small></td><td>user\.add</td>`).FindStringSubmatch(b.get("/admin/audit").body)
	if row == nil || row[1] != admin.Email || row[2] != admin.ID {
		t.Fatalf("the user.add entry does not show the admin's e-mail beside their ID: %v", row)
	}
	if r := b.get("/admin/audit?actor=" + url.QueryEscape(admin.Email)); !strings.Contains(r.body, "user.add") {
		t.Error("the actor filter does not find the admin by e-mail")
	}
}
