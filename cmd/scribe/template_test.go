package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

const customTemplate = `---
{
  "id": "pie",
  "version": 1,
  "title": "PIE progress note",
  "sections": [
    {"key": "problem", "title": "Problem", "required": true, "role": "focus", "description": "The problem addressed in the session."},
    {"key": "intervention", "title": "Intervention", "required": true, "description": "What the clinician did."},
    {"key": "risk", "title": "Risk assessment", "required": false, "role": "risk", "description": "Risk discussed."},
    {"key": "evaluation", "title": "Evaluation", "required": true, "role": "plan", "description": "Response and next steps."}
  ]
}
---
PIE: Problem, Intervention, Evaluation.
`

// TestTemplateAdd: an admin adds a template from a file without
// rebuilding, and the next draft uses it (its version recorded on the draft).
func TestTemplateAdd(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.md")
	os.WriteFile(bad, []byte("---\n{\"id\": \"x\"}\n---\nno sections"), 0o600)
	if _, stderr, code := cli(t, dir, "template", "add", bad); code == 0 || stderr == "" {
		t.Fatal("an invalid template was accepted")
	}
	f := filepath.Join(t.TempDir(), "pie.md")
	os.WriteFile(f, []byte(customTemplate), 0o600)
	out, stderr, code := cli(t, dir, "template", "add", f)
	if code != 0 || !strings.Contains(out, "pie@1") {
		t.Fatalf("template add: %s %s", out, stderr)
	}
	if _, _, code := cli(t, dir, "template", "add", f); code == 0 {
		t.Fatal("the same template version was added twice")
	}
	out, _, _ = cli(t, dir, "template", "list")
	if !strings.Contains(out, "pie") || !strings.Contains(out, "soap") {
		t.Fatalf("template list:\n%s", out)
	}
	fake := fakeopenai.New("w", "n")
	defer fake.Close()
	cli(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "w", "--use", "transcription", "--self-hosted")
	cli(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "n", "--use", "drafting", "--self-hosted")
	wav := filepath.Join(t.TempDir(), "s.wav")
	os.WriteFile(wav, testenv.WAV(16000, testenv.Speech(t, "Tell me about your week at home")), 0o600)
	stdout, stderr, code := cli(t, dir, "ingest", "--template", "pie", "--wait", wav)
	if code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	id := strings.TrimSpace(strings.SplitN(stdout, "\n", 2)[0])
	out, _, _ = cli(t, dir, "draft", "show", id)
	if !strings.Contains(out, "Intervention") || !strings.Contains(out, "pie@1") {
		t.Fatalf("the draft did not use the added template:\n%s", out)
	}
	// Regenerating with another template makes version 2 and keeps version 1.
	if _, stderr, code := cli(t, dir, "draft", "regenerate", id, "--template", "girp", "--wait"); code != 0 {
		t.Fatalf("regenerate: %s", stderr)
	}
	out, _, _ = cli(t, dir, "draft", "versions", id)
	if !strings.Contains(out, "v1") || !strings.Contains(out, "v2") || !strings.Contains(out, "girp") {
		t.Fatalf("versions:\n%s", out)
	}
	out, _, _ = cli(t, dir, "draft", "show", id, "--version", "1")
	if !strings.Contains(out, "Intervention") {
		t.Fatal("version 1 was not kept")
	}
}
