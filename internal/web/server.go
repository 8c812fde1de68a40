package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Sealer encrypts small secrets at rest (blob.Dir does, under the KEK).
type Sealer = auth.Sealer

// Config is what the web app needs from the process that mounts it.
type Config struct {
	Store  *store.Store
	Blobs  blob.Store
	Sealer Sealer // seals TOTP secrets; required
	Now    func() time.Time
	// IdleTimeout signs a browser out after this long without a request
	// (default 15 minutes).
	IdleTimeout time.Duration
	// Secure marks cookies Secure and sends HSTS: set it when serving TLS.
	Secure bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-Proto,
	// X-Forwarded-For and X-Request-Id are believed: a request from one that
	// says the browser used HTTPS gets Secure cookies and HSTS, and its
	// client address is the forwarded one. Empty: believe no one.
	TrustedProxies []netip.Prefix
	// Logger receives the app's log lines, each with its request id (nil:
	// nothing is logged).
	Logger *slog.Logger
	// PublicURL is the base of join links ("" = the request's own host).
	PublicURL string
	// PracticeName, when set, names the practice in the invitations a
	// clinician sends clients ("Your appointment with …").
	PracticeName string
	// NewJoinToken makes a call join token and the hash the store keeps.
	NewJoinToken func() (token, hash string)
	// Ingester stores uploaded recordings (nil: uploads are refused).
	Ingester *pipeline.Ingester
	// MaxUpload bounds an uploaded recording (default DefaultMaxUpload,
	// 2 GiB); every other request body is bounded at 1 MiB.
	MaxUpload int64
	// UploadMinRate (bytes/s) and UploadStall pace an upload in place of
	// the server's read timeout (defaults DefaultUploadMinRate and
	// DefaultUploadStall): a client that keeps the server waiting longer
	// than UploadStall, or averages less than UploadMinRate over the time
	// the server waited, is cut off and nothing of its upload is kept.
	UploadMinRate int64
	UploadStall   time.Duration
	// JobsUI, when set, is served to admins under /admin/jobs/.
	JobsUI http.Handler
	// Audit is what the admin page's Verify trusts outside the database
	// (checkpoint key and witness); the same as `scribe audit verify`.
	Audit compliance.AuditTrust
	// Doctor is what the admin System check page runs the checks with; the
	// store, audit trust, public URL and TLS come from the fields above.
	Doctor doctor.Options
	// LockoutAfter failed sign-ins lock an account for LockoutFor
	// (defaults 5 and 15 minutes).
	LockoutAfter int
	LockoutFor   time.Duration
}

// Server is the web app.
type Server struct {
	cfg        Config
	log        *slog.Logger
	publicHost string // scheme://host of cfg.PublicURL, "" when unset
	pages      map[string]*template.Template
	routes     []route
	mux        *http.ServeMux
	limiter    *rateLimiter
	auth       *auth.Service
	flashKey   []byte // signs the messages redirects carry (see back)
	hasUsers   atomic.Bool
	setupMu    sync.Mutex
}

// Access levels of a route.
type access int

const (
	// public routes need no sign-in (sign-in, set-up, invitations, assets).
	public access = iota
	// partial routes need a sign-in session whose second factor may still
	// be pending (the TOTP step, enrolment, sign-out).
	partial
	// signedIn routes need a complete sign-in and one of the route's roles
	// (any role when the list is empty).
	signedIn
)

type route struct {
	method, path string
	access       access
	roles        []string // for signedIn; empty = any role
	// passive requests (status polling) do not restart the idle clock.
	passive bool
	// ownCSRF routes (the job dashboard's API) check no form token; they
	// rely on SameSite cookies and the Origin check.
	ownCSRF bool
	// maxBody bounds the request body (0: formBodyLimit); upload marks the
	// one route that takes a multipart file and streams it.
	maxBody int64
	upload  bool
	h       func(w http.ResponseWriter, r *http.Request, c *call)
}

// call is one request's signed-in context.
type call struct {
	user  store.User
	login store.LoginSession
	csrf  string // token forms must carry
}

var (
	allRoles       = []string{store.RoleAdmin, store.RoleClinician, store.RoleSupervisor}
	clinicalRoles  = []string{store.RoleClinician, store.RoleSupervisor}
	schedulerRoles = []string{store.RoleClinician, store.RoleSupervisor, store.RoleAdmin}
	adminOnly      = []string{store.RoleAdmin}
)

