package main

import (
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
)

// TestDoctorCommand: scribe doctor exits 0 on a working installation (the
// fake provider up) and 1, naming the fix, when a check fails. The checks
// themselves are tested in internal/doctor on both databases.
func TestDoctorCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	fake := fakeopenai.New("whisper-test", "notes-test")
	defer fake.Close()
	fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) { return nil, nil }

	// Before any migration: the database is there, its updates are not.
	out, stderr, code := cli(t, dir, "doctor", "--no-calls")
	if code != 1 || !strings.Contains(out, "FAIL  Database") || !strings.Contains(out, "scribe migrate") || !strings.Contains(stderr, "check(s) failed") {
		t.Fatalf("doctor before migrate: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, stderr, code := cli(t, dir, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, p := range [][]string{
		{"--name", "speech", "--use", "transcription", "--model", "whisper-test"},
		{"--name", "notes", "--use", "drafting", "--model", "notes-test"},
	} {
		args := append([]string{"provider", "add", "--kind", "openai", "--base-url", fake.BaseURL(), "--self-hosted"}, p...)
		if _, stderr, code := cli(t, dir, args...); code != 0 {
			t.Fatalf("provider add: %s", stderr)
		}
	}
	out, stderr, code = cli(t, dir, "doctor")
	if code != 0 || strings.Contains(out, "FAIL") || !strings.Contains(out, "one second of test audio transcribed") || !strings.Contains(out, "answered with the JSON asked for") {
		t.Fatalf("doctor on a working installation: exit %d\n%s\n%s", code, out, stderr)
	}
	out, _, code = cli(t, dir, "doctor", "--json")
	if code != 0 || !strings.Contains(out, `"status": "ok"`) {
		t.Fatalf("doctor --json: exit %d\n%s", code, out)
	}

	fake.Down(fakeopenai.Models, fakeopenai.Fault{Status: 502})
	out, stderr, code = cli(t, dir, "doctor")
	if code != 1 || !strings.Contains(out, "FAIL  Provider speech (transcription): reachable") || !strings.Contains(out, "fix: ") {
		t.Fatalf("doctor with the provider failing: exit %d\n%s\n%s", code, out, stderr)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Errorf("the fake saw problems: %v", p)
	}
}
