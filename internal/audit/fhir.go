package audit

import (
	"encoding/json"
	"strconv"
	"time"
)

// FHIR R4 AuditEvent, reduced to the elements Scribe fills.
type fhirAuditEvent struct {
	ResourceType   string         `json:"resourceType"`
	ID             string         `json:"id"`
	Type           Coding         `json:"type"`
	Action         string         `json:"action"`
	Recorded       string         `json:"recorded"`
	Outcome        string         `json:"outcome"`
	PurposeOfEvent []fhirConcept  `json:"purposeOfEvent,omitempty"`
	Agent          []fhirAgent    `json:"agent"`
	Source         fhirSource     `json:"source"`
	Entity         []fhirEntity   `json:"entity,omitempty"`
	Extension      []fhirExtValue `json:"extension,omitempty"`
}

type fhirConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type fhirIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

type fhirReference struct {
	Reference  string          `json:"reference,omitempty"`
	Identifier *fhirIdentifier `json:"identifier,omitempty"`
	Display    string          `json:"display,omitempty"`
}

type fhirAgent struct {
	Type         *fhirConcept  `json:"type,omitempty"`
	Role         []fhirConcept `json:"role,omitempty"`
	Who          fhirReference `json:"who"`
	Requestor    bool          `json:"requestor"`
	PurposeOfUse []fhirConcept `json:"purposeOfUse,omitempty"`
}

type fhirSource struct {
	Observer fhirReference `json:"observer"`
	Type     []Coding      `json:"type,omitempty"`
}

type fhirEntity struct {
	What   fhirReference `json:"what"`
	Type   *Coding       `json:"type,omitempty"`
	Detail []fhirDetail  `json:"detail,omitempty"`
}

type fhirDetail struct {
	Type        string `json:"type"`
	ValueString string `json:"valueString"`
}

type fhirExtValue struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString"`
}

// ExtChainHash is the extension URL carrying an entry's chain hash, so an
// exported AuditEvent can be matched to the verified chain.
const ExtChainHash = "urn:scribe:audit-chain-hash"

// agentTypes: a system agent is the application itself; everyone else is a
// human user (extra-security-role-type).
var (
	agentApplication = Coding{SystemDCM, "110150", "Application"}
	agentHuman       = Coding{"http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user"}
	entityConsent    = Coding{"http://hl7.org/fhir/resource-types", "Consent", "Consent"}
)

// FHIR renders an entry as a FHIR R4 AuditEvent resource (one JSON object).
// Entries written before the AuditEvent fields existed get them derived
// (WithDefaults), so an old chain exports with the same shape.
func FHIR(e Entry) ([]byte, error) {
	ev := WithDefaults(e.Event)
	purpose := []fhirConcept{{Coding: []Coding{{System: SystemPurposeOfUse, Code: ev.PurposeOfUse}}}}
	agentType := agentHuman
	if ev.AgentRole == "system" {
		agentType = agentApplication
	}
	source := e.Source
	if source == "" {
		source = "scribe"
	}
	out := fhirAuditEvent{
		ResourceType:   "AuditEvent",
		ID:             "scribe-audit-" + strconv.FormatInt(e.Seq, 10),
		Type:           EventType(ev.Action),
		Action:         ActionCode(ev.Action),
		Recorded:       time.UnixMilli(e.At).UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Outcome:        OutcomeCode(ev.Outcome),
		PurposeOfEvent: purpose,
		Agent: []fhirAgent{{
			Type:         &fhirConcept{Coding: []Coding{agentType}},
			Role:         []fhirConcept{{Text: ev.AgentRole}},
			Who:          fhirReference{Identifier: &fhirIdentifier{Value: ev.Actor}},
			Requestor:    true,
			PurposeOfUse: purpose,
		}},
		Source:    fhirSource{Observer: fhirReference{Display: source}},
		Extension: []fhirExtValue{{URL: ExtChainHash, ValueString: e.Hash}},
	}
	main := fhirEntity{What: fhirReference{Identifier: &fhirIdentifier{Value: ev.EntityType + "/" + ev.EntityID}}}
	for _, k := range SortedKeys(ev.Details) {
		if k == "" || ev.Details[k] == "" {
			continue // FHIR strings may not be empty
		}
		main.Detail = append(main.Detail, fhirDetail{Type: k, ValueString: ev.Details[k]})
	}
	out.Entity = append(out.Entity, main)
	if ev.ConsentRef != "" {
		out.Entity = append(out.Entity, fhirEntity{
			What: fhirReference{Reference: "Consent/" + ev.ConsentRef, Identifier: &fhirIdentifier{Value: ev.ConsentRef}},
			Type: &entityConsent,
		})
	}
	return json.Marshal(out)
}
