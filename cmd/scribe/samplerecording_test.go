package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-audio/wav"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// sampleRecording is the SAMPLE recording the README's quick start uses.
var sampleRecording = filepath.Join("..", "..", "docs", "sample", "sample-session.wav")

// TestSampleRecordingToDraft: the shipped SAMPLE recording is small, 16 kHz
// 16-bit stereo, and goes through the real pipeline — the README's
// `scribe ingest --speakers stereo` — to a draft, each speaker's words
// under that speaker. Only the model provider is faked; it transcribes
// with pocketsphinx, so the words come from the audio.
func TestSampleRecordingToDraft(t *testing.T) {
	testenv.Tool(t, "pocketsphinx_continuous")
	f, err := os.Open(sampleRecording)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	dec := wav.NewDecoder(f)
	dec.ReadInfo()
	f.Close()
	if fi.Size() >= 1<<20 || dec.SampleRate != 16000 || dec.NumChans != 2 || dec.BitDepth != 16 {
		t.Fatalf("sample recording: %d bytes, %d Hz, %d channel(s), %d bit; want < 1 MB, 16 kHz stereo 16-bit", fi.Size(), dec.SampleRate, dec.NumChans, dec.BitDepth)
	}

	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	mustCLI(t, dir, "provider", "add", "--name", "speech", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted")
	mustCLI(t, dir, "provider", "add", "--name", "notes", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--self-hosted")
	tf, _ := tokenFile(t, dir, webUser(t, dir, "you@example.org", "clinician"))
	out := mustCLI(t, dir, "ingest", "--template", "dap", "--speakers", "stereo", "--clinician", "you@example.org", "--client-alias", "client-1",
		"--consent-attested", "--token-file", tf, "--wait", sampleRecording)
	id := strings.SplitN(out, "\n", 2)[0]
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake provider saw problems: %v", p)
	}
	show := strings.ToLower(mustCLI(t, dir, "session", "show", id))
	// Each side's words, recognised from the audio, under its speaker.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`client[^\n]*walk[^\n]*every morning`),
		regexp.MustCompile(`clinician[^\n]*meet next week`),
	} {
		if !want.MatchString(show) {
			t.Errorf("the transcript has no line matching %s:\n%s", want, show)
		}
	}
	draft := mustCLI(t, dir, "draft", "show", id)
	if !strings.Contains(draft, "AI-GENERATED DRAFT") && !strings.Contains(strings.ToLower(draft), "ai-generated draft") {
		t.Errorf("draft show has no AI-draft banner:\n%s", draft)
	}
	if !regexp.MustCompile(`S\d{4}`).MatchString(draft) {
		t.Errorf("the draft cites no transcript segment:\n%s", draft)
	}
}
