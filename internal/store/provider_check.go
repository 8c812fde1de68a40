package store

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/scribe-health/scribe/internal/validate"
)

// The inputs of a provider record, named in the domain's words; the
// command line maps each to its flag and the admin page to its label.
const (
	FieldProviderName    validate.Field = "provider name"
	FieldProviderKind    validate.Field = "provider kind"
	FieldProviderUse     validate.Field = "provider use"
	FieldBaseURL         validate.Field = "base URL"
	FieldModel           validate.Field = "model"
	FieldDiarization     validate.Field = "diarization"
	FieldAPIKeyEnv       validate.Field = "API key variable" // #nosec G101 -- a form field's name, not a credential
	FieldBAASigned       validate.Field = "BAA signing date"
	FieldBAAExpires      validate.Field = "BAA expiry date"
	FieldContextTokens   validate.Field = "context budget"
	FieldAzureAPIVersion validate.Field = "Azure API version"
)

// Provider uses and kinds.
const (
	UseTranscription = "transcription"
	UseDrafting      = "drafting"
	// UseRedaction is the optional second opinion of the redact stage
	// (docs/redaction.md): it is sent transcripts before redaction, so only
	// a self-hosted provider may have this use. None configured: off.
	UseRedaction = "redaction"
	KindOpenAI   = "openai"
	KindAzure    = "azure"
)

// A transcription provider's diarization capability (Provider.Diarization).
const (
	DiarizationNone = ""
	// DiarizationJSON: the server answers response_format diarized_json
	// (OpenAI's diarizing transcription models) with a speaker per segment.
	DiarizationJSON = "diarized_json"
	// DiarizationVerboseJSON: the server adds a speaker field to each
	// verbose_json segment (WhisperX-style servers).
	DiarizationVerboseJSON = "verbose_json"
)

var (
	providerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	envVarName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	azureVersion = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)
)

// Validate checks a provider record before it is stored, for the command
// line and the admin page alike; a refusal is a *validate.Error.
func (p Provider) Validate() error {
	if !providerName.MatchString(p.Name) {
		return &validate.Error{Field: FieldProviderName, Value: p.Name, Hint: "use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit"}
	}
	if err := validate.OneOf(FieldProviderKind, p.Kind, KindOpenAI, KindAzure); err != nil {
		return err
	}
	if err := validate.OneOf(FieldProviderUse, p.Use, UseTranscription, UseDrafting, UseRedaction); err != nil {
		return err
	}
	if p.Use == UseRedaction && !p.SelfHosted {
		return &validate.Error{Field: FieldProviderUse, Value: p.Use, Problem: "needs a self-hosted provider", Hint: "a redaction provider is sent transcripts before redaction, so it must be self-hosted; use a hosted provider for drafting instead"}
	}
	if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &validate.Error{Field: FieldBaseURL, Value: p.BaseURL, Hint: "give the API's http(s) URL, such as https://api.openai.com/v1 or http://gpu-box:8000/v1"}
	}
	if p.Model == "" || len(p.Model) > 200 || strings.IndexFunc(p.Model, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return &validate.Error{Field: FieldModel, Value: p.Model, Hint: "give the model's name (Azure: the deployment's name), without spaces"}
	}
	if p.APIKeyEnv != "" && !envVarName.MatchString(p.APIKeyEnv) {
		// The value may be a pasted key: never echo it.
		return &validate.Error{Field: FieldAPIKeyEnv, Value: p.APIKeyEnv, Hidden: true, Hint: "give the NAME of the environment variable holding the key, such as OPENAI_API_KEY (the key itself is never stored)"}
	}
	if (p.BAASigned == "") != (p.BAAExpires == "") {
		f, v := FieldBAAExpires, p.BAAExpires
		if p.BAASigned == "" {
			f, v = FieldBAASigned, p.BAASigned
		}
		return &validate.Error{Field: f, Value: v, Hint: "give both BAA dates (signed and expires) or neither"}
	}
	if p.BAASigned != "" {
		signed, err := time.Parse(time.DateOnly, p.BAASigned)
		if err != nil {
			return &validate.Error{Field: FieldBAASigned, Value: p.BAASigned, Hint: "give a date as YYYY-MM-DD"}
		}
		expires, err := time.Parse(time.DateOnly, p.BAAExpires)
		if err != nil {
			return &validate.Error{Field: FieldBAAExpires, Value: p.BAAExpires, Hint: "give a date as YYYY-MM-DD"}
		}
		if expires.Before(signed) {
			return &validate.Error{Field: FieldBAAExpires, Value: p.BAAExpires, Hint: fmt.Sprintf("give a date on or after the signing date, %s", p.BAASigned)}
		}
	}
	if p.ContextTokens != 0 {
		if err := validate.Int(FieldContextTokens, p.ContextTokens, 1000, 10_000_000); err != nil {
			return err
		}
	}
	if p.Diarization != DiarizationNone {
		if err := validate.OneOf(FieldDiarization, p.Diarization, DiarizationJSON, DiarizationVerboseJSON); err != nil {
			return err
		}
		if p.Use != UseTranscription {
			return &validate.Error{Field: FieldDiarization, Value: p.Diarization, Problem: "applies to transcription providers only", Hint: "leave it out for a " + p.Use + " provider"}
		}
	}
	if p.AzureAPIVersion != "" && !azureVersion.MatchString(p.AzureAPIVersion) {
		return &validate.Error{Field: FieldAzureAPIVersion, Value: p.AzureAPIVersion, Hint: "give a version such as 2024-10-21 or 2025-01-01-preview"}
	}
	return nil
}
