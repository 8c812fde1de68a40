package drafts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestMeasureEdits: the word-level edit distance of known edits.
func TestMeasureEdits(t *testing.T) {
	for _, tc := range []struct {
		name, drafted, signed string
		changed               int
	}{
		{"unchanged", "Client reports sleeping better.\nMeet again next Tuesday.\n", "Client reports sleeping better.\nMeet again next Tuesday.\n", 0},
		{"one word replaced", "Client reports sleeping better.", "Client reports sleeping worse.", 1},
		// "better." is replaced by "better", then "on", "most", "nights." are inserted.
		{"three words added", "Client reports sleeping better.", "Client reports sleeping better on most nights.", 4},
		{"one word removed", "Client reports sleeping much better.", "Client reports sleeping better.", 1},
		{"line breaks are spaces", "a b\nc d", "a b c d", 0},
		{"everything rewritten", "a b c", "x y z w", 4},
		{"from nothing", "", "one two", 2},
		{"to nothing", "one two three", "", 3},
		{"moved sentence", "A b. C d.", "C d. A b.", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := drafts.MeasureEdits(tc.drafted, tc.signed)
			if m.ChangedWords != tc.changed {
				t.Errorf("changed words = %d, want %d", m.ChangedWords, tc.changed)
			}
			if d := drafts.MeasureEdits(tc.signed, tc.drafted); d.ChangedWords != m.ChangedWords {
				t.Errorf("not symmetric: %d one way, %d the other", m.ChangedWords, d.ChangedWords)
			}
		})
	}
	m := drafts.MeasureEdits("a b c d e f g h i j", "a b c d e f g h i k")
	if m.DraftedWords != 10 || m.SignedWords != 10 || m.ChangedWords != 1 || m.Share() != 0.1 {
		t.Errorf("measure %+v, share %v; want 1 of 10 words, 0.1", m, m.Share())
	}
}

// TestSignRecordsEditShare: signing records, for the signer, how many of
// the drafted words the clinician changed — measured against the text as
// the model drafted it, however many edits came between — and a note
// signed as drafted records no change.
func TestSignRecordsEditShare(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newReviewFixture(t, b)
			if err := f.st.InTx(ctx, func(tx *store.Tx) error {
				return tx.CreateUser(ctx, &store.User{ID: "u-dr", Email: "dr@example.org", Role: store.RoleClinician})
			}); err != nil {
				t.Fatal(err)
			}
			before, _ := f.content(t)
			drafted := drafts.NoteText(before.Note)
			// Two edits of the same statement: the measure is of the end
			// result against the first draft (one word replaced, one added).
			for _, text := range []string{"Client reports sleeping much better.", "Client reports sleeping far better overall."} {
				ref := drafts.StatementRef(mustStatement(t, f, 0, 0))
				if _, err := f.svc.EditStatement(ctx, drafts.StatementEdit{SessionID: f.id, Section: "subjective", Index: 0, Expect: ref, Text: text, Actor: "dr@example.org"}); err != nil {
					t.Fatal(err)
				}
			}
			after, _ := f.content(t)
			if after.Drafted != drafted {
				t.Fatalf("the drafted text kept is %q, want the model's %q", after.Drafted, drafted)
			}
			d, err := f.svc.Sign(ctx, f.id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true, OverrideReason: "checked with the client"})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := f.st.EditMeasures(ctx, "u-dr", 10)
			if err != nil || len(ms) != 1 {
				t.Fatalf("measures %+v, %v; want one", ms, err)
			}
			m := ms[0]
			// "better." → "far", + "better", + "overall." : 1 replaced, 2 inserted.
			if m.DraftID != d.ID || m.SessionID != f.id || m.ChangedWords != 3 || m.DraftedWords != 21 || m.SignedWords != 23 || m.SignedAt != d.SignedAt {
				t.Fatalf("measure %+v; want 3 of 21 drafted words changed, 23 signed", m)
			}
			if e := lastAudit(t, f.st); e.Action != "draft.sign" || e.Details["changed_words"] != "3" {
				t.Errorf("sign audit: %+v", e)
			}

			// Signed as drafted: no change.
			g := newReviewFixture(t, b)
			if err := g.st.InTx(ctx, func(tx *store.Tx) error {
				return tx.CreateUser(ctx, &store.User{ID: "u-dr", Email: "dr@example.org", Role: store.RoleClinician})
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := g.svc.Sign(ctx, g.id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true, OverrideReason: "checked"}); err != nil {
				t.Fatal(err)
			}
			if ms, _ := g.st.EditMeasures(ctx, "u-dr", 10); len(ms) != 1 || ms[0].ChangedWords != 0 || ms[0].DraftedWords != 21 || ms[0].Share() != 0 {
				t.Fatalf("measure of a note signed as drafted: %+v", ms)
			}
		})
	}
}

func mustStatement(t *testing.T, f reviewFixture, sec, i int) string {
	t.Helper()
	c, _ := f.content(t)
	return c.Note.Sections[sec].Statements[i].Text
}

// BenchmarkMeasureEdits measures a long note (2,000 words, a tenth of them
// changed) the way signing does: ms per note.
func BenchmarkMeasureEdits(b *testing.B) {
	var drafted, signed strings.Builder
	for i := range 2000 {
		w := fmt.Sprintf("word%d ", i%97)
		drafted.WriteString(w)
		if i%10 == 0 {
			w = "changed "
		}
		signed.WriteString(w)
	}
	d, s := drafted.String(), signed.String()
	b.ResetTimer()
	for b.Loop() {
		if m := drafts.MeasureEdits(d, s); m.ChangedWords != 200 {
			b.Fatalf("changed %d words, want 200", m.ChangedWords)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/note")
}
