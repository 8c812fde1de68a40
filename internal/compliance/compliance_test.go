package compliance_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openStore(t testing.TB, b testenv.Backend) (*store.Store, *clock) {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	s.SetClock(c.now)
	return s, c
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b testenv.Backend)) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

func createSession(t testing.TB, s *store.Store, id, source, program, alias string) {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateSession(context.Background(), &store.Session{ID: id, Source: source, Status: store.StatusTranscribing, Program: program, ClientAlias: alias})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func part2Consent(sessionID, alias string, signed time.Time) *store.ConsentRecord {
	return &store.ConsentRecord{Consent: store.Consent{SessionID: sessionID, ClientAlias: alias, Scope: compliance.ScopePart2TPO, Granted: true,
		Method: compliance.MethodElectronic, CapturedBy: "therapist@example.org", ExpiresAt: signed.AddDate(1, 0, 0).UnixMilli()},
		Discloser: "Synthetic SUD Program", Information: "progress notes of counselling sessions", Recipients: "treating clinicians of Example Health (class)",
		Purpose: "treatment, payment and health care operations", Signature: "e-sign:synthetic-1", SignedAt: signed.UnixMilli(), RevocationNotice: true}
}

func TestValidateNamesEveryMissingElement(t *testing.T) {
	err := compliance.Validate(store.ConsentRecord{Consent: store.Consent{ClientAlias: "client-1", Scope: compliance.ScopePart2TPO, Granted: true, Method: "fax"}})
	var ve *compliance.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"method must be", "who obtained the consent", "signature", "date of signature", "who may disclose", "description of the information",
		"recipients", "purpose", "right to revoke", "expiry date or event"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not name %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "--") {
		t.Errorf("error names a command-line flag (the adapters name inputs their own way): %s", msg)
	}
	if strings.Contains(msg, "client-1") {
		t.Errorf("error carries the client alias: %s", msg)
	}
	if err := compliance.Validate(store.ConsentRecord{Consent: store.Consent{ClientAlias: "c", Scope: "everything", Method: "written", CapturedBy: "x"}}); err == nil || !strings.Contains(err.Error(), "scope must be") {
		t.Fatalf("bad scope: %v", err)
	}
	good := part2Consent("", "client-1", time.Now())
	if err := compliance.Validate(*good); err != nil {
		t.Fatalf("complete consent refused: %v", err)
	}
	bad := *good
	bad.ExpiresAt = bad.SignedAt - 1
	if err := compliance.Validate(bad); err == nil || !strings.Contains(err.Error(), "expiry date is not after") {
		t.Fatalf("expiry before signature: %v", err)
	}
}

