package drafts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/summarize"
)

// reviewFixture is a SOAP draft as the pipeline leaves it for a session
// whose transcript has risk language: every statement cites segments, the
// risk section is missing, one statement is unsupported, and the flags say
// so.
type reviewFixture struct {
	st  *store.Store
	svc *drafts.Service
	id  string
}

func newReviewFixture(t *testing.T, b testenv.Backend) reviewFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	segs := []transcript.Segment{
		{ID: "S0001", Speaker: "clinician", StartMS: 0, EndMS: 4000, Text: "How have you been sleeping?"},
		{ID: "S0002", Speaker: "client", StartMS: 4000, EndMS: 9000, Text: "Better, but some nights I feel like I want to die."},
		{ID: "S0003", Speaker: "clinician", StartMS: 9000, EndMS: 13000, Text: "We will meet again next Tuesday."},
		{ID: "S0004", Speaker: "client", StartMS: 13000, EndMS: 18000, Text: "Work keeps me anxious most days."},
	}
	raw, _ := json.Marshal(segs)
	id := uuid.NewString()
	if err := blobs.Put(ctx, "redacted/"+id, raw); err != nil {
		t.Fatal(err)
	}
	note := summarize.Note{Format: "soap", Sections: []summarize.Section{
		{Key: "subjective", Title: "Subjective", Statements: []summarize.Statement{
			{Text: "Client reports sleeping better.", Citations: []string{"S0001", "S0002"}},
			{Text: "Work keeps the client anxious most days.", Citations: []string{"S0004"}}}},
		{Key: "objective", Title: "Objective", Statements: []summarize.Statement{
			{Text: "Client appeared calm.", Citations: []string{"S0001"}, Unsupported: true, UnsupportedReason: "little lexical support"}}},
		{Key: "assessment", Title: "Assessment", Statements: []summarize.Statement{{Text: "Work-related anxiety persists.", Citations: []string{"S0004"}}}},
		{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Meet again next Tuesday.", Citations: []string{"S0003"}}}},
	}}
	flags := []drafts.Flag{
		{Flag: summarize.Flag{Code: summarize.FlagConsentMissing, Severity: summarize.SeverityHigh, Reason: "no AI-scribe consent on file"}},
		{Flag: summarize.Flag{Code: summarize.FlagRiskNotAssessed, Severity: summarize.SeverityHigh, Reason: "risk language in 1 segment(s) (first S0002) but the note has no supported risk assessment"}},
		{Flag: summarize.Flag{Code: summarize.FlagUnsupportedStatements, Severity: summarize.SeverityMedium, Reason: "1 of 5 statements lack support"}},
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "soap", Modality: "general", Program: "mh", CaptureEnded: true}); err != nil {
			return err
		}
		if err := tx.PutTranscript(ctx, store.Transcript{SessionID: id, RedactedBlob: "redacted/" + id, MapBlob: "map/" + id, Segments: len(segs)}); err != nil {
			return err
		}
		_, err := tx.InsertDraft(ctx, &store.Draft{ID: uuid.NewString(), SessionID: id, Version: 1, Status: store.DraftDraft, Template: "soap", PromptVersion: "system@1+soap@3+general@1",
			Provider: "local-llm", Model: "note-model-test-1", PromptTokens: 1234, CompletionTokens: 321, Passes: 1,
			Content: mustJSON(t, drafts.Content{Note: note}), Flags: mustJSON(t, flags)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return reviewFixture{st: s, svc: &drafts.Service{Store: s, Blobs: blobs}, id: id}
}

func (f reviewFixture) content(t *testing.T) (drafts.Content, []drafts.Flag) {
	t.Helper()
	d, err := f.st.LatestDraft(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	var c drafts.Content
	var fl []drafts.Flag
	if err := json.Unmarshal([]byte(d.Content), &c); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(d.Flags), &fl); err != nil {
		t.Fatal(err)
	}
	return c, fl
}

func openCodes(fl []drafts.Flag) []string {
	var out []string
	for _, f := range fl {
		if !f.Resolved {
			out = append(out, f.Code)
		}
	}
	return out
}

func lastAudit(t *testing.T, s *store.Store) audit.Entry {
	t.Helper()
	var last audit.Entry
	if err := s.AuditEntries(context.Background(), 0, func(e audit.Entry) error { last = e; return nil }); err != nil {
		t.Fatal(err)
	}
	return last
}

// TestEditStatement: one sentence changes; the other statements keep their
// text and citations; the edited one is marked, keeps its citations but the
// one the clinician removed, and the edit is recorded and audited. An edit
// against a stale statement, an empty text or a statement that is not there
// changes nothing.
func TestEditStatement(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newReviewFixture(t, b)
			before, _ := f.content(t)
			ref := drafts.StatementRef("Client reports sleeping better.")
			_, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "subjective", Index: 0, Expect: ref,
				Text: "Client reports sleeping better on most nights.", RemoveCitations: []string{"S0001"}, Actor: "dr@example.org"})
			if err != nil {
				t.Fatal(err)
			}
			after, _ := f.content(t)
			got := after.Note.Sections[0].Statements[0]
			if got.Text != "Client reports sleeping better on most nights." || !got.ClinicianEdited || !reflect.DeepEqual(got.Citations, []string{"S0002"}) {
				t.Fatalf("edited statement: %+v", got)
			}
			for i, sec := range after.Note.Sections {
				for j, st := range sec.Statements {
					if i == 0 && j == 0 {
						continue
					}
					if !reflect.DeepEqual(st, before.Note.Sections[i].Statements[j]) {
						t.Errorf("statement %s/%d changed: %+v, was %+v", sec.Key, j, st, before.Note.Sections[i].Statements[j])
					}
				}
			}
			if n := len(after.Edits); n != 1 || after.Edits[0].Op != "statement" || after.Edits[0].Section != "subjective" || after.Edits[0].By != "dr@example.org" {
				t.Fatalf("edit record: %+v", after.Edits)
			}
			if e := lastAudit(t, f.st); e.Action != "draft.edit" || e.Details["op"] != "statement" || e.Details["index"] != "0" {
				t.Fatalf("audit: %+v", e)
			}
			assertStatus(t, f.st, f.id, store.DraftEdited)

			// Refused edits change nothing.
			for name, e := range map[string]drafts.StatementEdit{
				"stale":    {Section: "subjective", Index: 0, Expect: ref, Text: "Something else."},
				"empty":    {Section: "subjective", Index: 1, Text: "   "},
				"no such":  {Section: "subjective", Index: 7, Text: "x"},
				"no sect":  {Section: "history", Index: 0, Text: "x"},
				"negative": {Section: "plan", Index: -1, Text: "x"},
			} {
				e.SessionID, e.Actor = f.id, "dr@example.org"
				if _, err := f.svc.EditStatement(ctx, e); err == nil {
					t.Errorf("%s edit accepted", name)
				} else if name == "stale" && !errors.Is(err, drafts.ErrStatementChanged) {
					t.Errorf("stale edit: %v", err)
				}
			}
			if again, _ := f.content(t); !reflect.DeepEqual(again, after) {
				t.Fatal("a refused edit changed the draft")
			}

			// The text shows which statement the clinician wrote.
			d, add, _ := drafts.Load(ctx, f.st, f.id)
			v, _ := drafts.BuildView(d, add, drafts.RenderOptions{})
			if !strings.Contains(v.Text(), "on most nights. [S0002]  (edited by clinician)") {
				t.Fatalf("rendering does not mark the edit:\n%s", v.Text())
			}
		})
	}
}

