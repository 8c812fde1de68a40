package storetest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// ExerciseCompliance runs the contract of the compliance rows (migration
// 003) on a backend: consent records, consent texts, disclosures, audit
// checkpoints and imports, legal holds and the retention policy.
func ExerciseCompliance(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	t.Run("ComplianceConsentRecords", func(t *testing.T) {
		s := open(t)
		clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return clock })
		sess := store.Session{ID: "s-c1", Source: "call", Status: store.StatusScheduled, ClientAlias: "client-7", Program: "sud"}
		client8 := store.Client{Alias: "client-8", Programs: []string{store.ProgramMH}}
		mustTx(t, s, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &sess); err != nil {
				return err
			}
			return tx.CreateClient(ctx, &client8, "test")
		})
		full := store.ConsentRecord{Consent: store.Consent{ID: "c-1", SessionID: "s-c1", ClientAlias: "client-7", Scope: "part2_tpo", Granted: true, Method: "electronic",
			CapturedBy: "t@example.org", TextVersion: "v1", ExpiresAt: clock.AddDate(1, 0, 0).UnixMilli()},
			Discloser: "Synthetic Recovery Program", Information: "progress notes", Recipients: "treating providers", Purpose: "treatment",
			ExpiryEvent: "end of treatment", Signature: "typed: client-7", SignedAt: clock.UnixMilli(), RevocationNotice: true, TextHash: "abc"}
		wide := store.ConsentRecord{Consent: store.Consent{ID: "c-2", ClientID: sess.ClientID, Scope: "ai_scribe", Granted: true, Method: "written", CapturedBy: "t@example.org"},
			Signature: "ink", SignedAt: clock.UnixMilli()}
		other := store.ConsentRecord{Consent: store.Consent{ID: "c-3", ClientID: client8.ID, Scope: "ai_scribe", Granted: true, Method: "written", CapturedBy: "t@example.org"}}
		mustTx(t, s, func(tx *store.Tx) error {
			for _, c := range []*store.ConsentRecord{&full, &wide, &other} {
				if err := tx.AddConsentRecord(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if full.ClientID != sess.ClientID || full.ClientAlias != "client-7" || wide.ClientAlias != "client-7" || other.ClientAlias != "client-8" {
			t.Fatalf("consents not pointed at their clients: %+v %+v %+v", full.Consent, wide.Consent, other.Consent)
		}
		// A consent names its session or its client; another session's client is refused.
		for _, bad := range []store.ConsentRecord{
			{Consent: store.Consent{ID: "c-x", ClientAlias: "client-7", Scope: "ai_scribe", Method: "written", CapturedBy: "t@example.org"}},
			{Consent: store.Consent{ID: "c-y", SessionID: "s-c1", ClientID: client8.ID, Scope: "ai_scribe", Method: "written", CapturedBy: "t@example.org"}},
			{Consent: store.Consent{ID: "c-z", ClientID: "no-such-client", Scope: "ai_scribe", Method: "written", CapturedBy: "t@example.org"}},
		} {
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.AddConsentRecord(ctx, &bad) }); err == nil {
				t.Fatalf("consent %s stored without its own client", bad.ID)
			}
		}
		got, err := s.ConsentRecord(ctx, "c-1")
		if err != nil || got != full {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, full)
		}
		// The old, minimal reader still sees the record.
		if cs, err := s.Consents(ctx, "s-c1"); err != nil || len(cs) != 1 || cs[0].ID != "c-1" {
			t.Fatalf("Consents: %v %+v", err, cs)
		}
		list, err := s.ConsentRecords(ctx, store.ConsentFilter{SessionID: "s-c1", ClientID: sess.ClientID})
		if err != nil || len(list) != 2 {
			t.Fatalf("session+client filter: %v %d", err, len(list))
		}
		list, _ = s.ConsentRecords(ctx, store.ConsentFilter{ClientID: client8.ID})
		if len(list) != 1 || list[0].ID != "c-3" {
			t.Fatalf("client filter: %+v", list)
		}
		list, _ = s.ConsentRecords(ctx, store.ConsentFilter{})
		if len(list) != 3 {
			t.Fatalf("all: %d", len(list))
		}
		clock = clock.Add(time.Hour)
		var revoked store.ConsentRecord
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			revoked, err = tx.RevokeConsent(ctx, "c-1", "t@example.org", "written")
			return err
		})
		if revoked.RevokedAt != clock.UnixMilli() || revoked.RevokeMethod != "written" {
			t.Fatalf("revocation not recorded: %+v", revoked)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.RevokeConsent(ctx, "c-1", "x", "written"); return err })
		if !errors.Is(err, store.ErrAlreadyRevoked) {
			t.Fatalf("second revocation: %v", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.RevokeConsent(ctx, "nope", "x", "written"); return err })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoking a missing consent: %v", err)
		}
		if got, _ := s.ConsentRecord(ctx, "c-1"); got.RevokedBy != "t@example.org" {
			t.Fatalf("second revocation changed the record: %+v", got)
		}
	})

	t.Run("ComplianceConsentTexts", func(t *testing.T) {
		s := open(t)
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.PutConsentText(ctx, &store.ConsentText{Scope: "ai_scribe", Version: "v1", Body: "text one", SHA256: "h1", CreatedBy: "admin"})
		})
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.PutConsentText(ctx, &store.ConsentText{Scope: "ai_scribe", Version: "v1", Body: "changed", SHA256: "h2", CreatedBy: "admin"})
		})
		if err == nil {
			t.Fatal("a consent text version was replaced")
		}
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.PutConsentText(ctx, &store.ConsentText{Scope: "ai_scribe", Version: "v2", Body: "text two", SHA256: "h3", CreatedBy: "admin"})
		})
		ts, err := s.ConsentTexts(ctx, "ai_scribe")
		if err != nil || len(ts) != 2 || ts[0].Body != "text one" || ts[1].Version != "v2" {
			t.Fatalf("texts: %v %+v", err, ts)
		}
		mustTx(t, s, func(tx *store.Tx) error {
			got, err := tx.ConsentText(ctx, "ai_scribe", "v1")
			if err == nil && got.SHA256 != "h1" {
				t.Errorf("v1 changed: %+v", got)
			}
			return err
		})
	})

	t.Run("ComplianceDisclosures", func(t *testing.T) {
		s := open(t)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		sa := store.Session{ID: "s1", Source: "ingest", Status: store.StatusReady, ClientAlias: "client-a", Program: "sud"}
		sb := store.Session{ID: "s2", Source: "ingest", Status: store.StatusReady, ClientAlias: "client-b", Program: "sud"}
		mustTx(t, s, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &sa); err != nil {
				return err
			}
			if err := tx.CreateSession(ctx, &sb); err != nil {
				return err
			}
			for i := 0; i < 5; i++ {
				sid := "s1"
				if i == 4 {
					sid = "s2"
				}
				d := store.Disclosure{ID: "d" + string(rune('0'+i)), At: base + int64(i)*1000, SessionID: sid, Kind: "export", Recipient: "Clinic X",
					Description: "note", Purpose: "treatment", Actor: "a@example.org", ConsentID: "c1", ConsentStatus: "in_force"}
				if err := tx.AddDisclosure(ctx, &d); err != nil {
					return err
				}
			}
			return nil
		})
		ds, err := s.Disclosures(ctx, store.DisclosureFilter{ClientID: sa.ClientID, SinceMS: base + 1000, UntilMS: base + 3000})
		if err != nil || len(ds) != 2 || ds[0].ID != "d1" || ds[1].ID != "d2" || ds[0].Recipient != "Clinic X" || ds[0].ConsentStatus != "in_force" ||
			ds[0].ClientAlias != "client-a" || ds[0].ClientID != sa.ClientID {
			t.Fatalf("window: %v %+v", err, ds)
		}
		ds, _ = s.Disclosures(ctx, store.DisclosureFilter{ClientID: sb.ClientID})
		if len(ds) != 1 {
			t.Fatalf("client filter: %d", len(ds))
		}
	})

	t.Run("ComplianceAuditCheckpointsAndImport", func(t *testing.T) {
		s := open(t)
		seq, head, err := s.AuditHead(ctx)
		if err != nil || seq != 0 || head != audit.Genesis {
			t.Fatalf("empty head: %d %s %v", seq, head, err)
		}
		for i := 0; i < 3; i++ {
			if err := s.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		seq, head, _ = s.AuditHead(ctx)
		// Import continues the chain.
		var more []audit.Entry
		prev := head
		for i := int64(1); i <= 600; i++ {
			e := audit.Entry{Seq: seq + i, At: 1, Event: audit.Event{Actor: "system", Action: "import", EntityType: "session", EntityID: "y", Outcome: "success"}, PrevHash: prev}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			more = append(more, e)
		}
		if err := s.ImportAuditEntries(ctx, more[1:]); err == nil {
			t.Fatal("import with a gap accepted")
		}
		if n, _, _ := s.AuditHead(ctx); n != seq {
			t.Fatalf("refused import wrote entries: head %d", n)
		}
		if err := s.ImportAuditEntries(ctx, more); err != nil {
			t.Fatal(err)
		}
		v := audit.NewVerifier()
		if err := s.AuditEntries(ctx, 0, v.Add); err != nil || v.Count() != 603 {
			t.Fatalf("after import: %v %d", err, v.Count())
		}
		pub, priv, _ := ed25519.GenerateKey(nil)
		n, h, _ := s.AuditHead(ctx)
		cp := audit.SignCheckpoint(priv, n, h, 5)
		mustTx(t, s, func(tx *store.Tx) error { return tx.AddAuditCheckpoint(ctx, cp) })
		mustTx(t, s, func(tx *store.Tx) error { return tx.AddAuditCheckpoint(ctx, cp) }) // idempotent
		cps, err := s.AuditCheckpoints(ctx)
		if err != nil || len(cps) != 1 || cps[0] != cp {
			t.Fatalf("checkpoints: %v %+v", err, cps)
		}
		cv, err := audit.NewCheckedVerifier(cps, pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AuditEntries(ctx, 0, cv.Add); err != nil || cv.Finish() != nil || cv.Checkpoints() != 1 {
			t.Fatalf("checked verify: %v %v", err, cv.Finish())
		}
	})

	t.Run("ComplianceLegalHoldAndRetention", func(t *testing.T) {
		s := open(t)
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.CreateSession(ctx, &store.Session{ID: "s-h", Source: "ingest", Status: store.StatusReady, CreatedAt: 1000})
		})
		mustTx(t, s, func(tx *store.Tx) error {
			_, err := tx.AddChunk(ctx, &store.Chunk{SessionID: "s-h", Speaker: "client", AudioBlob: "a"})
			return err
		})
		if on, _, err := s.LegalHold(ctx, "s-h"); err != nil || on {
			t.Fatalf("default hold: %v %v", on, err)
		}
		if c, err := s.SessionsWithAudioBefore(ctx, 2000); err != nil || len(c) != 1 {
			t.Fatalf("candidates: %v %+v", err, c)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetLegalHold(ctx, "s-h", true, "litigation L-1") })
		if on, reason, _ := s.LegalHold(ctx, "s-h"); !on || reason != "litigation L-1" {
			t.Fatalf("hold: %v %q", on, reason)
		}
		if c, _ := s.SessionsWithAudioBefore(ctx, 2000); len(c) != 0 {
			t.Fatalf("held session offered for purge: %+v", c)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.SetLegalHold(ctx, "missing", true, "x") }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("hold on missing session: %v", err)
		}
		p, err := s.RetentionPolicy(ctx)
		if err != nil || !p.PurgeAudioAfterTranscription || p.AudioDays != 30 || p.TranscriptDays != 0 {
			t.Fatalf("default policy: %v %+v", err, p)
		}
		bad := store.RetentionPolicy{AudioDays: -1}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.SetRetentionPolicy(ctx, &bad) }); err == nil {
			t.Fatal("negative days accepted")
		}
		np := store.RetentionPolicy{AudioDays: 7, TranscriptDays: 365, UpdatedBy: "admin"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetRetentionPolicy(ctx, &np) })
		p, _ = s.RetentionPolicy(ctx)
		if p.AudioDays != 7 || p.TranscriptDays != 365 || p.PurgeAudioAfterTranscription || p.UpdatedBy != "admin" {
			t.Fatalf("policy: %+v", p)
		}
	})

	t.Run("ComplianceSnapshot", func(t *testing.T) {
		s := open(t)
		path := filepath.Join(t.TempDir(), "snap.db")
		err := s.SnapshotSQLite(ctx, path)
		if s.Dialect() == store.Postgres {
			if err == nil {
				t.Fatal("PostgreSQL snapshot should point to pg_dump")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	})
}

func mustTx(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
