package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// seedDraft stores a Part 2 session with a synthetic draft note, the way
// the drafting stage leaves it, and closes the store.
func seedDraft(t *testing.T, dataDir, id, program, alias string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	note := summarize.Note{Format: "dap", Sections: []summarize.Section{
		{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: "Client reports 12 days without use & attended group.", Citations: []string{"S1"}}}},
		{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Continue weekly counselling.", Citations: []string{"S2"}}}},
	}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "dap", Program: program,
			ClientAlias: alias, Clinician: "therapist@example.org"}); err != nil {
			return err
		}
		_, err := tx.InsertDraft(ctx, &store.Draft{ID: "draft-" + id, SessionID: id, Version: 1, Status: store.DraftDraft, Template: "dap",
			PromptVersion: "dap/2026-05", Provider: "local-llm", Model: "note-model-test-1", Content: string(content), Flags: "[]"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	blobs := testBlobs(t, dataDir)
	if err := blobs.Put(ctx, "sessions/"+id+"/transcript/redacted.json", []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
}

// testBlobs opens the data directory's blob store as scribe does.
func testBlobs(t *testing.T, dataDir string) *blob.Dir {
	t.Helper()
	kek, _, err := blob.LoadKEK(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dataDir, "blobs"), kek)
	if err != nil {
		t.Fatal(err)
	}
	return blobs
}

func mustCLI(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, dataDir, args...)
	if code != 0 {
		t.Fatalf("scribe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func failCLI(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, dataDir, args...)
	if code == 0 {
		t.Fatalf("scribe %s succeeded; want a refusal\nstdout: %s", strings.Join(args, " "), out)
	}
	return errOut
}

var consentIDRe = regexp.MustCompile(`consent ([0-9a-f-]{36}) recorded`)

func TestComplianceCLI(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seedDraft(t, data, "s-sud", "sud", "client-x")
	// Consents are recorded in the name of the person whose credential is
	// given: here the client's Part 2 therapist.
	revoker, _ := tokenFile(t, data, webUserWith(t, data, store.User{Email: "therapist@example.org", Role: "clinician", Part2Access: true}))

	// An incomplete Part 2 consent is refused, naming what is missing, and nothing is stored.
	errOut := failCLI(t, data, "consent", "add", "--scope", "part2_tpo", "--client", "client-x", "--method", "electronic", "--signature", "e-sign:1", "--token-file", revoker)
	for _, want := range []string{"who may disclose", "recipients", "purpose", "right to revoke", "expiry date or event"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("refusal does not name %q: %s", want, errOut)
		}
	}
	if out := mustCLI(t, data, "consent", "list", "--client", "client-x", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused consent was stored: %s", out)
	}

	// A Part 2 export without consent is refused, audited, and not recorded as a disclosure.
	errOut = failCLI(t, data, "export", "fhir", "s-sud", "--recipient", "Example Health HIE", "--purpose", "treatment")
	if !strings.Contains(errOut, "part2_tpo") {
		t.Fatalf("export refusal: %s", errOut)
	}
	if errOut := failCLI(t, data, "export", "fhir", "s-sud"); !strings.Contains(errOut, "--recipient and --purpose") {
		t.Fatalf("export without recipient: %s", errOut)
	}

	textFile := filepath.Join(dir, "consent.txt")
	os.WriteFile(textFile, []byte("Synthetic Part 2 consent text. You may revoke this consent at any time."), 0o600)
	mustCLI(t, data, "consent", "text-add", "--scope", "part2_tpo", "--version", "2026-05", "--file", textFile)
	out := mustCLI(t, data, "consent", "add", "--scope", "part2_tpo", "--client", "client-x", "--method", "electronic", "--token-file", revoker,
		"--signature", "e-sign:synthetic", "--discloser", "Synthetic SUD Program", "--information", "progress notes", "--recipients", "Example Health treating clinicians",
		"--purpose", "treatment", "--revocation-notice", "--expires", "2099-01-01", "--text-version", "2026-05")
	m := consentIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("consent add: %s", out)
	}
	consentID := m[1]
	if out := mustCLI(t, data, "consent", "list", "--client", "client-x"); !strings.Contains(out, consentID) || !strings.Contains(out, "in_force") {
		t.Fatalf("consent list: %s", out)
	}

	fhirFile := filepath.Join(dir, "note.fhir.json")
	mustCLI(t, data, "export", "fhir", "s-sud", "--recipient", "Example Health HIE", "--purpose", "treatment", "--out", fhirFile)
	raw, err := os.ReadFile(fhirFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fhirFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode %v", fi.Mode())
	}
	if err := fhirschema.Validate(raw); err != nil {
		t.Fatalf("exported bundle: %v", err)
	}
	for _, want := range []string{"42CFRPart2", "NORDSCLCD", "AIAST", `"docStatus": "preliminary"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("FHIR export lacks %s", want)
		}
	}
	if errOut := failCLI(t, data, "export", "fhir", "s-sud", "--recipient", "X", "--purpose", "treatment", "--out", fhirFile); !strings.Contains(errOut, "already exists") {
		t.Fatalf("export over an existing file: %s", errOut)
	}
	hl7 := mustCLI(t, data, "export", "hl7v2", "s-sud", "--recipient", "Example Health HIE", "--purpose", "treatment")
	if !strings.HasPrefix(hl7, `MSH|^~\&|SCRIBE|`) || !strings.Contains(hl7, "12 days without use \\T\\ attended group") {
		t.Fatalf("HL7 export: %q", hl7)
	}

	// The accounting lists both exports with the consent in force.
	acc := mustCLI(t, data, "disclosures", "--client", "client-x")
	if !strings.Contains(acc, "Example Health HIE") || !strings.Contains(acc, consentID) || !strings.Contains(acc, "2 disclosure(s)") {
		t.Fatalf("accounting:\n%s", acc)
	}
	recs, err := csv.NewReader(strings.NewReader(mustCLI(t, data, "disclosures", "--client", "client-x", "--csv"))).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][4] != consentID || recs[1][5] != "in_force" || !strings.Contains(recs[2][2], "HL7") {
		t.Fatalf("CSV accounting: %v %q", err, recs)
	}
	if errOut := failCLI(t, data, "disclosures", "--client", "client-x", "--since", "yesterday"); !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Fatalf("bad --since: %s", errOut)
	}

	// Revocation stops the next export at once. It is recorded in the name
	// of the person whose credential is given, who must be one who may see
	// the Part 2 client (its therapist, with Part 2 access).
	if errOut := failCLI(t, data, "consent", "revoke", consentID, "--by", "therapist@example.org", "--method", "written"); !strings.Contains(errOut, "credential") {
		t.Fatalf("revocation without a credential: %s", errOut)
	}
	outsider, _ := tokenFile(t, data, webUser(t, data, "t@example.org", "clinician"))
	if errOut := failCLI(t, data, "consent", "revoke", consentID, "--method", "written", "--token-file", outsider); !strings.Contains(errOut, "no consent") {
		t.Fatalf("revocation by a clinician outside the client's care team: %s", errOut)
	}
	mustCLI(t, data, "consent", "revoke", consentID, "--by", "therapist@example.org", "--method", "written", "--token-file", revoker)
	if errOut := failCLI(t, data, "export", "hl7v2", "s-sud", "--recipient", "X", "--purpose", "treatment"); !strings.Contains(errOut, "revoked") {
		t.Fatalf("export after revocation: %s", errOut)
	}
	if errOut := failCLI(t, data, "consent", "revoke", consentID, "--method", "written", "--token-file", revoker); !strings.Contains(errOut, "already revoked") {
		t.Fatalf("second revocation: %s", errOut)
	}

	// Retention policy and legal hold.
	if out := mustCLI(t, data, "retention", "show"); !strings.Contains(out, "audio purged after transcription: true") {
		t.Fatalf("retention show: %s", out)
	}
	mustCLI(t, data, "retention", "set", "--audio-days", "7", "--transcript-days", "365")
	if out := mustCLI(t, data, "retention", "show"); !strings.Contains(out, "audio kept at most: 7 days") || !strings.Contains(out, "365 days") {
		t.Fatalf("retention after set: %s", out)
	}
	if errOut := failCLI(t, data, "retention", "set", "--purge-after-transcription", "maybe"); !strings.Contains(errOut, "true or false") {
		t.Fatalf("bad bool: %s", errOut)
	}
	if errOut := failCLI(t, data, "retention", "hold", "s-sud"); !strings.Contains(errOut, "--reason") {
		t.Fatalf("hold without reason: %s", errOut)
	}
	mustCLI(t, data, "retention", "hold", "s-sud", "--reason", "matter M-1")
	mustCLI(t, data, "retention", "sweep")

	// Checkpoint, backup, restore into an empty dir, and verify the restored copy.
	var cpOut, cpErr strings.Builder
	if err := auditCheckpoint(context.Background(), []string{"--data-dir", data}, &cpOut, &cpErr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cpOut.String(), "public key: ") {
		t.Fatalf("checkpoint: %s", cpOut.String())
	}
	if fi, err := os.Stat(filepath.Join(data, "audit-checkpoint.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint key file: %v", err)
	}
	archive := filepath.Join(dir, "backup.tar.gz")
	if out := mustCLI(t, data, "backup", archive); !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %s", out)
	}
	if errOut := failCLI(t, data, "backup", archive); !strings.Contains(errOut, "already exists") {
		t.Fatalf("backup over a file: %s", errOut)
	}
	if errOut := failCLI(t, data, "restore", archive); !strings.Contains(errOut, "not empty") {
		t.Fatalf("restore over live data: %s", errOut)
	}
	restored := filepath.Join(dir, "restored")
	out = mustCLI(t, restored, "restore", archive)
	if !strings.Contains(out, "all 1 blob(s) open") || !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "1 signed checkpoint(s) hold") {
		t.Fatalf("restore: %s", out)
	}
	if out := mustCLI(t, restored, "audit", "verify"); !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify on the restored copy: %s", out)
	}
	if out := mustCLI(t, restored, "disclosures", "--client", "client-x"); !strings.Contains(out, "2 disclosure(s)") {
		t.Fatalf("restored accounting: %s", out)
	}
	// A rewrite of the restored chain is caught by the checkpoint.
	st, err := store.Open(context.Background(), store.Options{DataDir: restored})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TamperForTest(context.Background(), `UPDATE audit SET actor = 'someone-else' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	a, err := openApp(context.Background(), config{dataDir: restored})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var vOut strings.Builder
	if err := auditVerifyReport(context.Background(), a, "", &vOut); err == nil || !strings.Contains(err.Error(), "entry 3") {
		t.Fatalf("tampered restored chain: %v", err)
	}
}
