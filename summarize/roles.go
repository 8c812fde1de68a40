package summarize

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

// RolesSchemaName names the JSON schema of a speaker-roles reply.
const RolesSchemaName = "speaker_roles"

// RolesSchema is the reply shape of a speaker-roles request: one turn per
// transcript line with its role and a confidence.
var RolesSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["turns"],"properties":{"turns":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["id","role","confidence"],"properties":{"id":{"type":"string"},"role":{"type":"string","enum":["clinician","client","other"]},"confidence":{"type":"number","minimum":0,"maximum":1}}}}}}`)

// RolesResult is what AssignRoles did.
type RolesResult struct {
	Segments      []transcript.Segment // the input, with roles assigned
	Assigned      int                  // segments given a role
	Model         string
	PromptVersion string
	Usage         Usage
	Attempts      int
}

// AssignRoles has the drafting model assign a role (clinician, client,
// other) with a confidence to every segment of a single-channel recording
// that has none (Speaker transcript.SpeakerMixed); the segments must be
// redacted. Each assigned segment is marked inferred
// (transcript.SpeakerByModel), or transcript.SpeakerByDiarization when the
// provider told the voices apart: then every segment of one voice takes
// that voice's majority role and its mean confidence, so one voice never
// speaks as two people. Segments that already have a role are left alone,
// so it runs again without undoing a clinician's fix. A window of lines
// over budget tokens is asked separately. A reply that leaves lines out
// leaves those lines unassigned; a malformed reply is asked again once,
// then ErrMalformedOutput.
func AssignRoles(ctx context.Context, llm LLM, segs []transcript.Segment, budget int) (RolesResult, error) {
	out := RolesResult{Segments: append([]transcript.Segment(nil), segs...)}
	var todo []transcript.Segment
	diarized := false
	for _, s := range segs {
		if s.Speaker == transcript.SpeakerMixed {
			todo = append(todo, s)
			diarized = diarized || s.Voice != ""
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	if budget <= 0 {
		budget = DefaultContextBudgetTokens
	}
	sys, _, version := prompts.RenderRoles(nil, diarized)
	out.PromptVersion = version
	room := max(budget-EstimateTokens(sys)-200, 200)
	roles := map[string]roleTurn{}
	for _, w := range rolesWindows(todo, room) {
		sys, user, _ := prompts.RenderRoles(w, diarized)
		got, err := out.ask(ctx, llm, sys, user, w)
		if err != nil {
			return out, err
		}
		for id, t := range got {
			roles[id] = t
		}
	}
	by := transcript.SpeakerByModel
	if diarized {
		by = transcript.SpeakerByDiarization
		roles = byVoice(todo, roles)
	}
	for i, s := range out.Segments {
		t, ok := roles[s.ID]
		if s.Speaker != transcript.SpeakerMixed || !ok {
			continue
		}
		out.Segments[i].Speaker, out.Segments[i].Confidence, out.Segments[i].SpeakerBy = t.Role, t.Confidence, by
		out.Assigned++
	}
	return out, nil
}

type roleTurn struct {
	ID         string  `json:"id"`
	Role       string  `json:"role"`
	Confidence float64 `json:"confidence"`
}

func rolesWindows(segs []transcript.Segment, room int) [][]transcript.Segment {
	var out [][]transcript.Segment
	var cur []transcript.Segment
	used := 0
	for _, s := range segs {
		c := EstimateTokens(prompts.RolesLine(s))
		if len(cur) > 0 && used+c > room {
			out = append(out, cur)
			cur, used = nil, 0
		}
		cur = append(cur, s)
		used += c
	}
	return append(out, cur)
}

// ask sends one roles prompt and validates the reply against the window's
// lines, asking once more with the problems when it is malformed.
func (r *RolesResult) ask(ctx context.Context, llm LLM, sys, user string, window []transcript.Segment) (map[string]roleTurn, error) {
	want := map[string]bool{}
	for _, s := range window {
		want[s.ID] = true
	}
	msgs := []Message{{Role: RoleSystem, Content: sys}, {Role: RoleUser, Content: user}}
	var problems []string
	for attempt := 1; attempt <= 2; attempt++ {
		r.Attempts++
		resp, err := llm.Chat(ctx, ChatRequest{Messages: msgs, Schema: &OutputSchema{Name: RolesSchemaName, Schema: RolesSchema}})
		if err != nil {
			return nil, fmt.Errorf("speaker roles: %w", err)
		}
		r.Usage.add(resp.Usage)
		if resp.Model != "" {
			r.Model = resp.Model
		}
		var reply struct {
			Turns []roleTurn `json:"turns"`
		}
		problems = nil
		if err := json.Unmarshal([]byte(strings.TrimSpace(resp.Content)), &reply); err != nil {
			problems = append(problems, "the reply is not the JSON object asked for")
		}
		got := map[string]roleTurn{}
		for _, t := range reply.Turns {
			switch {
			case !want[t.ID]:
				problems = append(problems, fmt.Sprintf("line id %q is not in the transcript", t.ID))
			case t.Role != transcript.SpeakerClinician && t.Role != transcript.SpeakerClient && t.Role != transcript.SpeakerOther:
				problems = append(problems, fmt.Sprintf("line %s: role must be clinician, client or other", t.ID))
			case t.Confidence < 0 || t.Confidence > 1:
				problems = append(problems, fmt.Sprintf("line %s: confidence must be between 0 and 1", t.ID))
			default:
				got[t.ID] = t
			}
		}
		if len(problems) == 0 {
			return got, nil
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: resp.Content},
			Message{Role: RoleUser, Content: "Your reply was rejected:\n- " + strings.Join(problems, "\n- ") + "\nReply again with one JSON object: {\"turns\": [{\"id\", \"role\", \"confidence\"}] for every line."})
	}
	return nil, fmt.Errorf("%w: speaker roles after a repair retry: %s", ErrMalformedOutput, strings.Join(problems, "; "))
}

// byVoice gives every segment of a diarized voice the voice's majority
// role (ties: the first line's) and the mean confidence of the lines that
// voted for it.
func byVoice(segs []transcript.Segment, roles map[string]roleTurn) map[string]roleTurn {
	type tally struct {
		votes map[string]int
		conf  map[string]float64
		first string
	}
	voices := map[string]*tally{}
	for _, s := range segs {
		t, ok := roles[s.ID]
		if !ok || s.Voice == "" {
			continue
		}
		v := voices[s.Voice]
		if v == nil {
			v = &tally{votes: map[string]int{}, conf: map[string]float64{}, first: t.Role}
			voices[s.Voice] = v
		}
		v.votes[t.Role]++
		v.conf[t.Role] += t.Confidence
	}
	out := map[string]roleTurn{}
	for _, s := range segs {
		v := voices[s.Voice]
		if s.Voice == "" || v == nil {
			if t, ok := roles[s.ID]; ok {
				out[s.ID] = t
			}
			continue
		}
		best := v.first
		for _, role := range []string{transcript.SpeakerClinician, transcript.SpeakerClient, transcript.SpeakerOther} {
			if v.votes[role] > v.votes[best] {
				best = role
			}
		}
		out[s.ID] = roleTurn{ID: s.ID, Role: best, Confidence: v.conf[best] / float64(v.votes[best])}
	}
	return out
}
