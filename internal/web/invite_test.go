package web

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scribe-health/scribe/internal/store"
)

// parseICS unfolds an iCalendar file as RFC 5545 3.1 says, checking that
// every physical line ends in CRLF and is at most 75 octets and that no
// fold splits a UTF-8 sequence; it returns the content lines.
func parseICS(t *testing.T, b []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("the file does not end in CRLF")
	}
	var lines []string
	for i, phys := range strings.SplitAfter(string(b), "\r\n") {
		if phys == "" {
			continue
		}
		if !strings.HasSuffix(phys, "\r\n") || strings.ContainsAny(strings.TrimSuffix(phys, "\r\n"), "\r\n") {
			t.Fatalf("line %d %q is not ended by CRLF alone", i+1, phys)
		}
		phys = strings.TrimSuffix(phys, "\r\n")
		if len(phys) > 75 {
			t.Errorf("line %d is %d octets; at most 75", i+1, len(phys))
		}
		if !utf8.ValidString(phys) {
			t.Errorf("line %d splits a UTF-8 sequence", i+1)
		}
		if strings.HasPrefix(phys, " ") || strings.HasPrefix(phys, "\t") {
			if len(lines) == 0 {
				t.Fatal("the file starts with a continuation line")
			}
			lines[len(lines)-1] += phys[1:]
			continue
		}
		lines = append(lines, phys)
	}
	return lines
}

func icsProps(lines []string) map[string]string {
	props := map[string]string{}
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		props[name] = value
	}
	return props
}

// TestAppointmentICS: the calendar file is RFC 5545: CRLF lines folded at
// 75 octets (a long join link and a practice name with non-ASCII letters
// fold and unfold intact), one VEVENT with UID the session ID, UTC times,
// SUMMARY "Appointment" and URL the link; TEXT values escaped.
func TestAppointmentICS(t *testing.T) {
	start := time.Date(2026, 12, 8, 8, 30, 0, 0, time.UTC)
	link := "https://scribe.example.org/call/0d9c7e1a-5b7e-4c39-9f0e-2a6f3f0c1b11?token=" + strings.Repeat("Zx9_", 12)
	const practice = "Clínica Añil; Psicoterapia, Zürich"
	b := appointmentICS("0d9c7e1a-5b7e-4c39-9f0e-2a6f3f0c1b11", start, start.Add(45*time.Minute), start.Add(-48*time.Hour), link, practice)
	lines := parseICS(t, b)
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Errorf("not one calendar: %q … %q", lines[0], lines[len(lines)-1])
	}
	p := icsProps(lines)
	want := map[string]string{"VERSION": "2.0", "BEGIN": "VEVENT", "UID": "0d9c7e1a-5b7e-4c39-9f0e-2a6f3f0c1b11", "DTSTART": "20261208T083000Z",
		"DTEND": "20261208T091500Z", "DTSTAMP": "20261206T083000Z", "SUMMARY": "Appointment", "URL": link,
		"DESCRIPTION": `Clínica Añil\; Psicoterapia\, Zürich. Join here: ` + link}
	for k, v := range want {
		if k == "BEGIN" {
			continue
		}
		if p[k] != v {
			t.Errorf("%s = %q; want %q", k, p[k], v)
		}
	}
	if p["PRODID"] == "" {
		t.Error("no PRODID")
	}
	if n := bytes.Count(b, []byte("\r\n ")); n < 2 {
		t.Errorf("%d folds; the long link and description should fold", n)
	}
}

// TestInvitationOnSchedule: the confirmation of a booking offers, with the
// client's link, a copyable invitation in the clinician's zone (the
// practice named, never the client's alias) and the .ics file; the
// clinician's own link has none.
func TestInvitationOnSchedule(t *testing.T) {
	e := newEnv(t, "", func(c *Config) { c.PracticeName = "Riverside Counselling" })
	e.addUser("therapist@example.org", store.RoleClinician, false)
	clin := e.client()
	clin.login("therapist@example.org", "")
	now := e.clock.Now()
	day := now.In(time.FixedZone("", 330*60)).Add(48 * time.Hour)
	r := clin.post("/sessions", url.Values{"alias": {"client-17"}, "template": {"soap"}, "modality": {"general"}, "program": {"mh"},
		"start": {day.Format("2006-01-02") + "T14:00"}, "duration": {"45"}, "tz_offset": {"330"}})
	if r.status != http.StatusCreated {
		t.Fatalf("schedule: HTTP %d %s", r.status, errorText(r.body))
	}
	if n := strings.Count(r.body, `data-testid="invitation"`); n != 1 {
		t.Fatalf("%d invitations on the confirmation; want one, with the client's link", n)
	}
	text := html.UnescapeString(regexp.MustCompile(`data-testid="invitation-text">([^<]*)<`).FindStringSubmatch(r.body)[1])
	links := regexp.MustCompile(`value="([^"]*)" data-testid="join-link"`).FindAllStringSubmatch(r.body, -1)
	client := html.UnescapeString(links[1][1])
	want := "Your appointment with Riverside Counselling on " + day.Format("Monday 2 January 2006") + " at 14:00 (UTC+05:30), join here: " + client
	if text != want {
		t.Errorf("invitation %q; want %q", text, want)
	}
	if strings.Contains(text, "client-17") {
		t.Error("the invitation names the client's alias")
	}
	href := html.UnescapeString(regexp.MustCompile(`href="([^"]*)" download="appointment.ics"`).FindStringSubmatch(r.body)[1])
	const prefix = "data:text/calendar;charset=utf-8;base64,"
	if !strings.HasPrefix(href, prefix) {
		t.Fatalf("the .ics link is %.60q…", href)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(href, prefix))
	if err != nil {
		t.Fatal(err)
	}
	p := icsProps(parseICS(t, b))
	list, _ := e.store.ListSessions(e.ctx, "", 1)
	if p["UID"] != list[0].ID || p["URL"] != client || p["SUMMARY"] != "Appointment" || p["DTSTART"] != icsTime(time.UnixMilli(list[0].ScheduledAt)) {
		t.Errorf("the .ics has %v; want the session's UID, start and client link", p)
	}
	if bytes.Contains(b, []byte("client-17")) {
		t.Error("the .ics names the client's alias")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "DTSTART") && !strings.HasSuffix(strings.TrimSpace(sc.Text()), "Z") {
			t.Errorf("DTSTART is not UTC: %q", sc.Text())
		}
	}
}
