// Package transcribe turns stored audio chunks into timed, speaker-labelled
// transcript segments. It owns the Transcriber interface, its
// OpenAI-compatible implementation (go-openai: OpenAI, Azure OpenAI and
// self-hosted whisper servers), the transcribe_chunk River worker, and
// stitching chunk segments back onto the session clock.
package transcribe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scribe-health/scribe/internal/stagekit"
	"github.com/scribe-health/scribe/internal/store"
)

// Piece is one segment as the model returns it, relative to the chunk start.
type Piece struct {
	StartMS, EndMS int64
	Text           string
}

// Transcriber transcribes one WAV chunk.
type Transcriber interface {
	Transcribe(ctx context.Context, wav []byte) ([]Piece, error)
}

// OpenAI is a Transcriber for any OpenAI-compatible endpoint.
type OpenAI struct {
	client *openai.Client
	model  string
	name   string
}

// NewOpenAI builds a transcriber for a provider record. The API key is read
// from the provider's environment variable now, at call time; it is never
// stored or logged.
func NewOpenAI(p store.Provider) (*OpenAI, error) {
	key := ""
	if p.APIKeyEnv != "" {
		key = os.Getenv(p.APIKeyEnv)
		if key == "" {
			return nil, stagekit.Permanentf("provider %q: environment variable %s (its API key) is not set in the worker's environment", p.Name, p.APIKeyEnv)
		}
	}
	var cfg openai.ClientConfig
	switch p.Kind {
	case "azure":
		cfg = openai.DefaultAzureConfig(key, p.BaseURL)
		if p.AzureAPIVersion != "" {
			cfg.APIVersion = p.AzureAPIVersion
		}
	case "openai", "":
		cfg = openai.DefaultConfig(key)
		if p.BaseURL != "" {
			cfg.BaseURL = strings.TrimRight(p.BaseURL, "/")
		}
	default:
		return nil, stagekit.Permanentf("provider %q has unknown kind %q (want openai or azure)", p.Name, p.Kind)
	}
	cfg.HTTPClient = &http.Client{Timeout: 5 * time.Minute}
	return &OpenAI{client: openai.NewClientWithConfig(cfg), model: p.Model, name: p.Name}, nil
}

// Transcribe sends the chunk as verbose_json and returns its segments.
// Timeouts, 429 and 5xx come back as ordinary (retryable) errors; other 4xx
// as permanent errors carrying the provider's message.
func (o *OpenAI) Transcribe(ctx context.Context, wav []byte) ([]Piece, error) {
	resp, err := o.client.CreateTranscription(ctx, openai.AudioRequest{
		Model:    o.model,
		FilePath: "chunk.wav",
		Reader:   bytes.NewReader(wav),
		Format:   openai.AudioResponseFormatVerboseJSON,
		TimestampGranularities: []openai.TranscriptionTimestampGranularity{
			openai.TranscriptionTimestampGranularitySegment,
		},
	})
	if err != nil {
		return nil, classify(o.name, err)
	}
	pieces := make([]Piece, 0, len(resp.Segments))
	for _, s := range resp.Segments {
		text := strings.TrimSpace(s.Text)
		if text == "" {
			continue
		}
		pieces = append(pieces, Piece{StartMS: int64(s.Start * 1000), EndMS: int64(s.End * 1000), Text: text})
	}
	if len(pieces) == 0 && strings.TrimSpace(resp.Text) != "" {
		// Servers that return text without segments: one segment for the chunk.
		pieces = append(pieces, Piece{StartMS: 0, EndMS: int64(resp.Duration * 1000), Text: strings.TrimSpace(resp.Text)})
	}
	return pieces, nil
}

func classify(provider string, err error) error {
	status := 0
	msg := ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
	case errors.As(err, &reqErr):
		status, msg = reqErr.HTTPStatusCode, http.StatusText(reqErr.HTTPStatusCode)
	}
	if status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests && status != http.StatusConflict {
		return stagekit.Permanentf("transcription provider %q refused the request (HTTP %d): %s", provider, status, msg)
	}
	if status != 0 {
		return fmt.Errorf("transcription provider %q: HTTP %d: %s", provider, status, msg)
	}
	return fmt.Errorf("transcription provider %q: %w", provider, err)
}
