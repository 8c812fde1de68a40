package fakeopenai

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// ChatRequest is the part of a chat completion request the fake reads.
type ChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// SegmentRef is a transcript line as the prompt shows it.
type SegmentRef struct{ ID, Speaker, Text string }

var segLine = regexp.MustCompile(`(?m)^\[(S\d{4,}) \d\d:\d\d:\d\d ([^\]]+)\] (.*)$`)

// Segments parses the transcript lines out of a request's messages.
func (r ChatRequest) Segments() []SegmentRef {
	var out []SegmentRef
	for _, m := range r.Messages {
		for _, sm := range segLine.FindAllStringSubmatch(m.Content, -1) {
			out = append(out, SegmentRef{ID: sm[1], Speaker: sm[2], Text: sm[3]})
		}
	}
	return out
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	s.arrive(ChatCompletions)
	body, _ := io.ReadAll(r.Body)
	s.checkKey(r)
	s.checkForbidden("chat", body)
	if dep := r.PathValue("deployment"); dep != "" && dep != s.ChatModel {
		s.problem("azure chat: deployment %q, want %q", dep, s.ChatModel)
	}
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.problem("chat: body is not JSON")
		apiError(w, 400, "invalid JSON")
		return
	}
	rec := Chat{Model: req.Model, Body: string(body)}
	if req.ResponseFormat != nil {
		rec.ResponseFormat = req.ResponseFormat.Type
		if req.ResponseFormat.JSONSchema != nil {
			rec.SchemaName = req.ResponseFormat.JSONSchema.Name
		}
	}
	if req.Model != s.ChatModel {
		s.problem("chat: model %q, want %q", req.Model, s.ChatModel)
	}
	if rec.ResponseFormat != "json_schema" && rec.ResponseFormat != "json_object" {
		s.problem("chat: response_format %q, want json_schema or json_object", rec.ResponseFormat)
	}
	s.checkDictation(req)
	// A faulted request has been checked like any other.
	if s.fault(w, r, ChatCompletions) {
		return
	}
	s.mu.Lock()
	s.chats = append(s.chats, rec)
	s.mu.Unlock()
	answer := s.Answer
	if answer == nil {
		answer = BuildNote
	}
	if rec.SchemaName == RolesSchemaName {
		s.checkRoles(req)
		answer = s.buildRoles
	}
	content, err := answer(req)
	if err != nil {
		apiError(w, 500, err.Error())
		return
	}
	if !hold(r, s.currentLatency().chatDelay(len(content)/4)) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"prompt_tokens": len(body) / 4, "completion_tokens": len(content) / 4, "total_tokens": (len(body) + len(content)) / 4},
	})
}

// BuildNote answers from the request itself: it fills the requested JSON
// schema, and every statement array with statements that quote transcript
// segments and cite them, so the note is grounded by construction.
func BuildNote(req ChatRequest) (string, error) {
	segs := req.Segments()
	var schema map[string]any
	if req.ResponseFormat != nil && req.ResponseFormat.JSONSchema != nil {
		json.Unmarshal(req.ResponseFormat.JSONSchema.Schema, &schema)
	}
	if schema == nil {
		schema = contractSchema(req)
	}
	g := &gen{segs: segs}
	b, err := json.Marshal(g.value(schema))
	return string(b), err
}

type gen struct {
	segs []SegmentRef
	next int
}

