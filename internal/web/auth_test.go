package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
)

// TestFirstRunSetupAndTOTP: with no users only set-up is reachable; the
// one-time link creates the admin, who must enrol TOTP before anything else;
// later sign-ins need a fresh code, and a code is never accepted twice.
func TestFirstRunSetupAndTOTP(t *testing.T) {
	e := newEnv(t, "", nil)
	b := e.client()
	for _, p := range []string{"/", "/sessions", "/login", "/admin/users"} {
		if r := b.get(p); r.status != http.StatusSeeOther || r.location != "/setup" {
			t.Fatalf("before set-up GET %s = %d → %q, want redirect to /setup", p, r.status, r.location)
		}
	}
	if r := b.get("/setup"); r.status != 200 || !strings.Contains(r.body, "set-up link that the server printed") {
		t.Fatalf("set-up without token: %d %s", r.status, errorText(r.body))
	}
	link, err := e.web.SetupLink(e.ctx)
	if err != nil || !strings.HasPrefix(link, "/setup?token=") {
		t.Fatalf("set-up link %q %v", link, err)
	}
	tok := strings.TrimPrefix(link, "/setup?token=")
	b.get(link)
	// A wrong token creates nothing.
	if r := b.post("/setup", url.Values{"token": {"nope"}, "email": {"admin@example.org"}, "password": {testPassword}, "confirm": {testPassword}}); r.status != http.StatusForbidden {
		t.Fatalf("wrong set-up token: %d", r.status)
	}
	// A short password is refused with the rule named.
	if r := b.post("/setup", url.Values{"token": {tok}, "email": {"admin@example.org"}, "password": {"short"}, "confirm": {"short"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "at least 12 characters") {
		t.Fatalf("short password: %d %s", r.status, errorText(r.body))
	}
	if n, _ := e.store.CountUsers(e.ctx); n != 0 {
		t.Fatalf("refused set-ups created %d users", n)
	}
	r := b.post("/setup", url.Values{"token": {tok}, "email": {"Admin@Example.org"}, "password": {testPassword}, "confirm": {testPassword}})
	if r.status != http.StatusSeeOther || r.location != "/account/totp" {
		t.Fatalf("set-up: %d → %q %s", r.status, r.location, errorText(r.body))
	}
	// The link is single-use and set-up is gone.
	if r := e.client().get(link); r.status != http.StatusNotFound {
		t.Fatalf("set-up after set-up: %d", r.status)
	}
	if again, _ := e.web.SetupLink(e.ctx); again != "" {
		t.Fatalf("a set-up link was made with an admin present: %q", again)
	}
	// The admin is signed in but must enrol a second factor first.
	if r := b.get("/admin/users"); r.status != http.StatusSeeOther || r.location != "/account/totp" {
		t.Fatalf("admin without TOTP reached /admin/users: %d → %q", r.status, r.location)
	}
	if page := b.get("/account/totp"); !strings.Contains(page.body, `action="/account/totp/key"`) {
		t.Fatalf("enrolment page without a key offers no way to make one: %s", errorText(page.body))
	}
	if r := b.post("/account/totp/key", nil); r.status != http.StatusSeeOther || r.location != "/account/totp" {
		t.Fatalf("make a key: %d → %q", r.status, r.location)
	}
	page := b.get("/account/totp")
	m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page has no secret or QR code: %s", errorText(page.body))
	}
	secret := m[1]
	if r := b.post("/account/totp", url.Values{"code": {"000000"}}); r.status != http.StatusBadRequest {
		t.Fatalf("wrong enrolment code: %d", r.status)
	}
	code, _ := auth.TOTPCode(secret, e.clock.Now())
	if r := b.post("/account/totp", url.Values{"code": {code}}); r.status != http.StatusOK || !strings.Contains(r.body, `data-testid="recovery-code"`) {
		t.Fatalf("enrolment: %d %s", r.status, errorText(r.body))
	}
	if r := b.get("/admin/users"); r.status != 200 {
		t.Fatalf("after enrolment /admin/users: %d", r.status)
	}
	u, _ := e.store.UserByEmail(e.ctx, "admin@example.org")
	if !u.TOTPEnabled || u.Role != store.RoleAdmin || strings.Contains(u.TOTPSecret, secret) {
		t.Fatalf("admin: enabled=%v role=%s, secret stored sealed=%v", u.TOTPEnabled, u.Role, !strings.Contains(u.TOTPSecret, secret))
	}

	// A new sign-in needs the second factor; the code just used is refused.
	b2 := e.client()
	b2.get("/login")
	r = b2.post("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}, "next": {"/admin/users"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login/totp") {
		t.Fatalf("password step: %d → %q", r.status, r.location)
	}
	if r := b2.get("/admin/users"); r.status != http.StatusSeeOther || r.location != "/login/totp" {
		t.Fatalf("second factor pending reached /admin/users: %d → %q", r.status, r.location)
	}
	b2.get("/login/totp")
	if r := b2.post("/login/totp", url.Values{"code": {code}, "next": {"/admin/users"}}); r.status != http.StatusUnauthorized {
		t.Fatalf("replayed TOTP code: %d", r.status)
	}
	e.clock.Add(30 * time.Second)
	next, _ := auth.TOTPCode(secret, e.clock.Now())
	if r := b2.post("/login/totp", url.Values{"code": {next}, "next": {"/admin/users"}}); r.status != http.StatusSeeOther || r.location != "/admin/users" {
		t.Fatalf("fresh TOTP: %d → %q %s", r.status, r.location, errorText(r.body))
	}
	acts := e.auditActions()
	for _, a := range []string{"user.setup_admin", "auth.totp_enrolled", "auth.login", "auth.login_failed", "auth.totp"} {
		if !contains(acts, a) {
			t.Errorf("audit has no %s entry (has %v)", a, acts)
		}
	}
}

// TestLockout: five wrong passwords lock the account even against the
// right one, with the same answer as a wrong password (the lock is not
// revealed); the lock lifts after its time. A per-address limit answers 429.
func TestLockout(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	b := e.client()
	b.get("/login")
	for i := 1; i <= 5; i++ {
		r := b.post("/login", url.Values{"email": {"c1@example.org"}, "password": {"wrong password " + string(rune('a'+i))}})
		want := http.StatusUnauthorized
		if r.status != want {
			t.Fatalf("attempt %d: HTTP %d, want %d (%s)", i, r.status, want, errorText(r.body))
		}
	}
	r := b.post("/login", url.Values{"email": {"c1@example.org"}, "password": {testPassword}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "e-mail or password is not right") {
		t.Fatalf("right password while locked: %d %s", r.status, errorText(r.body))
	}
	// An unknown e-mail gets the same answer as a wrong password.
	if r := b.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {testPassword}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "e-mail or password is not right") {
		t.Fatalf("unknown e-mail: %d %s", r.status, errorText(r.body))
	}
	e.clock.Add(16 * time.Minute)
	b.login("c1@example.org", "")
	if !contains(e.auditActions(), "auth.lockout") {
		t.Fatal("the lockout was not audited")
	}

	// Per-address rate limit: a burst of attempts is cut off.
	limited := false
	b = e.client()
	b.get("/login")
	for i := 0; i < 40 && !limited; i++ {
		limited = b.post("/login", url.Values{"email": {"x" + string(rune('a'+i%26)) + "@example.org"}, "password": {"whatever-whatever"}}).status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("40 sign-in attempts from one address were never rate-limited")
	}
}

// TestIdleLogoff: 15 minutes without a request signs the browser out, and
// status polling does not keep a sign-in alive.
func TestIdleLogoff(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	sess := e.seedSession("c1@example.org", "mh", store.StatusTranscribing)
	b := e.client()
	b.login("c1@example.org", "")
	e.clock.Add(10 * time.Minute)
	if r := b.get("/sessions/" + sess.ID + "/status"); r.status != 200 {
		t.Fatalf("status poll: %d", r.status)
	}
	e.clock.Add(6 * time.Minute) // 16 minutes since the last real request
	r := b.get("/sessions")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login?") || !strings.Contains(r.location, "without+activity") {
		t.Fatalf("after 16 idle minutes: %d → %q", r.status, r.location)
	}
	if r := b.get("/sessions"); r.status != http.StatusSeeOther {
		t.Fatalf("the idle sign-in still works: %d", r.status)
	}
	// Activity within the limit keeps it.
	b.login("c1@example.org", "")
	for i := 0; i < 3; i++ {
		e.clock.Add(14 * time.Minute)
		if r := b.get("/sessions"); r.status != 200 {
			t.Fatalf("active browser signed out at step %d: %d", i, r.status)
		}
	}
	// A shorter configured timeout is honoured.
	e2 := newEnv(t, "", func(c *Config) { c.IdleTimeout = 2 * time.Minute })
	e2.addUser("c2@example.org", store.RoleClinician, false)
	b2 := e2.client()
	b2.login("c2@example.org", "")
	e2.clock.Add(3 * time.Minute)
	if r := b2.get("/sessions"); r.status != http.StatusSeeOther {
		t.Fatalf("2-minute idle timeout ignored: %d", r.status)
	}
}

