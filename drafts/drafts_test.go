package drafts_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/summarize"
)

func openStore(t *testing.T, b testenv.Backend) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seed stores a session with a ready draft carrying the given flags.
func seed(t *testing.T, s *store.Store, flags []summarize.Flag) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	note := summarize.Note{Format: "dap", Sections: []summarize.Section{
		{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: "[NAME_1] reports sleeping better.", Citations: []string{"S0002"}}}},
		{Key: "assessment", Title: "Assessment", Statements: []summarize.Statement{{Text: "Mood improved.", Citations: []string{"S0003"}, Unsupported: true, UnsupportedReason: "no lexical support in cited segments"}}},
		{Key: "plan", Title: "Plan", NotDiscussed: true, NotDiscussedText: summarize.NotDiscussedText},
	}}
	fl := make([]drafts.Flag, len(flags))
	for i, f := range flags {
		fl[i] = drafts.Flag{Flag: f}
	}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "dap", Modality: "general", Program: "mh", CaptureEnded: true}); err != nil {
			return err
		}
		_, err := tx.InsertDraft(ctx, &store.Draft{ID: uuid.NewString(), SessionID: id, Version: 1, Status: store.DraftDraft, Template: "dap", PromptVersion: "system@1+dap@3+general@1",
			Provider: "local", Model: "m", Passes: 1, Content: mustJSON(t, drafts.Content{Note: note}), Flags: mustJSON(t, fl)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDraftLife(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t, b)
			blobs, err := blob.NewDir(t.TempDir(), bytes.Repeat([]byte{5}, 32))
			if err != nil {
				t.Fatal(err)
			}
			svc := &drafts.Service{Store: s, Blobs: blobs}
			id := seed(t, s, []summarize.Flag{{Code: summarize.FlagRiskNotAssessed, Severity: summarize.SeverityHigh, Reason: "risk language without a risk section"},
				{Code: summarize.FlagNoPlan, Severity: summarize.SeverityMedium, Reason: "no plan"}})

			// Rendering an unsigned draft carries the banner, in text and JSON.
			d, add, err := drafts.Load(ctx, s, id)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := drafts.BuildView(d, add, drafts.RenderOptions{})
			js, _ := v.JSON()
			if !strings.Contains(v.Text(), drafts.Banner) || !strings.Contains(string(js), drafts.Banner) {
				t.Fatal("unsigned draft rendered without the banner")
			}
			if !strings.Contains(v.Text(), "UNSUPPORTED") || !strings.Contains(v.Text(), summarize.NotDiscussedText) {
				t.Fatal("unsupported statement or not-discussed section not shown")
			}

			// Signing needs the attestation, and refuses open high-severity flags.
			if _, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org"}); !errors.Is(err, drafts.ErrNoAttestation) {
				t.Fatalf("sign without attestation: %v", err)
			}
			if _, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true}); !errors.Is(err, drafts.ErrUnresolvedFlags) || !strings.Contains(err.Error(), "risk_not_assessed") {
				t.Fatalf("sign over an open high flag: %v", err)
			}
			assertStatus(t, s, id, store.DraftDraft) // refused changes change nothing

			// Edit a section: status edited, text replaced, edit recorded.
			if _, err := svc.Edit(ctx, id, "plan", "Return in one week; practise sleep hygiene.", "dr@example.org"); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Edit(ctx, id, "no-such-section", "x", "dr@example.org"); err == nil || !strings.Contains(err.Error(), "sections: data, assessment, plan") {
				t.Fatalf("edit of an unknown section: %v", err)
			}
			assertStatus(t, s, id, store.DraftEdited)
			if _, err := svc.ResolveFlag(ctx, id, summarize.FlagRiskNotAssessed, "", "dr@example.org"); err == nil {
				t.Fatal("flag resolved without a reason")
			}
			if _, err := svc.ResolveFlag(ctx, id, summarize.FlagRiskNotAssessed, "Risk assessed verbally; client denied SI, documented in safety plan.", "dr@example.org"); err != nil {
				t.Fatal(err)
			}
			signed, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true})
			if err != nil {
				t.Fatal(err)
			}
			if signed.Status != store.DraftSigned || signed.ContentHash == "" || signed.SignedBy != "dr@example.org" || signed.SignedAt == 0 || signed.Attestation != drafts.DefaultAttestation {
				t.Fatalf("signed draft: %+v", signed)
			}
			if err := drafts.VerifySigned(signed); err != nil {
				t.Fatal(err)
			}
			// A signed note is immutable.
			if _, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true}); !errors.Is(err, drafts.ErrAlreadySigned) {
				t.Fatalf("second sign: %v", err)
			}
			if _, err := svc.Edit(ctx, id, "plan", "changed", "dr@example.org"); !errors.Is(err, drafts.ErrAlreadySigned) {
				t.Fatalf("edit after signing: %v", err)
			}
			if _, err := svc.Reject(ctx, id, "late change of mind", "dr@example.org"); !errors.Is(err, drafts.ErrAlreadySigned) {
				t.Fatalf("reject after signing: %v", err)
			}
			if _, err := svc.Regenerate(ctx, id, "soap", "dr@example.org"); !errors.Is(err, drafts.ErrAlreadySigned) {
				t.Fatalf("regenerate after signing: %v", err)
			}
			// Even a direct write cannot change a signed row through the store.
			err = s.InTx(ctx, func(tx *store.Tx) error {
				d := signed
				d.Content = strings.Replace(d.Content, "sleeping better", "sleeping worse", 1)
				return tx.UpdateDraft(ctx, &d)
			})
			if err == nil {
				t.Fatal("the store let a signed draft change")
			}
			// And a change made behind the store's back is caught by the hash.
			if err := s.TamperForTest(ctx, `UPDATE drafts SET content = REPLACE(content, 'sleeping better', 'sleeping worse') WHERE id = $1`, signed.ID); err != nil {
				t.Fatal(err)
			}
			tampered, _ := s.LatestDraft(ctx, id)
			if err := drafts.VerifySigned(tampered); err == nil {
				t.Fatal("the content hash did not detect a changed signed note")
			}
			tv, _ := drafts.BuildView(tampered, nil, drafts.RenderOptions{})
			if !strings.Contains(tv.Text(), "DOES NOT MATCH") {
				t.Fatal("a tampered signed note is rendered without a warning")
			}
			if err := s.TamperForTest(ctx, `UPDATE drafts SET content = REPLACE(content, 'sleeping worse', 'sleeping better') WHERE id = $1`, signed.ID); err != nil {
				t.Fatal(err)
			}

			// The signed rendering: no banner, signature line, disclosure.
			d, add, _ = drafts.Load(ctx, s, id)
			v, _ = drafts.BuildView(d, add, drafts.RenderOptions{})
			txt := v.Text()
			if strings.Contains(txt, drafts.Banner) || !strings.Contains(txt, "Reviewed and signed by dr@example.org on") || !strings.Contains(txt, drafts.AIDisclosure) {
				t.Fatalf("signed rendering:\n%s", txt)
			}
			// Addenda attach to the signed note.
			if _, err := svc.AddAddendum(ctx, id, "dr@example.org", "Client called to confirm next appointment."); err != nil {
				t.Fatal(err)
			}
			d, add, _ = drafts.Load(ctx, s, id)
			if len(add) != 1 || add[0].DraftID != d.ID || add[0].ContentHash == "" {
				t.Fatalf("addenda: %+v", add)
			}
			if err := drafts.VerifySigned(d); err != nil {
				t.Fatalf("an addendum changed the signed note: %v", err)
			}
			// Every change was audited, and the chain holds.
			actions := map[string]int{}
			v2 := audit.NewVerifier()
			if err := s.AuditEntries(ctx, 0, func(e audit.Entry) error { actions[e.Action]++; return v2.Add(e) }); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"draft.edit", "draft.flag_resolve", "draft.sign", "draft.addendum"} {
				if actions[a] != 1 {
					t.Errorf("audit %s: %d entries, want 1", a, actions[a])
				}
			}
		})
	}
}

