package audit

import (
	"os"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// The FHIR AuditEvent / IHE Basic Audit Log Patterns (BALP) view of an
// entry: event type (DICOM audit event IDs), action (C/R/U/D/E), agent role,
// purpose of use (HL7 v3 ActReason), source and consent reference. These
// are derived here, in one place, so callers only state actor and action.

// Code systems used by the FHIR export.
const (
	SystemDCM          = "http://dicom.nema.org/resources/ontology/DCM"
	SystemPurposeOfUse = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
)

// Coding is a code in a code system, as FHIR writes it.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// DICOM audit event IDs (CID 400) and security-alert subtypes (CID 403)
// used as AuditEvent.type.
var (
	TypeApplicationActivity = Coding{SystemDCM, "110100", "Application Activity"}
	TypeAuditLogUsed        = Coding{SystemDCM, "110101", "Audit Log Used"}
	TypeExport              = Coding{SystemDCM, "110106", "Export"}
	TypeImport              = Coding{SystemDCM, "110107", "Import"}
	TypePatientRecord       = Coding{SystemDCM, "110110", "Patient Record"}
	TypeQuery               = Coding{SystemDCM, "110112", "Query"}
	TypeUserAuthentication  = Coding{SystemDCM, "110114", "User Authentication"}
	TypeSoftwareConfig      = Coding{SystemDCM, "110131", "Software Configuration"}
	TypeSecurityRoles       = Coding{SystemDCM, "110136", "Security Roles Changed"}
	TypeUserSecurityAttrs   = Coding{SystemDCM, "110137", "User Security Attributes Changed"}
)

// EventType maps a Scribe action ("draft.sign", "provider.add" …) to its
// DICOM/BALP audit event type.
func EventType(action string) Coding {
	domain, verb := splitAction(action)
	switch {
	case verb == "list" || action == "disclosures.read":
		return TypeQuery
	case action == "serve" || action == "migrate":
		return TypeApplicationActivity
	case domain == "audit":
		return TypeAuditLogUsed
	case verb == "export" || action == "backup" || action == "provider.call" || action == "part2.disclosure":
		// The record (or a copy of it) leaves Scribe: a model call sends
		// transcript or audio to the provider.
		return TypeExport
	case action == "session.ingest":
		return TypeImport
	case domain == "auth":
		return TypeUserAuthentication
	case action == "user.add" || action == "user.update":
		return TypeSecurityRoles
	case domain == "user":
		return TypeUserSecurityAttrs
	case domain == "provider" || domain == "template" || domain == "policy" || domain == "retention" || domain == "consent_text" || domain == "settings":
		return TypeSoftwareConfig
	case domain == "draft" || domain == "transcript" || domain == "session" || domain == "audio" ||
		domain == "call" || domain == "consent" || domain == "legal_hold":
		return TypePatientRecord
	}
	return TypeApplicationActivity
}

// ActionCode is the FHIR AuditEvent.action for an action: C(reate), R(ead),
// U(pdate), D(elete) or E(xecute), from the action's verb.
func ActionCode(action string) string {
	_, verb := splitAction(action)
	switch verb {
	case "create", "add", "ingest", "record", "addendum", "regenerate", "setup_admin", "totp_enrolled":
		return "C"
	case "read", "list", "export", "verify":
		return "R"
	case "sign", "edit", "update", "put", "set", "flag_resolve", "reject", "override", "revoke", "redact",
		"retry", "password_set", "hold", "release":
		return "U"
	case "purge", "delete":
		return "D"
	}
	return "E"
}

// OutcomeCode is the FHIR AuditEvent.outcome: 0 success, 4 minor failure
// (the request was refused), 8 serious failure.
func OutcomeCode(outcome string) string {
	switch outcome {
	case "", "success":
		return "0"
	case "denied":
		return "4"
	}
	return "8"
}

// RoleOf derives the agent role from an actor: "cli:<user>" → "cli",
// "system" → "system", "call:<role>" → "<role>", anyone else → "user".
func RoleOf(actor string) string {
	switch {
	case actor == "system":
		return "system"
	case strings.HasPrefix(actor, "cli:"):
		return "cli"
	case strings.HasPrefix(actor, "call:") && len(actor) > len("call:"):
		return strings.TrimPrefix(actor, "call:")
	}
	return "user"
}

// PurposeOf derives the HL7 v3 PurposeOfUse of an action: care and its
// records are TREAT, records management (purges, holds, disclosure
// accounting) HOPERAT, configuration, accounts and the audit log SYSADMIN.
func PurposeOf(action string) string {
	domain, verb := splitAction(action)
	switch {
	case verb == "purge" || domain == "legal_hold" || domain == "retention" || action == "disclosures.read" || action == "backup":
		return "HOPERAT"
	case action == "provider.call" || domain == "draft" || domain == "transcript" || domain == "session" ||
		domain == "audio" || domain == "call" || domain == "consent" || domain == "part2":
		return "TREAT"
	}
	return "SYSADMIN"
}

// ConsentOf returns the consent record an event relied on: the entity itself
// for consent events, else Details["consent"] when it holds a record ID
// (not a status such as "attested").
func ConsentOf(ev Event) string {
	if ev.EntityType == "consent" {
		return ev.EntityID
	}
	if c := ev.Details["consent"]; c != "" {
		if _, err := uuid.Parse(c); err == nil {
			return c
		}
	}
	return ""
}

// WithDefaults fills the AuditEvent fields a caller left empty, and the
// outcome ("success").
func WithDefaults(ev Event) Event {
	if ev.Outcome == "" {
		ev.Outcome = "success"
	}
	if ev.AgentRole == "" {
		ev.AgentRole = RoleOf(ev.Actor)
	}
	if ev.PurposeOfUse == "" {
		ev.PurposeOfUse = PurposeOf(ev.Action)
	}
	if ev.ConsentRef == "" {
		ev.ConsentRef = ConsentOf(ev)
	}
	return ev
}

var (
	sourceOnce sync.Once
	source     string
)

// Source names this Scribe instance as an audit source: "scribe@<hostname>".
func Source() string {
	sourceOnce.Do(func() {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "unknown-host"
		}
		source = "scribe@" + h
	})
	return source
}

func splitAction(action string) (domain, verb string) {
	if i := strings.LastIndexByte(action, '.'); i >= 0 {
		return action[:i], action[i+1:]
	}
	return action, action
}
