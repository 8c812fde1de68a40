package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// appointment reads the schedule form's appointment: "start" (a
// datetime-local value, empty for now), "duration" (minutes) and
// "tz_offset" (minutes east of UTC at that time, which app.js fills in from
// the browser; without it the server's own zone is used). It returns the
// start, the length, or a message for the clinician.
func appointment(f map[string]string, now time.Time) (time.Time, time.Duration, string) {
	loc := time.Local
	if v := f["tz_offset"]; v != "" {
		off, err := strconv.Atoi(v)
		if err != nil || off < -14*60 || off > 14*60 {
			return time.Time{}, 0, "The browser sent a time zone the server does not understand; reload the page and try again."
		}
		loc = offsetZone(off)
	}
	start := now.In(loc)
	if v := f["start"]; v != "" {
		var err error
		if start, err = time.ParseInLocation("2006-01-02T15:04", v, loc); err != nil {
			if start, err = time.ParseInLocation("2006-01-02T15:04:05", v, loc); err != nil {
				return time.Time{}, 0, fmt.Sprintf("The appointment time %q is not a date and time; choose one with the date and time fields.", v)
			}
		}
	}
	length := pipeline.DefaultSessionLength
	if v := f["duration"]; v != "" {
		m, err := strconv.Atoi(v)
		if err != nil {
			return time.Time{}, 0, fmt.Sprintf("The length %q is not a number of minutes.", v)
		}
		length = time.Duration(m) * time.Minute
	}
	if err := pipeline.CheckSchedule(start, length, now); err != nil {
		if ve, ok := validate.As(err); ok {
			return time.Time{}, 0, fmt.Sprintf("The %s %s %s: choose %s.", ve.Field, ve.Value, ve.Problem, ve.Hint)
		}
		return time.Time{}, 0, err.Error()
	}
	return start, length, ""
}

// offsetZone is a fixed zone minutes east of UTC, named as people read it.
func offsetZone(minutes int) *time.Location {
	sign := "+"
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	name := fmt.Sprintf("UTC%s%02d:%02d", sign, minutes/60, minutes%60)
	if minutes == 0 {
		name = "UTC"
	}
	if sign == "-" {
		minutes = -minutes
	}
	return time.FixedZone(name, minutes*60)
}

// cancelRoles may cancel a session: an admin, or its own clinician
// (internal/app decides; the route only keeps the others away early).
var cancelRoles = []string{store.RoleAdmin, store.RoleClinician}

// cancelSession cancels an open call session for a reason from the closed
// list; one with recorded audio is ended and drafted instead (nothing
// recorded under consent is thrown away by a cancellation).
func (s *Server) cancelSession(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	res, err := s.service().CancelSession(r.Context(), c.user, sess.ID, strings.TrimSpace(r.PostFormValue("reason")))
	if _, invalid := validate.As(err); invalid {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, "Choose why the session is cancelled from the list; nothing was changed.", nil)
		return
	}
	if errors.Is(err, app.ErrConflict) {
		s.fail(w, r, http.StatusConflict, "This session has already ended, so it cannot be cancelled.")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	msg := "Session cancelled (" + res.Reason.Label + "). Its join links no longer open the call."
	if res.Recorded {
		msg = "The session had recorded audio, so it was ended rather than cancelled and its note will be drafted. To discard the recording, revoke the client's consent."
	}
	back(w, r, "/sessions/"+sess.ID, msg)
}
