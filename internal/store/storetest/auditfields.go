package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// exerciseAuditFields covers the FHIR AuditEvent / BALP fields (agent role,
// purpose of use, consent reference, source): defaults derived on write,
// round trip, import, hash coverage, and chains from before migration 004.
func exerciseAuditFields(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	t.Run("AuditActorRoleFromUser", func(t *testing.T) {
		// An entry written by a package that knows only the actor (drafts,
		// compliance) carries the user's role, found by ID or e-mail.
		s := open(t)
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateUser(ctx, &store.User{ID: "u-clin", Email: "Therapist@Example.org", Role: store.RoleClinician})
		}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range []audit.Event{
			{Actor: "therapist@example.org", Action: "draft.edit", EntityType: "draft", EntityID: "d1"},
			{Actor: "u-clin", Action: "consent.revoke", EntityType: "session", EntityID: "s1"},
			{Actor: "someone-else@example.org", Action: "draft.read", EntityType: "draft", EntityID: "d1"},
			{Actor: "u-clin", AgentRole: "supervisor", Action: "draft.read", EntityType: "draft", EntityID: "d1"},
		} {
			if err := s.Audit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		var roles []string
		if err := s.AuditEntries(ctx, 0, func(e audit.Entry) error { roles = append(roles, e.AgentRole); return nil }); err != nil {
			t.Fatal(err)
		}
		want := []string{"clinician", "clinician", "user", "supervisor"}
		if len(roles) != len(want) {
			t.Fatalf("roles %v, want %v", roles, want)
		}
		for i := range want {
			if roles[i] != want[i] {
				t.Fatalf("roles %v, want %v (a known user's role; \"user\" for an unknown actor; an explicit role kept)", roles, want)
			}
		}
	})
	t.Run("AuditEventFields", func(t *testing.T) {
		s := open(t)
		// Entries as written before migration 004: no new fields.
		var old []audit.Entry
		prev := audit.Genesis
		for i := int64(1); i <= 3; i++ {
			e := audit.Entry{Seq: i, At: 1000 * i, Event: audit.Event{Actor: "system", Action: "draft.create", EntityType: "draft", EntityID: "d0", Outcome: "success"}, PrevHash: prev}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			old = append(old, e)
		}
		// One imported entry already carrying the new fields.
		imp := audit.Entry{Seq: 4, At: 4000, Event: audit.Event{Actor: "u-9", Action: "draft.read", EntityType: "draft", EntityID: "d0", Outcome: "success",
			AgentRole: "clinician", PurposeOfUse: "TREAT", ConsentRef: "c-imported"}, Source: "scribe@old-host", PrevHash: prev}
		imp.Hash = imp.ComputeHash()
		if err := s.ImportAuditEntries(ctx, append(old, imp)); err != nil {
			t.Fatal(err)
		}
		const cid = "5f0c1a52-8c7e-4d8e-9a3b-1f6b1c1d2e3f"
		events := []audit.Event{
			{Actor: "call:clinician", Action: "consent.record", EntityType: "session", EntityID: "s1", Details: map[string]string{"consent": cid}},
			{Actor: "cli:ops", Action: "provider.add", EntityType: "provider", EntityID: "llm"},
			{Actor: "system", Action: "audio.purge", EntityType: "session", EntityID: "s1", Outcome: "failure"},
			{Actor: "u-1", Action: "draft.read", EntityType: "draft", EntityID: "d1", AgentRole: "admin", PurposeOfUse: "PATRQT", ConsentRef: "c-explicit"},
		}
		for _, ev := range events {
			if err := s.Audit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		var got []audit.Entry
		v := audit.NewVerifier()
		if err := s.AuditEntries(ctx, 0, func(e audit.Entry) error { got = append(got, e); return v.Add(e) }); err != nil {
			t.Fatalf("mixed old/new chain does not verify: %v", err)
		}
		if len(got) != 8 {
			t.Fatalf("%d entries, want 8", len(got))
		}
		if e := got[0]; e.AgentRole != "" || e.PurposeOfUse != "" || e.ConsentRef != "" || e.Source != "" {
			t.Fatalf("pre-004 entry gained fields: %+v", e)
		}
		if e := got[3]; e.AgentRole != "clinician" || e.PurposeOfUse != "TREAT" || e.ConsentRef != "c-imported" || e.Source != "scribe@old-host" {
			t.Fatalf("imported entry: %+v", e)
		}
		want := []struct{ role, purpose, consent string }{
			{"clinician", "TREAT", cid}, {"cli", "SYSADMIN", ""}, {"system", "HOPERAT", ""}, {"admin", "PATRQT", "c-explicit"},
		}
		for i, w := range want {
			e := got[4+i]
			if e.AgentRole != w.role || e.PurposeOfUse != w.purpose || e.ConsentRef != w.consent || e.Source != audit.Source() {
				t.Errorf("entry %d (%s): role %q purpose %q consent %q source %q; want %+v source %q", e.Seq, e.Action, e.AgentRole, e.PurposeOfUse, e.ConsentRef, e.Source, w, audit.Source())
			}
		}
		// The new fields are under the hash: changing one breaks the chain there
		// (latest first, as verification reports the earliest break).
		for _, c := range []struct {
			q   string
			seq int64
		}{
			{`UPDATE audit SET source = 'scribe@forged' WHERE seq = 7`, 7},
			{`UPDATE audit SET agent_role = 'admin' WHERE seq = 5`, 5},
			{`UPDATE audit SET consent_ref = '' WHERE seq = 4`, 4},
		} {
			if err := s.TamperForTest(ctx, c.q); err != nil {
				t.Fatal(err)
			}
			var be *audit.BrokenError
			if err := s.AuditEntries(ctx, 0, audit.NewVerifier().Add); !errors.As(err, &be) || be.Seq != c.seq {
				t.Fatalf("%s: not detected at %d: %v", c.q, c.seq, err)
			}
		}
	})
}
