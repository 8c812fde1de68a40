package web

import (
	"net/http"
	"regexp"
	"sort"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

// tzCookie carries the browser's IANA time zone (app.js sets it), so that
// "today" and the times of the day view are the clinician's own.
const tzCookie = "scribe_tz"

var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$`)

// viewerZone is the browser's time zone from its cookie; without one (the
// first page, or no script) the server's own.
func viewerZone(r *http.Request) *time.Location {
	ck, err := r.Cookie(tzCookie)
	if err != nil || len(ck.Value) > 64 || !zoneName.MatchString(ck.Value) {
		return time.Local
	}
	loc, err := time.LoadLocation(ck.Value)
	if err != nil {
		return time.Local
	}
	return loc
}

// dayRow is one appointment of today.
type dayRow struct {
	sessionRow
	Time     string // "14:00" in the viewer's zone
	CanStart bool   // an open call: the Start-call button
}

// dayView is the clinician's appointments of today (in loc), in time
// order, from rows (the sessions they may see; only their own count).
func dayView(rows []sessionRow, email string, now time.Time, loc *time.Location) []dayRow {
	local := now.In(loc)
	from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 1)
	var out []dayRow
	for _, r := range rows {
		if r.Clinician != email || r.ScheduledAt < from.UnixMilli() || r.ScheduledAt >= to.UnixMilli() {
			continue
		}
		out = append(out, dayRow{sessionRow: r, Time: time.UnixMilli(r.ScheduledAt).In(loc).Format("15:04"),
			CanStart: r.Source == "call" && (r.Status == store.StatusScheduled || r.Status == store.StatusInCall || r.Status == store.StatusRecording)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ScheduledAt < out[j].ScheduledAt })
	return out
}
