package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// exerciseUsers is the contract of the web app's tables: users, sign-in
// sessions, settings and the per-clinician session list.
func exerciseUsers(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()

	t.Run("Users", func(t *testing.T) {
		s := open(t)
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("fresh store has %d users (%v)", n, err)
		}
		u := &store.User{ID: "u1", Email: " Admin@Example.org ", Role: store.RoleAdmin, PasswordHash: "h1"}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		dup := &store.User{ID: "u2", Email: "admin@example.org", Role: store.RoleClinician}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, dup) }); !errors.Is(err, store.ErrEmailTaken) {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		bad := &store.User{ID: "u3", Email: "x@example.org", Role: "root"}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, bad) }); err == nil {
			t.Fatal("unknown role accepted")
		}
		got, err := s.UserByEmail(ctx, "ADMIN@example.org")
		if err != nil || got.ID != "u1" || got.Email != "admin@example.org" || got.PasswordHash != "h1" {
			t.Fatalf("by e-mail: %+v %v", got, err)
		}
		got.FailedLogins, got.LockedUntil, got.TOTPEnabled, got.TOTPSecret, got.Part2Access = 3, 12345, true, "sealed", true
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &got) }); err != nil {
			t.Fatal(err)
		}
		again, err := s.User(ctx, "u1")
		if err != nil || again.FailedLogins != 3 || again.LockedUntil != 12345 || !again.TOTPEnabled || again.TOTPSecret != "sealed" || !again.Part2Access {
			t.Fatalf("update round trip: %+v %v", again, err)
		}
		if _, err := s.User(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		list, err := s.Users(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("users: %d %v", len(list), err)
		}
	})

	t.Run("LoginSessions", func(t *testing.T) {
		s := open(t)
		u := &store.User{ID: "u1", Email: "c@example.org", Role: store.RoleClinician}
		ls := &store.LoginSession{IDHash: "hash1", UserID: "u1", CSRF: "tok"}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			return tx.CreateLoginSession(ctx, ls)
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.LoginSession(ctx, "hash1")
		if err != nil || got.UserID != "u1" || got.CSRF != "tok" || got.MFADone {
			t.Fatalf("login session: %+v %v", got, err)
		}
		if err := s.TouchLoginSession(ctx, "hash1", got.LastSeen+5000); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteMFA(ctx, "hash1") }); err != nil {
			t.Fatal(err)
		}
		got2, _ := s.LoginSession(ctx, "hash1")
		if !got2.MFADone || got2.LastSeen < got.LastSeen {
			t.Fatalf("after MFA: %+v", got2)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteUserLoginSessions(ctx, "u1") }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoginSession(ctx, "hash1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("signed-out session still found: %v", err)
		}
	})

	t.Run("Settings", func(t *testing.T) {
		s := open(t)
		if v, err := s.Setting(ctx, "idle_minutes", "15"); err != nil || v != "15" {
			t.Fatalf("default: %q %v", v, err)
		}
		for _, v := range []string{"10", "20"} {
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, "idle_minutes", v) }); err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := s.Setting(ctx, "idle_minutes", "15"); v != "20" {
			t.Fatalf("setting = %q", v)
		}
		var deleted, again bool
		s.InTx(ctx, func(tx *store.Tx) error { deleted, _ = tx.DeleteSetting(ctx, "idle_minutes"); return nil })
		s.InTx(ctx, func(tx *store.Tx) error { again, _ = tx.DeleteSetting(ctx, "idle_minutes"); return nil })
		if !deleted || again {
			t.Fatalf("delete once: %v, twice: %v", deleted, again)
		}
	})

	t.Run("ListSessionsFor", func(t *testing.T) {
		s := open(t)
		rows := []store.Session{
			{ID: "a", Source: "call", Status: store.StatusReady, Program: "mh", Clinician: "One@example.org"},
			{ID: "b", Source: "call", Status: store.StatusFailed, Program: "sud", Clinician: "one@example.org"},
			{ID: "c", Source: "call", Status: store.StatusReady, Program: "mh", Clinician: "two@example.org"},
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := range rows {
				if err := tx.CreateSession(ctx, &rows[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ids := func(clin, status string, p2 bool) string {
			list, err := s.ListSessionsFor(ctx, clin, status, p2, 10)
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, x := range list {
				out += x.ID
			}
			return out
		}
		for _, c := range []struct {
			clin, status string
			p2           bool
			want         string
		}{
			{"one@example.org", "", true, "ab"}, {"one@example.org", "", false, "a"}, {"", store.StatusReady, false, "ac"}, {"", "", true, "abc"}, {"two@example.org", store.StatusFailed, true, ""},
		} {
			got := ids(c.clin, c.status, c.p2)
			// created in the same millisecond: order by id breaks ties, newest first otherwise
			if len(got) != len(c.want) {
				t.Fatalf("ListSessionsFor(%q, %q, %v) = %q, want %q", c.clin, c.status, c.p2, got, c.want)
			}
			for _, ch := range c.want {
				found := false
				for _, g := range got {
					found = found || g == ch
				}
				if !found {
					t.Fatalf("ListSessionsFor(%q, %q, %v) = %q, want %q", c.clin, c.status, c.p2, got, c.want)
				}
			}
		}
	})
}
