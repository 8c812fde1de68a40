package web

import (
	"errors"
	"net/http"

	"github.com/scribe-health/scribe/internal/app"
)

// service is the service layer over this server's store: every operation
// a page performs goes through it (parse → call → render).
func (s *Server) service() *app.Service {
	return &app.Service{Store: s.cfg.Store, Blobs: s.cfg.Blobs, Now: s.cfg.Now, NewJoinToken: s.cfg.NewJoinToken}
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