// New builds the web app. It creates a one-time set-up link when no user
// exists yet (returned by SetupLink).
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Sealer == nil || cfg.Audit.DataDir == "" {
		return nil, errors.New("web: Store, Blobs, Sealer and Audit.DataDir are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Minute
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.UploadMinRate <= 0 {
		cfg.UploadMinRate = DefaultUploadMinRate
	}
	if cfg.UploadStall <= 0 {
		cfg.UploadStall = DefaultUploadStall
	}
	if cfg.LockoutAfter <= 0 {
		cfg.LockoutAfter = 5
	}
	if cfg.LockoutFor <= 0 {
		cfg.LockoutFor = 15 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	publicHost := ""
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		publicHost = u.Scheme + "://" + u.Host
	}
	s := &Server{cfg: cfg, log: cfg.Logger, publicHost: publicHost, limiter: newRateLimiter(20, 3*time.Second),
		auth: &auth.Service{Store: cfg.Store, Sealer: cfg.Sealer, Now: cfg.Now, LockoutAfter: cfg.LockoutAfter, LockoutFor: cfg.LockoutFor}}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	key, err := flashKey(ctx, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("web: flash signing key: %w", err)
	}
	s.flashKey = key
	n, err := cfg.Store.CountUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: count users: %w", err)
	}
	s.hasUsers.Store(n > 0)
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		pattern := rt.path
		if rt.method != "" {
			pattern = rt.method + " " + rt.path
		}
		s.mux.Handle(pattern, s.wrap(rt))
	}
	// Any other address gets the app's own page, not Go's plain "404 page
	// not found".
	s.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "there is no page at this address; it may have moved, or the link was mistyped")
	}))
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	s.mux.Handle("GET /static/", http.MaxBytesHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}), formBodyLimit))
	return s, nil
}

// Handler serves the whole app (mount it at "/").
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = s.withRequestInfo(w, r)
		rec := &statusRecorder{ResponseWriter: w}
		w = rec
		defer s.accessLog(r, rec, start)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/admin/jobs") {
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		}
		if s.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		r = r.WithContext(context.WithValue(r.Context(), flashKeyCtx{}, s.flashKey))
		s.mux.ServeHTTP(w, r)
	})
}

// Mount registers the app on a shared mux: "/" and everything under it
// that no more specific pattern (health checks, the call relay) claims.
func (s *Server) Mount(mux *http.ServeMux) { mux.Handle("/", s.Handler()) }

// wrap applies the route's access rule, idle logoff and CSRF check.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		matched(r, rt)
		if !s.limitBody(w, r, rt) {
			return
		}
		if !s.hasUsers.Load() {
			// `scribe user add` may create the first user while the server
			// runs: until a user is seen, ask the database each time.
			s.refreshHasUsers(r)
		}
		if !s.hasUsers.Load() && rt.path != "/setup" && rt.path != "/{$}" {
			http.Redirect(w, r, "/setup", http.StatusSeeOther)
			return
		}
		mutating := r.Method != http.MethodGet && r.Method != http.MethodHead
		if mutating && !s.sameOrigin(r) {
			s.fail(w, r, http.StatusForbidden, "this request came from another site and was refused (CSRF protection)")
			return
		}
		if rt.access == public {
			if mutating && !s.preAuthCSRFOK(r) {
				s.fail(w, r, http.StatusForbidden, "the form expired or is missing its security token; reload the page and try again")
				return
			}
			rt.h(w, r, nil)
			return
		}
		c, status, msg := s.authenticate(r, !rt.passive)
		if c == nil {
			if status == http.StatusUnauthorized && !wantsJSON(r) {
				http.Redirect(w, r, withFlash(r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), msg), http.StatusSeeOther)
				return
			}
			s.fail(w, r, status, msg)
			return
		}
		if mutating && !rt.ownCSRF && !equalTokens(formOrHeaderCSRF(r), c.login.CSRF) {
			s.fail(w, r, http.StatusForbidden, "the form expired or is missing its security token; reload the page and try again")
			return
		}
		if rt.access == signedIn {
			if !c.login.MFADone {
				if s.auth.SecondFactorRequired(r.Context(), c.user) && !c.user.TOTPEnabled {
					http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
					return
				}
				http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
				return
			}
			if len(rt.roles) > 0 && !hasRole(c.user.Role, rt.roles) {
				s.fail(w, r, http.StatusForbidden, fmt.Sprintf("this page is for %s users; you are signed in as %s", strings.Join(rt.roles, " or "), c.user.Role))
				return
			}
		}
		rt.h(w, r, c)
	})
}

