package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
)

const (
	settingSetupToken = "setup_token_hash"
	settingTOTPRoles  = auth.SettingTOTPRoles
)

// SetupLink returns a fresh one-time set-up path ("/setup?token=…") when no
// user exists yet, replacing any earlier link; "" once set-up is done.
func (s *Server) SetupLink(ctx context.Context) (string, error) {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	tok := randomToken(24)
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.CountUsers(ctx)
		if err != nil || n > 0 {
			tok = ""
			return err
		}
		return tx.PutSetting(ctx, settingSetupToken, hashToken(tok))
	})
	if err != nil || tok == "" {
		return "", err
	}
	return "/setup?token=" + tok, nil
}

// InviteLink creates a one-time link ("/invite?token=…") with which a user
// sets a password; it expires after ttl.
func InviteLink(ctx context.Context, st *store.Store, userID string, ttl time.Duration, now time.Time) (string, error) {
	tok, err := auth.CreateInvite(ctx, st, userID, ttl, now)
	if err != nil {
		return "", err
	}
	return "/invite?token=" + tok, nil
}

func (s *Server) root(w http.ResponseWriter, r *http.Request, _ *call) {
	if !s.hasUsers.Load() {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	if c, _, _ := s.authenticate(r, false); c != nil {
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type authForm struct {
	Email, Token, Next string
	SetupDone          bool
	TokenOK            bool
}

// ---- first-run set-up ----

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request, _ *call) {
	if s.hasUsers.Load() {
		s.fail(w, r, http.StatusNotFound, "Scribe is already set up; sign in instead")
		return
	}
	tok := r.URL.Query().Get("token")
	ok := tok != "" && s.setupTokenOK(r.Context(), tok)
	s.render(w, r, http.StatusOK, "setup", nil, page{Title: "Set up Scribe", CSRF: s.preAuthCSRF(w, r), Data: authForm{Token: tok, TokenOK: ok}})
}

func (s *Server) setupTokenOK(ctx context.Context, tok string) bool {
	h, err := s.cfg.Store.Setting(ctx, settingSetupToken, "")
	return err == nil && equalTokens(h, hashToken(tok))
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request, _ *call) {
	ctx := r.Context()
	tok, email, pw := r.PostFormValue("token"), strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	again := func(msg string) {
		s.render(w, r, http.StatusBadRequest, "setup", nil, page{Title: "Set up Scribe", Error: msg, CSRF: s.preAuthCSRF(w, r),
			Data: authForm{Token: tok, Email: email, TokenOK: s.setupTokenOK(ctx, tok)}})
	}
	if _, err := mail.ParseAddress(email); err != nil {
		again("Enter the admin's e-mail address.")
		return
	}
	if pw != r.PostFormValue("confirm") {
		again("The two passwords differ.")
		return
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		again(capitalize(err.Error()) + ".")
		return
	}
	u := store.User{ID: uuid.NewString(), Email: email, Role: store.RoleAdmin, Part2Access: true, PasswordHash: hash}
	errBadToken := errors.New("bad token")
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if n, err := tx.CountUsers(ctx); err != nil || n > 0 {
			if err == nil {
				err = errBadToken
			}
			return err
		}
		if h, err := tx.Setting(ctx, settingSetupToken, ""); err != nil || !equalTokens(h, hashToken(tok)) {
			return errBadToken
		}
		if _, err := tx.DeleteSetting(ctx, settingSetupToken); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "user.setup_admin", EntityType: "user", EntityID: u.ID})
	})
	if errors.Is(err, errBadToken) {
		s.fail(w, r, http.StatusForbidden, "this set-up link is not valid (it was used, or replaced by a newer one printed when the server started)")
		return
	}
	if err != nil {
		s.logFor(r).Error("web: set-up", "error", err)
		again("The admin could not be saved; nothing was changed. Try again.")
		return
	}
	s.hasUsers.Store(true)
	if err := s.startLogin(w, r, u, false); err != nil {
		s.serverError(w, r, err, "the admin was created but signing in failed; sign in at /login")
		return
	}
	http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
}

func (s *Server) setupTokenOKTx(ctx context.Context, tok string) bool {
	return s.setupTokenOK(ctx, tok)
}

// ---- invitations (scribe user add) ----

