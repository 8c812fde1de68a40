// Package fhirschema validates FHIR R4 JSON against the official HL7 FHIR R4
// JSON schema, vendored here compressed (see LICENSE.md). It is used by
// tests of the exporters; it owns nothing else.
package fhirschema

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed fhir.schema.json.gz
var schemaGZ []byte

// SchemaID is the schema's own id.
const SchemaID = "http://hl7.org/fhir/json-schema/4.0"

var (
	once     sync.Once
	compiled *jsonschema.Schema
	compErr  error
)

func schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(schemaGZ))
		if err != nil {
			compErr = fmt.Errorf("open vendored FHIR schema: %w", err)
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			compErr = fmt.Errorf("read vendored FHIR schema: %w", err)
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			compErr = fmt.Errorf("parse vendored FHIR schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft6)
		if err := c.AddResource(SchemaID, doc); err != nil {
			compErr = err
			return
		}
		compiled, compErr = c.Compile(SchemaID)
	})
	return compiled, compErr
}

// Validate checks one FHIR R4 resource (a Bundle, for instance) in JSON.
func Validate(resource []byte) error {
	s, err := schema()
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(resource, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(resource))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("not valid FHIR R4: %w", err)
	}
	return nil
}
