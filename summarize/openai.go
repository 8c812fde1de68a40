package summarize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scribe-health/scribe/internal/modelcall"
)

// Config selects an OpenAI-compatible chat endpoint.
type Config struct {
	// Name is the provider record's name; errors say it ("the drafting
	// provider 'llm' refused the API key (401 Unauthorized) …").
	Name    string
	BaseURL string // e.g. "https://api.openai.com/v1", "http://vllm:8000/v1"; Azure: resource endpoint
	APIKey  string // never logged
	Model   string // model name; Azure: deployment name
	Azure   bool
	// AzureAPIVersion overrides go-openai's default Azure API version.
	AzureAPIVersion string
	// JSONSchema says the server supports response_format json_schema. When
	// false, or when the server answers a json_schema request with HTTP 400,
	// requests use json_object instead.
	JSONSchema bool
	// Policy is how calls retry and how long each attempt may take (the
	// zero Policy is modelcall's default).
	Policy modelcall.Policy
}

// OpenAI is the go-openai implementation of LLM. Its calls follow the
// provider-call policy of internal/modelcall; a failed call is a
// *modelcall.Error.
type OpenAI struct {
	log   *slog.Logger
	api   *modelcall.OpenAI
	model string
	// schemaRejected remembers that the server refused json_schema.
	schemaRejected atomic.Bool
	wantSchema     bool
}

// NewOpenAI builds an OpenAI-compatible client. It makes no network call.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("summarize: LLM config has no model name; set the provider's model (Azure: deployment name)")
	}
	kind := "openai"
	if cfg.Azure {
		kind = "azure"
	}
	api, err := modelcall.NewOpenAI(modelcall.Provider{Name: cfg.Name, Use: "drafting", Model: cfg.Model},
		modelcall.Endpoint{Kind: kind, BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, AzureAPIVersion: cfg.AzureAPIVersion}, cfg.Policy)
	if err != nil {
		return nil, err
	}
	log := cfg.Policy.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OpenAI{log: log, api: api, model: cfg.Model, wantSchema: cfg.JSONSchema}, nil
}

// UsesJSONSchema reports whether the next structured request will ask for
// json_schema (false once the server has rejected it).
func (o *OpenAI) UsesJSONSchema() bool { return o.wantSchema && !o.schemaRejected.Load() }

// Chat implements LLM.
func (o *OpenAI) Chat(ctx context.Context, req ChatRequest) (ChatResponse, error) {
	creq := openai.ChatCompletionRequest{Model: o.model, Temperature: req.Temperature}
	for _, m := range req.Messages {
		creq.Messages = append(creq.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	useSchema := req.Schema != nil && o.UsesJSONSchema()
	switch {
	case useSchema:
		creq.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: req.Schema.Name, Schema: req.Schema.Schema, Strict: true,
			},
		}
	case req.Schema != nil:
		creq.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	resp, err := o.api.CreateChatCompletion(ctx, creq)
	if err != nil && useSchema && modelcall.StatusCode(err) == http.StatusBadRequest {
		// Many OpenAI-compatible servers (older vLLM, Ollama, some Azure
		// API versions) reject json_schema. Fall back and remember it, but
		// only if json_object works: a 400 for another reason must not
		// downgrade every later request.
		creq.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		resp, err = o.api.CreateChatCompletion(ctx, creq)
		if err == nil {
			o.schemaRejected.Store(true)
			o.log.Warn("summarize: provider rejected json_schema; using json_object from now on", "model", o.model)
		}
	}
	if err != nil {
		return ChatResponse{}, o.api.Classify(err)
	}
	if len(resp.Choices) == 0 {
		return ChatResponse{}, fmt.Errorf("summarize: model %q returned no choices", o.model)
	}
	return ChatResponse{
		Content:      resp.Choices[0].Message.Content,
		Model:        resp.Model,
		FinishReason: string(resp.Choices[0].FinishReason),
		Usage: Usage{
			Prompt: resp.Usage.PromptTokens, Completion: resp.Usage.CompletionTokens, Total: resp.Usage.TotalTokens,
		},
	}, nil
}
