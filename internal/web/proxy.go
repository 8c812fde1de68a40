package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// requestInfo is what the server knows of a request beyond its headers:
// its id, the client's address and whether the browser reached Scribe
// over HTTPS. Headers a proxy adds (X-Forwarded-Proto, X-Forwarded-For,
// X-Request-Id) are believed only from a peer in Config.TrustedProxies:
// anyone else could write them.
type requestInfo struct {
	id       string
	clientIP string
	secure   bool
	// route and sessionID are filled in when a route is matched (wrap).
	route     string
	sessionID string
}

type requestInfoKey struct{}

// requestInfoOf returns the request's info (a fresh one for a request that
// did not come through Handler, as in some tests).
func requestInfoOf(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{clientIP: peerIP(r), secure: r.TLS != nil}
}

// withRequestInfo works out the request's info and sets X-Request-Id on
// the answer so that a person can quote it.
func (s *Server) withRequestInfo(w http.ResponseWriter, r *http.Request) *http.Request {
	ri := &requestInfo{clientIP: peerIP(r), secure: s.cfg.Secure || r.TLS != nil}
	trusted := s.trusted(ri.clientIP)
	if trusted {
		if id := r.Header.Get("X-Request-Id"); validRequestID(id) {
			ri.id = id
		}
		if proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(proto), "https") {
			ri.secure = true
		}
		ri.clientIP = s.forwardedFor(r, ri.clientIP)
	}
	if ri.id == "" {
		ri.id = newRequestID()
	}
	w.Header().Set("X-Request-Id", ri.id)
	return r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
}

// forwardedFor is the client's address from X-Forwarded-For: the right-most
// address that is not a trusted proxy (each proxy appends the peer it saw,
// so everything left of the first untrusted one could be forged).
func (s *Server) forwardedFor(r *http.Request, peer string) string {
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				hops = append(hops, p)
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer // a malformed list: keep the address we saw
		}
		if !s.trusted(a.Unmap().String()) {
			return a.Unmap().String()
		}
	}
	if len(hops) > 0 {
		return hops[0]
	}
	return peer
}

func (s *Server) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// validRequestID accepts a proxy's id when it is short and plain (it goes
// into logs and pages).
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// secure reports that the browser reached Scribe over HTTPS (directly, or
// through a trusted proxy that says so): cookies are marked Secure and
// HSTS is sent.
func (s *Server) secure(r *http.Request) bool { return requestInfoOf(r).secure }

// clientIP is the browser's address (for rate limits and logs).
func clientIP(r *http.Request) string { return requestInfoOf(r).clientIP }

// RequestID is the id of a request served by the web app ("" outside it).
func RequestID(r *http.Request) string {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return ri.id
	}
	return ""
}

// logFor is the server's logger with the request's id and, on a session's
// pages, the session id. Handlers log through it, never the default logger.
func (s *Server) logFor(r *http.Request) *slog.Logger {
	return s.logCtx(r.Context())
}

// logCtx is logFor for code that has the request's context but not the
// request.
func (s *Server) logCtx(ctx context.Context) *slog.Logger {
	ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo)
	if !ok {
		return s.log
	}
	l := s.log.With("request_id", ri.id)
	if ri.sessionID != "" {
		l = l.With("session_id", ri.sessionID)
	}
	return l
}

// matched notes the route a request was matched to (for its log lines).
func matched(r *http.Request, rt route) {
	ri := requestInfoOf(r)
	ri.route = strings.TrimSpace(rt.method + " " + rt.path)
	if strings.HasPrefix(rt.path, "/sessions/{id}") {
		ri.sessionID = r.PathValue("id")
	}
}

// internalError answers 500 for a failure the person cannot fix, in
// general words: serverError without a message of its own.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.serverError(w, r, err, "")
}

// serverError answers 500 with msg (in words for the person, with the
// reference of the request) and logs the cause with the request id, so an
// operator can tell why from the reference the person quotes. With no msg
// the person reads that nothing was changed and may try again. Use it (or
// internalError) wherever a handler answers 500.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error, msg string) {
	if err == nil {
		err = errors.New("no cause given")
	}
	logMsg := "web: " + msg
	if msg == "" {
		logMsg = "web: internal error"
		msg = "Something went wrong on the server and nothing was changed. Try again; if it happens again, give your administrator this reference."
	}
	s.logFor(r).Error(logMsg, "route", requestInfoOf(r).route, "error", err)
	s.fail(w, r, http.StatusInternalServerError, msg)
}

// statusRecorder notes the status a handler answered, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (upload pacing,
// flushing).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs one line a request: the route pattern (never the path
// or query, which carry ids and tokens), the status and the time taken.
func (s *Server) accessLog(r *http.Request, rec *statusRecorder, start time.Time) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelWarn
	}
	s.logFor(r).Log(r.Context(), level, "web: request", "method", r.Method, "route", requestInfoOf(r).route, "status", status,
		"ms", time.Since(start).Milliseconds(), "client_ip", requestInfoOf(r).clientIP)
}
