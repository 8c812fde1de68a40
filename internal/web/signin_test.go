package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// Regression tests for the sign-in findings of issue 12. Each was written to
// fail on the code before the fix.

// wrongCode returns a 6-digit code that is not the current one (nor a
// neighbour's).
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	bad := map[string]bool{}
	for _, off := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, err := auth.TOTPCode(secret, now.Add(off))
		if err != nil {
			t.Fatal(err)
		}
		bad[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !bad[c] {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// passwordStep posts the right password and expects the second-factor page.
func (b *browserish) passwordStep(email string) {
	b.e.t.Helper()
	b.get("/login")
	r := b.post("/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/sessions"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login/totp") {
		b.e.t.Fatalf("password step of %s: %d → %q %s", email, r.status, r.location, errorText(r.body))
	}
	b.get("/login/totp")
}

func (b *browserish) cookie() string {
	for _, c := range b.c.Jar.Cookies(mustURL(b.e.srv.URL)) {
		if c.Name == b.e.web.cookieName() {
			return c.Value
		}
	}
	return ""
}

// TestSecondFactorLockoutSurvivesPassword (finding 2): the failed-code
// counter belongs to the account and is kept in the database, so signing
// in with the password again neither resets it nor lifts the lock; a
// restarted server keeps it; each failure also makes the next attempt wait.
func TestSecondFactorLockoutSurvivesPassword(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			admin := e.addUser("admin@example.org", store.RoleAdmin, false)
			adminSecret := e.enableTOTP(admin)
			u := e.addUser("c1@example.org", store.RoleClinician, false)
			secret := e.enableTOTP(u)
			b := e.client()
			// One wrong code per password entry: the counter keeps counting.
			for i := 0; i < 5; i++ {
				b.passwordStep(u.Email)
				if r := b.post("/login/totp", url.Values{"code": {wrongCode(t, secret, e.clock.Now())}, "next": {"/sessions"}}); r.status == http.StatusSeeOther {
					t.Fatalf("wrong code %d accepted", i+1)
				}
				e.clock.Add(70 * time.Second) // past any back-off, well short of the lock's end
			}
			// The right password, then the right code: still refused.
			b.passwordStep(u.Email)
			code, _ := auth.TOTPCode(secret, e.clock.Now())
			r := b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}})
			if r.status == http.StatusSeeOther {
				t.Fatal("the right code was accepted after five wrong ones spread over five password entries: the password step reset the second-factor lock")
			}
			if r.status != http.StatusTooManyRequests || !strings.Contains(errorText(r.body), "paused") {
				t.Fatalf("locked second factor: %d %s", r.status, errorText(r.body))
			}
			if p := b.get("/sessions"); p.status == http.StatusOK {
				t.Fatal("signed in while the second factor is locked")
			}
			// A restarted server reads the same lock from the database.
			w2, err := New(e.ctx, e.web.cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.srv.Config.Handler = w2.Handler()
			b2 := e.client()
			b2.passwordStep(u.Email)
			e.clock.Add(30 * time.Second)
			code, _ = auth.TOTPCode(secret, e.clock.Now())
			if r := b2.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}}); r.status != http.StatusTooManyRequests {
				t.Fatalf("after a restart the locked second factor answered %d", r.status)
			}
			// The admin page says so, and the lock is audited.
			ab := e.client()
			ab.login(admin.Email, adminSecret)
			if p := ab.get("/admin/users"); !regexp.MustCompile(`(?s)c1@example.org.*?two-step locked`).MatchString(p.body) {
				t.Fatalf("the admin users page does not show the second-factor lock:\n%s", p.body)
			}
			if !contains(e.auditActions(), "auth.mfa_lockout") {
				t.Fatalf("the lock was not audited: %v", e.auditActions())
			}
			// After the lock's time the right code works and clears the count.
			e.clock.Add(16 * time.Minute)
			b.passwordStep(u.Email)
			code, _ = auth.TOTPCode(secret, e.clock.Now())
			if r := b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}}); r.status != http.StatusSeeOther {
				t.Fatalf("after the lock: %d %s", r.status, errorText(r.body))
			}
			st, err := e.store.MFAState(e.ctx, u.ID)
			if err != nil || st.Failures != 0 || st.LockedUntil != 0 {
				t.Fatalf("second-factor state after success: %+v %v", st, err)
			}
		})
	}
}

