package summarize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Config selects an OpenAI-compatible chat endpoint.
type Config struct {
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
	Timeout    time.Duration // per HTTP request; default 120 s
}

// OpenAI is the go-openai implementation of LLM.
type OpenAI struct {
	client *openai.Client
	model  string
	// schemaRejected remembers that the server refused json_schema.
	schemaRejected atomic.Bool
	wantSchema     bool
}

// NewOpenAI builds an OpenAI-compatible client. It makes no network call.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("summarize: LLM config has no model name; set the provider's model (Azure: deployment name)")
	}
	var oc openai.ClientConfig
	if cfg.Azure {
		if cfg.BaseURL == "" {
			return nil, errors.New("summarize: Azure OpenAI config needs the resource endpoint as BaseURL")
		}
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		if cfg.AzureAPIVersion != "" {
			oc.APIVersion = cfg.AzureAPIVersion
		}
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 120 * time.Second
	}
	oc.HTTPClient = &http.Client{Timeout: timeout}
	return &OpenAI{client: openai.NewClientWithConfig(oc), model: cfg.Model, wantSchema: cfg.JSONSchema}, nil
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
	resp, err := o.client.CreateChatCompletion(ctx, creq)
	if err != nil && useSchema && httpStatus(err) == http.StatusBadRequest {
		// Many OpenAI-compatible servers (older vLLM, Ollama, some Azure
		// API versions) reject json_schema. Fall back and remember it, but
		// only if json_object works: a 400 for another reason must not
		// downgrade every later request.
		creq.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		resp, err = o.client.CreateChatCompletion(ctx, creq)
		if err == nil {
			o.schemaRejected.Store(true)
			slog.Warn("summarize: provider rejected json_schema; using json_object from now on", "model", o.model)
		}
	}
	if err != nil {
		return ChatResponse{}, providerError(o.model, err)
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

// ProviderError is an HTTP error from the model provider. It keeps the
// status and the provider's error type/code but not the provider's message,
// which may echo prompt text.
type ProviderError struct {
	Model      string
	StatusCode int
	Type, Code string
}

func (e *ProviderError) Error() string {
	s := fmt.Sprintf("summarize: model %q: provider returned HTTP %d", e.Model, e.StatusCode)
	if e.Type != "" || e.Code != "" {
		s += fmt.Sprintf(" (type %q, code %q)", e.Type, e.Code)
	}
	return s
}

func httpStatus(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

func providerError(model string, err error) error {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		code := ""
		if apiErr.Code != nil {
			code = fmt.Sprint(apiErr.Code)
		}
		return &ProviderError{Model: model, StatusCode: apiErr.HTTPStatusCode, Type: apiErr.Type, Code: code}
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return &ProviderError{Model: model, StatusCode: reqErr.HTTPStatusCode}
	}
	// Transport errors (timeouts, refused connections) carry no prompt text.
	return fmt.Errorf("summarize: model %q: chat completion failed: %w", model, err)
}
