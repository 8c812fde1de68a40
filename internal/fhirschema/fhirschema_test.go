package fhirschema_test

import (
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fhirschema"
)

func TestSchemaAcceptsAndRejects(t *testing.T) {
	good := `{"resourceType":"DocumentReference","status":"current","docStatus":"preliminary","content":[{"attachment":{"contentType":"text/plain","data":"aGk="}}]}`
	if err := fhirschema.Validate([]byte(good)); err != nil {
		t.Fatalf("valid resource refused: %v", err)
	}
	for name, bad := range map[string]string{
		// The R4 schema types docStatus as a code (no enum): only its lexical form is checked.
		"docStatus not a code":    strings.Replace(good, `"preliminary"`, `" preliminary"`, 1),
		"status not in value set": strings.Replace(good, `"current"`, `"draftish"`, 1),
		"no content":              `{"resourceType":"DocumentReference","status":"current"}`,
		"unknown property":        strings.Replace(good, `"status"`, `"colour":"red","status"`, 1),
		"data not a string":       strings.Replace(good, `"aGk="`, `42`, 1),
		"unknown resource":        `{"resourceType":"Spaceship"}`,
		"not JSON":                `{`,
	} {
		if err := fhirschema.Validate([]byte(bad)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
