package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
)

// TestDayView: a clinician's home (the sessions page) starts with today's
// appointments in their own time zone (the browser's, from its cookie), in
// time order, with status labels and the Start-call button for an open
// call; tomorrow's, another clinician's and a cancelled-yesterday one are
// not in it. An admin has no day view.
func TestDayView(t *testing.T) {
	e := newEnv(t, "", nil)
	ist := time.FixedZone("IST", 5*3600+1800)
	// 03:00 in Kolkata is still yesterday in UTC-5 and today in UTC.
	day := time.Now().In(ist).AddDate(0, 0, 3)
	e.clock.set(time.Date(day.Year(), day.Month(), day.Day(), 3, 0, 0, 0, ist))
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	other := e.addUser("other@example.org", store.RoleClinician, false)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	adminSecret := e.enableTOTP(admin)
	svc := e.web.service()
	at := func(h, m int, d int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+d, h, m, 0, 0, ist)
	}
	book := func(by store.User, alias string, start time.Time) string {
		t.Helper()
		res, err := svc.ScheduleSession(e.ctx, by, app.ScheduleInput{ClientAlias: alias, Start: start, Length: 50 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return res.Session.ID
	}
	late := book(u, "client-31", at(16, 0, 0))
	early := book(u, "client-32", at(9, 30, 0))
	tomorrow := book(u, "client-33", at(10, 0, 1))
	theirs := book(other, "client-34", at(11, 0, 0))
	cancelled := book(u, "client-35", at(12, 0, 0))
	if _, err := svc.CancelSession(e.ctx, u, cancelled, "client_cancelled"); err != nil {
		t.Fatal(err)
	}

	clin := e.client()
	clin.login("therapist@example.org", "")
	base, _ := url.Parse(e.srv.URL)
	clin.c.Jar.SetCookies(base, []*http.Cookie{{Name: tzCookie, Value: "Asia/Kolkata", Path: "/"}})
	page := clin.get("/sessions")
	if page.status != http.StatusOK || !strings.Contains(page.body, `data-testid="day-view"`) {
		t.Fatalf("home: HTTP %d, no day view", page.status)
	}
	if want := "Today, " + day.Format("Monday 2 January"); !strings.Contains(page.body, want) {
		t.Errorf("the day view does not say %q", want)
	}
	rows := regexp.MustCompile(`(?s)<li data-testid="day-session" data-session="([^"]+)"><time[^>]*>([^<]+)</time>(.*?)</li>`).FindAllStringSubmatch(page.body, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2])
	}
	want := []string{early + " 09:30", cancelled + " 12:00", late + " 16:00"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("today's rows %v; want %v (not %s tomorrow nor %s another's)", got, want, tomorrow, theirs)
	}
	if len(rows) == 3 {
		if !strings.Contains(rows[0][3], `data-testid="day-start-call"`) || !strings.Contains(rows[0][3], "Scheduled") {
			t.Errorf("the booked row: %q; want its status and the Start-call button", rows[0][3])
		}
		if strings.Contains(rows[1][3], `data-testid="day-start-call"`) || !strings.Contains(rows[1][3], "Cancelled") {
			t.Errorf("the cancelled row: %q; want its status and no call", rows[1][3])
		}
	}

	// In New York it is still the day before (16:30); of these, only
	// 09:30 in Kolkata falls on it, at 23:00.
	clin.c.Jar.SetCookies(base, []*http.Cookie{{Name: tzCookie, Value: "America/New_York", Path: "/"}})
	page = clin.get("/sessions")
	rows = regexp.MustCompile(`(?s)<li data-testid="day-session" data-session="([^"]+)"><time[^>]*>([^<]+)</time>`).FindAllStringSubmatch(page.body, -1)
	if len(rows) != 1 || rows[0][1] != early || rows[0][2] != "23:00" {
		t.Errorf("the day view in New York: %v; want only %s at 23:00", rows, early)
	}
	// A made-up zone falls back to the server's without an error.
	clin.c.Jar.SetCookies(base, []*http.Cookie{{Name: tzCookie, Value: "../../etc/passwd", Path: "/"}})
	if page := clin.get("/sessions"); page.status != http.StatusOK {
		t.Errorf("a bad zone cookie: HTTP %d", page.status)
	}
	adm := e.client()
	adm.login("admin@example.org", adminSecret)
	if page := adm.get("/sessions"); strings.Contains(page.body, `data-testid="day-view"`) {
		t.Error("an admin's sessions page has a day view")
	}
}