// TestCSRF: every state change needs the sign-in's token (or the pre-sign-in
// double-submit token) and a same-site origin; a refused request changes
// nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
	e.seedDraft(sess.ID, 1)

	// Sign-in form without its token.
	b := e.client()
	if r := b.post("/login", url.Values{"email": {"c1@example.org"}, "password": {testPassword}, "csrf": {""}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", r.status)
	}
	b.login("c1@example.org", "")
	good := b.csrf
	form := url.Values{"attest": {"1"}, "credential": {testPassword}, "override": {"test"}}
	wrong := "x" + good[1:]
	if good[0] == 'x' { // the token itself may start with x (1 in 64)
		wrong = "y" + good[1:]
	}
	for name, token := range map[string]string{"missing": "", "wrong": wrong} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf", token)
		if r := b.post("/sessions/"+sess.ID+"/draft/sign", f); r.status != http.StatusForbidden || !strings.Contains(r.body, "security token") {
			t.Fatalf("%s token: %d %s", name, r.status, errorText(r.body))
		}
	}
	// Another site's origin with the right token.
	req, _ := http.NewRequest("POST", e.srv.URL+"/sessions/"+sess.ID+"/draft/sign", strings.NewReader(url.Values{"csrf": {good}, "attest": {"1"}, "credential": {testPassword}, "override": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := b.do(req); r.status != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", r.status)
	}
	d, _ := e.store.LatestDraft(e.ctx, sess.ID)
	if d.Status != store.DraftDraft {
		t.Fatalf("a refused request changed the draft to %s", d.Status)
	}
	// The header form of the token works for scripts.
	req, _ = http.NewRequest("POST", e.srv.URL+"/sessions/"+sess.ID+"/draft/flags/unsupported_statements/resolve", strings.NewReader("reason=checked+by+hand"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", good)
	req.Header.Set("Accept", "application/json")
	if r := b.do(req); r.status != 200 {
		t.Fatalf("header token: %d %s", r.status, r.body)
	}
	// Security headers.
	r := b.get("/sessions")
	for h, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if !strings.Contains(r.header.Get(h), want) {
			t.Errorf("header %s = %q, want %q", h, r.header.Get(h), want)
		}
	}
	if strings.Contains(r.header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("CSP allows inline script")
	}
	if r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent without TLS")
	}
	es := newEnv(t, "", func(c *Config) { c.Secure = true })
	if got := es.client().get("/setup").header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("no HSTS under TLS: %q", got)
	}
}