func TestConsentRegistryAtTheMomentOfAction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, clk := openStore(t, b)
		createSession(t, s, "s-call", "call", "mh", "client-1")
		createSession(t, s, "s-ing", "ingest", "mh", "client-2")
		createSession(t, s, "s-ing2", "ingest", "mh", "client-3")

		// A call without consent: capture refuses; the error names the stage and scope, not the client.
		_, err := compliance.CheckStage(ctx, s, "s-call", compliance.StageCapture)
		if !errors.Is(err, compliance.ErrNoConsent) || strings.Contains(err.Error(), "client-1") || !strings.Contains(err.Error(), "ai_scribe consent is none") {
			t.Fatalf("capture without consent: %v", err)
		}
		// An ingest without consent goes on (the draft carries the consent-missing flag).
		if d, err := compliance.CheckStage(ctx, s, "s-ing", compliance.StageTranscribe); err != nil || d.Status != compliance.StatusNone {
			t.Fatalf("ingest without consent: %v %+v", err, d)
		}

		// Versioned consent texts: a consent records the hash of the text it refers to.
		if _, err := compliance.AddText(ctx, s, compliance.ScopeAIScribe, "2026-01", "Synthetic consent text: an AI scribe records, transcribes and drafts. You may revoke at any time.", "admin@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := compliance.AddText(ctx, s, compliance.ScopeAIScribe, "2026-01", "other", "admin@example.org"); err == nil {
			t.Fatal("consent text version replaced")
		}
		if _, err := compliance.AddText(ctx, s, compliance.ScopeAIScribe, "2026-02", "  ", "admin@example.org"); err == nil {
			t.Fatal("empty consent text accepted")
		}
		ai := &store.ConsentRecord{Consent: store.Consent{SessionID: "s-call", Scope: compliance.ScopeAIScribe, Granted: true, Method: compliance.MethodElectronic,
			CapturedBy: "therapist@example.org", TextVersion: "2026-01"}, Signature: "click-through:synthetic", RevocationNotice: true}
		rec := &store.ConsentRecord{Consent: store.Consent{SessionID: "s-call", Scope: compliance.ScopeRecording, Granted: true, Method: compliance.MethodElectronic,
			CapturedBy: "therapist@example.org"}, Signature: "click-through:synthetic"}
		if err := compliance.Add(ctx, s, ai, "therapist@example.org"); err != nil {
			t.Fatal(err)
		}
		// The ai_scribe consent covers recording...
		if _, err := compliance.CheckStage(ctx, s, "s-call", compliance.StageCapture); err != nil {
			t.Fatalf("capture with ai_scribe consent: %v", err)
		}
		// ...unless the client refused recording.
		clk.t = clk.t.Add(time.Second)
		refusal := &store.ConsentRecord{Consent: store.Consent{SessionID: "s-call", Scope: compliance.ScopeRecording, Granted: false, Method: compliance.MethodElectronic,
			CapturedBy: "therapist@example.org"}}
		if err := compliance.Add(ctx, s, refusal, "therapist@example.org"); err != nil {
			t.Fatal(err)
		}
		if d, err := compliance.CheckStage(ctx, s, "s-call", compliance.StageCapture); !errors.Is(err, compliance.ErrNoConsent) || d.Status != compliance.StatusRefused {
			t.Fatalf("capture after recording refused: %v %+v", err, d)
		}
		clk.t = clk.t.Add(time.Second)
		if err := compliance.Add(ctx, s, rec, "therapist@example.org"); err != nil {
			t.Fatal(err)
		}
		if ai.ClientAlias != "client-1" || ai.TextHash != compliance.TextHash("Synthetic consent text: an AI scribe records, transcribes and drafts. You may revoke at any time.") || ai.SignedAt == 0 || ai.SignedAt != ai.CreatedAt {
			t.Fatalf("consent not completed from session and text: %+v", ai)
		}
		missingText := &store.ConsentRecord{Consent: store.Consent{SessionID: "s-call", Scope: compliance.ScopeAIScribe, Granted: true, Method: compliance.MethodWritten,
			CapturedBy: "x@example.org", TextVersion: "1999"}, Signature: "ink"}
		if err := compliance.Add(ctx, s, missingText, "x"); err == nil || !strings.Contains(err.Error(), "text version that is not on file") {
			t.Fatalf("unknown text version: %v", err)
		}
		if d, err := compliance.CheckStage(ctx, s, "s-call", compliance.StageCapture); err != nil || d.Consent.ID != ai.ID {
			t.Fatalf("capture with consent: %v %+v", err, d)
		}
		before := clk.t.UnixMilli()
		clk.t = clk.t.Add(10 * time.Minute)
		if _, err := compliance.Revoke(ctx, s, ai.ID, "therapist@example.org", "verbal"); err != nil {
			t.Fatal(err)
		}
		if _, err := compliance.Revoke(ctx, s, ai.ID, "therapist@example.org", "verbal"); !errors.Is(err, store.ErrAlreadyRevoked) {
			t.Fatalf("second revoke: %v", err)
		}
		if _, err := compliance.Revoke(ctx, s, "no-such", "therapist@example.org", "smoke signal"); err == nil || !strings.Contains(err.Error(), "revocation method") {
			t.Fatalf("bad method: %v", err)
		}
		// Each stage sees the revocation at the moment it acts.
		for _, stage := range []string{compliance.StageCapture, compliance.StageTranscribe, compliance.StageDraft} {
			if d, err := compliance.CheckStage(ctx, s, "s-call", stage); !errors.Is(err, compliance.ErrNoConsent) || d.Status != compliance.StatusRevoked {
				t.Fatalf("%s after revocation: %v %+v", stage, err, d)
			}
		}
		// But the decision at a moment before the revocation still shows it in force.
		sess, _ := s.Session(ctx, "s-call")
		if d, _ := compliance.At(ctx, s, sess, compliance.ScopeAIScribe, before); !d.InForce() {
			t.Fatalf("consent not in force before revocation: %+v", d)
		}

		// Expiry is enforced: a client-wide consent that expires.
		exp := &store.ConsentRecord{Consent: store.Consent{ClientAlias: "client-3", Scope: compliance.ScopeAIScribe, Granted: true, Method: compliance.MethodWritten,
			CapturedBy: "therapist@example.org", ExpiresAt: clk.t.Add(time.Hour).UnixMilli()}, Signature: "ink"}
		if err := compliance.Add(ctx, s, exp, "therapist@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := compliance.CheckStage(ctx, s, "s-ing2", compliance.StageDraft); err != nil {
			t.Fatalf("client-wide consent not applied: %v", err)
		}
		clk.t = clk.t.Add(2 * time.Hour)
		if d, err := compliance.CheckStage(ctx, s, "s-ing2", compliance.StageDraft); !errors.Is(err, compliance.ErrNoConsent) || d.Status != compliance.StatusExpired {
			t.Fatalf("expired consent: %v %+v", err, d)
		}

		// Every change was audited, with IDs only.
		v := audit.NewVerifier()
		var actions []string
		if err := s.AuditEntries(ctx, 0, func(e audit.Entry) error {
			actions = append(actions, e.Action)
			if strings.Contains(audit.DetailsJSON(e.Details), "client-") {
				t.Errorf("audit entry %d carries a client alias", e.Seq)
			}
			return v.Add(e)
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(actions, ","); got != "consent_text.add,consent.add,consent.add,consent.add,consent.revoke,consent.add" {
			t.Fatalf("audited actions: %s", got)
		}
	})
}

