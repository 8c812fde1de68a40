package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink the server's goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// proxied sends GET path to the app as a TLS-terminating proxy would.
func proxied(t *testing.T, e *env, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 127.0.0.1")
	req.Header.Set("X-Request-Id", "proxy-req-42")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r
}

// TestTrustedProxy: behind a TLS-terminating proxy listed in
// TrustedProxies, a request the proxy took over HTTPS gets Secure cookies
// and HSTS, and the log carries the proxy's request id and the client's
// address; the same headers from a peer that is not a trusted proxy change
// nothing.
func TestTrustedProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		trusted bool
	}{
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, true},
		{"untrusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, false},
		{"none", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			e := newEnv(t, "", func(c *Config) {
				c.TrustedProxies = tc.proxies
				c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			e.addUser("admin@example.org", "admin", false)
			r := proxied(t, e, "/login")
			if r.StatusCode != http.StatusOK {
				t.Fatalf("/login: HTTP %d", r.StatusCode)
			}
			var csrf *http.Cookie
			for _, c := range r.Cookies() {
				if c.Name == preCSRFCookie {
					csrf = c
				}
			}
			if csrf == nil {
				t.Fatal("no CSRF cookie set")
			}
			if csrf.Secure != tc.trusted {
				t.Errorf("cookie Secure = %v, want %v", csrf.Secure, tc.trusted)
			}
			if hsts := r.Header.Get("Strict-Transport-Security"); (hsts != "") != tc.trusted {
				t.Errorf("HSTS %q; want it only from a trusted proxy", hsts)
			}
			id := r.Header.Get("X-Request-Id")
			if (id == "proxy-req-42") != tc.trusted || id == "" {
				t.Errorf("request id %q", id)
			}
			found := false
			for _, l := range e.logLines(t, logs) {
				if l["msg"] != "web: request" {
					continue
				}
				found = true
				wantIP := "127.0.0.1"
				if tc.trusted {
					wantIP = "203.0.113.9"
				}
				if l["request_id"] != id || l["client_ip"] != wantIP || l["route"] != "GET /login" {
					t.Errorf("access log %v; want request_id %s, client_ip %s", l, id, wantIP)
				}
			}
			if !found {
				t.Error("no access log line")
			}
		})
	}
}

func (e *env) logLines(t *testing.T, b *syncBuffer) []map[string]any { return b.lines(t) }

// TestForwardedForSkipsTrustedHops: the client is the right-most address
// that is not a trusted proxy; addresses left of it could be forged.
func TestForwardedForSkipsTrustedHops(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for hdr, want := range map[string]string{
		"198.51.100.1, 203.0.113.9, 10.0.0.5": "203.0.113.9",
		"10.0.0.7, 10.0.0.5":                  "10.0.0.7",
		"not-an-ip":                           "10.0.0.1",
		"":                                    "10.0.0.1",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if hdr != "" {
			r.Header.Set("X-Forwarded-For", hdr)
		}
		if got := s.forwardedFor(r, "10.0.0.1"); got != want {
			t.Errorf("X-Forwarded-For %q: client %s, want %s", hdr, got, want)
		}
	}
}

// TestInternalErrorLogsCauseWithRequestID: a 500 logs its cause with the
// request id and shows the person that id (and not the cause).
func TestInternalErrorLogsCauseWithRequestID(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnv(t, "", func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	e.addUser("clinician@example.org", "clinician", false)
	w := httptest.NewRecorder()
	r := e.web.withRequestInfo(w, httptest.NewRequest("GET", "/sessions", nil))
	e.web.internalError(w, r, errors.New("disk quota exceeded on /var/lib/scribe"))
	id := w.Header().Get("X-Request-Id")
	if w.Code != http.StatusInternalServerError || id == "" {
		t.Fatalf("HTTP %d, request id %q", w.Code, id)
	}
	if body := w.Body.String(); !strings.Contains(body, id) || strings.Contains(body, "quota") {
		t.Errorf("page: %s", errorText(body))
	}
	var line map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "web: internal error" {
			line = l
		}
	}
	if line == nil || line["request_id"] != id || !strings.Contains(line["error"].(string), "quota") {
		t.Fatalf("log %v; want the cause with request_id %s", line, id)
	}

	// The database going away under a signed-in request: 500, its id on the
	// page and in the log line of the cause.
	b := e.client()
	b.login("clinician@example.org", "")
	e.store.Close()
	res := b.get("/sessions")
	id = res.header.Get("X-Request-Id")
	if res.status != http.StatusInternalServerError || !strings.Contains(res.body, "Reference: "+id) {
		t.Fatalf("HTTP %d: %s", res.status, errorText(res.body))
	}
	found := false
	for _, l := range logs.lines(t) {
		if l["msg"] == "web: read sign-in session" && l["request_id"] == id && l["error"] != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line of the cause with request_id %s", id)
	}
}

// TestOriginOfThePublicURL: behind a proxy that sends its own Host
// upstream, a form posted from the public URL's origin is this site's, and
// another origin is still refused.
func TestOriginOfThePublicURL(t *testing.T) {
	e := newEnv(t, "", func(c *Config) { c.PublicURL = "https://scribe.example.org/" })
	e.addUser("clinician@example.org", "clinician", false)
	for origin, want := range map[string]bool{"https://scribe.example.org": true, "https://evil.example.com": false, "http://scribe.example.org": false} {
		b := e.client()
		b.get("/login")
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader("email=clinician%40example.org&password=x&csrf="+b.csrf))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		res := b.do(req)
		refused := res.status == http.StatusForbidden && strings.Contains(res.body, "another site")
		if refused == want {
			t.Errorf("Origin %s: HTTP %d %s", origin, res.status, errorText(res.body))
		}
	}
}

// TestServerErrorLogsTheCause: every page that answers 500 (serverError)
// logs its cause with the request id, and the person sees what failed in
// words and the reference to quote, never the cause.
func TestServerErrorLogsTheCause(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnv(t, "", func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	for _, cause := range []error{errors.New("relation custom_templates: disk I/O error"), nil} {
		w := httptest.NewRecorder()
		r := e.web.withRequestInfo(w, httptest.NewRequest("GET", "/admin/templates", nil))
		e.web.serverError(w, r, cause, "templates could not be listed")
		id := w.Header().Get("X-Request-Id")
		body := errorText(w.Body.String())
		if w.Code != http.StatusInternalServerError || id == "" || !strings.Contains(body, id) || !strings.Contains(strings.ToLower(body), "templates could not be listed") {
			t.Fatalf("HTTP %d, request id %q: %s", w.Code, id, body)
		}
		if strings.Contains(body, "disk I/O") {
			t.Errorf("the page shows the cause: %s", body)
		}
		var line map[string]any
		for _, l := range logs.lines(t) {
			if l["msg"] == "web: templates could not be listed" && l["request_id"] == id {
				line = l
			}
		}
		if line == nil || line["error"] == "" || (cause != nil && !strings.Contains(line["error"].(string), "disk I/O")) {
			t.Fatalf("log %v; want the cause with request_id %s", line, id)
		}
	}
}