// refreshHasUsers notes that users exist once the database has one; it
// never goes back (users are disabled, not deleted).
func (s *Server) refreshHasUsers(r *http.Request) {
	n, err := s.cfg.Store.CountUsers(r.Context())
	if err != nil {
		s.logFor(r).Warn("web: count users", "error", err)
		return
	}
	if n > 0 {
		s.hasUsers.Store(true)
	}
}

func hasRole(role string, roles []string) bool {
	for _, x := range roles {
		if x == role {
			return true
		}
	}
	return false
}

// sameOrigin refuses cross-site state changes: when the browser names the
// origin, it must be this host.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	// Behind a reverse proxy that passes its own Host upstream, the
	// browser's origin is the public URL's.
	return u.Host == r.Host || (s.publicHost != "" && u.Scheme+"://"+u.Host == s.publicHost)
}

func formOrHeaderCSRF(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// The token comes in the query for uploads so that the body can be
		// streamed to disk without being parsed first.
		return r.URL.Query().Get("csrf")
	}
	return r.PostFormValue("csrf")
}

const (
	preCSRFCookie = "scribe_csrf"
)

func (s *Server) cookieName() string {
	if s.cfg.Secure {
		return "__Host-scribe"
	}
	return "scribe_session"
}

// preAuthCSRF returns the double-submit token for forms shown before
// sign-in, setting its cookie when the browser has none.
func (s *Server) preAuthCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	t := randomToken(24)
	// #nosec G124 -- Secure whenever the browser reached Scribe over HTTPS (s.secure); on plain http://127.0.0.1 a Secure cookie would never come back
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: t, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	return t
}

func (s *Server) preAuthCSRFOK(r *http.Request) bool {
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && equalTokens(r.PostFormValue("csrf"), c.Value)
}

// authenticate finds the sign-in session of the request, signing it out
// when it has been idle too long. touch restarts the idle clock.
func (s *Server) authenticate(r *http.Request, touch bool) (*call, int, string) {
	ck, err := r.Cookie(s.cookieName())
	if err != nil || ck.Value == "" {
		return nil, http.StatusUnauthorized, ""
	}
	ctx := r.Context()
	idHash := hashToken(ck.Value)
	ls, err := s.cfg.Store.LoginSession(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, http.StatusUnauthorized, "Your sign-in has ended; please sign in again."
	}
	if err != nil {
		s.logFor(r).Error("web: read sign-in session", "error", err)
		return nil, http.StatusInternalServerError, "the database is not answering; try again shortly"
	}
	now := s.cfg.Now().UnixMilli()
	if now-ls.LastSeen > s.cfg.IdleTimeout.Milliseconds() {
		_ = s.cfg.Store.DeleteLoginSession(ctx, idHash)
		_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: ls.UserID, Action: "auth.idle_logoff", EntityType: "user", EntityID: ls.UserID})
		return nil, http.StatusUnauthorized, fmt.Sprintf("You were signed out after %d minutes without activity.", int(s.cfg.IdleTimeout.Minutes()))
	}
	u, err := s.cfg.Store.User(ctx, ls.UserID)
	if err != nil || u.Disabled {
		_ = s.cfg.Store.DeleteLoginSession(ctx, idHash)
		return nil, http.StatusUnauthorized, "Your account is not active; ask an admin."
	}
	if touch && now-ls.LastSeen > 5000 {
		if err := s.cfg.Store.TouchLoginSession(ctx, idHash, now); err != nil {
			s.logFor(r).Warn("web: touch sign-in session", "error", err)
		}
	}
	return &call{user: u, login: ls, csrf: ls.CSRF}, 0, ""
}

// ---- rendering ----

