package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestSessionRetryAfterProviderAdded (issue 11 item 2): `scribe ingest`
// before any transcription provider exists fails; after `scribe provider
// add`, `scribe session retry ID` restarts it, a second `retry` says it is
// already under way, and `retry --wait` sees it to ready.
func TestSessionRetryAfterProviderAdded(t *testing.T) {
	dir := t.TempDir()
	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) {
		return []fakeopenai.Segment{{Start: 0.2, End: 1, Text: "words of one chunk"}}, nil
	}
	t.Setenv("SCRIBE_MASTER_KEY", "")
	if _, stderr, code := cli(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--self-hosted"); code != 0 {
		t.Fatal(stderr)
	}
	n := 45 * 16000
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(i%200 - 100)
	}
	wav := filepath.Join(t.TempDir(), "session.wav")
	if err := os.WriteFile(wav, testenv.WAV(16000, pcm), 0o600); err != nil {
		t.Fatal(err)
	}
	// One worker: the first chunk fails the session, the later chunks' jobs
	// find it failed.
	stdout, stderr, code := cli(t, dir, "ingest", "--chunk-max", "10s", "--workers", "1", "--wait", wav)
	if code == 0 || !strings.Contains(stderr, "no transcription provider") {
		t.Fatalf("ingest with no transcription provider: exit %d: %s", code, stderr)
	}
	id := strings.TrimSpace(strings.SplitN(stdout, "\n", 2)[0])
	if _, stderr, code := cli(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted"); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code := cli(t, dir, "session", "retry", id)
	if code != 0 || !strings.Contains(out, "restarted at stage transcribe_chunk") {
		t.Fatalf("session retry: exit %d: %s%s", code, out, stderr)
	}
	out, stderr, code = cli(t, dir, "session", "retry", id)
	if code != 0 || !strings.Contains(out, "already under way") {
		t.Fatalf("second session retry: exit %d: %s%s", code, out, stderr)
	}
	if out, stderr, code = cli(t, dir, "session", "retry", id, "--wait"); code != 0 {
		t.Fatalf("session retry --wait: exit %d: %s%s", code, out, stderr)
	}
	out, _, _ = cli(t, dir, "session", "show", id, "--json")
	var v struct{ Status string }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Status != "ready" {
		t.Fatalf("after retry the session is %q (%v)", v.Status, err)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("fake API problems: %v", p)
	}
}