func (s *Server) inviteUser(ctx context.Context, tok string) (store.User, string, error) {
	key := auth.InviteKey(tok)
	v, err := s.cfg.Store.Setting(ctx, key, "")
	if err != nil || v == "" {
		return store.User{}, key, errors.New("this invitation link is not valid (it was used or never existed); ask an admin for a new one")
	}
	id, exp, _ := strings.Cut(v, "|")
	if ms, _ := strconv.ParseInt(exp, 10, 64); ms < s.cfg.Now().UnixMilli() {
		return store.User{}, key, errors.New("this invitation link has expired; ask an admin for a new one")
	}
	u, err := s.cfg.Store.User(ctx, id)
	if err != nil {
		return u, key, errors.New("the invited account no longer exists")
	}
	return u, key, nil
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request, _ *call) {
	tok := r.URL.Query().Get("token")
	u, _, err := s.inviteUser(r.Context(), tok)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	s.render(w, r, http.StatusOK, "invite", nil, page{Title: "Choose a password", CSRF: s.preAuthCSRF(w, r), Data: authForm{Token: tok, Email: u.Email}})
}

func (s *Server) inviteSubmit(w http.ResponseWriter, r *http.Request, _ *call) {
	ctx := r.Context()
	tok := r.PostFormValue("token")
	u, key, err := s.inviteUser(ctx, tok)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	pw := r.PostFormValue("password")
	hash, err := auth.HashPassword(pw)
	if err == nil && pw != r.PostFormValue("confirm") {
		err = errors.New("the two passwords differ")
	}
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "invite", nil, page{Title: "Choose a password", Error: capitalize(err.Error()) + ".", CSRF: s.preAuthCSRF(w, r), Data: authForm{Token: tok, Email: u.Email}})
		return
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteSetting(ctx, key)
		if err != nil || !ok {
			return errors.New("this invitation link was just used")
		}
		cur, err := tx.User(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.PasswordHash, cur.FailedLogins, cur.LockedUntil = hash, 0, 0
		if err := tx.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "user.password_set", EntityType: "user", EntityID: u.ID, Details: map[string]string{"via": "invite"}})
	})
	if err != nil {
		s.fail(w, r, http.StatusConflict, err.Error())
		return
	}
	back(w, r, "/login", "Password saved; sign in now.")
}

// ---- sign-in ----

// safeNext returns where to go after signing in: next when it is a path on
// this site (a relative URL with no scheme or host, no "//" or backslash
// that a browser could read as another host, no control characters, which
// browsers strip), else the home page.
func safeNext(next string) string {
	const home = "/sessions"
	if next == "" || next[0] != '/' || len(next) > 2048 || strings.HasPrefix(next, "//") || unsafeInPath(next) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || unsafeInPath(u.Path) {
		return home
	}
	return next
}

// unsafeInPath finds what browsers treat specially in a path: backslashes
// (read as slashes) and control characters (removed), raw or decoded.
func unsafeInPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return true
		}
	}
	return false
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, _ *call) {
	s.render(w, r, http.StatusOK, "login", nil, page{Title: "Sign in", CSRF: s.preAuthCSRF(w, r),
		Data: authForm{Next: safeNext(r.URL.Query().Get("next"))}})
}