// TestSecondFactorBackoff: after a wrong code the next one is not even
// checked until the back-off has passed.
func TestSecondFactorBackoff(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("c1@example.org", store.RoleClinician, false)
	secret := e.enableTOTP(u)
	b := e.client()
	b.passwordStep(u.Email)
	b.post("/login/totp", url.Values{"code": {wrongCode(t, secret, e.clock.Now())}})
	b.post("/login/totp", url.Values{"code": {wrongCode(t, secret, e.clock.Now())}})
	code, _ := auth.TOTPCode(secret, e.clock.Now())
	r := b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("a code right after two wrong ones: %d (Retry-After %q), want 429", r.status, r.header.Get("Retry-After"))
	}
	e.clock.Add(5 * time.Second)
	if r := b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}}); r.status != http.StatusSeeOther {
		t.Fatalf("after the back-off: %d %s", r.status, errorText(r.body))
	}
}

// TestSignInAnswersAlike (low finding): a wrong password, an unknown e-mail
// and a locked account (even with the right password) get the same status
// and the same words, so the sign-in form does not tell which accounts exist
// or are locked.
func TestSignInAnswersAlike(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	b := e.client()
	b.get("/login")
	try := func(email, pw string) resp {
		return b.post("/login", url.Values{"email": {email}, "password": {pw}})
	}
	wrong := try("c1@example.org", "not the password at all")
	unknown := try("nobody@example.org", testPassword)
	for i := 0; i < 5; i++ {
		try("c1@example.org", "still not the password")
	}
	locked := try("c1@example.org", testPassword)
	for name, r := range map[string]resp{"unknown e-mail": unknown, "locked account": locked} {
		if r.status != wrong.status || errorText(r.body) != errorText(wrong.body) {
			t.Errorf("%s: %d %q; a wrong password: %d %q", name, r.status, errorText(r.body), wrong.status, errorText(wrong.body))
		}
	}
	if wrong.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", wrong.status)
	}
	if !contains(e.auditActions(), "auth.lockout") {
		t.Error("the lockout was not audited")
	}
}

// TestSessionIDRotatesAfterEachFactor (low finding): each factor gives the
// browser a new session cookie and retires the one before.
func TestSessionIDRotatesAfterEachFactor(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("c1@example.org", store.RoleClinician, false)
	secret := e.enableTOTP(u)
	b := e.client()
	b.passwordStep(u.Email)
	first := b.cookie()
	b.passwordStep(u.Email) // the password again, from the same browser
	second := b.cookie()
	code, _ := auth.TOTPCode(secret, e.clock.Now())
	if r := b.post("/login/totp", url.Values{"code": {code}, "next": {"/sessions"}}); r.status != http.StatusSeeOther {
		t.Fatalf("TOTP: %d %s", r.status, errorText(r.body))
	}
	third := b.cookie()
	if first == "" || first == second || second == third {
		t.Fatalf("session cookie not rotated: password %q, password again %q, after TOTP %q", first, second, third)
	}
	for _, old := range []string{first, second} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/login/totp", nil)
		req.AddCookie(&http.Cookie{Name: e.web.cookieName(), Value: old})
		r := e.client().do(req)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Fatalf("a retired session cookie still works: %d → %q", r.status, r.location)
		}
	}
	if p := b.get("/sessions"); p.status != http.StatusOK {
		t.Fatalf("the rotated cookie does not work: %d", p.status)
	}
}

