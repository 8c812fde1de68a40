package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSessionCreateScheduleAndCancel: `scribe session create --at --duration`
// books the appointment (no --at: now) and its links work until it ends
// plus the grace period; a time in the past, a length out of range, a
// malformed time or the retired --link-ttl are refused naming the flag and
// what is allowed, with nothing created. `scribe session cancel` cancels it
// for a reason from the list, and only once.
func TestSessionCreateScheduleAndCancel(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	base := []string{"session", "create", "--clinician", "therapist@example.org", "--client-alias", "client-17"}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"in the past", []string{"--at", time.Now().Add(-3 * time.Hour).Format("2006-01-02T15:04")}, "--at " + time.Now().Add(-3*time.Hour).Format("2006-01-02T15:04") + ": the appointment time is in the past; allowed: now ("},
		{"too short", []string{"--duration", "5m"}, "--duration 5m0s: the appointment length is out of range; allowed: 10 minutes to 4 hours"},
		{"too long", []string{"--duration", "5h"}, "allowed: 10 minutes to 4 hours"},
		{"not a time", []string{"--at", "tomorrow at two"}, `--at "tomorrow at two" is not a date and time`},
		{"link-ttl", []string{"--link-ttl", "48h"}, "--link-ttl is no longer used"},
	} {
		_, stderr, code := cli(t, dir, append(append([]string{}, base...), tc.extra...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want an error containing %q", tc.name, code, stderr, tc.want)
		}
	}
	if out, _, _ := cli(t, dir, "session", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused creations left sessions: %s", out)
	}

	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	out, stderr, code := cli(t, dir, append(append([]string{}, base...), "--at", start.Format("2006-01-02T15:04"), "--duration", "45m", "--json")...)
	if code != 0 {
		t.Fatalf("create: exit %d %s", code, stderr)
	}
	var created struct {
		SessionID   string `json:"session_id"`
		ScheduledAt string `json:"scheduled_at"`
		Minutes     int    `json:"duration_minutes"`
		ExpiresAt   string `json:"expires_at"`
		Links       []struct{ URL string }
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create --json: %v: %s", err, out)
	}
	if created.ScheduledAt != start.UTC().Format(time.RFC3339) || created.Minutes != 45 ||
		created.ExpiresAt != start.Add(75*time.Minute).UTC().Format(time.RFC3339) || len(created.Links) != 2 {
		t.Errorf("created %+v; want the appointment at %s for 45 minutes, links until 30 minutes after it", created, start.UTC().Format(time.RFC3339))
	}
	if out, _, _ := cli(t, dir, "session", "show", created.SessionID); !strings.Contains(out, "Booked:") {
		t.Errorf("session show does not show the appointment:\n%s", out)
	}

	out, stderr, code = cli(t, dir, append(append([]string{}, base...), "--json")...)
	if code != 0 {
		t.Fatalf("create for now: exit %d %s", code, stderr)
	}
	var now struct {
		ScheduledAt string `json:"scheduled_at"`
		Minutes     int    `json:"duration_minutes"`
	}
	_ = json.Unmarshal([]byte(out), &now)
	if at, err := time.Parse(time.RFC3339, now.ScheduledAt); err != nil || time.Since(at) > time.Minute || now.Minutes != 50 {
		t.Errorf("a session without --at: %+v (%v); want now, for 50 minutes", now, err)
	}

	if _, stderr, code := cli(t, dir, "session", "cancel", created.SessionID, "--reason", "bored"); code == 0 || !strings.Contains(stderr, "allowed: client_cancelled, clinician_cancelled, rescheduled, no_show, scheduled_in_error") {
		t.Errorf("a made-up reason: exit %d, %q", code, stderr)
	}
	if out, stderr, code := cli(t, dir, "session", "cancel", created.SessionID, "--reason", "rescheduled"); code != 0 || !strings.Contains(out, "cancelled (rescheduled)") {
		t.Fatalf("cancel: exit %d, %q %q", code, out, stderr)
	}
	out, _, _ = cli(t, dir, "session", "show", created.SessionID, "--json")
	var shown struct {
		Status    string `json:"status"`
		EndReason string `json:"end_reason"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || shown.Status != "cancelled" || shown.EndReason != "rescheduled" {
		t.Errorf("after cancelling: %+v (%v)", shown, err)
	}
	if _, stderr, code := cli(t, dir, "session", "cancel", created.SessionID, "--reason", "rescheduled"); code == 0 || !strings.Contains(stderr, "has not ended can be cancelled (this one is cancelled)") {
		t.Errorf("cancelling twice: exit %d, %q", code, stderr)
	}
}
