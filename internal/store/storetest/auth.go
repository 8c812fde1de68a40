package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// exerciseAuth is the contract of migration 010: the second factor's state,
// recovery codes, personal API tokens and sign-in session rotation.
func exerciseAuth(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	withUser := func(t *testing.T) *store.Store {
		s := open(t)
		for _, id := range []string{"u1", "u2"} {
			u := &store.User{ID: id, Email: id + "@example.org", Role: store.RoleClinician}
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}

	t.Run("MFAState", func(t *testing.T) {
		s := withUser(t)
		if m, err := s.MFAState(ctx, "u1"); err != nil || m != (store.MFAState{UserID: "u1"}) {
			t.Fatalf("fresh state: %+v %v", m, err)
		}
		for _, m := range []store.MFAState{{UserID: "u1", Failures: 1, LastFailureAt: 10}, {UserID: "u1", Failures: 5, LastFailureAt: 20, LockedUntil: 99}} {
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutMFAState(ctx, m) }); err != nil {
				t.Fatal(err)
			}
		}
		var inTx store.MFAState
		if err := s.InTx(ctx, func(tx *store.Tx) error { var err error; inTx, err = tx.MFAState(ctx, "u1"); return err }); err != nil {
			t.Fatal(err)
		}
		want := store.MFAState{UserID: "u1", Failures: 5, LastFailureAt: 20, LockedUntil: 99}
		if inTx != want {
			t.Fatalf("upsert round trip: %+v", inTx)
		}
		all, err := s.MFAStates(ctx)
		if err != nil || len(all) != 1 || all["u1"] != want {
			t.Fatalf("all states: %+v %v", all, err)
		}
	})

	t.Run("RecoveryCodes", func(t *testing.T) {
		s := withUser(t)
		put := func(user string, hashes ...string) {
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.ReplaceRecoveryCodes(ctx, user, hashes) }); err != nil {
				t.Fatal(err)
			}
		}
		use := func(user, h string) bool {
			var ok bool
			if err := s.InTx(ctx, func(tx *store.Tx) error { var err error; ok, err = tx.UseRecoveryCode(ctx, user, h); return err }); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		put("u1", "a", "b", "c")
		put("u2", "a")
		if !use("u1", "a") || use("u1", "a") || use("u1", "zz") {
			t.Fatal("a code is not used exactly once")
		}
		if n, _ := s.RecoveryCodesLeft(ctx, "u1"); n != 2 {
			t.Fatalf("u1 has %d codes left", n)
		}
		if !use("u2", "a") {
			t.Fatal("one user's use spent another's code")
		}
		put("u1", "d")
		if use("u1", "b") || !use("u1", "d") {
			t.Fatal("replacing did not retire the old codes")
		}
	})

	t.Run("APITokens", func(t *testing.T) {
		s := withUser(t)
		for i, h := range []string{"hash-a", "hash-b"} {
			tok := &store.APIToken{ID: []string{"t1", "t2"}[i], UserID: "u1", Name: "laptop"}
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateAPIToken(ctx, tok, h) }); err != nil {
				t.Fatal(err)
			}
		}
		dup := &store.APIToken{ID: "t3", UserID: "u2", Name: "x"}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateAPIToken(ctx, dup, "hash-a") }); err == nil {
			t.Fatal("two tokens with one hash")
		}
		got, err := s.APITokenByHash(ctx, "hash-b")
		if err != nil || got.ID != "t2" || got.UserID != "u1" || got.RevokedAt != 0 {
			t.Fatalf("by hash: %+v %v", got, err)
		}
		if _, err := s.APITokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		revoke := func(user, id string) bool {
			var ok bool
			if err := s.InTx(ctx, func(tx *store.Tx) error { var err error; ok, err = tx.RevokeAPIToken(ctx, user, id); return err }); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if revoke("u2", "t1") || !revoke("u1", "t1") || revoke("u1", "t1") {
			t.Fatal("a token is revoked by its owner, once")
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.TouchAPIToken(ctx, "t2") }); err != nil {
			t.Fatal(err)
		}
		list, err := s.APITokens(ctx, "u1")
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		for _, tok := range list {
			if tok.ID == "t1" && tok.RevokedAt == 0 || tok.ID == "t2" && tok.LastUsedAt == 0 {
				t.Fatalf("token state: %+v", tok)
			}
		}
	})

	t.Run("RotateLoginSession", func(t *testing.T) {
		s := withUser(t)
		ls := &store.LoginSession{IDHash: "old", UserID: "u1", CSRF: "c1"}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateLoginSession(ctx, ls) }); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.RotateLoginSession(ctx, "old", "new", "c2", true) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoginSession(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the old ID still works: %v", err)
		}
		got, err := s.LoginSession(ctx, "new")
		if err != nil || got.CSRF != "c2" || !got.MFADone || got.UserID != "u1" {
			t.Fatalf("rotated session: %+v %v", got, err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.RotateLoginSession(ctx, "old", "x", "c", true) }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rotating a gone session: %v", err)
		}
	})
}
