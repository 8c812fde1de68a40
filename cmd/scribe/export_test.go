package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/summarize"
)

// seedRedactedDraft stores a session whose draft cites a redacted
// transcript, with the encrypted identifier map the redact stage leaves.
// It returns the placeholder the draft carries for the synthetic name.
func seedRedactedDraft(t *testing.T, dataDir, id string) (placeholder string) {
	t.Helper()
	ctx := context.Background()
	rs := redaction.NewSession()
	res, err := rs.Redact("Client Jordan Reyes reports sleeping better since the last session.")
	if err != nil {
		t.Fatal(err)
	}
	for p, v := range rs.Map() {
		if v == "Jordan Reyes" {
			placeholder = p
		}
	}
	if placeholder == "" || !strings.Contains(res.Text, placeholder) {
		t.Fatalf("redaction did not replace the synthetic name: %q %v", res.Text, rs.Map())
	}
	mapJSON, err := rs.MarshalMap()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	note := summarize.Note{Format: "dap", Sections: []summarize.Section{
		{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: res.Text, Citations: []string{"S1"}}}},
	}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	mapBlob := "sessions/" + id + "/transcript/map.json"
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "dap", Program: "mh",
			ClientAlias: "client-r", Clinician: "therapist@example.org"}); err != nil {
			return err
		}
		if err := tx.PutTranscript(ctx, store.Transcript{SessionID: id, RedactedBlob: "sessions/" + id + "/transcript/redacted.json", MapBlob: mapBlob, Segments: 1}); err != nil {
			return err
		}
		_, err := tx.InsertDraft(ctx, &store.Draft{ID: "draft-" + id, SessionID: id, Version: 1, Status: store.DraftDraft, Template: "dap",
			PromptVersion: "dap/2026-05", Provider: "local-llm", Model: "note-model-test-1", Content: string(content), Flags: "[]"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	blobs := testBlobs(t, dataDir)
	if err := blobs.Put(ctx, mapBlob, mapJSON); err != nil {
		t.Fatal(err)
	}
	return placeholder
}

// TestExportReidentify: an export keeps the redaction placeholders unless
// the session's clinician asks for identifiers, which is audited and named
// in the disclosure; anyone else is refused.
func TestExportReidentify(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	placeholder := seedRedactedDraft(t, data, "s-mh")

	plain := mustCLI(t, data, "export", "hl7v2", "s-mh")
	if !strings.Contains(plain, placeholder) || strings.Contains(plain, "Jordan") {
		t.Fatalf("default export should keep %s and not the name", placeholder)
	}
	// Re-identification acts as the session's clinician, with their
	// credential (a personal API token from the web app's account page).
	if errOut := failCLI(t, data, "export", "fhir", "s-mh", "--reidentify", "--actor", "therapist@example.org"); !strings.Contains(errOut, "credential") {
		t.Fatalf("re-identified export without a credential: %s", errOut)
	}
	tf, _ := tokenFile(t, data, webUser(t, data, "therapist@example.org", "clinician"))
	sup, _ := tokenFile(t, data, webUser(t, data, "someone@example.org", "supervisor"))
	if errOut := failCLI(t, data, "export", "fhir", "s-mh", "--reidentify", "--token-file", sup); !strings.Contains(errOut, "only the session's clinician") {
		t.Fatalf("re-identified export by another user: %s", errOut)
	}
	hl7 := mustCLI(t, data, "export", "hl7v2", "s-mh", "--reidentify", "--actor", "therapist@example.org", "--token-file", tf)
	if !strings.Contains(hl7, "Jordan Reyes reports sleeping better") || strings.Contains(hl7, placeholder) {
		t.Errorf("re-identified HL7 export should carry the name instead of %s", placeholder)
	}
	full := mustCLI(t, data, "export", "fhir", "s-mh", "--reidentify", "--actor", "therapist@example.org", "--token-file", tf)
	if err := fhirschema.Validate([]byte(full)); err != nil {
		t.Fatalf("re-identified bundle: %v", err)
	}
	// The note travels base64-encoded in the DocumentReference attachment.
	var texts []string
	for _, m := range regexp.MustCompile(`"data":\s*"([^"]+)"`).FindAllStringSubmatch(full, -1) {
		if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
			texts = append(texts, string(b))
		}
	}
	if joined := strings.Join(texts, "\n"); !strings.Contains(joined, "Jordan Reyes") || strings.Contains(joined, placeholder) {
		t.Errorf("re-identified FHIR attachment should carry the name instead of %s (%d attachments)", placeholder, len(texts))
	}
	text := mustCLI(t, data, "export", "text", "s-mh", "--reidentify", "--actor", "therapist@example.org", "--token-file", tf)
	if !strings.Contains(text, "AI-GENERATED DRAFT") || !strings.Contains(text, "Jordan Reyes reports sleeping better") {
		t.Errorf("text export lacks the banner or the re-identified statement:\n%s", text)
	}
	// It is the paste-ready note (drafts.PasteText, as the web app's Copy
	// button gives it): no model, tokens, citations or flag codes.
	for _, leak := range []string{"Drafted by model", "tokens", "[S0", "Flags (review"} {
		if strings.Contains(text, leak) {
			t.Errorf("text export carries %q:\n%s", leak, text)
		}
	}
	audit := mustCLI(t, data, "audit", "export")
	if !strings.Contains(audit, `"reidentified":"true"`) || !strings.Contains(audit, `"reidentified":"false"`) {
		t.Errorf("audit does not record which exports carried identifiers")
	}
}