func TestAttestedIngestConsent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, _ := openStore(t, b)
		createSession(t, s, "s-att", "ingest", "mh", "client-9")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return compliance.AddTx(ctx, tx, compliance.AttestedAIScribeConsent("s-att", "client-9", "therapist@example.org"), "therapist@example.org")
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := compliance.CheckStage(ctx, s, "s-att", compliance.StageDraft)
		if err != nil || d.Consent.Method != compliance.MethodVerbalAttested || d.Consent.CapturedBy != "therapist@example.org" {
			t.Fatalf("attested consent: %v %+v", err, d.Consent)
		}
	})
}

func TestPart2DisclosuresAndAccounting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, clk := openStore(t, b)
		createSession(t, s, "s-sud", "ingest", "sud", "client-p2")
		createSession(t, s, "s-mh", "ingest", "mh", "client-p2")
		disc := compliance.Disclosure{Kind: compliance.KindExport, Recipient: "Example Health HIE", Description: "progress note v1 (FHIR R4)", Purpose: "treatment", Actor: "therapist@example.org"}

		// A Part 2 record without consent: the entry is recorded with status none, and the caller is told to refuse.
		var dec compliance.Decision
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			var rec bool
			dec, rec, err = compliance.RecordDisclosure(ctx, tx, "s-sud", disc)
			if err == nil && !rec {
				t.Error("Part 2 disclosure not recorded")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := compliance.RequirePart2Consent("s-sud", dec); !errors.Is(err, compliance.ErrPart2NoConsent) {
			t.Fatalf("refusal: %v", err)
		}
		// Not a Part 2 record: nothing recorded.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, rec, err := compliance.RecordDisclosure(ctx, tx, "s-mh", disc)
			if rec {
				t.Error("disclosure recorded for a non-Part 2 record")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Bad input is refused whole.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := compliance.RecordDisclosure(ctx, tx, "s-sud", compliance.Disclosure{Kind: "gossip", Recipient: "x", Description: "y", Purpose: "z", Actor: "a"})
			return err
		}); err == nil {
			t.Fatal("unknown kind accepted")
		}

		// A client-wide consent names its client by ID (the alias also names
		// the non-Part 2 client of s-mh).
		consent := part2Consent("", "", clk.t)
		consent.ClientID = clientOf(t, s, "s-sud").ID
		if err := compliance.Add(ctx, s, consent, "therapist@example.org"); err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(time.Minute)
		for _, k := range []string{compliance.KindView, compliance.KindModelCall} {
			d := disc
			d.Kind = k
			clk.t = clk.t.Add(time.Second)
			if err := s.InTx(ctx, func(tx *store.Tx) error {
				dec, _, err := compliance.RecordDisclosure(ctx, tx, "s-sud", d)
				if err == nil && (!dec.InForce() || dec.Consent.ID != consent.ID) {
					t.Errorf("consent in force not captured: %+v", dec)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		clk.t = clk.t.Add(time.Minute)
		if _, err := compliance.Revoke(ctx, s, consent.ID, "therapist@example.org", compliance.MethodWritten); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { _, _, err := compliance.RecordDisclosure(ctx, tx, "s-sud", disc); return err }); err != nil {
			t.Fatal(err)
		}

		p2 := clientOf(t, s, "s-sud")
		acc, err := compliance.BuildAccounting(ctx, s, p2, time.Time{}, clk.t)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, e := range acc.Entries {
			statuses = append(statuses, e.Kind+":"+e.ConsentStatus)
		}
		if got := strings.Join(statuses, ","); got != "export:none,view:in_force,model_call:in_force,export:revoked" {
			t.Fatalf("accounting: %s", got)
		}
		var txt, csvb bytes.Buffer
		if err := acc.WriteText(&txt); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Accounting of disclosures", "Example Health HIE", "progress note v1 (FHIR R4)", "treatment", consent.ID, "4 disclosure(s)"} {
			if !strings.Contains(txt.String(), want) {
				t.Errorf("text accounting lacks %q:\n%s", want, txt.String())
			}
		}
		if err := acc.WriteCSV(&csvb); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&csvb).ReadAll()
		if err != nil || len(recs) != 5 || strings.Join(recs[0], ",") != strings.Join(compliance.Header, ",") || recs[2][4] != consent.ID || recs[1][4] != "-" {
			t.Fatalf("CSV: %v %q", err, recs)
		}
		// --since narrows; the future and a missing client are refused.
		acc, _ = compliance.BuildAccounting(ctx, s, p2, clk.t.Add(-30*time.Second), clk.t)
		if len(acc.Entries) != 1 {
			t.Fatalf("since: %d entries", len(acc.Entries))
		}
		if _, err := compliance.BuildAccounting(ctx, s, p2, clk.t.Add(time.Hour), clk.t); err == nil {
			t.Fatal("future --since accepted")
		}
		if _, err := compliance.BuildAccounting(ctx, s, store.Client{}, time.Time{}, clk.t); err == nil {
			t.Fatal("accounting without a client accepted")
		}
		// Older than three years is outside the default window.
		acc, _ = compliance.BuildAccounting(ctx, s, p2, time.Time{}, clk.t.AddDate(3, 0, 1))
		if len(acc.Entries) != 0 {
			t.Fatalf("default window reaches past three years: %d", len(acc.Entries))
		}
	})
}