// TestFlagsRecomputedAfterEdit: writing the missing risk statement clears
// the risk flag, fixing the one unsupported statement clears that flag,
// the consent flag (which no edit decides) stays, and taking the risk
// statement out raises the risk flag again.
func TestFlagsRecomputedAfterEdit(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newReviewFixture(t, b)
			_, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "risk", Add: true,
				Text: "Passive death wish reported; denies plan or intent; safety plan reviewed.", Actor: "dr@example.org"})
			if err != nil {
				t.Fatal(err)
			}
			c, fl := f.content(t)
			if got := openCodes(fl); !reflect.DeepEqual(got, []string{summarize.FlagConsentMissing, summarize.FlagUnsupportedStatements}) {
				t.Fatalf("open flags after the risk statement: %v", got)
			}
			var keys []string
			for _, s := range c.Note.Sections {
				keys = append(keys, s.Key)
			}
			if strings.Join(keys, ",") != "subjective,objective,assessment,risk,plan" {
				t.Fatalf("the risk section is not in template order: %v", keys)
			}
			if e := lastAudit(t, f.st); e.Details["flags_cleared"] != summarize.FlagRiskNotAssessed {
				t.Fatalf("audit of the edit does not name the cleared flag: %v", e.Details)
			}

			if _, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "Objective", Index: 0,
				Text: "Client appeared calm and engaged.", Actor: "dr@example.org"}); err != nil {
				t.Fatal(err)
			}
			if _, fl := f.content(t); !reflect.DeepEqual(openCodes(fl), []string{summarize.FlagConsentMissing}) {
				t.Fatalf("open flags after fixing the unsupported statement: %v", openCodes(fl))
			}

			if _, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "risk", Index: 0, Remove: true, Actor: "dr@example.org"}); err != nil {
				t.Fatal(err)
			}
			_, fl = f.content(t)
			if got := openCodes(fl); !reflect.DeepEqual(got, []string{summarize.FlagConsentMissing, summarize.FlagRiskNotAssessed}) {
				t.Fatalf("open flags after removing the risk statement: %v", got)
			}
			if e := lastAudit(t, f.st); e.Details["flags_raised"] != summarize.FlagRiskNotAssessed {
				t.Fatalf("audit of the removal does not name the raised flag: %v", e.Details)
			}
			// A flag the clinician resolved stays resolved while it applies.
			if _, err := f.svc.ResolveFlag(ctx, f.id, summarize.FlagRiskNotAssessed, "assessed by phone the same day", "dr@example.org"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Edit(ctx, f.id, "plan", "Meet again next Tuesday.\nPractise the breathing exercise daily.", "dr@example.org"); err != nil {
				t.Fatal(err)
			}
			if _, fl := f.content(t); !reflect.DeepEqual(openCodes(fl), []string{summarize.FlagConsentMissing}) {
				t.Fatalf("a resolved flag reopened after an unrelated edit: %v", openCodes(fl))
			}
		})
	}
}

