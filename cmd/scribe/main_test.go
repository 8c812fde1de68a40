package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// cli runs the scribe command in-process with the given data dir.
func cli(t *testing.T, dataDir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{}, args...)
	if dataDir != "" && len(args) > 0 && args[0] != "redact" && args[0] != "version" {
		full = append(full, "--data-dir", dataDir)
	}
	code = run(context.Background(), full, &out, &errb)
	return out.String(), errb.String(), code
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		_, stderr, code := cli(t, "", c.name, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: scribe "+c.name) {
			t.Errorf("scribe %s --help: exit %d, stderr %q", c.name, code, stderr)
		}
	}
	if _, _, code := cli(t, "", "no-such-command"); code == 0 {
		t.Error("unknown command exited 0")
	}
}

// awaitReady polls base's /readyz for up to 10 s while serve starts and
// returns the first answer.
func awaitReady(base string) (*http.Response, error) {
	var err error
	for i := 0; i < 100; i++ {
		var resp *http.Response
		if resp, err = http.Get(base + "/readyz"); err == nil {
			return resp, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}

// TestServeWithNoConfiguration: in an empty directory, with no flags and no
// environment, serve creates its data dir, migrates, and answers health checks.
func TestServeWithNoConfiguration(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("SCRIBE_ADDR", "")
	t.Setenv("SCRIBE_DATA_DIR", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, &out, io.Discard) }()
	resp, err := awaitReady("http://127.0.0.1:8080")
	if err != nil {
		cancel()
		t.Fatalf("serve did not come up on the default address: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ready\n" {
		t.Fatalf("/readyz: %d %q", resp.StatusCode, body)
	}
	if r, err := http.Get("http://127.0.0.1:8080/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	for _, f := range []string{"scribe-data/scribe.db", "scribe-data/master.key"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("serve did not create %s: %v", f, err)
		}
	}
}

func TestIngestWaitShowSign(t *testing.T) {
	dir := t.TempDir()
	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("TEST_KEY_A", "secret-key-value")
	for _, args := range [][]string{
		{"provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted", "--api-key-env", "TEST_KEY_A"},
		{"provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--baa-signed", "2026-01-01", "--baa-expires", "2030-01-01"},
	} {
		if _, stderr, code := cli(t, dir, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	out, _, _ := cli(t, dir, "provider", "list")
	if !strings.Contains(out, "self-hosted") || !strings.Contains(out, "BAA active until 2030-01-01") || strings.Contains(out, "secret-key-value") {
		t.Fatalf("provider list:\n%s", out)
	}
	// Bad provider input is refused with a clear message.
	if _, stderr, code := cli(t, dir, "provider", "add", "--name", "x", "--base-url", "ftp://x", "--model", "m", "--use", "drafting"); code == 0 || !strings.Contains(stderr, "--base-url") {
		t.Fatalf("bad base URL accepted: %s", stderr)
	}

	speech := testenv.Concat(testenv.Speech(t, "Tell me about your week at home"), testenv.Silence(600),
		testenv.Speech(t, "I have been walking every morning and feeling calmer"))
	wav := filepath.Join(t.TempDir(), "session.wav")
	os.WriteFile(wav, testenv.WAV(16000, speech), 0o600)
	dr := webUser(t, dir, "dr@example.org", "clinician") // a session's clinician has an account
	tf, _ := tokenFile(t, dir, dr)                       // and attests the client's consent with their own credential
	stdout, stderr, code := cli(t, dir, "ingest", "--template", "birp", "--clinician", "dr@example.org", "--consent-attested-by", "dr@example.org", "--token-file", tf, "--wait", wav)
	if code != 0 {
		t.Fatalf("ingest --wait: exit %d: %s", code, stderr)
	}
	id := strings.SplitN(stdout, "\n", 2)[0]
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("first line is not a UUID: %q", stdout)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("fake API problems: %v", p)
	}

	out, _, code = cli(t, dir, "session", "show", id, "--json")
	var v struct {
		Status   string `json:"status"`
		Stages   []struct{ Stage, State string }
		Segments []struct{ ID, Speaker, Text string }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("session show --json: %v\n%s", err, out)
	}
	if v.Status != "ready" || len(v.Segments) == 0 || !strings.Contains(strings.ToLower(fmt.Sprint(v.Segments)), "morning") {
		t.Fatalf("session show: %+v", v)
	}
	states := map[string]string{}
	for _, s := range v.Stages {
		states[s.Stage] = s.State
	}
	if states["transcribe_chunk"] != "done" || states["redact"] != "done" || states["draft"] != "done" {
		t.Fatalf("stages: %+v", v.Stages)
	}
	out, _, _ = cli(t, dir, "session", "show", id)
	if !strings.Contains(out, "Status:   ready") || !strings.Contains(out, "Speaker:") && !strings.Contains(out, "Speaker: ") {
		t.Logf("session show text:\n%s", out)
	}
	out, _, _ = cli(t, dir, "session", "list")
	if !strings.Contains(out, id) {
		t.Fatalf("session list lacks the session:\n%s", out)
	}

	out, _, code = cli(t, dir, "draft", "show", id)
	if code != 0 || !strings.Contains(out, "AI-GENERATED DRAFT — NOT REVIEWED OR SIGNED") || !strings.Contains(out, "BIRP") {
		t.Fatalf("draft show:\n%s", out)
	}
	out, _, _ = cli(t, dir, "draft", "show", id, "--json")
	var dv struct {
		Banner string
		Flags  []struct{ Code, Severity string }
	}
	json.Unmarshal([]byte(out), &dv)
	if dv.Banner == "" {
		t.Fatalf("draft JSON lacks the banner:\n%s", out)
	}
	// The clinician acts with a personal API token from the web app's
	// account page. Resolve every high flag (if any), then sign.
	for _, f := range dv.Flags {
		if f.Severity == "high" {
			if _, stderr, code := cli(t, dir, "draft", "resolve-flag", id, "--code", f.Code, "--reason", "reviewed with client", "--token-file", tf); code != 0 {
				t.Fatal(stderr)
			}
		}
	}
	planFile := filepath.Join(t.TempDir(), "plan.txt")
	os.WriteFile(planFile, []byte("Continue weekly sessions."), 0o600)
	if _, stderr, code := cli(t, dir, "draft", "edit", id, "--section", "plan", "--text-file", planFile, "--token-file", tf); code != 0 {
		t.Fatalf("draft edit: %s", stderr)
	}
	if _, stderr, code := cli(t, dir, "draft", "sign", id, "--token-file", tf); code == 0 || !strings.Contains(stderr, "--attest") {
		t.Fatalf("signed without --attest: %s", stderr)
	}
	if _, stderr, code := cli(t, dir, "draft", "sign", id, "--clinician", "dr@example.org", "--attest", "--token-file", tf); code != 0 {
		t.Fatalf("draft sign: %s", stderr)
	}
	if _, stderr, code := cli(t, dir, "draft", "sign", id, "--attest", "--token-file", tf); code == 0 || !strings.Contains(stderr, "already signed") {
		t.Fatalf("second sign: %s", stderr)
	}
	out, _, _ = cli(t, dir, "draft", "show", id)
	if strings.Contains(out, "NOT REVIEWED") || !strings.Contains(out, "Reviewed and signed by dr@example.org") {
		t.Fatalf("signed note:\n%s", out)
	}
	out, _, code = cli(t, dir, "audit", "verify")
	if code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
	// Audit entries never hold transcript text or keys.
	out, _, _ = cli(t, dir, "audit", "export")
	if strings.Contains(strings.ToLower(out), "morning") || strings.Contains(out, "secret-key-value") {
		t.Fatal("audit export carries transcript text or a key")
	}
}

func TestIngestBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"not a WAV":      []byte("this is a text file, not audio"),
		"empty":          {},
		"zero-length":    testenv.WAV(16000, nil),
		"float encoding": floatWAV(),
	}
	for name, data := range cases {
		f := filepath.Join(t.TempDir(), "in.wav")
		os.WriteFile(f, data, 0o600)
		stdout, stderr, code := cli(t, dir, "ingest", f)
		if code == 0 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stderr == "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q: want one line on stderr and exit ≠ 0", name, code, stdout, stderr)
		}
	}
	if _, stderr, code := cli(t, dir, "ingest", filepath.Join(dir, "missing.wav")); code == 0 || !strings.Contains(stderr, "cannot open") {
		t.Errorf("missing file: %q", stderr)
	}
	out, _, _ := cli(t, dir, "session", "list", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("half-made sessions left behind: %s", out)
	}
}