// TestNextIsSameOriginPath (finding 3): after sign-in the browser goes to
// next only when it is a path on this site; anything else goes home.
func TestNextIsSameOriginPath(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	bad := []string{"/\t/evil.example/", "/\n/evil.example", "/\r\n/evil.example", "//evil.example/", "///evil.example", "/\\evil.example",
		"\\\\evil.example", "/\\/evil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "evil.example",
		" //evil.example", "/%09/evil.example", "/x\x00", "", "/sessions\\..\\x", "https:evil.example"}
	good := []string{"/sessions", "/sessions/abc/review?tab=flags#s-plan", "/admin/audit?actor=x%40y"}
	for _, n := range append(bad, good...) {
		e.clock.Add(5 * time.Second) // stay under the per-address sign-in limit
		b := e.client()
		b.get("/login?next=" + url.QueryEscape(n))
		r := b.post("/login", url.Values{"email": {"c1@example.org"}, "password": {testPassword}, "next": {n}})
		want := "/sessions"
		for _, g := range good {
			if g == n {
				want = n
			}
		}
		if r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("next=%q: %d → %q, want %q", n, r.status, r.location, want)
		}
		form := e.client().get("/login?next=" + url.QueryEscape(n))
		if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(form.body); m == nil || (want == "/sessions" && m[1] != "/sessions") {
			t.Errorf("the sign-in form carries next=%q for %q", m, n)
		}
	}
}

// TestFlashIsOurs (low finding): a message in the address is shown only when
// the server put it there; words an attacker writes into a link are not.
func TestFlashIsOurs(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	const bait = "Your account is suspended; call 555-0100"
	b := e.client()
	for _, p := range []string{"/login?flash=" + url.QueryEscape(bait), "/login?msg=" + url.QueryEscape(bait)} {
		if r := b.get(p); strings.Contains(r.body, "suspended") {
			t.Errorf("GET %s shows the link's text", p)
		}
	}
	b.login("c1@example.org", "")
	if r := b.get("/sessions?flash=" + url.QueryEscape(bait)); strings.Contains(r.body, "suspended") {
		t.Error("a signed-in page shows the link's text")
	}
	// Our own messages still arrive.
	r := b.post("/logout", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	if p := b.get(r.location); !strings.Contains(p.body, "You are signed out.") {
		t.Fatalf("the sign-out message is lost: %s", r.location)
	}
	// A server message with its seal moved to other words is refused.
	loc, _ := url.Parse(r.location)
	q := loc.Query()
	q.Set("flash", bait)
	if p := b.get(loc.Path + "?" + q.Encode()); strings.Contains(p.body, "suspended") {
		t.Error("a seal from another message let the link's text through")
	}
}

// TestTOTPEnrolmentGetChangesNothing (low finding): opening the enrolment
// page creates no secret; the key is made by a POST, and reloading shows the
// same pending key until it is confirmed.
func TestTOTPEnrolmentGetChangesNothing(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("admin@example.org", store.RoleAdmin, false)
	b := e.client()
	b.get("/login")
	if r := b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}}); r.location != "/account/totp" {
		t.Fatalf("admin without TOTP: → %q", r.location)
	}
	for i := 0; i < 2; i++ {
		b.get("/account/totp")
	}
	if cur, _ := e.store.User(e.ctx, u.ID); cur.TOTPSecret != "" {
		t.Fatal("GET /account/totp stored a secret")
	}
	if r := b.post("/account/totp/key", nil); r.status != http.StatusSeeOther || r.location != "/account/totp" {
		t.Fatalf("make a key: %d → %q %s", r.status, r.location, errorText(r.body))
	}
	secretRe := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
	first := secretRe.FindStringSubmatch(b.get("/account/totp").body)
	again := secretRe.FindStringSubmatch(b.get("/account/totp").body)
	if first == nil || again == nil || first[1] != again[1] {
		t.Fatalf("reloading the enrolment page changed the key: %v %v", first, again)
	}
	// Posting again (a double click) keeps the pending key too.
	b.post("/account/totp/key", nil)
	if m := secretRe.FindStringSubmatch(b.get("/account/totp").body); m == nil || m[1] != first[1] {
		t.Fatal("a second POST replaced the pending key")
	}
}

