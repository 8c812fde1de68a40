package main

import (
	"strings"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// flagNames names each domain input by the flag that gives it here: the
// service layer's errors speak of "note template", the command line of
// --template. An input only the command line has (--workers, --limit) is
// its own flag's name.
var flagNames = map[validate.Field]string{
	pipeline.FieldTemplate:          "template",
	pipeline.FieldModality:          "modality",
	pipeline.FieldProgram:           "program",
	pipeline.FieldSpeakers:          "speakers",
	pipeline.FieldRecordingKind:     "kind",
	pipeline.FieldClinician:         "clinician",
	pipeline.FieldClientAlias:       "client-alias",
	pipeline.FieldConsentAttestedBy: "consent-attested-by",
	pipeline.FieldChunkMax:          "chunk-max",
	pipeline.FieldMaxDuration:       "max-duration",
	pipeline.FieldAppointmentTime:   "at",
	pipeline.FieldAppointmentLength: "duration",
	pipeline.FieldCancelReason:      "reason",
	service.FieldClientLinks:        "clients",
	service.FieldEmail:              "email",
	service.FieldNoteLength:         "length",
	service.FieldPerson:             "person",
	service.FieldHeadings:           "headings",
	service.FieldAvoidPhrases:       "avoid",
	service.FieldSection:            "section",
	service.FieldSectionText:        "text-file",
	service.FieldFlag:               "code",
	service.FieldReason:             "reason",
	service.FieldAttestation:        "attest",
	service.FieldAddendum:           "text-file",
	service.FieldOverride:           "override-flags",
	service.FieldRecipient:          "recipient",
	service.FieldConsentMethod:      "method",
	service.FieldRevokeMethod:       "method",
	service.FieldClient:             "client",
	service.FieldConsentText:        "text-version",
	service.FieldConsentSubject:     "session or --client",
	vocab.FieldConsentScope:         "scope",
	vocab.FieldSessionStatus:        "status",
	service.FieldAudioDays:          "audio-days",
	service.FieldTranscriptDays:     "transcript-days",
	service.FieldHoldReason:         "reason",
	service.FieldPurpose:            "purpose",
	service.FieldServiceKind:        "service-kind",
	service.FieldSetting:            "setting",
	service.FieldProcedure:          "cpt",
	service.FieldDiagnosis:          "icd",
	service.FieldPeriod:             "from/--to",
	service.FieldVersion:            "version",
	service.FieldMode:               "mode",
	service.FieldEvalProvider:       "provider",
	service.FieldEvalJudge:          "judge",
	service.FieldEvalRuns:           "runs",
	service.FieldEvalSession:        "session",
	service.FieldEvalPrice:          "price",
	store.FieldProviderName:         "name",
	store.FieldProviderKind:         "kind",
	store.FieldProviderUse:          "use",
	store.FieldBaseURL:              "base-url",
	store.FieldModel:                "model",
	store.FieldAPIKeyEnv:            "api-key-env",
	store.FieldBAASigned:            "baa-signed",
	store.FieldBAAExpires:           "baa-expires",
	store.FieldContextTokens:        "context-tokens",
	store.FieldAzureAPIVersion:      "azure-api-version",
	store.FieldDiarization:          "diarization",
}

// flagFor is how an error names an input at the command line.
func flagFor(f validate.Field) string {
	if n, ok := flagNames[f]; ok {
		return "--" + n
	}
	if !strings.Contains(string(f), " ") {
		return "--" + string(f)
	}
	return string(f)
}
