package audit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
)

func TestEventType(t *testing.T) {
	for action, want := range map[string]string{
		"draft.read":           "110110",
		"draft.sign":           "110110",
		"draft.edit":           "110110",
		"transcript.read":      "110110",
		"transcript.redact":    "110110",
		"session.create":       "110110",
		"consent.revoke":       "110110",
		"legal_hold.hold":      "110110",
		"audio.purge":          "110110",
		"serve":                "110100",
		"migrate":              "110100",
		"audit.checkpoint":     "110101",
		"audit.verify":         "110101",
		"draft.export":         "110106",
		"provider.call":        "110106",
		"part2.disclosure":     "110106",
		"backup":               "110106",
		"session.ingest":       "110107",
		"session.list":         "110112",
		"disclosures.read":     "110112",
		"auth.login":           "110114",
		"auth.login_failed":    "110114",
		"provider.add":         "110131",
		"template.add":         "110131",
		"policy.update":        "110131",
		"retention.set":        "110131",
		"user.add":             "110136",
		"user.update":          "110136",
		"user.password_set":    "110137",
		"user.setup_admin":     "110137",
		"something.unheard_of": "110100",
	} {
		got := audit.EventType(action)
		if got.Code != want || got.System != audit.SystemDCM || got.Display == "" {
			t.Errorf("EventType(%q) = %+v, want code %s", action, got, want)
		}
	}
}

func TestActionCodeRolePurpose(t *testing.T) {
	for action, want := range map[string]string{
		"session.create": "C", "provider.add": "C", "session.ingest": "C", "draft.addendum": "C",
		"draft.read": "R", "draft.export": "R", "session.list": "R",
		"draft.sign": "U", "draft.edit": "U", "consent.revoke": "U", "provider.put": "U", "legal_hold.hold": "U", "legal_hold.release": "U",
		"audio.purge": "D", "transcript.purge": "D",
		"provider.call": "E", "auth.login": "E", "call.start": "E",
	} {
		if got := audit.ActionCode(action); got != want {
			t.Errorf("ActionCode(%q) = %s, want %s", action, got, want)
		}
	}
	for actor, want := range map[string]string{
		"cli:alice": "cli", "system": "system", "call:clinician": "clinician", "call:client": "client",
		"u-123": "user", "dr@example.org": "user", "call:": "user",
	} {
		if got := audit.RoleOf(actor); got != want {
			t.Errorf("RoleOf(%q) = %s, want %s", actor, got, want)
		}
	}
	for action, want := range map[string]string{
		"draft.sign": "TREAT", "transcript.read": "TREAT", "provider.call": "TREAT", "session.create": "TREAT", "consent.record": "TREAT",
		"audio.purge": "HOPERAT", "legal_hold.hold": "HOPERAT", "disclosures.read": "HOPERAT", "retention.set": "HOPERAT",
		"provider.add": "SYSADMIN", "template.add": "SYSADMIN", "policy.update": "SYSADMIN", "user.add": "SYSADMIN", "audit.verify": "SYSADMIN",
	} {
		if got := audit.PurposeOf(action); got != want {
			t.Errorf("PurposeOf(%q) = %s, want %s", action, got, want)
		}
	}
	for outcome, want := range map[string]string{"": "0", "success": "0", "denied": "4", "failure": "8"} {
		if got := audit.OutcomeCode(outcome); got != want {
			t.Errorf("OutcomeCode(%q) = %s, want %s", outcome, got, want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	const cid = "5f0c1a52-8c7e-4d8e-9a3b-1f6b1c1d2e3f"
	ev := audit.WithDefaults(audit.Event{Actor: "call:clinician", Action: "consent.record", EntityType: "session", EntityID: "s1", Details: map[string]string{"consent": cid}})
	if ev.AgentRole != "clinician" || ev.PurposeOfUse != "TREAT" || ev.ConsentRef != cid || ev.Outcome != "success" {
		t.Fatalf("defaults: %+v", ev)
	}
	// A consent status is not a consent reference.
	if ev := audit.WithDefaults(audit.Event{Actor: "system", Action: "session.ingest", Details: map[string]string{"consent": "attested"}}); ev.ConsentRef != "" {
		t.Fatalf("status taken as a consent reference: %q", ev.ConsentRef)
	}
	if ev := audit.WithDefaults(audit.Event{Actor: "cli:bob", Action: "consent.add", EntityType: "consent", EntityID: cid}); ev.ConsentRef != cid || ev.AgentRole != "cli" {
		t.Fatalf("consent entity: %+v", ev)
	}
	// What a caller states is kept.
	ev = audit.WithDefaults(audit.Event{Actor: "u1", Action: "draft.read", AgentRole: "clinician", PurposeOfUse: "PATRQT", ConsentRef: "c9", Outcome: "denied"})
	if ev.AgentRole != "clinician" || ev.PurposeOfUse != "PATRQT" || ev.ConsentRef != "c9" || ev.Outcome != "denied" {
		t.Fatalf("explicit fields overwritten: %+v", ev)
	}
	if s := audit.Source(); !strings.HasPrefix(s, "scribe@") || len(s) <= len("scribe@") {
		t.Fatalf("source %q", s)
	}
}

// legacyHash is the hash formula from before the AuditEvent fields existed.
func legacyHash(e audit.Entry) string {
	var b strings.Builder
	for _, f := range []string{strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At, 10), e.Actor, e.Action,
		e.EntityType, e.EntityID, e.Outcome, audit.DetailsJSON(e.Details), e.PrevHash} {
		b.WriteString(strconv.Itoa(len(f)) + ":" + f + "|")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

func TestHashBackwardCompatible(t *testing.T) {
	old := audit.Entry{Seq: 1, At: 1700000000000, Event: audit.Event{Actor: "system", Action: "draft.read", EntityType: "draft", EntityID: "d1", Outcome: "success", Details: map[string]string{"n": "1"}}, PrevHash: audit.Genesis}
	if old.ComputeHash() != legacyHash(old) {
		t.Fatal("an entry without the new fields no longer hashes as before: existing chains would break")
	}
	old.Hash = old.ComputeHash()

	// A new entry continues the old chain; its new fields are covered.
	nu := audit.Entry{Seq: 2, At: 1700000000500, Event: audit.WithDefaults(audit.Event{Actor: "cli:a", Action: "provider.add", EntityType: "provider", EntityID: "p"}), Source: "scribe@h", PrevHash: old.Hash}
	nu.Hash = nu.ComputeHash()
	if nu.Hash == legacyHash(nu) {
		t.Fatal("new fields are not in the hash")
	}
	v := audit.NewVerifier()
	for _, e := range []audit.Entry{old, nu} {
		if err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	for name, change := range map[string]func(*audit.Entry){
		"agent role": func(e *audit.Entry) { e.AgentRole = "admin" },
		"purpose":    func(e *audit.Entry) { e.PurposeOfUse = "TREAT" },
		"consent":    func(e *audit.Entry) { e.ConsentRef = "c1" },
		"source":     func(e *audit.Entry) { e.Source = "scribe@elsewhere" },
		"all erased": func(e *audit.Entry) { e.AgentRole, e.PurposeOfUse, e.ConsentRef, e.Source = "", "", "", "" },
	} {
		e := nu
		change(&e)
		v := audit.NewVerifier()
		_ = v.Add(old)
		var be *audit.BrokenError
		if err := v.Add(e); !errors.As(err, &be) || be.Seq != 2 {
			t.Errorf("changed %s not detected: %v", name, err)
		}
	}
}