func floatWAV() []byte {
	b := testenv.WAV(16000, make([]int16, 1600))
	b[20] = 3 // WAVE_FORMAT_IEEE_FLOAT
	return b
}

func TestRedactContract(t *testing.T) {
	in := "Client: My sister José Ramírez 🙂 lives in Dayton."
	r, w, _ := os.Pipe()
	w.WriteString(in)
	w.Close()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	stdout, stderr, code := cli(t, "", "redact")
	if code != 0 {
		t.Fatal(stderr)
	}
	var res struct {
		Text  string
		Spans []struct {
			Start, End        int
			Type, Placeholder string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	runes := []rune(in)
	found := false
	for _, s := range res.Spans {
		if string(runes[s.Start:s.End]) == "José Ramírez" && s.Type == "NAME" {
			found = true
		}
	}
	if !found || strings.Contains(res.Text, "José") {
		t.Fatalf("redact: %+v", res)
	}
}

func TestAuditVerifyNamesBrokenEntry(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		if _, stderr, code := cli(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted"); code != 0 {
			t.Fatal(stderr)
		}
	}
	if out, _, code := cli(t, dir, "audit", "verify"); code != 0 || !strings.Contains(out, "3 entries") {
		t.Fatalf("intact chain: %s", out)
	}
	a, err := openApp(context.Background(), config{dataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a.store.TamperForTest(context.Background(), `UPDATE audit SET actor = 'someone-else' WHERE seq = 2`)
	a.Close()
	_, stderr, code := cli(t, dir, "audit", "verify")
	if code == 0 || !strings.Contains(stderr, "entry 2") {
		t.Fatalf("tampered chain: exit %d %q", code, stderr)
	}
}
