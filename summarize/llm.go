package summarize

import (
	"context"
	"encoding/json"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// OutputSchema asks for JSON output matching Schema (a JSON Schema object).
type OutputSchema struct {
	Name   string
	Schema json.RawMessage
}

// ChatRequest is one chat completion call.
type ChatRequest struct {
	Messages    []Message
	Schema      *OutputSchema // nil: free text
	Temperature float32
}

// ChatResponse is the model's reply.
type ChatResponse struct {
	Content      string
	Model        string
	FinishReason string
	Usage        Usage
}

// LLM is a chat model. Implementations must be safe for concurrent use.
type LLM interface {
	Chat(ctx context.Context, req ChatRequest) (ChatResponse, error)
}
