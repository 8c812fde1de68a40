package web

import (
	"strings"

	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// fieldLabels names each validated input as its form labels it, so a
// refusal speaks of "Note template", never of a command-line flag.
var fieldLabels = map[validate.Field]string{
	pipeline.FieldTemplate:          "Note template",
	pipeline.FieldModality:          "Modality",
	pipeline.FieldProgram:           "Program",
	pipeline.FieldSpeakers:          "Speakers",
	pipeline.FieldRecordingKind:     "Recording kind",
	pipeline.FieldClinician:         "Clinician e-mail",
	pipeline.FieldClientAlias:       "Client alias",
	pipeline.FieldConsentAttestedBy: "Consent attested by",
	store.FieldProviderName:         "Name",
	store.FieldProviderKind:         "Kind",
	store.FieldProviderUse:          "Use",
	store.FieldBaseURL:              "Base URL",
	store.FieldModel:                "Model",
	store.FieldAPIKeyEnv:            "Environment variable holding the API key",
	store.FieldBAASigned:            "BAA signed",
	store.FieldBAAExpires:           "BAA expires",
	store.FieldContextTokens:        "Context budget (tokens)",
	store.FieldAzureAPIVersion:      "Azure API version",
	store.FieldDiarization:          "Diarization",
}

// formError is the sentence a page shows for a refused request.
func formError(err error) string {
	msg := err.Error()
	if ve, ok := validate.As(err); ok {
		label, known := fieldLabels[ve.Field]
		if !known {
			label = strings.ReplaceAll(string(ve.Field), "-", " ")
		}
		msg = ve.Phrase(label)
	}
	msg = capitalize(msg)
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