// BenchmarkAccounting1000 measures a 1,000-entry accounting of disclosures
// (read from SQLite and rendered as text and CSV). Target: < 100 ms.
func BenchmarkAccounting1000(b *testing.B) {
	ctx := context.Background()
	s, clk := openStore(b, testenv.Backends[0])
	createSession(b, s, "s-bench", "ingest", "sud", "client-bench")
	if err := s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < 1000; i++ {
			d := store.Disclosure{ID: fmt.Sprintf("d-%04d", i), At: clk.t.Add(-time.Duration(i) * time.Hour).UnixMilli(), SessionID: "s-bench", ClientAlias: "client-bench",
				Kind: compliance.KindView, Recipient: "clinician-" + fmt.Sprint(i%7) + "@example.org", Description: "progress note v1", Purpose: "treatment",
				Actor: "clinician@example.org", ConsentID: "c-bench", ConsentStatus: compliance.StatusInForce}
			if err := tx.AddDisclosure(ctx, &d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	client := clientOf(b, s, "s-bench")
	b.ResetTimer()
	var bytesOut int
	for i := 0; i < b.N; i++ {
		acc, err := compliance.BuildAccounting(ctx, s, client, time.Time{}, clk.t)
		if err != nil || len(acc.Entries) != 1000 {
			b.Fatalf("%v %d", err, len(acc.Entries))
		}
		var txt, c bytes.Buffer
		if err := acc.WriteText(&txt); err != nil {
			b.Fatal(err)
		}
		if err := acc.WriteCSV(&c); err != nil {
			b.Fatal(err)
		}
		bytesOut = txt.Len() + c.Len()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
	b.ReportMetric(float64(bytesOut), "bytes/report")
}

func TestCheckpointAndVerify(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, _ := openStore(t, b)
		dir := t.TempDir()
		trust := compliance.AuditTrust{DataDir: dir}
		if _, _, err := compliance.CheckpointAudit(ctx, s, trust, "admin"); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Fatalf("checkpoint of an empty log: %v", err)
		}
		for i := 0; i < 4; i++ {
			if err := s.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "s"}); err != nil {
				t.Fatal(err)
			}
		}
		cp, created, err := compliance.CheckpointAudit(ctx, s, trust, "admin")
		if err != nil || created {
			// The key was created by the refused attempt above.
			t.Fatalf("checkpoint: %v created=%v", err, created)
		}
		if cp.Seq != 5 {
			t.Fatalf("the checkpoint signs entry %d; want 5, its own audit entry", cp.Seq)
		}
		rep, err := compliance.VerifyAudit(ctx, s, trust)
		if err != nil || rep.Entries != 5 || rep.Checkpoints != 1 || rep.Witnessed != 5 {
			t.Fatalf("verify: %v %+v", err, rep)
		}
		// The witness: one line per checkpoint, mode 0600, outside the database.
		fi, err := os.Stat(filepath.Join(dir, audit.WitnessFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("witness file: %v %v", err, fi)
		}
		if w, err := (audit.Witness{Path: trust.WitnessPath()}).Read(); err != nil || len(w) != 1 || w[0] != cp {
			t.Fatalf("witness: %v %+v", err, w)
		}
		pinned := compliance.AuditTrust{DataDir: t.TempDir(), PublicKey: cp.PublicKey, Witness: trust.WitnessPath()}
		if _, err := compliance.VerifyAudit(ctx, s, pinned); err != nil {
			t.Fatalf("verify against the pinned key: %v", err)
		}
		other, _, _ := audit.LoadOrCreateCheckpointKey(t.TempDir())
		otherKey := base64.StdEncoding.EncodeToString(other.Public().(ed25519.PublicKey))
		if _, err := compliance.VerifyAudit(ctx, s, compliance.AuditTrust{DataDir: dir, PublicKey: otherKey}); err == nil || !strings.Contains(err.Error(), "another key") {
			t.Fatalf("verify against another key: %v", err)
		}
		if _, err := compliance.VerifyAudit(ctx, s, compliance.AuditTrust{DataDir: t.TempDir(), Witness: trust.WitnessPath()}); err == nil {
			t.Fatal("checkpoints verified without a trusted key")
		}
		if _, err := compliance.VerifyAudit(ctx, s, compliance.AuditTrust{DataDir: dir, Witness: filepath.Join(t.TempDir(), "gone.jsonl")}); err == nil || !strings.Contains(err.Error(), "witness") {
			t.Fatalf("verify without the witness: %v", err)
		}
		if err := s.TamperForTest(ctx, `UPDATE audit SET actor = 'x' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := compliance.CheckpointAudit(ctx, s, trust, "admin"); err == nil || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("checkpoint of a broken chain: %v", err)
		}
	})
}

func TestEnsureText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, _ := openStore(t, b)
		body := "Synthetic call consent text v1."
		t1, err := compliance.EnsureText(ctx, s, compliance.ScopeAIScribe, "call-v1", body, "system")
		if err != nil {
			t.Fatal(err)
		}
		t2, err := compliance.EnsureText(ctx, s, compliance.ScopeAIScribe, "call-v1", body, "system")
		if err != nil || t2.SHA256 != t1.SHA256 || t2.CreatedAt != t1.CreatedAt {
			t.Fatalf("second ensure: %v %+v", err, t2)
		}
		if _, err := compliance.EnsureText(ctx, s, compliance.ScopeAIScribe, "call-v1", body+" changed", "system"); err == nil || !strings.Contains(err.Error(), "new version") {
			t.Fatalf("changed wording under the same version: %v", err)
		}
		if ts, _ := s.ConsentTexts(ctx, compliance.ScopeAIScribe); len(ts) != 1 {
			t.Fatalf("%d texts stored", len(ts))
		}
	})
}

// clientOf reads the client of a session.
func clientOf(tb testing.TB, s *store.Store, sessionID string) store.Client {
	tb.Helper()
	ctx := context.Background()
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Client(ctx, sess.ClientID)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