// TestRecoveryCodes: enrolment shows ten recovery codes once; one signs in
// instead of a TOTP code, once; new codes from the account page retire the
// old ones; a wrong code counts like a wrong TOTP code.
func TestRecoveryCodes(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			u := e.addUser("admin@example.org", store.RoleAdmin, false)
			b := e.client()
			b.get("/login")
			b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
			b.get("/account/totp")
			b.post("/account/totp/key", nil)
			secret := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(b.get("/account/totp").body)[1]
			code, _ := auth.TOTPCode(secret, e.clock.Now())
			r := b.post("/account/totp", url.Values{"code": {code}})
			codes := recoveryCodes(r.body)
			if r.status != http.StatusOK || len(codes) != 10 {
				t.Fatalf("enrolment: %d, %d recovery codes shown %s", r.status, len(codes), errorText(r.body))
			}
			if acc := b.get("/account"); acc.status != http.StatusOK || len(recoveryCodes(acc.body)) != 0 || !strings.Contains(acc.body, "10 of 10") {
				t.Fatalf("account page: %d, shows codes again: %v", acc.status, recoveryCodes(acc.body))
			}
			// Stored only as hashes.
			n, err := e.store.RecoveryCodesLeft(e.ctx, u.ID)
			if err != nil || n != 10 {
				t.Fatalf("codes left: %d %v", n, err)
			}
			// A recovery code instead of TOTP, once.
			b2 := e.client()
			b2.passwordStep(u.Email)
			if r := b2.post("/login/totp", url.Values{"code": {codes[3]}, "next": {"/admin/users"}}); r.status != http.StatusSeeOther || r.location != "/admin/users" {
				t.Fatalf("recovery code: %d %s", r.status, errorText(r.body))
			}
			b3 := e.client()
			b3.passwordStep(u.Email)
			if r := b3.post("/login/totp", url.Values{"code": {codes[3]}}); r.status != http.StatusUnauthorized {
				t.Fatalf("a used recovery code: %d", r.status)
			}
			if st, _ := e.store.MFAState(e.ctx, u.ID); st.Failures != 1 {
				t.Fatalf("a wrong recovery code was not counted: %+v", st)
			}
			// New codes (with the password) retire the old ones.
			b.get("/account")
			if r := b.post("/account/recovery-codes", url.Values{"password": {"wrong password here"}}); r.status == http.StatusOK && len(recoveryCodes(r.body)) > 0 {
				t.Fatal("new recovery codes without the password")
			}
			b.get("/account")
			r = b.post("/account/recovery-codes", url.Values{"password": {testPassword}})
			fresh := recoveryCodes(r.body)
			if len(fresh) != 10 {
				t.Fatalf("regenerate: %d %s", r.status, errorText(r.body))
			}
			e.clock.Add(2 * time.Minute)
			b4 := e.client()
			b4.passwordStep(u.Email)
			if r := b4.post("/login/totp", url.Values{"code": {codes[5]}}); r.status != http.StatusUnauthorized {
				t.Fatalf("an old recovery code after regeneration: %d", r.status)
			}
			e.clock.Add(2 * time.Minute)
			if r := b4.post("/login/totp", url.Values{"code": {strings.ToUpper(fresh[0])}, "next": {"/sessions"}}); r.status != http.StatusSeeOther {
				t.Fatalf("a new recovery code: %d %s", r.status, errorText(r.body))
			}
			for _, a := range []string{"auth.recovery_codes_created", "auth.recovery_code_used"} {
				if !contains(e.auditActions(), a) {
					t.Errorf("no %s audit entry", a)
				}
			}
		})
	}
}

var recoveryRe = regexp.MustCompile(`data-testid="recovery-code">([a-z0-9-]+)<`)