// signInError is the one answer to a wrong e-mail, a wrong password and a
// locked account: it says that accounts lock without saying whether this
// one is (admins see locks on the users page; each lock is audited).
func (s *Server) signInError() string {
	return fmt.Sprintf("The e-mail or password is not right. After %d wrong passwords an account is locked for %d minutes; an admin can unlock it sooner.",
		s.cfg.LockoutAfter, int(s.cfg.LockoutFor.Minutes()))
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, _ *call) {
	ctx := r.Context()
	email, pw, next := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	again := func(status int, msg string) {
		s.render(w, r, status, "login", nil, page{Title: "Sign in", Error: msg, CSRF: s.preAuthCSRF(w, r), Data: authForm{Email: email, Next: next}})
	}
	if !s.limiter.allow(clientIP(r), s.cfg.Now()) {
		again(http.StatusTooManyRequests, "Too many sign-in attempts from this address; wait a minute and try again.")
		return
	}
	u, err := s.auth.CheckPassword(ctx, email, pw)
	if errors.Is(err, auth.ErrBadCredentials) {
		again(http.StatusUnauthorized, s.signInError())
		return
	}
	if err != nil {
		s.logFor(r).Error("web: check password", "error", err)
		again(http.StatusInternalServerError, "Signing in failed on the server; try again.")
		return
	}
	mfaDone := !u.TOTPEnabled && !s.auth.SecondFactorRequired(ctx, u)
	if err := s.startLogin(w, r, u, mfaDone); err != nil {
		again(http.StatusInternalServerError, "Signing in failed on the server; try again.")
		return
	}
	switch {
	case mfaDone:
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through safeNext: a path on this site, else /sessions
	case u.TOTPEnabled:
		http.Redirect(w, r, "/login/totp?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	}
}

// startLogin creates a sign-in session with a new ID and sets its cookie;
// a session the browser already had is ended (the ID changes at each
// factor, so one fixed before sign-in is worth nothing after it).
func (s *Server) startLogin(w http.ResponseWriter, r *http.Request, u store.User, mfaDone bool) error {
	ctx := r.Context()
	tok := randomToken(32)
	ls := store.LoginSession{IDHash: hashToken(tok), UserID: u.ID, CSRF: randomToken(24), MFADone: mfaDone}
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if ck, err := r.Cookie(s.cookieName()); err == nil && ck.Value != "" {
			if err := tx.DeleteLoginSession(ctx, hashToken(ck.Value)); err != nil {
				return err
			}
		}
		if err := tx.CreateLoginSession(ctx, &ls); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.login", EntityType: "user", EntityID: u.ID, Details: map[string]string{"second_factor_pending": strconv.FormatBool(!mfaDone)}})
	})
	if err != nil {
		s.logFor(r).Error("web: start sign-in session", "error", err)
		return err
	}
	s.setSessionCookie(w, r, tok)
	return nil
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, tok string) {
	// #nosec G124 -- HttpOnly, SameSite=Lax, and Secure whenever the browser reached Scribe over HTTPS (s.secure); on plain http://127.0.0.1 a Secure cookie would never come back
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: tok, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// rotation is the next ID of a sign-in session whose factor is being
// checked: the store renames the session inside the check's transaction,
// and the browser gets the new cookie only when it committed.
type rotation struct{ tok, csrf string }

func newRotation() rotation { return rotation{tok: randomToken(32), csrf: randomToken(24)} }

func (rt rotation) apply(ctx context.Context, c *call, mfaDone bool) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		return tx.RotateLoginSession(ctx, c.login.IDHash, hashToken(rt.tok), rt.csrf, mfaDone)
	}
}

// done gives the browser the new cookie and the request the new session.
func (rt rotation) done(s *Server, w http.ResponseWriter, r *http.Request, c *call) {
	s.setSessionCookie(w, r, rt.tok)
	c.login.IDHash, c.login.CSRF, c.login.MFADone, c.csrf = hashToken(rt.tok), rt.csrf, true, rt.csrf
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) {
	_ = s.cfg.Store.DeleteLoginSession(r.Context(), c.login.IDHash)
	_ = s.cfg.Store.Audit(r.Context(), audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "auth.logout", EntityType: "user", EntityID: c.user.ID})
	// #nosec G124 -- clears the session cookie with the same attributes it was set with (HttpOnly, SameSite=Lax, Secure under TLS)
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	back(w, r, "/login", "You are signed out.")
}

// ---- second factor ----

const totpTitle = "Authenticator code"

func (s *Server) totpForm(w http.ResponseWriter, r *http.Request, c *call) {
	if c.login.MFADone {
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
		return
	}
	if !c.user.TOTPEnabled {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	p := page{Title: totpTitle, Data: authForm{Next: safeNext(r.URL.Query().Get("next"))}}
	if wait, err := s.auth.MFAPause(r.Context(), c.user.ID); err == nil && wait != nil && wait.Locked {
		p.Error = waitMessage(wait, s.cfg.Now())
	}
	s.render(w, r, http.StatusOK, "totp", c, p)
}

// waitMessage tells the person at the second-factor step how long to wait.
func waitMessage(wait *auth.WaitError, now time.Time) string {
	if wait.Locked {
		prefix := ""
		if wait.Wrong {
			prefix = "That code is not right. "
		}
		return prefix + "After too many wrong codes, two-step sign-in for this account is paused until " + wait.Until.UTC().Format("15:04 MST") +
			"; an admin can unlock it sooner. Signing in with the password again does not lift the pause."
	}
	return fmt.Sprintf("Wait %d second(s) before entering another code.", retryAfter(wait, now))
}

func retryAfter(wait *auth.WaitError, now time.Time) int {
	return max(1, int(wait.Until.Sub(now).Round(time.Second)/time.Second))
}

func (s *Server) totpSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	next := safeNext(r.PostFormValue("next"))
	if c.login.MFADone {
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through safeNext: a path on this site, else /sessions
		return
	}
	if !c.user.TOTPEnabled {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	rt := newRotation()
	err := s.auth.CheckSecondFactor(ctx, c.user, r.PostFormValue("code"), "web", rt.apply(ctx, c, true))
	again := func(status int, msg string) {
		s.render(w, r, status, "totp", c, page{Title: totpTitle, Error: msg, Data: authForm{Next: next}})
	}
	var wait *auth.WaitError
	switch {
	case err == nil:
		rt.done(s, w, r, c)
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through safeNext: a path on this site, else /sessions
	case errors.As(err, &wait):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait, s.cfg.Now())))
		again(http.StatusTooManyRequests, waitMessage(wait, s.cfg.Now()))
	case errors.Is(err, auth.ErrWrongCode):
		again(http.StatusUnauthorized, "That code is not right (or was already used); enter the current code from your authenticator app, or one of your recovery codes.")
	default:
		s.logFor(r).Error("web: check second factor", "user", c.user.ID, "error", err)
		again(http.StatusInternalServerError, "The code could not be checked on the server; try again.")
	}
}

