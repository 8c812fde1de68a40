package capture

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed web
var webFiles embed.FS

// callPageCSP allows only the page's own files and its WebSocket: no inline
// script or style, no third parties.
const callPageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Routes registers the call page, its static files and the signaling
// WebSocket: GET /call/{id}, GET /call/static/{file}, GET /call/{id}/ws,
// and the client's questionnaires: GET and POST /call/{id}/questionnaires.
func (r *Relay) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /call/{id}", r.servePage)
	mux.HandleFunc("POST /call/{id}/questionnaires", func(w http.ResponseWriter, req *http.Request) {
		r.serveQuestionnaires(w, req, req.PathValue("id"))
	})
	// One pattern for both, since /call/static/ws would otherwise match
	// two patterns: the session ID "static" is reserved.
	mux.HandleFunc("GET /call/{id}/{rest...}", func(w http.ResponseWriter, req *http.Request) {
		id, rest := req.PathValue("id"), req.PathValue("rest")
		switch {
		case id == "static":
			r.serveStatic(w, req, rest)
		case rest == "ws":
			r.ServeHTTP(w, req)
		case rest == "questionnaires":
			r.serveQuestionnaires(w, req, id)
		default:
			http.NotFound(w, req)
		}
	})
}

// ServeHTTP is the signaling WebSocket endpoint; the session ID is the
// request's "id" path value (as registered by Routes).
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	if !validSessionID(id) {
		http.Error(w, "session id is missing or malformed", http.StatusBadRequest)
		return
	}
	r.serveWS(w, req, id)
}

func validSessionID(id string) bool {
	if id == "" || id == "static" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", callPageCSP)
	h.Set("Referrer-Policy", "no-referrer") // the join token is in the URL
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Permissions-Policy", "camera=(self), microphone=(self)")
}

func (r *Relay) servePage(w http.ResponseWriter, req *http.Request) {
	if !validSessionID(req.PathValue("id")) {
		http.Error(w, "session id is missing or malformed", http.StatusBadRequest)
		return
	}
	page, err := webFiles.ReadFile("web/call.html")
	if err != nil {
		http.Error(w, "call page missing from build", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page)
}

func (r *Relay) serveStatic(w http.ResponseWriter, req *http.Request, name string) {
	if name == "call.html" || strings.Contains(name, "..") {
		http.NotFound(w, req)
		return
	}
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		http.NotFound(w, req)
		return
	}
	securityHeaders(w)
	http.ServeFileFS(w, req, sub, name) // #nosec G703 -- sub is the embedded web directory: an embed.FS has no parent to climb to, and names with ".." are refused above
}
