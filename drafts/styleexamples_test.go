package drafts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

// TestStyleExamples: a clinician who asked for examples has their own two
// most recent signed notes shown to the model, as signed and redacted
// again; never another clinician's note, a note signed in another
// clinician's session, an unsigned draft, the session being drafted, or a
// Part 2 record. A clinician who did not ask gets none, and the
// preferences still come through.
func TestStyleExamples(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			mine := store.User{ID: "u-mine", Email: "mine@example.org", Role: store.RoleClinician}
			theirs := store.User{ID: "u-theirs", Email: "theirs@example.org", Role: store.RoleClinician}
			at := int64(1000)
			seed := func(id, clinician, program, signer, text string) store.Session {
				t.Helper()
				at += 100
				sess := store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "soap", Modality: "general", Program: program, Clinician: clinician}
				note := summarize.Note{Format: "soap", Sections: []summarize.Section{{Key: "subjective", Title: "Subjective", Statements: []summarize.Statement{{Text: text, Citations: []string{"S0001"}}}}}}
				err := st.InTx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateSession(ctx, &sess); err != nil {
						return err
					}
					d := &store.Draft{ID: "d-" + id, SessionID: id, Version: 1, Status: store.DraftDraft, Template: "soap", Content: mustJSON(t, drafts.Content{Note: note}), Flags: "[]"}
					if _, err := tx.InsertDraft(ctx, d); err != nil {
						return err
					}
					if signer == "" {
						return nil
					}
					d.Status, d.SignedBy, d.SignedAt = store.DraftSigned, signer, at
					return tx.UpdateDraft(ctx, d)
				})
				if err != nil {
					t.Fatal(err)
				}
				return sess
			}
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, &mine); err != nil {
					return err
				}
				return tx.CreateUser(ctx, &theirs)
			}); err != nil {
				t.Fatal(err)
			}
			seed("s-oldest", mine.Email, "mh", mine.Email, "Client joined a running club.")
			seed("s-older", mine.Email, "mh", mine.Email, "Client kept a gratitude journal with her sister Dana Whitfield.")
			seed("s-part2", mine.Email, "sud", mine.Email, "Client attended a methadone clinic visit.")
			seed("s-newest", mine.Email, "mh", mine.Email, "Client practised box breathing daily.")
			seed("s-open", mine.Email, "mh", "", "Client planned a garden project.")
			seed("s-theirs", theirs.Email, "mh", theirs.Email, "Client described a kayak trip.")
			seed("s-covered", theirs.Email, "mh", mine.Email, "Client described a chess tournament.")
			current := seed("s-current", mine.Email, "mh", "", "Client discussed a pottery class.")

			// Not asked for: preferences only.
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				return tx.SetClinicianStyle(ctx, &store.ClinicianStyle{UserID: mine.ID, NoteLength: "short"})
			}); err != nil {
				t.Fatal(err)
			}
			style, err := drafts.ClinicianStyle(ctx, st, current)
			if err != nil || style.Length != "short" || len(style.Examples) != 0 {
				t.Fatalf("without examples asked for: %+v, %v", style, err)
			}

			if err := st.InTx(ctx, func(tx *store.Tx) error {
				return tx.SetClinicianStyle(ctx, &store.ClinicianStyle{UserID: mine.ID, NoteLength: "short", Examples: true})
			}); err != nil {
				t.Fatal(err)
			}
			style, err = drafts.ClinicianStyle(ctx, st, current)
			if err != nil {
				t.Fatal(err)
			}
			if len(style.Examples) != 2 || !strings.Contains(style.Examples[0], "box breathing") || !strings.Contains(style.Examples[1], "gratitude journal") {
				t.Fatalf("examples %q; want the two newest of the clinician's own non-Part 2 signed notes", style.Examples)
			}
			all := strings.Join(style.Examples, "\n")
			for _, never := range []string{"methadone", "kayak", "chess", "garden", "pottery", "running club"} {
				if strings.Contains(all, never) {
					t.Errorf("the examples carry %q:\n%s", never, all)
				}
			}
			if strings.Contains(all, "Whitfield") || !strings.Contains(all, "[NAME_") {
				t.Errorf("a name typed into a signed note was not redacted again:\n%s", all)
			}

			// The other clinician, who asked too, gets only their own.
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				return tx.SetClinicianStyle(ctx, &store.ClinicianStyle{UserID: theirs.ID, Examples: true})
			}); err != nil {
				t.Fatal(err)
			}
			next := seed("s-theirs-next", theirs.Email, "mh", "", "Client discussed sleep.")
			style, err = drafts.ClinicianStyle(ctx, st, next)
			if err != nil || len(style.Examples) != 1 || !strings.Contains(style.Examples[0], "kayak") {
				t.Fatalf("the other clinician's examples: %q, %v", style.Examples, err)
			}
		})
	}
}