// checkSignCredential checks what a clinician enters to sign a note: the
// password, or a code of the second factor when the account has one. Each
// counts toward its own factor's lock. It returns 0 when the credential is
// right, else the status and words to answer with.
func (s *Server) checkSignCredential(ctx context.Context, u store.User, cred string) (int, string) {
	var err error
	if u.TOTPEnabled && auth.IsTOTPCode(cred) {
		err = s.auth.CheckSecondFactor(ctx, u, cred, "signature", nil)
	} else {
		err = s.auth.CheckPasswordOf(ctx, u, cred)
	}
	var wait *auth.WaitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &wait):
		return http.StatusTooManyRequests, waitMessage(wait, s.cfg.Now()) + " The note was not signed."
	case errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrWrongCode):
		if cur, rerr := s.cfg.Store.User(ctx, u.ID); rerr == nil && cur.LockedUntil > s.cfg.Now().UnixMilli() {
			return http.StatusUnauthorized, "Your password is locked after too many wrong entries; the note was not signed. Sign it with an authenticator code, wait, or ask an admin to unlock your account."
		}
		return http.StatusUnauthorized, "The password (or authenticator code) you entered to sign is not right; the note was not signed."
	default:
		s.logCtx(ctx).Error("web: check signing credential", "user", u.ID, "error", err)
		return http.StatusInternalServerError, "The credential could not be checked on the server; the note was not signed. Try again."
	}
}

// ---- enrolment ----

type enrolData struct {
	Secret  string
	QR      template.URL // a data: URL of the key's QR code, made here
	Enabled bool
}

// enrolForm shows the pending key of a user who is setting up the second
// factor (or the status to one who has it). It changes nothing: the key is
// made by enrolKey, a POST, and shown again on every reload until confirmed.
func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request, c *call) {
	if c.user.TOTPEnabled {
		if !c.login.MFADone {
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "enrol", c, page{Title: "Two-step sign-in", Data: enrolData{Enabled: true}})
		return
	}
	secret, err := s.auth.PendingTOTP(r.Context(), c.user.ID)
	if err != nil {
		s.serverError(w, r, err, "the authenticator key could not be read; try again")
		return
	}
	s.render(w, r, http.StatusOK, "enrol", c, page{Title: "Set up two-step sign-in", Data: s.enrolData(c.user.Email, secret)})
}

func (s *Server) enrolData(email, secret string) enrolData {
	d := enrolData{Secret: secret}
	if secret == "" {
		return d
	}
	key, err := otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp", Path: "/Scribe:" + email,
		RawQuery: url.Values{"secret": {secret}, "issuer": {"Scribe"}}.Encode()}).String())
	if err != nil {
		return d
	}
	if img, err := key.Image(200, 200); err == nil {
		var b bytes.Buffer
		if png.Encode(&b, img) == nil {
			// #nosec G203 -- a data: URL of base64 PNG bytes Scribe encoded itself; no input reaches it unescaped
			d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
		}
	}
	return d
}

// enrolKey makes the pending key (or keeps the one already pending).
func (s *Server) enrolKey(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.auth.NewPendingTOTP(r.Context(), c.user.ID); err != nil && !errors.Is(err, auth.ErrAlreadyEnrolled) {
		s.serverError(w, r, err, "could not make an authenticator key; try again")
		return
	}
	http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
}

type codesData struct {
	Codes []string
	Next  string
}