func TestOverrideAndReject(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.Backends[0])
	svc := &drafts.Service{Store: s}
	id := seed(t, s, []summarize.Flag{{Code: summarize.FlagConsentMissing, Severity: summarize.SeverityHigh, Reason: "no AI-scribe consent on file"}})
	d, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true, OverrideReason: "consent on paper form, scanned to chart"})
	if err != nil {
		t.Fatal(err)
	}
	if d.OverrideReason == "" || drafts.VerifySigned(d) != nil {
		t.Fatalf("override not recorded in the signature: %+v", d)
	}
	v, _ := drafts.BuildView(d, nil, drafts.RenderOptions{})
	if !strings.Contains(v.Text(), "Signed over open high-severity flags") {
		t.Fatal("override not shown")
	}

	id2 := seed(t, s, nil)
	if _, err := svc.Reject(ctx, id2, "", "dr@example.org"); err == nil {
		t.Fatal("rejected without a reason")
	}
	if _, err := svc.Reject(ctx, id2, "wrong client's session", "dr@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sign(ctx, id2, drafts.SignOptions{Clinician: "dr@example.org", Attest: true}); !errors.Is(err, drafts.ErrRejected) {
		t.Fatalf("signed a rejected draft: %v", err)
	}
	// Regenerating keeps every version and makes the next one.
	v3, err := svc.Regenerate(ctx, id2, "soap", "dr@example.org")
	if err != nil || v3 != 2 {
		t.Fatalf("regenerate: v%d %v", v3, err)
	}
	sess, _ := s.Session(ctx, id2)
	if sess.Status != store.StatusDrafting || sess.Template != "soap" {
		t.Fatalf("regenerate did not queue a new draft: %+v", sess)
	}
	all, _ := s.Drafts(ctx, id2)
	if len(all) != 1 || all[0].Status != store.DraftRejected {
		t.Fatalf("earlier versions must be kept: %+v", all)
	}
}

func TestReidentifyOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.Backends[0])
	id := seed(t, s, nil)
	d, _ := s.LatestDraft(ctx, id)
	rs := redaction.NewSession()
	if _, err := rs.Redact("My name is Rosalind Vantreese."); err != nil {
		t.Fatal(err)
	}
	m := rs.Map()
	plain, _ := drafts.BuildView(d, nil, drafts.RenderOptions{TokenMap: m})
	if strings.Contains(plain.Text(), "Rosalind") {
		t.Fatal("identifiers shown without re-identification")
	}
	full, _ := drafts.BuildView(d, nil, drafts.RenderOptions{TokenMap: m, Reidentify: true})
	if !strings.Contains(full.Text(), "Rosalind Vantreese reports") {
		t.Fatalf("re-identified rendering:\n%s", full.Text())
	}
	// A placeholder the model invented is left visible and flagged.
	bad := d
	bad.Content = strings.Replace(d.Content, "Mood improved.", "[NAME_7] visited.", 1)
	v, _ := drafts.BuildView(bad, nil, drafts.RenderOptions{TokenMap: m, Reidentify: true})
	if len(v.Unknown) != 1 || v.Unknown[0] != "[NAME_7]" || !strings.Contains(v.Text(), "[NAME_7] visited") || !strings.Contains(v.Text(), "not in this session's identifier map") {
		t.Fatalf("invented placeholder: %v\n%s", v.Unknown, v.Text())
	}
}

func assertStatus(t *testing.T, s *store.Store, id, want string) {
	t.Helper()
	d, err := s.LatestDraft(context.Background(), id)
	if err != nil || d.Status != want {
		t.Fatalf("draft status %q (%v), want %q", d.Status, err, want)
	}
}
