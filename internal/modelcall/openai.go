package modelcall

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint is where and how to reach an OpenAI-compatible API.
type Endpoint struct {
	// Kind is "openai" (also for vLLM, Ollama, whisper servers; the
	// default) or "azure".
	Kind string
	// BaseURL is the API base, e.g. "https://api.openai.com/v1" or
	// "http://gpu-box:8000/v1"; for Azure, the resource endpoint.
	BaseURL string
	// APIKey is sent as a bearer token (Azure: the api-key header). It is
	// never logged and never part of an error.
	APIKey string
	// AzureAPIVersion overrides go-openai's default Azure API version.
	AzureAPIVersion string
}

// OpenAI is a go-openai client whose every request goes through a Caller.
// Pass the errors of its calls through Classify.
type OpenAI struct {
	*openai.Client
	provider Provider
}

// NewOpenAI builds a go-openai client for provider p at endpoint e, calling
// under pol. It makes no network call. Its errors are about the settings
// (an unknown kind, an Azure endpoint without a URL) and are permanent.
func NewOpenAI(p Provider, e Endpoint, pol Policy) (*OpenAI, error) {
	var cfg openai.ClientConfig
	switch e.Kind {
	case "azure":
		if strings.TrimSpace(e.BaseURL) == "" {
			return nil, fmt.Errorf("the %s provider '%s' is Azure OpenAI but has no base URL; ask an admin to set the resource endpoint", p.Use, p.Name)
		}
		cfg = openai.DefaultAzureConfig(e.APIKey, e.BaseURL)
		if e.AzureAPIVersion != "" {
			cfg.APIVersion = e.AzureAPIVersion
		}
	case "openai", "":
		cfg = openai.DefaultConfig(e.APIKey)
		if e.BaseURL != "" {
			cfg.BaseURL = strings.TrimRight(e.BaseURL, "/")
		}
	default:
		return nil, fmt.Errorf("the %s provider '%s' has unknown kind %q (want openai or azure)", p.Use, p.Name, e.Kind)
	}
	cfg.HTTPClient = New(p, pol)
	return &OpenAI{Client: openai.NewClientWithConfig(cfg), provider: p}, nil
}

// Classify returns the error of one of o's go-openai calls as the policy's
// *Error: the Caller's own errors pass through, an answer go-openai could
// not decode becomes KindBadResponse, and anything else is returned
// prefixed with the provider's name.
func (o *OpenAI) Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	// The Caller hands go-openai a fully read body, so an EOF here means
	// an empty or cut-off JSON document, not a dropped connection.
	if errors.As(err, &syntax) || errors.As(err, &typ) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Provider: o.provider.Name, Use: o.provider.Use, Model: o.provider.Model, Kind: KindBadResponse, Attempts: 1, Err: err}
	}
	return fmt.Errorf("the %s provider '%s': %w", o.provider.Use, o.provider.Name, err)
}
