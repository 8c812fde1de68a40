package web

import (
	"encoding/base64"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"
)

// The invitation a clinician sends a client: a sentence to paste into a
// message and a calendar file. Neither names the client (not even the
// alias, which is the clinician's, not the client's) nor says what the
// appointment is about: "Appointment", the time and the link.

// invitationText is the copyable invitation, the time in loc (the
// clinician's browser's zone): "Your appointment with PRACTICE on Tuesday
// 8 December 2026 at 14:00 (UTC+05:30), join here: LINK".
func invitationText(practice string, start time.Time, loc *time.Location, link string) string {
	at := start.In(loc)
	var b strings.Builder
	b.WriteString("Your appointment")
	if p := strings.TrimSpace(practice); p != "" {
		b.WriteString(" with " + p)
	}
	zone := at.Format("-07:00")
	if zone == "+00:00" {
		zone = "UTC"
	} else {
		zone = "UTC" + zone
	}
	b.WriteString(" on " + at.Format("Monday 2 January 2006") + " at " + at.Format("15:04") + " (" + zone + "), join here: " + link)
	return b.String()
}

// icsTime is a UTC DATE-TIME of RFC 5545 (3.3.5, form #2).
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// icsFold folds a content line at 75 octets, never inside a UTF-8
// sequence, with CRLF and one space (RFC 5545 3.1), and ends it with CRLF.
func icsFold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut] + "\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line + "\r\n")
	return b.String()
}

// appointmentICS is the appointment as an iCalendar file (RFC 5545): one
// event, UID the session ID, UTC times, SUMMARY "Appointment", URL the
// join link; nothing about the client.
func appointmentICS(sessionID string, start, end, stamp time.Time, link, practice string) []byte {
	desc := "Join here: " + link
	if p := strings.TrimSpace(practice); p != "" {
		desc = p + ". " + desc
	}
	var b strings.Builder
	for _, l := range []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Scribe//Appointment//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"BEGIN:VEVENT",
		"UID:" + sessionID,
		"DTSTAMP:" + icsTime(stamp),
		"DTSTART:" + icsTime(start),
		"DTEND:" + icsTime(end),
		"SUMMARY:Appointment",
		"DESCRIPTION:" + icsText(desc),
		"URL:" + link,
		"END:VEVENT",
		"END:VCALENDAR",
	} {
		b.WriteString(icsFold(l))
	}
	return []byte(b.String())
}

// invitation is what the page shows with a client's link.
type invitation struct {
	Text string
	// ICS is the calendar file as a data: URL, so that the link never
	// travels in a request of its own.
	ICS template.URL
}

func (s *Server) invitation(sessionID string, start, end time.Time, loc *time.Location, link string) *invitation {
	ics := appointmentICS(sessionID, start, end, s.cfg.Now(), link, s.cfg.PracticeName)
	return &invitation{Text: invitationText(s.cfg.PracticeName, start, loc, link),
		// #nosec G203 -- a data: URL of base64 text this function made; nothing in it comes from a request unescaped
		ICS: template.URL("data:text/calendar;charset=utf-8;base64," + base64.StdEncoding.EncodeToString(ics))}
}
