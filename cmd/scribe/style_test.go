package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/prompts"
)

// TestUserAddDefaultsToClinician: `scribe user add` without --role makes a
// clinician, as the web forms start at clinician (issue 15: the role
// defaults to clinician everywhere; it used to be required); --role still
// chooses, and the help says so.
func TestUserAddDefaultsToClinician(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	if out := mustCLI(t, data, "user", "add", "--email", "plain@example.org"); !strings.Contains(out, "plain@example.org added as clinician") || !strings.Contains(out, "/invite?token=") {
		t.Fatalf("user add without a role:\n%s", out)
	}
	if out := mustCLI(t, data, "user", "add", "--email", "boss@example.org", "--role", "admin"); !strings.Contains(out, "added as admin") {
		t.Fatalf("user add --role admin:\n%s", out)
	}
	if errOut := failCLI(t, data, "user", "add"); !strings.Contains(errOut, "Usage") {
		t.Fatalf("user add without an e-mail: %s", errOut)
	}
	if list := mustCLI(t, data, "user", "list"); strings.Count(list, "@example.org") != 2 {
		t.Fatalf("user list:\n%s", list)
	}
	if _, errOut, _ := cli(t, data, "user", "add", "--help"); !strings.Contains(errOut, "defaults to clinician") {
		t.Fatalf("the help does not say the role defaults to clinician: %s", errOut)
	}
}

// TestStyleReachesDraftPrompt: a clinician's note style, set with `scribe
// user style set`, is what the drafting model is sent for that clinician's
// session — a delimited section of the instructions with each preference —
// and, once they ask for examples, their next draft is shown the note they
// signed; another clinician's session is drafted with neither their style
// nor their notes. The fake provider checks what it receives.
func TestStyleReachesDraftPrompt(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	// Each channel gets one sentence: said, which each session changes.
	said := "We talked about sleep and walking every morning."
	fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
		return []fakeopenai.Segment{{Start: 0, End: 2, Text: said}}, nil
	}
	mustCLI(t, dir, "provider", "add", "--name", "speech", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted")
	mustCLI(t, dir, "provider", "add", "--name", "notes", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--self-hosted")
	styled, plain := webUser(t, dir, "styled@example.org", store.RoleClinician), webUser(t, dir, "plain@example.org", store.RoleClinician)

	out := mustCLI(t, dir, "user", "style", "set", "--as", styled.Email, "--length", "short", "--person", "first", "--headings", "off",
		"--avoid", "client presents as", "--avoid", "WNL")
	if !strings.Contains(out, "length:   short") || !strings.Contains(out, "avoid:    WNL") {
		t.Fatalf("style set:\n%s", out)
	}
	if show := mustCLI(t, dir, "user", "style", "show", "--as", styled.Email); show != out {
		t.Fatalf("style show differs from what set said:\n%s\n---\n%s", show, out)
	}
	if errOut := failCLI(t, dir, "user", "style", "set", "--as", styled.Email, "--length", "long"); !strings.Contains(errOut, "--length") || !strings.Contains(errOut, "short") {
		t.Fatalf("a bad length: %s", errOut)
	}
	if errOut := failCLI(t, dir, "user", "style", "set", "--length", "short"); !strings.Contains(errOut, "clinician or supervisor") || !strings.Contains(errOut, "--as EMAIL") {
		t.Fatalf("the host operator keeping a style: %s", errOut)
	}

	tokens := map[string]string{}
	var lastSession string
	draftFor := func(u store.User) []fakeopenai.Chat {
		t.Helper()
		before := len(fake.Chats())
		tf, ok := tokens[u.ID]
		if !ok {
			tf, _ = tokenFile(t, dir, u)
			tokens[u.ID] = tf
		}
		out := mustCLI(t, dir, "ingest", "--template", "soap", "--speakers", "stereo", "--clinician", u.Email, "--client-alias", "client-"+u.ID[:8],
			"--consent-attested", "--token-file", tf, "--wait", sampleRecording)
		lastSession = strings.SplitN(out, "\n", 2)[0]
		if p := fake.Problems(); len(p) > 0 {
			t.Fatalf("the fake provider saw problems: %v", p)
		}
		chats := fake.Chats()[before:]
		if len(chats) == 0 {
			t.Fatal("no drafting request")
		}
		return chats
	}
	for _, c := range draftFor(styled) {
		body := system(t, c)
		start, end := strings.Index(body, prompts.StyleStart), strings.Index(body, prompts.StyleEnd)
		if start < 0 || end < start {
			t.Fatalf("the drafting request has no style section:\n%s", body)
		}
		block := body[start:end]
		for _, want := range []string{"Length: short", "first person", "without its section", `client presents as`, `WNL`} {
			if !strings.Contains(block, want) {
				t.Errorf("the style section lacks %q:\n%s", want, block)
			}
		}
	}
	if strings.Contains(system(t, fake.Chats()[len(fake.Chats())-1]), prompts.ExamplesStart) {
		t.Error("examples were sent though the clinician did not ask for them")
	}
	// The clinician signs that note and asks for examples: their next
	// draft is shown the signed note; another clinician's never is.
	mustCLI(t, dir, "draft", "sign", lastSession, "--attest", "--token-file", tokens[styled.ID])
	mustCLI(t, dir, "user", "style", "set", "--as", styled.Email, "--length", "short", "--examples")
	mustCLI(t, dir, "user", "style", "set", "--as", plain.Email, "--examples")
	said = "We planned a second walk on the weekend."
	for _, c := range draftFor(styled) {
		sys := system(t, c)
		start, end := strings.Index(sys, prompts.ExamplesStart), strings.Index(sys, prompts.ExamplesEnd)
		if start < 0 || end < start || !strings.Contains(sys[start:end], "walking every morning") || strings.Contains(sys[start:end], "second walk") {
			t.Fatalf("the styled clinician's next request does not show their signed note as an example:\n%s", sys)
		}
	}
	said = "We reviewed the budget worksheet."
	for _, c := range draftFor(plain) {
		sys := system(t, c)
		if strings.Contains(sys, "client presents as") || strings.Contains(sys, "walking every morning") || strings.Contains(sys, "second walk") || strings.Contains(sys, prompts.ExamplesStart) {
			t.Errorf("another clinician's drafting request carries the first clinician's style or notes:\n%s", sys)
		}
	}
}

// system is a chat request's system message.
func system(t *testing.T, c fakeopenai.Chat) string {
	t.Helper()
	var req fakeopenai.ChatRequest
	if err := json.Unmarshal([]byte(c.Body), &req); err != nil {
		t.Fatal(err)
	}
	for _, m := range req.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	t.Fatalf("a chat request has no system message:\n%s", c.Body)
	return ""
}