func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"clock":      clock,
		"stageWords": func(stage string) string { return strings.ToLower(stageWords(stage)) },
		"datetime":   func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 MST") },
		"iso":        func(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) },
		"minutes":    func(ms int64) int64 { return ms / 60000 },
		"upper":      strings.ToUpper,
		"join":       strings.Join,
		"hashBroken": func(ok *bool) bool { return ok != nil && !*ok },
		"hasWord": func(list, w string) bool {
			for _, x := range strings.Split(list, ",") {
				if strings.TrimSpace(x) == w {
					return true
				}
			}
			return false
		},
	}
	for k, f := range labelFuncs {
		funcs[k] = f
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return fmt.Errorf("web: layout template: %w", err)
	}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimPrefix(e, "templates/")
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, e)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// page is what every template gets.
type page struct {
	Title  string
	User   *store.User
	CSRF   string
	Flash  string
	Error  string
	IdleMS int64
	Nav    string
	Data   any
	// SetupPending: an admin's home offers the first-run wizard until
	// every step is done.
	SetupPending bool
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, c *call, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.logFor(r).Error("web: no such template", "name", name)
		http.Error(w, "internal error (reference "+RequestID(r)+")", http.StatusInternalServerError)
		return
	}
	if c != nil {
		u := c.user
		p.User, p.CSRF, p.IdleMS = &u, c.csrf, s.cfg.IdleTimeout.Milliseconds()
		p.SetupPending = name == "sessions" && s.setupPending(r, u)
	}
	if p.Flash == "" {
		p.Flash = s.flashOf(r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.logFor(r).Error("web: render", "template", name, "error", err)
		http.Error(w, "internal error while rendering the page (reference "+RequestID(r)+")", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeMaybeGzip(w, r, status, buf.Bytes())
}

// writeMaybeGzip compresses bodies over 1 KiB for browsers that accept it.
func writeMaybeGzip(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if len(body) > 1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		body = zb.Bytes()
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail answers with an error a person can act on (JSON for scripts).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status >= 500 {
		// The id in the log line of the cause (see internalError).
		if id := RequestID(r); id != "" {
			msg += " Reference: " + id + "."
		}
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	var c *call
	if status == http.StatusForbidden || status == http.StatusNotFound {
		c, _, _ = s.authenticate(r, false)
	}
	s.render(w, r, status, "error", c, page{Title: errorTitle(status), Error: msg})
}

// errorTitle heads an error page in words for the person, not the HTTP
// status name.
func errorTitle(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return "Please check what you sent"
	case http.StatusForbidden:
		return "You do not have access to this"
	case http.StatusNotFound:
		return "We could not find that"
	case http.StatusConflict:
		return "This cannot be done right now"
	case http.StatusTooManyRequests:
		return "Please wait a moment"
	case http.StatusServiceUnavailable:
		return "Not available on this server"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return http.StatusText(status)
}

// back redirects to a page of this site with a flash message. Callers pass
// a path that begins with a fixed segment ("/sessions/"+id); anything that
// is not a path on this host goes to the home page instead.
func back(w http.ResponseWriter, r *http.Request, path, flash string) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
		path = "/"
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"ok": flash, "location": path})
		return
	}
	http.Redirect(w, r, withFlash(r, path, flash), http.StatusSeeOther) // #nosec G710 -- path is a path on this host (checked above), built by the handlers from fixed segments
}

// A flash message travels in the address of the page a redirect leads to,
// with an HMAC under a key only the server knows (kept in the settings, so
// every process of one database shares it): a page shows the message only
// when the server wrote it, never words that a link's author put there.
type flashKeyCtx struct{}

const settingFlashKey = "flash_signing_key"

func flashKey(ctx context.Context, st *store.Store) ([]byte, error) {
	v, err := st.Setting(ctx, settingFlashKey, "")
	if err == nil && v == "" {
		if err = st.InTx(ctx, func(tx *store.Tx) error {
			if cur, err := tx.Setting(ctx, settingFlashKey, ""); err != nil || cur != "" {
				return err
			}
			return tx.PutSetting(ctx, settingFlashKey, randomToken(32))
		}); err == nil {
			v, err = st.Setting(ctx, settingFlashKey, "")
		}
	}
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

func flashSeal(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("scribe-flash|" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// withFlash adds a sealed message to path ("" adds nothing).
func withFlash(r *http.Request, path, msg string) string {
	key, _ := r.Context().Value(flashKeyCtx{}).([]byte)
	if msg == "" || len(key) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + url.Values{"flash": {msg}, "fs": {flashSeal(key, msg)}}.Encode()
}

// flashOf returns the request's flash message when its seal holds.
func (s *Server) flashOf(r *http.Request) string {
	q := r.URL.Query()
	msg := q.Get("flash")
	if msg == "" || !hmac.Equal([]byte(q.Get("fs")), []byte(flashSeal(s.flashKey, msg))) {
		return ""
	}
	return msg
}

func clock(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
