package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"log/slog"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

const (
	settingSetupToken = "setup_token_hash"
	settingTOTPRoles  = "totp_required_roles"
	invitePrefix      = "invite:"
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
	tok := randomToken(24)
	err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutSetting(ctx, invitePrefix+hashToken(tok), userID+"|"+strconv.FormatInt(now.Add(ttl).UnixMilli(), 10))
	})
	if err != nil {
		return "", err
	}
	return "/invite?token=" + tok, nil
}

// totpRequired says whether a user must have a second factor: admins
// always, other roles as the site's policy says.
func (s *Server) totpRequired(ctx context.Context, u store.User) bool {
	if u.Role == store.RoleAdmin {
		return true
	}
	v, err := s.cfg.Store.Setting(ctx, settingTOTPRoles, store.RoleAdmin)
	if err != nil {
		return true // fail closed
	}
	for _, r := range strings.Split(v, ",") {
		if strings.TrimSpace(r) == u.Role {
			return true
		}
	}
	return false
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
	Email, Token, Next, Msg string
	SetupDone               bool
	TokenOK                 bool
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
	hash, err := HashPassword(pw)
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
		slog.Error("web: set-up", "error", err)
		again("The admin could not be saved; nothing was changed. Try again.")
		return
	}
	s.hasUsers.Store(true)
	if err := s.startLogin(w, r, u, false); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the admin was created but signing in failed; sign in at /login")
		return
	}
	http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
}

func (s *Server) setupTokenOKTx(ctx context.Context, tok string) bool {
	return s.setupTokenOK(ctx, tok)
}

// ---- invitations (scribe user add) ----

func (s *Server) inviteUser(ctx context.Context, tok string) (store.User, string, error) {
	key := invitePrefix + hashToken(tok)
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
	hash, err := HashPassword(pw)
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

func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/sessions"
	}
	return n
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	s.render(w, r, http.StatusOK, "login", nil, page{Title: "Sign in", Flash: q.Get("flash"), CSRF: s.preAuthCSRF(w, r),
		Data: authForm{Next: safeNext(q.Get("next")), Msg: q.Get("msg")}})
}

// errSignIn is the one message for a wrong e-mail or password.
const errSignIn = "The e-mail or password is not right."

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
	u, err := s.cfg.Store.UserByEmail(ctx, email)
	if err != nil {
		VerifyPassword(dummyHash, pw)
		again(http.StatusUnauthorized, errSignIn)
		return
	}
	if msg := s.lockedMessage(u); msg != "" {
		again(http.StatusLocked, msg)
		return
	}
	if u.Disabled || u.PasswordHash == "" || !VerifyPassword(u.PasswordHash, pw) {
		if msg := s.loginFailed(ctx, u.ID, "password"); msg != "" {
			again(http.StatusLocked, msg)
			return
		}
		again(http.StatusUnauthorized, errSignIn)
		return
	}
	mfaDone := !u.TOTPEnabled && !s.totpRequired(ctx, u)
	if err := s.startLogin(w, r, u, mfaDone); err != nil {
		again(http.StatusInternalServerError, "Signing in failed on the server; try again.")
		return
	}
	switch {
	case mfaDone:
		http.Redirect(w, r, next, http.StatusSeeOther)
	case u.TOTPEnabled:
		http.Redirect(w, r, "/login/totp?next="+urlQuery(next), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	}
}

func (s *Server) lockedMessage(u store.User) string {
	now := s.cfg.Now().UnixMilli()
	if u.LockedUntil > now {
		mins := (u.LockedUntil - now + 59999) / 60000
		return fmt.Sprintf("This account is locked after too many failed sign-ins; try again in %d minute(s) or ask an admin to unlock it.", mins)
	}
	return ""
}

// loginFailed counts a failed factor and locks the account at the limit;
// it returns the lock message when the account is now locked.
func (s *Server) loginFailed(ctx context.Context, userID, factor string) string {
	var msg string
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		u.FailedLogins++
		details := map[string]string{"factor": factor, "failures": strconv.Itoa(u.FailedLogins)}
		action := "auth.login_failed"
		if u.FailedLogins >= s.cfg.LockoutAfter {
			u.LockedUntil = s.cfg.Now().Add(s.cfg.LockoutFor).UnixMilli()
			u.FailedLogins = 0
			action = "auth.lockout"
			msg = s.lockedMessage(u)
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: userID, Action: action, EntityType: "user", EntityID: userID, Outcome: "failure", Details: details})
	})
	if err != nil {
		slog.Error("web: record failed sign-in", "error", err)
	}
	return msg
}

// startLogin creates the sign-in session and its cookie.
func (s *Server) startLogin(w http.ResponseWriter, r *http.Request, u store.User, mfaDone bool) error {
	ctx := r.Context()
	tok := randomToken(32)
	ls := store.LoginSession{IDHash: hashToken(tok), UserID: u.ID, CSRF: randomToken(24), MFADone: mfaDone}
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.User(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.FailedLogins != 0 || cur.LockedUntil != 0 {
			cur.FailedLogins, cur.LockedUntil = 0, 0
			if err := tx.UpdateUser(ctx, &cur); err != nil {
				return err
			}
		}
		if err := tx.CreateLoginSession(ctx, &ls); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.login", EntityType: "user", EntityID: u.ID, Details: map[string]string{"second_factor_pending": strconv.FormatBool(!mfaDone)}})
	})
	if err != nil {
		slog.Error("web: start sign-in session", "error", err)
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) {
	_ = s.cfg.Store.DeleteLoginSession(r.Context(), c.login.IDHash)
	_ = s.cfg.Store.Audit(r.Context(), audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "auth.logout", EntityType: "user", EntityID: c.user.ID})
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	back(w, r, "/login", "You are signed out.")
}

