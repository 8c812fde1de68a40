package drafts

import (
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/summarize"
)

// Billing is the codes the clinician confirmed when signing: the kind of
// service, the setting, the procedure and diagnosis codes with each one's
// basis. It is part of the signed content (the signature covers it) and
// goes into every export; nothing is ever submitted to a payer.
type Billing struct {
	Kind                string         `json:"kind"`
	Setting             string         `json:"setting"`
	PlaceOfService      string         `json:"place_of_service"`
	PlaceOfServiceBasis string         `json:"place_of_service_basis,omitempty"`
	Procedures          []billing.Code `json:"procedures"`
	Diagnoses           []billing.Code `json:"diagnoses"`
}

// Statements lists the note's statements with their citations, as the
// billing suggestion reads them (statements the grounding check could not
// support are left out: they are no evidence).
func Statements(n summarize.Note) []billing.Statement {
	var out []billing.Statement
	for _, sec := range n.Sections {
		for _, st := range sec.Statements {
			if st.Unsupported {
				continue
			}
			out = append(out, billing.Statement{Section: sec.Title, Text: st.Text, Citations: st.Citations})
		}
	}
	return out
}

// Lines renders the confirmed codes for the note's text, one line each.
func (b *Billing) Lines() []string {
	if b == nil {
		return nil
	}
	var lines []string
	for _, c := range b.Procedures {
		lines = append(lines, fmt.Sprintf("Service: %s %s (%s)", c.Label(), c.Display, c.Basis))
	}
	for _, c := range b.Diagnoses {
		lines = append(lines, fmt.Sprintf("Diagnosis: %s %s", c.Code, c.Display))
	}
	if b.PlaceOfService != "" {
		lines = append(lines, "Place of service: "+b.PlaceOfService+" ("+b.PlaceOfServiceBasis+")")
	}
	return lines
}

// billingCodes lists the confirmed codes for the audit entry (codes only).
func billingCodes(b *Billing) string {
	var codes []string
	for _, c := range b.Procedures {
		codes = append(codes, c.Code)
	}
	for _, c := range b.Diagnoses {
		codes = append(codes, c.Code)
	}
	return strings.Join(codes, ",")
}
