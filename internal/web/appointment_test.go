package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

var joinLinkRe = regexp.MustCompile(`value="([^"]*/call/[^"]+)" data-testid="join-link"`)

// TestScheduleAppointment: the schedule form books the session for a date,
// time (in the browser's zone, which app.js sends as its UTC offset) and
// length; the join links work until the window and the grace period end.
// A time in the past, a length out of range or a malformed value is refused
// with words that say what is allowed, and nothing is scheduled.
func TestScheduleAppointment(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.URL(t), nil)
			e.addUser("therapist@example.org", store.RoleClinician, false)
			c := e.client()
			c.login("therapist@example.org", "")
			form := c.get("/sessions/new")
			for _, want := range []string{`name="start" type="datetime-local"`, `name="duration" type="number"`, `value="50"`} {
				if !strings.Contains(form.body, want) {
					t.Errorf("the schedule form lacks %s", want)
				}
			}
			count := func() int {
				list, err := e.store.ListSessions(e.ctx, "", 100)
				if err != nil {
					t.Fatal(err)
				}
				return len(list)
			}
			// Kolkata (UTC+5:30): 14:00 there two days from now.
			ist := time.FixedZone("IST", 5*3600+1800)
			day := e.clock.Now().In(ist).Add(48 * time.Hour)
			start := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, ist)
			fields := func(startValue, duration string) url.Values {
				return url.Values{"alias": {"client-17"}, "template": {"soap"}, "modality": {"general"}, "program": {"mh"}, "kind": {"individual"},
					"start": {startValue}, "duration": {duration}, "tz_offset": {"330"}}
			}
			for _, tc := range []struct{ name, start, duration, want string }{
				{"in the past", e.clock.Now().In(ist).Add(-2 * time.Hour).Format("2006-01-02T15:04"), "50", "is in the past"},
				{"too short", start.Format("2006-01-02T15:04"), "5", "appointment length 5 minutes is out of range: choose 10 minutes to 4 hours"},
				{"too long", start.Format("2006-01-02T15:04"), "300", "choose 10 minutes to 4 hours"},
				{"not a time", "next tuesday", "50", "is not a date and time"},
				{"not minutes", start.Format("2006-01-02T15:04"), "fifty", "not a number of minutes"},
				{"too far ahead", start.AddDate(2, 0, 0).Format("2006-01-02T15:04"), "50", "up to a year from now"},
			} {
				before := count()
				c.get("/sessions/new")
				r := c.post("/sessions", fields(tc.start, tc.duration))
				if r.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(errorText(r.body)), tc.want) {
					t.Errorf("%s: HTTP %d %q, want 400 saying %q", tc.name, r.status, errorText(r.body), tc.want)
				}
				if n := count(); n != before {
					t.Errorf("%s: %d sessions created by a refused form", tc.name, n-before)
				}
			}

			c.get("/sessions/new")
			r := c.post("/sessions", fields(start.Format("2006-01-02T15:04"), "45"))
			if r.status != http.StatusCreated {
				t.Fatalf("schedule: HTTP %d %s", r.status, errorText(r.body))
			}
			if !strings.Contains(r.body, `data-testid="appointment"`) || !strings.Contains(r.body, start.UTC().Format(time.RFC3339)) {
				t.Error("the confirmation does not show the appointment")
			}
			links := joinLinkRe.FindAllStringSubmatch(r.body, -1)
			if len(links) != 2 {
				t.Fatalf("%d join links on the confirmation", len(links))
			}
			u, err := url.Parse(html.UnescapeString(links[0][1]))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(u.Query().Get("token")))
			if err != nil {
				t.Fatal(err)
			}
			sess, err := e.store.Session(e.ctx, tok.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			if sess.ScheduledAt != start.UnixMilli() || sess.ScheduledDurationMS != (45*time.Minute).Milliseconds() {
				t.Errorf("booked at %v for %v, want %v for 45m", time.UnixMilli(sess.ScheduledAt).UTC(), time.Duration(sess.ScheduledDurationMS)*time.Millisecond, start.UTC())
			}
			if want := start.Add(45*time.Minute + store.ScheduleGrace).UnixMilli(); sess.ExpiresAt != want || tok.ExpiresAt != want {
				t.Errorf("session expires %d and its link %d; want both at the window's end plus the grace (%d)", sess.ExpiresAt, tok.ExpiresAt, want)
			}
			page := c.get("/sessions/" + sess.ID)
			if !strings.Contains(page.body, `data-testid="appointment"`) || !strings.Contains(page.body, "45 minutes") {
				t.Error("the session page does not show the appointment")
			}

			// No time given: the session starts now, for the default length.
			c.get("/sessions/new")
			r = c.post("/sessions", fields("", ""))
			if r.status != http.StatusCreated {
				t.Fatalf("schedule for now: HTTP %d %s", r.status, errorText(r.body))
			}
			list, _ := e.store.ListSessions(e.ctx, "", 10)
			var forNow []store.Session
			for _, s := range list {
				if s.ID != sess.ID {
					forNow = append(forNow, s)
				}
			}
			if now := e.clock.Now(); len(forNow) != 1 || forNow[0].ScheduledAt != now.UnixMilli() || forNow[0].ScheduledDurationMS != pipeline.DefaultSessionLength.Milliseconds() {
				t.Errorf("a session for now: %+v", forNow)
			}
		})
	}
}

