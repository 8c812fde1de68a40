package summarize

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/transcript"
)

func rolesLLM(t *testing.T, fake *fakeopenai.Server) LLM {
	t.Helper()
	o, err := NewOpenAI(Config{Name: "test-llm", BaseURL: fake.BaseURL(), Model: "roles-model", JSONSchema: true,
		Policy: modelcall.Policy{MaxAttempts: 1, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func oneChannel(voices ...string) []transcript.Segment {
	segs := make([]transcript.Segment, len(voices))
	for i, v := range voices {
		segs[i] = transcript.Segment{Speaker: transcript.SpeakerMixed, Voice: v, StartMS: int64(i) * 4000, EndMS: int64(i)*4000 + 3000, Text: "words of turn"}
	}
	transcript.AssignIDs(segs)
	return segs
}

// TestAssignRolesTurnByTurn: without diarization every unknown turn gets
// the model's role and confidence, marked inferred; a turn whose role is
// already known (a clinician's fix) is neither sent nor changed.
func TestAssignRolesTurnByTurn(t *testing.T) {
	fake := fakeopenai.New("", "roles-model")
	defer fake.Close()
	segs := oneChannel("", "", "", "")
	segs[2].Speaker, segs[2].SpeakerBy = transcript.SpeakerClient, transcript.SpeakerByClinician
	res, err := AssignRoles(context.Background(), rolesLLM(t, fake), segs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatal(p)
	}
	want := []string{"clinician", "client", "client", "clinician"} // the fake alternates over the lines it is sent (S0001, S0002, S0004)
	for i, s := range res.Segments {
		if s.Speaker != want[i] {
			t.Errorf("%s: %q, want %q", s.ID, s.Speaker, want[i])
		}
	}
	if res.Assigned != 3 || res.Segments[0].SpeakerBy != transcript.SpeakerByModel || res.Segments[0].Confidence != 0.55 || res.Segments[2].SpeakerBy != transcript.SpeakerByClinician {
		t.Errorf("result %+v", res)
	}
	if res.PromptVersion != "roles@1" || res.Attempts != 1 {
		t.Errorf("prompt %s, attempts %d", res.PromptVersion, res.Attempts)
	}
	if segs[0].Speaker != transcript.SpeakerMixed {
		t.Error("AssignRoles changed its input")
	}
	// Nothing left to assign: no call.
	again, err := AssignRoles(context.Background(), rolesLLM(t, fake), res.Segments, 0)
	if err != nil || again.Attempts != 0 || len(fake.Chats()) != 1 {
		t.Errorf("a transcript with every role known was sent again: %d attempts, %d calls, %v", again.Attempts, len(fake.Chats()), err)
	}
}

// TestAssignRolesByVoice: with the provider's diarization, one voice is one
// person: its lines take the voice's majority role, marked diarized.
func TestAssignRolesByVoice(t *testing.T) {
	fake := fakeopenai.New("", "roles-model")
	defer fake.Close()
	// The model hesitates on one of voice A's lines.
	fake.Roles = func(i int, line fakeopenai.SegmentRef) (string, float64) {
		switch {
		case i == 2:
			return "client", 0.4
		case line.Speaker == "Voice A":
			return "clinician", 0.9
		}
		return "client", 0.8
	}
	segs := oneChannel("A", "B", "A", "B", "A")
	res, err := AssignRoles(context.Background(), rolesLLM(t, fake), segs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatal(p)
	}
	for _, s := range res.Segments {
		want := map[string]string{"A": "clinician", "B": "client"}[s.Voice]
		if s.Speaker != want || s.SpeakerBy != transcript.SpeakerByDiarization {
			t.Errorf("%s (voice %s): %q by %q, want %q by diarization", s.ID, s.Voice, s.Speaker, s.SpeakerBy, want)
		}
	}
	if c := res.Segments[0].Confidence; c != 0.9 {
		t.Errorf("voice A confidence %v, want the mean of the lines that agree (0.9)", c)
	}
}

// TestAssignRolesMalformed: a reply that names unknown lines or roles is
// asked again once, then refused as malformed.
func TestAssignRolesMalformed(t *testing.T) {
	fake := fakeopenai.New("", "roles-model")
	defer fake.Close()
	fake.Roles = func(int, fakeopenai.SegmentRef) (string, float64) { return "narrator", 2 }
	_, err := AssignRoles(context.Background(), rolesLLM(t, fake), oneChannel("", ""), 0)
	if !errors.Is(err, ErrMalformedOutput) || len(fake.Chats()) != 2 {
		t.Fatalf("malformed roles: %v after %d calls", err, len(fake.Chats()))
	}
}
