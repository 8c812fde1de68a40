// Package transcribe turns stored audio chunks into timed, speaker-labelled
// transcript segments. It owns the Transcriber interface, its
// OpenAI-compatible implementation (go-openai: OpenAI, Azure OpenAI and
// self-hosted whisper servers), the transcribe_chunk River worker, and
// stitching chunk segments back onto the session clock.
package transcribe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
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
	// Voice is the provider's diarization label ("A", "SPEAKER_01"), when
	// the provider diarizes (store.Provider.Diarization).
	Voice string
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
	// diarized: the provider's diarization capability; such requests go
	// through call (go-openai reads no speaker fields).
	diarization string
	call        *modelcall.Caller
	endpoint    modelcall.Endpoint
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
	o := &OpenAI{api: api, model: p.Model, diarization: p.Diarization}
	if p.Diarization != store.DiarizationNone {
		o.call = modelcall.New(modelcall.Provider{Name: p.Name, Use: "transcription", Model: p.Model}, pol)
		o.endpoint = modelcall.Endpoint{Kind: p.Kind, BaseURL: p.BaseURL, APIKey: key, AzureAPIVersion: p.AzureAPIVersion}
	}
	return o, nil
}

// Transcribe sends the chunk as verbose_json and returns its segments.
// A failed call is a *modelcall.Error (see modelcall.IsPermanent).
func (o *OpenAI) Transcribe(ctx context.Context, wav []byte) ([]Piece, error) {
	if o.diarization != store.DiarizationNone {
		return o.transcribeDiarized(ctx, wav)
	}
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

// diarizedAnswer is the part of a diarized_json answer, or of a
// verbose_json answer with speaker fields, that Scribe reads.
type diarizedAnswer struct {
	Text     string  `json:"text"`
	Duration float64 `json:"duration"`
	Segments []struct {
		Start   float64 `json:"start"`
		End     float64 `json:"end"`
		Text    string  `json:"text"`
		Speaker string  `json:"speaker"`
	} `json:"segments"`
}

// transcribeDiarized asks for the provider's diarization format and reads
// each segment's speaker label into Piece.Voice.
func (o *OpenAI) transcribeDiarized(ctx context.Context, wav []byte) ([]Piece, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields := [][2]string{{"model", o.model}, {"response_format", o.diarization}}
	if o.diarization == store.DiarizationJSON {
		// OpenAI's diarizing models need a chunking strategy for audio over 30 s.
		fields = append(fields, [2]string{"chunking_strategy", "auto"})
	} else {
		fields = append(fields, [2]string{"timestamp_granularities[]", "segment"})
	}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	fw, err := mw.CreateFormFile("file", "chunk.wav")
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(wav); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	base := strings.TrimRight(o.endpoint.BaseURL, "/")
	target := base + "/audio/transcriptions"
	if o.endpoint.Kind == store.KindAzure {
		v := o.endpoint.AzureAPIVersion
		if v == "" {
			v = "2025-03-01-preview"
		}
		target = base + "/openai/deployments/" + url.PathEscape(o.model) + "/audio/transcriptions?api-version=" + url.QueryEscape(v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body.Bytes()))
	if err != nil {
		return nil, stagekit.Permanentf("the transcription provider's base URL cannot be used: %v", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if o.endpoint.APIKey != "" {
		if o.endpoint.Kind == store.KindAzure {
			req.Header.Set("api-key", o.endpoint.APIKey)
		} else {
			req.Header.Set("Authorization", "Bearer "+o.endpoint.APIKey)
		}
	}
	resp, err := o.call.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, o.api.Classify(err)
	}
	var ans diarizedAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, o.api.Classify(fmt.Errorf("diarized transcription answer: %w", err))
	}
	pieces := make([]Piece, 0, len(ans.Segments))
	for _, s := range ans.Segments {
		text := strings.TrimSpace(s.Text)
		if text == "" {
			continue
		}
		pieces = append(pieces, Piece{StartMS: int64(s.Start * 1000), EndMS: int64(s.End * 1000), Text: text, Voice: strings.TrimSpace(s.Speaker)})
	}
	if len(pieces) == 0 && strings.TrimSpace(ans.Text) != "" {
		pieces = append(pieces, Piece{StartMS: 0, EndMS: int64(ans.Duration * 1000), Text: strings.TrimSpace(ans.Text)})
	}
	return pieces, nil
}
