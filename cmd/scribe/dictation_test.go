package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestDictationEndToEnd: a clinician's dictated recap (flite speech, no
// client consent on file) is ingested with --kind dictation through the
// fake provider, which checks the drafting prompt says it is the
// clinician's recap and that every line is the clinician's; the draft is
// labelled, raises no consent-missing flag, is signed, and the FHIR (R4
// schema-valid) and paste-ready exports carry the label. The audit records
// a consent-free recording of the clinician only.
func TestDictationEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("TEST_KEY_D", "dictation-key")
	fake := fakeopenai.New("whisper-d", "notes-d")
	defer fake.Close()
	mustCLI(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "whisper-d", "--use", "transcription", "--self-hosted", "--api-key-env", "TEST_KEY_D")
	mustCLI(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-d", "--use", "drafting", "--self-hosted", "--api-key-env", "TEST_KEY_D")
	dr := webUser(t, dir, "dr@example.org", "clinician")
	tf, _ := tokenFile(t, dir, dr)

	speech := testenv.Concat(testenv.Speech(t, "The client reported sleeping better this week"), testenv.Silence(600),
		testenv.Speech(t, "We reviewed the safety plan and agreed to meet again next week"))
	wav := filepath.Join(t.TempDir(), "recap.wav")
	if err := os.WriteFile(wav, testenv.WAV(16000, speech), 0o600); err != nil {
		t.Fatal(err)
	}
	// A client-consent attestation makes no sense on the clinician's own
	// recording: refused, with the flag named, nothing stored.
	if errOut := failCLI(t, dir, "ingest", "--kind", "dictation", "--clinician", "dr@example.org", "--client-alias", "D1", "--consent-attested-by", "dr@example.org", "--token-file", tf, wav); !strings.Contains(errOut, "--consent-attested-by") || !strings.Contains(errOut, "no client consent") {
		t.Fatalf("dictation with a consent attestation: %s", errOut)
	}
	if errOut := failCLI(t, dir, "ingest", "--kind", "recap", wav); !strings.Contains(errOut, "--kind") || !strings.Contains(errOut, "dictation") {
		t.Fatalf("unknown kind: %s", errOut)
	}
	if out := mustCLI(t, dir, "session", "list"); strings.Contains(out, "D1") {
		t.Fatalf("a refused dictation left a session:\n%s", out)
	}

	out := mustCLI(t, dir, "ingest", "--kind", "dictation", "--clinician", "dr@example.org", "--client-alias", "D1", "--template", "soap", "--wait", wav)
	id := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("fake API problems: %v", p)
	}
	chats := fake.Chats()
	if len(chats) == 0 {
		t.Fatal("no drafting request reached the provider")
	}
	for _, c := range chats {
		var req fakeopenai.ChatRequest
		if err := json.Unmarshal([]byte(c.Body), &req); err != nil {
			t.Fatal(err)
		}
		if !req.IsDictation() || !strings.Contains(c.Body, "NOT a dialogue") || len(req.Segments()) == 0 {
			t.Fatalf("the drafting prompt was not told it is the clinician's dictated recap")
		}
	}

	var sv struct {
		Status, Source string
		Segments       []struct{ Speaker, Text string }
	}
	if err := json.Unmarshal([]byte(mustCLI(t, dir, "session", "show", id, "--json")), &sv); err != nil {
		t.Fatal(err)
	}
	said := ""
	for _, s := range sv.Segments {
		if s.Speaker != "clinician" {
			t.Errorf("segment speaker %q, want clinician", s.Speaker)
		}
		said += " " + strings.ToLower(s.Text)
	}
	if sv.Status != "ready" || sv.Source != "dictation" || !strings.Contains(said, "safety") && !strings.Contains(said, "sleeping") {
		t.Fatalf("session: status %s source %s, %d segments", sv.Status, sv.Source, len(sv.Segments))
	}

	var dv struct {
		SourceLabel string `json:"source_label"`
		Flags       []struct{ Code, Severity string }
	}
	if err := json.Unmarshal([]byte(mustCLI(t, dir, "draft", "show", id, "--json")), &dv); err != nil {
		t.Fatal(err)
	}
	if dv.SourceLabel != drafts.DictationLabel {
		t.Fatalf("draft source label %q", dv.SourceLabel)
	}
	for _, f := range dv.Flags {
		if f.Code == "consent_missing" {
			t.Fatalf("a dictation raised the client consent flag: %+v", dv.Flags)
		}
		if f.Severity == "high" {
			mustCLI(t, dir, "draft", "resolve-flag", id, "--code", f.Code, "--reason", "reviewed", "--token-file", tf)
		}
	}
	if out := mustCLI(t, dir, "draft", "show", id); !strings.Contains(out, drafts.DictationLabel) {
		t.Fatalf("draft show lacks the label:\n%s", out)
	}
	mustCLI(t, dir, "draft", "sign", id, "--attest", "--token-file", tf)

	bundle := mustCLI(t, dir, "export", "fhir", id)
	if err := fhirschema.Validate([]byte(bundle)); err != nil {
		t.Fatalf("FHIR bundle of a dictated note: %v", err)
	}
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal([]byte(bundle), &b); err != nil {
		t.Fatal(err)
	}
	labelled := map[string]bool{}
	for _, e := range b.Entry {
		r := e.Resource
		switch r["resourceType"] {
		case "DocumentReference":
			labelled["description"] = strings.Contains(r["description"].(string), drafts.DictationLabel)
			if r["docStatus"] != "final" {
				t.Errorf("docStatus %v after signing", r["docStatus"])
			}
		case "Provenance":
			raw, _ := json.Marshal(r)
			labelled["provenance"] = strings.Contains(string(raw), `"role":"source"`) && strings.Contains(string(raw), drafts.DictationLabel)
		}
	}
	for _, m := range regexp.MustCompile(`"data":\s*"([^"]+)"`).FindAllStringSubmatch(bundle, -1) {
		if t2, err := base64.StdEncoding.DecodeString(m[1]); err == nil && strings.Contains(string(t2), drafts.DictationLabel) {
			labelled["attachment"] = true
		}
	}
	for _, where := range []string{"description", "provenance", "attachment"} {
		if !labelled[where] {
			t.Errorf("FHIR export: %s does not say the note was drafted from dictation", where)
		}
	}
	if paste := mustCLI(t, dir, "export", "text", id); !strings.Contains(paste, drafts.DictationLabel) || !strings.Contains(paste, "Reviewed and signed by dr@example.org") {
		t.Fatalf("paste-ready export:\n%s", paste)
	}

	// The audit holds the ingest as a consent-free recording of the
	// clinician only, and the chain verifies.
	found := false
	for _, line := range strings.Split(mustCLI(t, dir, "audit", "export"), "\n") {
		var e struct {
			Action  string            `json:"action"`
			Details map[string]string `json:"details"`
		}
		if json.Unmarshal([]byte(line), &e) != nil || e.Action != "session.ingest" {
			continue
		}
		found = true
		if e.Details["kind"] != "dictation" || e.Details["consent"] != "not_required_clinician_only" || e.Details["speakers"] != "1" {
			t.Errorf("ingest audit details: %v", e.Details)
		}
	}
	if !found {
		t.Fatal("no session.ingest audit entry")
	}
	if out := mustCLI(t, dir, "audit", "verify"); !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify: %s", out)
	}
}