// ---- second factor ----

func (s *Server) totpForm(w http.ResponseWriter, r *http.Request, c *call) {
	if c.login.MFADone {
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
		return
	}
	if !c.user.TOTPEnabled {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "totp", c, page{Title: "Authenticator code", Data: authForm{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (s *Server) totpSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	next := safeNext(r.PostFormValue("next"))
	if msg := s.lockedMessage(c.user); msg != "" {
		s.render(w, r, http.StatusLocked, "totp", c, page{Title: "Authenticator code", Error: msg, Data: authForm{Next: next}})
		return
	}
	if !c.user.TOTPEnabled {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	if !s.acceptTOTP(ctx, c.user, r.PostFormValue("code"), c.login.IDHash) {
		msg := "That code is not right (or was already used); enter the current code from your authenticator app."
		if lock := s.loginFailed(ctx, c.user.ID, "totp"); lock != "" {
			msg = lock
		}
		s.render(w, r, http.StatusUnauthorized, "totp", c, page{Title: "Authenticator code", Error: msg, Data: authForm{Next: next}})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// acceptTOTP checks a code against the user's sealed secret, records the
// step (no replay) and, when loginHash is set, completes that sign-in.
func (s *Server) acceptTOTP(ctx context.Context, u store.User, code, loginHash string) bool {
	secret, err := s.openSecret(u)
	if err != nil {
		slog.Error("web: open TOTP secret", "user", u.ID, "error", err)
		return false
	}
	ok := false
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.User(ctx, u.ID)
		if err != nil {
			return err
		}
		step, good := checkTOTP(secret, code, s.cfg.Now(), cur.TOTPLastStep)
		if !good {
			return nil
		}
		ok = true
		cur.TOTPLastStep, cur.TOTPEnabled, cur.FailedLogins = step, true, 0
		if err := tx.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		if loginHash != "" {
			if err := tx.CompleteMFA(ctx, loginHash); err != nil {
				return err
			}
		}
		action := "auth.totp"
		if !u.TOTPEnabled {
			action = "auth.totp_enrolled"
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: action, EntityType: "user", EntityID: u.ID})
	})
	if err != nil {
		slog.Error("web: accept TOTP", "error", err)
		return false
	}
	return ok
}

func (s *Server) openSecret(u store.User) (string, error) {
	if u.TOTPSecret == "" {
		return "", errors.New("no TOTP secret")
	}
	sealed, err := base64.StdEncoding.DecodeString(u.TOTPSecret)
	if err != nil {
		return "", err
	}
	b, err := s.cfg.Sealer.Open("totp/"+u.ID, sealed)
	return string(b), err
}

type enrolData struct {
	Secret  string
	QR      template.URL // a data: URL of the key's QR code, made here
	Enabled bool
}

// enrolForm shows a new secret to a user without a second factor (or the
// status to one who has it).
func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	if c.user.TOTPEnabled {
		if !c.login.MFADone {
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "enrol", c, page{Title: "Two-step sign-in", Data: enrolData{Enabled: true}})
		return
	}
	key, err := NewTOTPKey("Scribe", c.user.Email)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "could not make an authenticator secret")
		return
	}
	sealed, err := s.cfg.Sealer.Seal("totp/"+c.user.ID, []byte(key.Secret()))
	if err == nil {
		err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.User(ctx, c.user.ID)
			if err != nil {
				return err
			}
			cur.TOTPSecret = base64.StdEncoding.EncodeToString(sealed)
			return tx.UpdateUser(ctx, &cur)
		})
	}
	if err != nil {
		slog.Error("web: store TOTP secret", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "could not save the authenticator secret; try again")
		return
	}
	d := enrolData{Secret: key.Secret()}
	if img, err := key.Image(200, 200); err == nil {
		var b bytes.Buffer
		if png.Encode(&b, img) == nil {
			d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
		}
	}
	s.render(w, r, http.StatusOK, "enrol", c, page{Title: "Set up two-step sign-in", Data: d})
}

func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	if c.user.TOTPEnabled {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	if !s.acceptTOTP(r.Context(), c.user, r.PostFormValue("code"), c.login.IDHash) {
		secret, _ := s.openSecret(c.user)
		s.render(w, r, http.StatusBadRequest, "enrol", c, page{Title: "Set up two-step sign-in", Error: "That code does not match the key shown; check the key in your app and enter its current code.", Data: enrolData{Secret: secret}})
		return
	}
	back(w, r, "/sessions", "Two-step sign-in is on.")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "?", "%3F", "#", "%23", " ", "%20", "+", "%2B").Replace(s)
}
