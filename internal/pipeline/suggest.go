package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/redaction"
)

// SuggestSchemaName names the JSON schema of the redaction second opinion's
// answer: {"identifiers": [{"text": "...", "type": "NAME"}]}.
const SuggestSchemaName = "identifiers"

// suggestPrompt asks for every identifier, quoted exactly; the answer's
// strings are looked up in the text (a model's offsets are not trusted).
const suggestPrompt = `You find identifiers in a therapy session transcript so that they can be removed before the text is stored or shared.
List every person's name or nickname, place smaller than a state (street, town, county, facility, school), organisation or employer, date more precise than a year, age over 89, phone or fax number, e-mail, web address, IP address, and any number or code that identifies a person, account, licence, vehicle or device.
Quote each exactly as it appears in the transcript. Do not list medications, doses, diagnoses, assessment names or scores, or therapy terms.
Types: NAME, LOCATION, ORG, DATE, AGE, PHONE, FAX, EMAIL, URL, IP, SSN, ID.`

var suggestSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["identifiers"],"properties":{
"identifiers":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["text","type"],"properties":{
"text":{"type":"string"},"type":{"type":"string","enum":["NAME","LOCATION","ORG","DATE","AGE","PHONE","FAX","EMAIL","URL","IP","SSN","ID"]}}}}}}`)

// ErrNotSelfHosted: a redaction provider that is not self-hosted is never
// sent a transcript.
var ErrNotSelfHosted = errors.New("is not self-hosted")

// modelSuggester is the redaction second opinion: a self-hosted chat model
// asked for the identifiers of a text.
type modelSuggester struct {
	api   *modelcall.OpenAI
	model string
}

// NewModelSuggester builds the second opinion for provider p. It refuses a
// provider that is not self-hosted: the text it would be sent is not yet
// redacted. It makes no network call.
func NewModelSuggester(p store.Provider, pol modelcall.Policy) (redaction.Suggester, error) {
	if !p.SelfHosted {
		return nil, fmt.Errorf("the redaction provider '%s' %w; nothing was sent. Ask an admin to mark a self-hosted provider for redaction, or remove this one", p.Name, ErrNotSelfHosted)
	}
	key := ""
	if p.APIKeyEnv != "" {
		if key = config.Secret(p.APIKeyEnv); key == "" {
			return nil, fmt.Errorf("the redaction provider '%s': environment variable %s (its API key) is not set in the worker's environment", p.Name, p.APIKeyEnv)
		}
	}
	api, err := modelcall.NewOpenAI(modelcall.Provider{Name: p.Name, Use: store.UseRedaction, Model: p.Model},
		modelcall.Endpoint{Kind: p.Kind, BaseURL: p.BaseURL, APIKey: key, AzureAPIVersion: p.AzureAPIVersion}, pol)
	if err != nil {
		return nil, err
	}
	return &modelSuggester{api: api, model: p.Model}, nil
}

// ErrMalformedSuggestion: the model's answer is not the JSON asked for.
var ErrMalformedSuggestion = errors.New("the redaction provider's answer is not the list of identifiers asked for")

func (m *modelSuggester) Suggest(ctx context.Context, text string) ([]redaction.Span, error) {
	resp, err := m.api.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       m.model,
		Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: suggestPrompt},
			{Role: openai.ChatMessageRoleUser, Content: text},
		},
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: SuggestSchemaName, Schema: suggestSchema, Strict: true},
		},
	})
	if err != nil {
		return nil, m.api.Classify(err)
	}
	if len(resp.Choices) == 0 {
		return nil, ErrMalformedSuggestion
	}
	var ans struct {
		Identifiers []struct {
			Text string `json:"text"`
			Type string `json:"type"`
		} `json:"identifiers"`
	}
	if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &ans); err != nil {
		return nil, ErrMalformedSuggestion
	}
	var spans []redaction.Span
	for _, id := range ans.Identifiers {
		spans = append(spans, occurrences(text, strings.TrimSpace(id.Text), id.Type)...)
	}
	return spans, nil
}

// occurrences are the spans (code points) of every whole-word occurrence of
// q in text, case-insensitively: the model quotes a string, the text may
// hold it several times.
func occurrences(text, q, typ string) []redaction.Span {
	if q == "" {
		return nil
	}
	lt, lq := strings.ToLower(text), strings.ToLower(q)
	if len(lt) != len(text) {
		lt = text // a case change altered byte lengths: match as written
		lq = q
	}
	var out []redaction.Span
	for from := 0; from < len(lt); {
		i := strings.Index(lt[from:], lq)
		if i < 0 {
			break
		}
		s, e := from+i, from+i+len(lq)
		from = e
		if s > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:s]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		if e < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[e:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		cs := utf8.RuneCountInString(text[:s])
		out = append(out, redaction.Span{Start: cs, End: cs + utf8.RuneCountInString(text[s:e]), Type: typ})
	}
	return out
}
