// Package transcribe turns stored audio chunks into timed, speaker-labelled
// transcript segments. It owns the Transcriber interface, its
// OpenAI-compatible implementation (go-openai: OpenAI, Azure OpenAI and
// self-hosted whisper servers), the transcribe_chunk River worker, and
// stitching chunk segments back onto the session clock.
package transcribe

import (
	"bytes"
	"context"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/modelcall"
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

// OpenAI is a Transcriber for any OpenAI-compatible endpoint. Its calls
// follow the provider-call policy of internal/modelcall.
type OpenAI struct {
	api   *modelcall.OpenAI
	model string
}

// NewOpenAI builds a transcriber for a provider record, calling it under
// pol (the zero Policy is the default one). The API key is read from the
// provider's environment variable now, at call time; it is never stored or
// logged.
func NewOpenAI(p store.Provider, pol modelcall.Policy) (*OpenAI, error) {
	key := ""
	if p.APIKeyEnv != "" {
		key = config.Secret(p.APIKeyEnv)
		if key == "" {
			return nil, stagekit.Permanentf("provider %q: environment variable %s (its API key) is not set in the worker's environment", p.Name, p.APIKeyEnv)
		}
	}
	api, err := modelcall.NewOpenAI(modelcall.Provider{Name: p.Name, Use: "transcription", Model: p.Model},
		modelcall.Endpoint{Kind: p.Kind, BaseURL: p.BaseURL, APIKey: key, AzureAPIVersion: p.AzureAPIVersion}, pol)
	if err != nil {
		return nil, stagekit.Permanent(err)
	}
	return &OpenAI{api: api, model: p.Model}, nil
}

// Transcribe sends the chunk as verbose_json and returns its segments.
// A failed call is a *modelcall.Error (see modelcall.IsPermanent).
func (o *OpenAI) Transcribe(ctx context.Context, wav []byte) ([]Piece, error) {
	resp, err := o.api.CreateTranscription(ctx, openai.AudioRequest{
		Model:    o.model,
		FilePath: "chunk.wav",
		Reader:   bytes.NewReader(wav),
		Format:   openai.AudioResponseFormatVerboseJSON,
		TimestampGranularities: []openai.TranscriptionTimestampGranularity{
			openai.TranscriptionTimestampGranularitySegment,
		},
	})
	if err != nil {
		return nil, o.api.Classify(err)
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