// enrolSubmit turns the second factor on with a code from the pending key,
// completes the sign-in under a new session ID and shows the recovery codes
// once.
func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	if c.user.TOTPEnabled {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	rt := newRotation()
	codes, err := s.auth.ConfirmTOTP(ctx, c.user.ID, r.PostFormValue("code"), rt.apply(ctx, c, true))
	if err != nil {
		secret, _ := s.auth.PendingTOTP(ctx, c.user.ID)
		msg := "That code does not match the key shown; check the key in your app and enter its current code."
		if !errors.Is(err, auth.ErrWrongCode) {
			msg = capitalize(err.Error()) + "."
		}
		s.render(w, r, http.StatusBadRequest, "enrol", c, page{Title: "Set up two-step sign-in", Error: msg, Data: s.enrolData(c.user.Email, secret)})
		return
	}
	rt.done(s, w, r, c)
	c.user.TOTPEnabled = true
	next, u := "/sessions", c.user
	u.TOTPEnabled = true
	if s.setupPending(r, u) { // the first admin goes on with the set-up wizard
		next = setupPath
	}
	s.render(w, r, http.StatusOK, "recovery_codes", c, page{Title: "Your recovery codes", Flash: "Two-step sign-in is on.", Data: codesData{Codes: codes, Next: next}})
}

// ---- account page: recovery codes and personal API tokens ----

type accountData struct {
	CodesLeft, CodesTotal int
	Tokens                []store.APIToken
	NewToken              string
	TokenName             string
	Style                 styleForm // the note style (pages_style.go)
	StyleChoices          map[string][]styleChoice
	Edits                 editChart
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderAccount(w, r, c, http.StatusOK, accountData{}, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, c *call, status int, d accountData, errMsg string) {
	ctx := r.Context()
	var err error
	if d.CodesLeft, err = s.cfg.Store.RecoveryCodesLeft(ctx, c.user.ID); err == nil {
		d.Tokens, err = s.cfg.Store.APITokens(ctx, c.user.ID)
	}
	if err == nil {
		err = s.fillStyle(r, c, &d)
	}
	if err != nil {
		s.serverError(w, r, err, "your account could not be read; try again")
		return
	}
	d.CodesTotal = auth.RecoveryCodeCount
	s.render(w, r, status, "account", c, page{Title: "Your account", Nav: "account", Error: errMsg, Data: d})
}

// credentialRefusal turns a refused re-entered password into a status and words.
func (s *Server) credentialRefusal(err error, what string) (int, string) {
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return http.StatusUnauthorized, "The password is not right; " + what
	case errors.Is(err, auth.ErrNoSecondFactor):
		return http.StatusBadRequest, "Two-step sign-in is not on for your account; turn it on first. " + capitalize(what)
	}
	return http.StatusBadRequest, capitalize(err.Error()) + "; " + what
}

func (s *Server) recoveryCodesNew(w http.ResponseWriter, r *http.Request, c *call) {
	pw := r.PostFormValue("password")
	if pw == "" {
		s.renderAccount(w, r, c, http.StatusBadRequest, accountData{}, "Enter your password to make new recovery codes.")
		return
	}
	codes, err := s.auth.RegenerateRecoveryCodes(r.Context(), c.user, pw)
	if err != nil {
		status, msg := s.credentialRefusal(err, "no new codes were made.")
		s.renderAccount(w, r, c, status, accountData{}, msg)
		return
	}
	s.render(w, r, http.StatusOK, "recovery_codes", c, page{Title: "Your new recovery codes", Nav: "account",
		Flash: "New recovery codes made; the old ones no longer work.", Data: codesData{Codes: codes, Next: "/account"}})
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request, c *call) {
	name, pw := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	if name == "" || pw == "" {
		s.renderAccount(w, r, c, http.StatusBadRequest, accountData{TokenName: name}, "Give the token a name and enter your password to create it.")
		return
	}
	tok, _, err := s.auth.CreateToken(r.Context(), c.user, name, pw)
	if err != nil {
		status, msg := s.credentialRefusal(err, "no token was created.")
		s.renderAccount(w, r, c, status, accountData{TokenName: name}, msg)
		return
	}
	s.renderAccount(w, r, c, http.StatusCreated, accountData{NewToken: tok}, "")
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request, c *call) {
	err := s.auth.RevokeToken(r.Context(), c.user, r.PathValue("token"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "you have no live API token with this ID")
		return
	}
	if err != nil {
		s.serverError(w, r, err, "the token could not be revoked; try again")
		return
	}
	back(w, r, "/account", "Token revoked; the command line no longer accepts it.")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