// TestCancelSessionFromWeb: the session's clinician (or an admin) cancels a
// scheduled session for a reason from the list: it is cancelled, audited,
// and no longer offers the call. Another clinician and a supervisor cannot;
// no reason changes nothing; an ended session cannot be cancelled.
func TestCancelSessionFromWeb(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	adminSecret := e.enableTOTP(admin)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	e.addUser("other@example.org", store.RoleClinician, false)
	e.addUser("sup@example.org", store.RoleSupervisor, false)
	clin := e.client()
	clin.login("therapist@example.org", "")
	sess := e.seedSession("therapist@example.org", "mh", store.StatusScheduled)

	page := clin.get("/sessions/" + sess.ID)
	if !strings.Contains(page.body, `data-testid="cancel-session"`) || !strings.Contains(page.body, "the client cancelled") {
		t.Fatal("the session page does not offer to cancel the session")
	}
	other := e.client()
	other.login("other@example.org", "")
	if r := other.post("/sessions/"+sess.ID+"/cancel", url.Values{"reason": {"rescheduled"}}); r.status != http.StatusForbidden {
		t.Errorf("another clinician cancelling: HTTP %d", r.status)
	}
	sup := e.client()
	sup.login("sup@example.org", "")
	if r := sup.post("/sessions/"+sess.ID+"/cancel", url.Values{"reason": {"rescheduled"}}); r.status != http.StatusForbidden {
		t.Errorf("a supervisor cancelling: HTTP %d", r.status)
	}
	if r := clin.post("/sessions/"+sess.ID+"/cancel", url.Values{"reason": {""}}); r.status != http.StatusBadRequest || !strings.Contains(errorText(r.body), "Choose why") {
		t.Errorf("no reason: HTTP %d %q", r.status, errorText(r.body))
	}
	if s, _ := e.store.Session(e.ctx, sess.ID); !s.Open() {
		t.Fatal("a refused cancellation changed the session")
	}
	r := clin.post("/sessions/"+sess.ID+"/cancel", url.Values{"reason": {"client_cancelled"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "flash=") {
		t.Fatalf("cancel: HTTP %d to %q %s", r.status, r.location, errorText(r.body))
	}
	s, _ := e.store.Session(e.ctx, sess.ID)
	if s.Status != store.StatusCancelled || s.EndReason != "the client cancelled" {
		t.Errorf("after cancelling: status %q, reason %q", s.Status, s.EndReason)
	}
	page = clin.get("/sessions/" + sess.ID)
	if strings.Contains(page.body, `data-testid="cancel-session"`) || strings.Contains(page.body, `data-testid="start-call"`) || !strings.Contains(page.body, "Cancelled: the client cancelled") {
		t.Error("the cancelled session's page still offers the call or cancelling, or does not say it was cancelled")
	}
	if !contains(e.auditActions(), "session.cancel") {
		t.Error("the cancellation was not audited")
	}
	if r := clin.get("/sessions?status=cancelled"); !strings.Contains(r.body, sess.ClientAlias) {
		t.Error("the cancelled session is not listed under cancelled")
	}
	a := e.client()
	a.login("admin@example.org", adminSecret)
	if r := a.post("/sessions/"+sess.ID+"/cancel", url.Values{"reason": {"rescheduled"}}); r.status != http.StatusConflict || !strings.Contains(errorText(r.body), "already ended") {
		t.Errorf("cancelling a cancelled session: HTTP %d %q", r.status, errorText(r.body))
	}
	second := e.seedSession("therapist@example.org", "mh", store.StatusInCall)
	a.get("/sessions/" + second.ID)
	if r := a.post("/sessions/"+second.ID+"/cancel", url.Values{"reason": {"scheduled_in_error"}}); r.status != http.StatusSeeOther {
		t.Errorf("an admin cancelling: HTTP %d %s", r.status, errorText(r.body))
	}
}
