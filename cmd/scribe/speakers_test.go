package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestDiarizedSessionEndToEnd: a transcription provider configured with
// --diarization diarized_json is asked for it (the fake checks), its voice
// labels reach the transcript, and the drafting model names each voice's
// role once: every line of one voice has one role, marked diarized, with a
// confidence; the assignment is audited. A drafting provider cannot be
// given a diarization capability.
func TestDiarizedSessionEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("TEST_KEY_S", "speakers-key")
	fake := fakeopenai.New("diarize-s", "notes-s")
	defer fake.Close()
	fake.Diarize = store.DiarizationJSON
	// The provider's diarization: who speaks when in this recording.
	fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) {
		return []fakeopenai.Segment{
			{Start: 0.3, End: 2.0, Text: "how have you been sleeping", Speaker: "A"},
			{Start: 2.5, End: 4.5, Text: "better but work makes me anxious", Speaker: "B"},
			{Start: 5.0, End: 6.8, Text: "let us review your plan next week", Speaker: "A"},
		}, nil
	}
	if errOut := failCLI(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-s", "--use", "drafting", "--self-hosted", "--diarization", "diarized_json"); !strings.Contains(errOut, "--diarization") {
		t.Fatalf("a drafting provider with diarization: %s", errOut)
	}
	if errOut := failCLI(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "diarize-s", "--use", "transcription", "--self-hosted", "--diarization", "pyannote"); !strings.Contains(errOut, "--diarization") || !strings.Contains(errOut, "diarized_json") {
		t.Fatalf("an unknown diarization format: %s", errOut)
	}
	mustCLI(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "diarize-s", "--use", "transcription", "--self-hosted", "--api-key-env", "TEST_KEY_S", "--diarization", "diarized_json")
	mustCLI(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-s", "--use", "drafting", "--self-hosted", "--api-key-env", "TEST_KEY_S")
	var ps []store.Provider
	if err := json.Unmarshal([]byte(mustCLI(t, dir, "provider", "list", "--json")), &ps); err != nil || len(ps) != 2 || ps[0].Diarization != store.DiarizationJSON {
		t.Fatalf("provider list: %+v %v", ps, err)
	}

	wav := filepath.Join(t.TempDir(), "room.wav")
	if err := os.WriteFile(wav, testenv.WAV(16000, testenv.Silence(7000)), 0o600); err != nil {
		t.Fatal(err)
	}
	webUser(t, dir, "dr@example.org", "clinician")
	out := mustCLI(t, dir, "ingest", "--speakers", "mono", "--clinician", "dr@example.org", "--client-alias", "S1", "--wait", wav)
	id := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("fake API problems: %v", p)
	}
	var sv struct {
		Status   string
		Segments []struct {
			ID, Speaker, Voice, Text string
			SpeakerBy                string  `json:"speaker_by"`
			Confidence               float64 `json:"confidence"`
		}
	}
	if err := json.Unmarshal([]byte(mustCLI(t, dir, "session", "show", id, "--json")), &sv); err != nil {
		t.Fatal(err)
	}
	if sv.Status != "ready" || len(sv.Segments) != 3 {
		t.Fatalf("session %s with %d segments", sv.Status, len(sv.Segments))
	}
	role := map[string]string{}
	for _, s := range sv.Segments {
		if s.SpeakerBy != "diarized" || s.Confidence <= 0 || s.Voice == "" {
			t.Errorf("segment %s: voice %q by %q confidence %v", s.ID, s.Voice, s.SpeakerBy, s.Confidence)
		}
		if r, ok := role[s.Voice]; ok && r != s.Speaker {
			t.Errorf("voice %s speaks as %s and %s", s.Voice, r, s.Speaker)
		}
		role[s.Voice] = s.Speaker
	}
	if role["A"] != "clinician" || role["B"] != "client" {
		t.Errorf("roles by voice %v", role)
	}
	roles := 0
	for _, c := range fake.Chats() {
		if c.SchemaName == fakeopenai.RolesSchemaName {
			roles++
			if !strings.Contains(c.Body, "Voice A") || !strings.Contains(c.Body, "told the voices apart") {
				t.Error("the roles prompt does not carry the diarized voices")
			}
		}
	}
	if roles != 1 {
		t.Fatalf("%d roles requests, want 1", roles)
	}
	if audit := mustCLI(t, dir, "audit", "export"); !strings.Contains(audit, `"action":"transcript.speakers"`) || !strings.Contains(audit, `"by":"diarized"`) {
		t.Fatal("the speaker assignment is not audited")
	}
}