func recoveryCodes(body string) []string {
	var out []string
	for _, m := range recoveryRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestNewUserRoleIsChosen (low finding): the add-user form starts at the
// least-privileged clinical role, and a request without a role adds a
// clinician.
func TestNewUserRoleIsChosen(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	secret := e.enableTOTP(admin)
	b := e.client()
	b.login(admin.Email, secret)
	p := b.get("/admin/users")
	m := regexp.MustCompile(`(?s)<select id="new-role" name="role"[^>]*>(.*?)</select>`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no role select on the add-user form")
	}
	opts := regexp.MustCompile(`<option value="([a-z]+)"([^>]*)>[^<]*</option>`).FindAllStringSubmatch(m[1], -1)
	chosen := ""
	for i, o := range opts {
		if i == 0 || strings.Contains(o[2], "selected") {
			chosen = o[1]
		}
		if strings.Contains(o[2], "selected") {
			break
		}
	}
	if chosen != store.RoleClinician {
		t.Fatalf("the add-user form starts at role %q, want clinician", chosen)
	}
	// A request without a role adds a clinician: the role defaults to
	// clinician everywhere (issue 15).
	if r := b.post("/admin/users", url.Values{"email": {"new@example.org"}}); r.status >= 400 {
		t.Fatalf("add without a role: %d %s", r.status, errorText(r.body))
	}
	if u, err := e.store.UserByEmail(e.ctx, "new@example.org"); err != nil || u.Role != store.RoleClinician {
		t.Fatalf("added without a role: %+v, %v; want a clinician", u, err)
	}
}

var apiTokenRe = regexp.MustCompile(`value="(scribe_pat_[A-Za-z0-9_-]+)"[^>]*data-testid="api-token"`)

// TestAPITokensOnAccountPage (finding 7): the account page makes a personal
// API token for the command line after asking the password again, shows it
// once, keeps only its hash, lists it by name, and revokes it; each step is
// audited.
func TestAPITokensOnAccountPage(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("c1@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/account")
	if r := b.post("/account/tokens", url.Values{"name": {"laptop"}, "password": {"not my password at all"}}); r.status != http.StatusUnauthorized || strings.Contains(r.body, "scribe_pat_") {
		t.Fatalf("a token without the right password: %d", r.status)
	}
	r := b.post("/account/tokens", url.Values{"name": {"laptop"}, "password": {testPassword}})
	m := apiTokenRe.FindStringSubmatch(r.body)
	if r.status != http.StatusCreated || m == nil || m[1] == "" {
		t.Fatalf("create a token: %d %s", r.status, errorText(r.body))
	}
	tok := m[1]
	page := b.get("/account")
	if strings.Contains(page.body, tok) || !strings.Contains(page.body, "laptop") {
		t.Fatal("the account page shows the token again, or does not list it by name")
	}
	if _, err := e.store.APITokenByHash(e.ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the token is stored as itself: %v", err)
	}
	if _, err := e.store.APITokenByHash(e.ctx, auth.HashToken(tok)); err != nil {
		t.Fatalf("the token's hash is not stored: %v", err)
	}
	if got, err := e.web.auth.UserForToken(e.ctx, tok, "test"); err != nil || got.ID != u.ID {
		t.Fatalf("the token does not act for its owner: %v", err)
	}
	// Someone else cannot revoke it; its owner can.
	toks, _ := e.store.APITokens(e.ctx, u.ID)
	other := e.addUser("c2@example.org", store.RoleClinician, false)
	ob := e.client()
	ob.login(other.Email, "")
	if r := ob.post("/account/tokens/"+toks[0].ID+"/revoke", nil); r.status != http.StatusNotFound {
		t.Fatalf("another user revoking the token: %d", r.status)
	}
	b.get("/account")
	if r := b.post("/account/tokens/"+toks[0].ID+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.status, errorText(r.body))
	}
	if _, err := e.web.auth.UserForToken(e.ctx, tok, "test"); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("a revoked token: %v", err)
	}
	if p := b.get("/account"); !strings.Contains(p.body, "revoked") {
		t.Fatal("the account page does not show the token revoked")
	}
	for _, a := range []string{"auth.token_created", "auth.token_revoked", "auth.token_used", "auth.token_refused"} {
		if !contains(e.auditActions(), a) {
			t.Errorf("no %s audit entry", a)
		}
	}
}