// TestSectionEditKeepsUnchangedStatements: the whole-section editor keeps
// the statements whose lines did not change, with their citations.
func TestSectionEditKeepsUnchangedStatements(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, testenv.Backends[0])
	// Same number of lines: the changed line is that statement, edited.
	if _, err := f.svc.Edit(ctx, f.id, "subjective", "Client reports sleeping better.\nWork keeps the client anxious on most days.", "dr@example.org"); err != nil {
		t.Fatal(err)
	}
	c, _ := f.content(t)
	st := c.Note.Sections[0].Statements
	if len(st) != 2 || st[0].ClinicianEdited || !reflect.DeepEqual(st[0].Citations, []string{"S0001", "S0002"}) ||
		!st[1].ClinicianEdited || !reflect.DeepEqual(st[1].Citations, []string{"S0004"}) {
		t.Fatalf("same-count section edit: %+v", st)
	}
	// A line added: the unchanged ones keep their statements; the new one is the clinician's, uncited.
	if _, err := f.svc.Edit(ctx, f.id, "subjective", "Client reports sleeping better.\nAppetite is unchanged.\nWork keeps the client anxious on most days.", "dr@example.org"); err != nil {
		t.Fatal(err)
	}
	c, _ = f.content(t)
	st = c.Note.Sections[0].Statements
	if len(st) != 3 || !reflect.DeepEqual(st[0].Citations, []string{"S0001", "S0002"}) || !st[1].ClinicianEdited || len(st[1].Citations) != 0 ||
		!reflect.DeepEqual(st[2].Citations, []string{"S0004"}) {
		t.Fatalf("section edit with a new line: %+v", st)
	}
}