func (g *gen) value(schema map[string]any) any {
	switch schema["type"] {
	case "object":
		props, _ := schema["properties"].(map[string]any)
		out := map[string]any{}
		req, _ := schema["required"].([]any)
		for _, k := range req {
			key, _ := k.(string)
			if ps, ok := props[key].(map[string]any); ok {
				out[key] = g.value(ps)
			}
		}
		return out
	case "array":
		items, _ := schema["items"].(map[string]any)
		if isStatement(items) {
			return g.statements(2)
		}
		return []any{}
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}

func isStatement(s map[string]any) bool {
	props, _ := s["properties"].(map[string]any)
	_, t := props["text"]
	_, c := props["citations"]
	return t && c
}

func (g *gen) statements(n int) []any {
	var out []any
	for i := 0; i < n && g.next < len(g.segs); i++ {
		sg := g.segs[g.next]
		g.next++
		text := strings.TrimSpace(sg.Text)
		if text == "" {
			continue
		}
		out = append(out, map[string]any{"text": sg.Speaker + " said: " + text, "citations": []string{sg.ID}})
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// contractKeys finds the section keys a request without a JSON schema
// asks for in words (prompts.OutputContract: "Include every one of these
// section keys, in this order: a, b, c.").
var contractKeys = regexp.MustCompile(`Include every one of these section keys, in this order: ([a-z0-9_, ]+)\.`)

// contractSchema is the note shape a request without a JSON schema asks
// for in words, as a model that follows them answers it; the SOAP shape
// when the request names no keys.
func contractSchema(req ChatRequest) map[string]any {
	for _, m := range req.Messages {
		sm := contractKeys.FindStringSubmatch(m.Content)
		if sm == nil {
			continue
		}
		statement := map[string]any{"type": "object", "required": []any{"statements"}, "properties": map[string]any{"statements": map[string]any{
			"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}, "citations": map[string]any{"type": "array"}}}}}}
		props, required := map[string]any{}, []any{}
		for _, k := range strings.Split(sm[1], ",") {
			k = strings.TrimSpace(k)
			props[k], required = statement, append(required, k)
		}
		return map[string]any{"type": "object", "required": []any{"sections"}, "properties": map[string]any{
			"sections": map[string]any{"type": "object", "required": required, "properties": props}}}
	}
	return defaultSchema()
}

func defaultSchema() map[string]any {
	var m map[string]any
	json.Unmarshal([]byte(`{"type":"object","required":["sections"],"properties":{"sections":{"type":"object","required":["subjective","objective","assessment","plan"],"properties":{
	"subjective":{"type":"object","required":["statements"],"properties":{"statements":{"type":"array","items":{"type":"object","properties":{"text":{"type":"string"},"citations":{"type":"array"}}}}}},
	"objective":{"type":"object","required":["statements"],"properties":{"statements":{"type":"array","items":{"type":"object","properties":{"text":{"type":"string"},"citations":{"type":"array"}}}}}},
	"assessment":{"type":"object","required":["statements"],"properties":{"statements":{"type":"array","items":{"type":"object","properties":{"text":{"type":"string"},"citations":{"type":"array"}}}}}},
	"plan":{"type":"object","required":["statements"],"properties":{"statements":{"type":"array","items":{"type":"object","properties":{"text":{"type":"string"},"citations":{"type":"array"}}}}}}}}}}`), &m)
	return m
}

// Markers of a drafting request about a clinician's dictated recap: the
// session fact in the user message and the guidance in the system message.
const (
	dictationFact     = "Clinician's dictated recap of the session, not a dialogue"
	dictationGuidance = "## Source: clinician dictation"
)

// IsDictation reports whether a drafting request says its transcript is
// the clinician's dictated recap.
func (r ChatRequest) IsDictation() bool {
	for _, m := range r.Messages {
		if strings.Contains(m.Content, dictationFact) || strings.Contains(m.Content, dictationGuidance) {
			return true
		}
	}
	return false
}

// checkDictation: a request about a dictation must say so in both
// messages (the model is told it is not a dialogue), and every transcript
// line of it must be the clinician's.
func (s *Server) checkDictation(req ChatRequest) {
	if !req.IsDictation() {
		return
	}
	var sys, user string
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			sys += m.Content
		case "user":
			user += m.Content
		}
	}
	if !strings.Contains(sys, dictationGuidance) || !strings.Contains(user, dictationFact) {
		s.problem("chat: a dictation is marked in one message but not the other (system %v, user %v)",
			strings.Contains(sys, dictationGuidance), strings.Contains(user, dictationFact))
	}
	for _, sg := range req.Segments() {
		if sg.Speaker != "Clinician" {
			s.problem("chat: dictation segment %s is labelled %q, want Clinician", sg.ID, sg.Speaker)
		}
	}
}

// RolesSchemaName is the schema name of a speaker-roles request (the
// drafting model naming who speaks on a single-channel recording).
const RolesSchemaName = "speaker_roles"

// checkRoles: a speaker-roles request carries lines of unknown speakers
// only (a role already known is never asked again), each with a voice
// label or none, and asks for the roles schema.
func (s *Server) checkRoles(req ChatRequest) {
	segs := req.Segments()
	if len(segs) == 0 {
		s.problem("chat: a speaker-roles request with no transcript lines")
	}
	for _, sg := range segs {
		if sg.Speaker != "Unknown" && !strings.HasPrefix(sg.Speaker, "Voice ") {
			s.problem("chat: speaker-roles line %s is labelled %q; want Unknown or a diarized voice", sg.ID, sg.Speaker)
		}
	}
}

// buildRoles answers a speaker-roles request with Server.Roles, or by
// default: diarized voices take roles in the order they first speak
// (clinician, client, then other; confidence 0.8), lines without voices
// alternate clinician and client (confidence 0.55).
func (s *Server) buildRoles(req ChatRequest) (string, error) {
	type turn struct {
		ID         string  `json:"id"`
		Role       string  `json:"role"`
		Confidence float64 `json:"confidence"`
	}
	order := map[string]int{}
	var turns []turn
	for i, sg := range req.Segments() {
		var t turn
		switch {
		case s.Roles != nil:
			t.Role, t.Confidence = s.Roles(i, sg)
		case strings.HasPrefix(sg.Speaker, "Voice "):
			n, ok := order[sg.Speaker]
			if !ok {
				n = len(order)
				order[sg.Speaker] = n
			}
			t.Role, t.Confidence = []string{"clinician", "client", "other"}[min(n, 2)], 0.8
		default:
			t.Role, t.Confidence = []string{"clinician", "client"}[i%2], 0.55
		}
		t.ID = sg.ID
		turns = append(turns, t)
	}
	b, err := json.Marshal(map[string]any{"turns": turns})
	return string(b), err
}
