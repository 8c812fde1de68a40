package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/auth"
)

// service is the service layer over this server's store: every operation
// a page performs goes through it (parse → call → render).
func (s *Server) service() *app.Service {
	return &app.Service{Store: s.cfg.Store, Blobs: s.cfg.Blobs, Now: s.cfg.Now, NewJoinToken: s.cfg.NewJoinToken}
}

// internalError answers a request that failed for a reason the person
// cannot act on: the operator's log gets the error with the request id,
// the person a page that says nothing was changed and the id to quote.
// (A minimal version until the logging work passes a logger and a request
// id in; that one replaces it.)
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
		id = auth.RandomToken(9)
	}
	slog.Error("web: request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
	s.fail(w, r, http.StatusInternalServerError, "Something went wrong on the server; nothing was changed. Try again, or give an admin this request id: "+id+".")
}

// refusal answers a service error that is not a validation error: 404,
// 403 or 409 with its message, anything else as an internal error.
func (s *Server) refusal(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, app.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, capitalize(err.Error())+".")
	case errors.Is(err, app.ErrForbidden):
		s.fail(w, r, http.StatusForbidden, capitalize(err.Error())+".")
	case errors.Is(err, app.ErrConflict):
		s.fail(w, r, http.StatusConflict, capitalize(err.Error())+".")
	default:
		s.internalError(w, r, err)
	}
}
