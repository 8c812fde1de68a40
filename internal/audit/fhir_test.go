package audit_test

import (
	"encoding/json"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/fhirschema"
)

func TestFHIRAuditEventValidates(t *testing.T) {
	const cid = "5f0c1a52-8c7e-4d8e-9a3b-1f6b1c1d2e3f"
	entries := []audit.Entry{
		// Written before migration 004: no new fields stored.
		{Seq: 1, At: 1700000000000, Event: audit.Event{Actor: "system", Action: "draft.create", EntityType: "draft", EntityID: "d1", Outcome: "success"}, PrevHash: audit.Genesis, Hash: "h1"},
		{Seq: 2, At: 1700000000123, Event: audit.WithDefaults(audit.Event{Actor: "call:clinician", Action: "consent.record", EntityType: "session", EntityID: "s1",
			Details: map[string]string{"consent": cid, "scope": "ai_scribe", "empty": ""}}), Source: "scribe@host", PrevHash: "h1", Hash: "h2"},
		{Seq: 3, At: 1700000000999, Event: audit.WithDefaults(audit.Event{Actor: "u-1", Action: "session.access_denied", EntityType: "session", EntityID: "s1", Outcome: "denied"}), Source: "scribe@host", PrevHash: "h2", Hash: "h3"},
		{Seq: 4, At: 1700000001000, Event: audit.WithDefaults(audit.Event{Actor: "cli:root", Action: "provider.add", EntityType: "provider", EntityID: "llm", Outcome: "failure"}), Source: "scribe@host", PrevHash: "h3", Hash: "h4"},
	}
	type coding struct{ System, Code, Display string }
	type concept struct{ Coding []coding }
	type auditEvent struct {
		ResourceType string
		Type         coding
		Action       string
		Recorded     string
		Outcome      string
		Agent        []struct {
			Who          struct{ Identifier struct{ Value string } }
			Requestor    bool
			Role         []struct{ Text string }
			PurposeOfUse []concept
		}
		Source struct{ Observer struct{ Display string } }
		Entity []struct {
			What struct {
				Reference  string
				Identifier struct{ Value string }
			}
			Type   *coding
			Detail []struct{ Type, ValueString string }
		}
	}
	var got []auditEvent
	for _, e := range entries {
		b, err := audit.FHIR(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := fhirschema.Validate(b); err != nil {
			t.Fatalf("entry %d: AuditEvent fails the FHIR R4 schema: %v\n%s", e.Seq, err, b)
		}
		var r auditEvent
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if r := got[0]; r.ResourceType != "AuditEvent" || r.Type.Code != "110110" || r.Type.System != audit.SystemDCM || r.Action != "C" ||
		r.Recorded != "2023-11-14T22:13:20.000Z" || r.Outcome != "0" || r.Agent[0].Who.Identifier.Value != "system" || !r.Agent[0].Requestor ||
		r.Agent[0].Role[0].Text != "system" || r.Agent[0].PurposeOfUse[0].Coding[0].Code != "TREAT" || r.Source.Observer.Display != "scribe" ||
		r.Entity[0].What.Identifier.Value != "draft/d1" || len(r.Entity) != 1 {
		t.Errorf("pre-004 entry: %+v", r)
	}
	if r := got[1]; r.Agent[0].Role[0].Text != "clinician" || r.Source.Observer.Display != "scribe@host" || len(r.Entity) != 2 ||
		r.Entity[1].What.Reference != "Consent/"+cid || r.Entity[1].Type == nil || r.Entity[1].Type.Code != "Consent" || len(r.Entity[0].Detail) != 2 {
		t.Errorf("consent entry: %+v", r)
	}
	if r := got[2]; r.Outcome != "4" || r.Agent[0].Role[0].Text != "user" {
		t.Errorf("denied entry: %+v", r)
	}
	if r := got[3]; r.Outcome != "8" || r.Type.Code != "110131" || r.Agent[0].PurposeOfUse[0].Coding[0].Code != "SYSADMIN" || r.Agent[0].Role[0].Text != "cli" {
		t.Errorf("failed provider add: %+v", r)
	}
}
