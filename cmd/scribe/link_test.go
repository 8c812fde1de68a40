package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/testenv"
)

// TestSessionLink: `scribe session link ID` issues a new client link for a
// booked session (until its window ends) and the earlier one is revoked;
// a group session needs the participant; an unknown session is refused.
func TestSessionLink(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	start := time.Now().Add(30 * time.Hour).Truncate(time.Minute)
	out := mustCLI(t, dir, "session", "create", "--clinician", "therapist@example.org", "--client-alias", "client-21", "--at", start.Format(time.RFC3339), "--duration", "50m", "--json")
	var created struct {
		SessionID string `json:"session_id"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	type renewed struct {
		Label, URL, ExpiresAt string
		Revoked               int
	}
	var first, second renewed
	for _, r := range []*renewed{&first, &second} {
		out := mustCLI(t, dir, "session", "link", created.SessionID, "--base-url", "https://scribe.example.org", "--json")
		var v struct {
			Label     string `json:"label"`
			URL       string `json:"url"`
			ExpiresAt string `json:"expires_at"`
			Revoked   int    `json:"revoked"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		*r = renewed{v.Label, v.URL, v.ExpiresAt, v.Revoked}
	}
	if first.Label != "client" || !strings.HasPrefix(first.URL, "https://scribe.example.org/call/"+created.SessionID+"?token=") || first.ExpiresAt != created.ExpiresAt || first.Revoked != 1 {
		t.Errorf("first renewal %+v; want a client link until %s replacing the booked one", first, created.ExpiresAt)
	}
	if second.URL == first.URL || second.Revoked != 1 {
		t.Errorf("second renewal %+v; want a new link replacing the first", second)
	}
	if _, stderr, code := cli(t, dir, "session", "link", created.SessionID, "--participant", "participant 2"); code == 0 || !strings.Contains(stderr, "individual session has one client") {
		t.Errorf("a participant of an individual session: exit %d %q", code, stderr)
	}
	if _, stderr, code := cli(t, dir, "session", "link", "no-such-session"); code == 0 || !strings.Contains(stderr, "there is no session with this ID") {
		t.Errorf("an unknown session: exit %d %q", code, stderr)
	}
}

// TestSessionReschedule: `scribe session reschedule ID --at --duration`
// moves the appointment and its links' expiry; --at is required, a time in
// the past names the flag, and a cancelled session is refused.
func TestSessionReschedule(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	start := time.Now().Add(30 * time.Hour).Truncate(time.Minute)
	out := mustCLI(t, dir, "session", "create", "--clinician", "therapist@example.org", "--client-alias", "client-22", "--at", start.Format(time.RFC3339), "--json")
	var created struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	id := created.SessionID
	if _, stderr, code := cli(t, dir, "session", "reschedule", id); code == 0 || !strings.Contains(stderr, "--at is required") {
		t.Errorf("no --at: exit %d %q", code, stderr)
	}
	past := time.Now().Add(-3 * time.Hour).Format("2006-01-02T15:04")
	if _, stderr, code := cli(t, dir, "session", "reschedule", id, "--at", past); code == 0 || !strings.Contains(stderr, "--at "+past+": the appointment time is in the past") {
		t.Errorf("a time in the past: exit %d %q", code, stderr)
	}
	later := start.Add(24 * time.Hour).UTC()
	out = mustCLI(t, dir, "session", "reschedule", id, "--at", later.Format(time.RFC3339), "--duration", "30m", "--json")
	var moved struct {
		ScheduledAt string `json:"scheduled_at"`
		Minutes     int    `json:"duration_minutes"`
		ExpiresAt   string `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(out), &moved); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if moved.ScheduledAt != later.Format(time.RFC3339) || moved.Minutes != 30 || moved.ExpiresAt != later.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("moved %+v; want %s for 30 minutes, links until an hour later", moved, later.Format(time.RFC3339))
	}
	mustCLI(t, dir, "session", "cancel", id, "--reason", "rescheduled")
	if _, stderr, code := cli(t, dir, "session", "reschedule", id, "--at", later.Add(time.Hour).Format(time.RFC3339)); code == 0 || !strings.Contains(stderr, "only a booked call that has not started can be rescheduled") {
		t.Errorf("a cancelled session: exit %d %q", code, stderr)
	}
}

// TestIngestIntoBookedSession: `scribe ingest --session ID FILE` attaches
// the recording to the booked session (same ID, its client); the client or
// clinician flags are refused with --session, and a second upload into the
// session is refused naming it.
func TestIngestIntoBookedSession(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	out := mustCLI(t, dir, "session", "create", "--clinician", "therapist@example.org", "--client-alias", "client-23", "--template", "dap", "--json")
	var created struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wav := filepath.Join(t.TempDir(), "session.wav")
	if err := os.WriteFile(wav, testenv.WAV(16000, testenv.Silence(2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := cli(t, dir, "ingest", "--session", created.SessionID, "--client-alias", "client-99", wav); code == 0 || !strings.Contains(stderr, "--client-alias cannot be given with --session") {
		t.Errorf("--client-alias with --session: exit %d %q", code, stderr)
	}
	out, stderr, code := cli(t, dir, "ingest", "--session", created.SessionID, wav)
	if code != 0 || strings.TrimSpace(out) != created.SessionID {
		t.Fatalf("ingest --session: exit %d, %q %s; want the booked session's ID", code, out, stderr)
	}
	out = mustCLI(t, dir, "session", "show", created.SessionID, "--json")
	var v struct {
		Status      string `json:"status"`
		ClientAlias string `json:"client_alias"`
		Template    string `json:"template"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.ClientAlias != "client-23" || v.Template != "dap" || v.Status == "scheduled" {
		t.Errorf("after the upload: %+v (%v) %s", v, err, out)
	}
	if _, stderr, code := cli(t, dir, "ingest", "--session", created.SessionID, wav); code == 0 || !strings.Contains(stderr, "session "+created.SessionID+": this session already has a recording") {
		t.Errorf("a second upload: exit %d %q", code, stderr)
	}
}