// TestPasteText: the paste-ready export is exactly the signed note —
// headings, text, signature line, the organisation's AI-assistance
// statement as it was when signed, addenda — and none of the drafting
// metadata.
func TestPasteText(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, testenv.Backends[0])
	const org = "Drafted with AI assistance from the session recording; reviewed and signed by the clinician."
	if err := f.st.InTx(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, drafts.SettingAIStatement, org) }); err != nil {
		t.Fatal(err)
	}
	// Unsigned: the banner heads it and nothing is signed.
	d, add, _ := drafts.Load(ctx, f.st, f.id)
	v, _ := drafts.BuildView(d, add, drafts.RenderOptions{})
	if p := drafts.PasteText(v); !strings.HasPrefix(p, drafts.Banner+"\n\n") || strings.Contains(p, org) {
		t.Fatalf("unsigned paste text:\n%s", p)
	}
	if _, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "risk", Add: true, Text: "Denies plan or intent; safety plan reviewed", Actor: "dr@example.org"}); err != nil {
		t.Fatal(err)
	}
	signed, err := f.svc.Sign(ctx, f.id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true, OverrideReason: "consent on the paper form"})
	if err != nil {
		t.Fatal(err)
	}
	// A later change of the organisation's statement does not change a signed note.
	if err := f.st.InTx(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, drafts.SettingAIStatement, "A newer statement.") }); err != nil {
		t.Fatal(err)
	}
	d, add, _ = drafts.Load(ctx, f.st, f.id)
	v, _ = drafts.BuildView(d, add, drafts.RenderOptions{})
	if drafts.VerifySigned(d) != nil {
		t.Fatal("the signed note does not verify")
	}
	want := "Progress note (SOAP)\n\n" +
		"Subjective\nClient reports sleeping better. Work keeps the client anxious most days.\n\n" +
		"Objective\nClient appeared calm.\n\n" +
		"Assessment\nWork-related anxiety persists.\n\n" +
		"Risk assessment\nDenies plan or intent; safety plan reviewed.\n\n" +
		"Plan\nMeet again next Tuesday.\n\n" +
		v.Signature + "\n\n" + org + "\n"
	if got := drafts.PasteText(v); got != want {
		t.Fatalf("paste text:\n%s\nwant:\n%s", got, want)
	}
	if !strings.HasPrefix(v.Signature, "Reviewed and signed by dr@example.org on ") || signed.SignedBy != "dr@example.org" {
		t.Fatalf("signature line %q", v.Signature)
	}
	for _, leak := range []string{"note-model-test-1", "local-llm", "1234", "S000", "risk_not_assessed", "consent_missing", "UNSUPPORTED", "hash", "soap@", "paper form"} {
		if strings.Contains(drafts.PasteText(v), leak) {
			t.Errorf("paste text carries %q", leak)
		}
	}
	// An addendum follows the signed note.
	if _, err := f.svc.AddAddendum(ctx, f.id, "dr@example.org", "Client called to confirm."); err != nil {
		t.Fatal(err)
	}
	d, add, _ = drafts.Load(ctx, f.st, f.id)
	v, _ = drafts.BuildView(d, add, drafts.RenderOptions{})
	if p := drafts.PasteText(v); !strings.HasPrefix(p, want) || !strings.Contains(p, "\nAddendum by dr@example.org on ") || !strings.HasSuffix(p, "Client called to confirm.\n") {
		t.Fatalf("paste text with addendum:\n%s", p)
	}
}

func TestCleanAIStatement(t *testing.T) {
	if s, err := drafts.CleanAIStatement("  AI helped\n draft this.  "); err != nil || s != "AI helped draft this." {
		t.Fatalf("clean: %q %v", s, err)
	}
	if _, err := drafts.CleanAIStatement(" \n "); err == nil {
		t.Fatal("empty statement accepted")
	}
	if _, err := drafts.CleanAIStatement(strings.Repeat("x", drafts.MaxAIStatement+1)); err == nil {
		t.Fatal("overlong statement accepted")
	}
}
