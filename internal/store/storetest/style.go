package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// exerciseStyle covers style learning (migration 013): a clinician's
// preferences round trip and are replaced whole, and the measures of how
// much of each draft was changed are listed per signer, newest first,
// and recorded once per draft.
func exerciseStyle(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()

	t.Run("ClinicianStyle", func(t *testing.T) {
		s := open(t)
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.CreateUser(ctx, &store.User{ID: "u-style", Email: "style@example.org", Role: store.RoleClinician})
		})
		st, err := s.ClinicianStyle(ctx, "u-style")
		if err != nil || st.UserID != "u-style" || st.NoteLength != "" || st.Avoid != nil || st.UpdatedAt != 0 {
			t.Fatalf("unset style = %+v, %v; want the zero style", st, err)
		}
		set := store.ClinicianStyle{UserID: "u-style", NoteLength: "short", Person: "first", Headings: "off", Avoid: []string{"client presents as", "WNL"}, Examples: true}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetClinicianStyle(ctx, &set) })
		got, err := s.ClinicianStyle(ctx, "u-style")
		if err != nil || got.NoteLength != "short" || got.Person != "first" || got.Headings != "off" || !slices.Equal(got.Avoid, set.Avoid) || !got.Examples || got.UpdatedAt == 0 {
			t.Fatalf("read back %+v, %v", got, err)
		}
		// Replaced whole: a field left empty is no preference again.
		set = store.ClinicianStyle{UserID: "u-style", NoteLength: "detailed"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetClinicianStyle(ctx, &set) })
		got, err = s.ClinicianStyle(ctx, "u-style")
		if err != nil || got.NoteLength != "detailed" || got.Person != "" || got.Headings != "" || len(got.Avoid) != 0 || got.Examples {
			t.Fatalf("after replacing: %+v, %v", got, err)
		}
		// A style belongs to an existing user.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetClinicianStyle(ctx, &store.ClinicianStyle{UserID: "nobody"})
		}); err == nil {
			t.Error("a style was saved for a user who does not exist")
		}
	})

	t.Run("EditMeasures", func(t *testing.T) {
		s := open(t)
		for i := range 3 {
			sid, did := fmt.Sprintf("s-measure-%d", i), fmt.Sprintf("d-measure-%d", i)
			mustTx(t, s, func(tx *store.Tx) error {
				if err := tx.CreateSession(ctx, &store.Session{ID: sid, Source: "ingest", Status: store.StatusReady, Template: "soap", Modality: "general", Program: "mh"}); err != nil {
					return err
				}
				_, err := tx.InsertDraft(ctx, &store.Draft{ID: did, SessionID: sid, Version: 1, Status: store.DraftDraft, Template: "soap", Content: "{}", Flags: "[]"})
				return err
			})
			user := "u-a"
			if i == 1 {
				user = "u-b"
			}
			m := store.EditMeasure{DraftID: did, SessionID: sid, UserID: user, DraftedWords: 100, SignedWords: 110, ChangedWords: 10 * (i + 1), SignedAt: int64(1000 + i)}
			mustTx(t, s, func(tx *store.Tx) error { return tx.RecordEditMeasure(ctx, m) })
		}
		// One measure per draft: a draft signed again (an associate's note
		// returned by the supervisor and re-signed) keeps the latest.
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.RecordEditMeasure(ctx, store.EditMeasure{DraftID: "d-measure-0", SessionID: "s-measure-0", UserID: "u-a", DraftedWords: 100, SignedWords: 100, ChangedWords: 99, SignedAt: 5000})
		})
		got, err := s.EditMeasures(ctx, "u-a", 10)
		if err != nil || len(got) != 2 || got[0].DraftID != "d-measure-0" || got[0].ChangedWords != 99 || got[1].DraftID != "d-measure-2" {
			t.Fatalf("u-a's measures = %+v, %v; want d-measure-0 (re-signed, 99 words) then d-measure-2", got, err)
		}
		if got[1].Share() != 30.0/110 {
			t.Errorf("share = %v, want 30/110", got[1].Share())
		}
		if got, _ := s.EditMeasures(ctx, "u-a", 1); len(got) != 1 || got[0].DraftID != "d-measure-0" {
			t.Errorf("last 1 = %+v", got)
		}
		if got, _ := s.EditMeasures(ctx, "u-b", 10); len(got) != 1 || got[0].DraftID != "d-measure-1" {
			t.Errorf("u-b's measures = %+v", got)
		}
	})
	t.Run("SignedNotesBy", func(t *testing.T) {
		s := open(t)
		type seed struct {
			id, clinician, signedBy, status string
			at                              int64
		}
		for _, sd := range []seed{
			{"s-mine-old", "Dr@Example.org", "dr@example.org", store.DraftSigned, 100},
			{"s-mine-new", "dr@example.org", "dr@example.org", store.DraftSigned, 300},
			{"s-mine-open", "dr@example.org", "", store.DraftEdited, 0},
			{"s-theirs", "other@example.org", "other@example.org", store.DraftSigned, 400},
			{"s-signed-for-me", "other@example.org", "dr@example.org", store.DraftSigned, 500}, // another clinician's session
			{"s-current", "dr@example.org", "dr@example.org", store.DraftSigned, 600},
		} {
			mustTx(t, s, func(tx *store.Tx) error {
				if err := tx.CreateSession(ctx, &store.Session{ID: sd.id, Source: "ingest", Status: store.StatusReady, Template: "soap", Modality: "general", Program: "mh", Clinician: sd.clinician}); err != nil {
					return err
				}
				d := &store.Draft{ID: "d-" + sd.id, SessionID: sd.id, Version: 1, Status: store.DraftDraft, Template: "soap", Content: `{"note":"` + sd.id + `"}`, Flags: "[]"}
				if _, err := tx.InsertDraft(ctx, d); err != nil {
					return err
				}
				d.Status, d.SignedBy, d.SignedAt = sd.status, sd.signedBy, sd.at
				return tx.UpdateDraft(ctx, d)
			})
		}
		got, err := s.SignedNotesBy(ctx, "DR@example.org", "s-current", 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, n := range got {
			ids = append(ids, n.SessionID)
			if n.Content != `{"note":"`+n.SessionID+`"}` || n.Program != "mh" || n.SignedAt == 0 {
				t.Errorf("note %+v", n)
			}
		}
		if !slices.Equal(ids, []string{"s-mine-new", "s-mine-old"}) {
			t.Fatalf("signed notes of dr = %v; want only their own signed sessions, newest first, not the current one", ids)
		}
		if got, _ := s.SignedNotesBy(ctx, "dr@example.org", "", 1); len(got) != 1 || got[0].SessionID != "s-current" {
			t.Errorf("last 1: %+v", got)
		}
	})
}
