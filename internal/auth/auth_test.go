package auth_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

const pw = "correct horse battery staple"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	ctx   context.Context
	st    *store.Store
	svc   *auth.Service
	clk   *clock
	user  store.User
	totp  string
	codes []string
}

// wrongCode is a 6-digit code that is not the current one or a neighbour's.
func (f *fixture) wrongCode() string {
	for _, c := range []string{"000000", "111111", "222222"} {
		ok := true
		for _, off := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			if right, _ := auth.TOTPCode(f.totp, f.clk.now().Add(off)); right == c {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
	panic("no wrong code")
}

// newFixture opens a store and a user with a password and a second factor.
func newFixture(t *testing.T, b testenv.Backend) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := blob.NewDir(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	st.SetClock(clk.now)
	svc := &auth.Service{Store: st, Sealer: sealer, Now: clk.now}
	h, _ := auth.HashPassword(pw)
	u := store.User{ID: uuid.NewString(), Email: "c1@example.org", Role: store.RoleClinician, PasswordHash: h}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	secret, err := svc.NewPendingTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(secret, clk.now())
	codes, err := svc.ConfirmTOTP(ctx, u.ID, code, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = st.User(ctx, u.ID)
	return &fixture{ctx: ctx, st: st, svc: svc, clk: clk, user: u, totp: secret, codes: codes}
}

// TestSecondFactorLocksEscalate: every fifth wrong code locks the second
// factor, each lock in a row twice as long as the one before; no code is
// checked while it is locked; an accepted code clears the count.
func TestSecondFactorLocksEscalate(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			wrongFive := func() *auth.WaitError {
				t.Helper()
				var last error
				for i := 0; i < 5; i++ {
					f.clk.add(2 * time.Minute) // past the back-off
					last = f.svc.CheckSecondFactor(f.ctx, f.user, f.wrongCode(), "test", nil)
				}
				var w *auth.WaitError
				if !errors.As(last, &w) || !w.Locked || !w.Wrong {
					t.Fatalf("the fifth wrong code: %v", last)
				}
				return w
			}
			first := wrongFive()
			if got := first.Until.Sub(f.clk.now()); got != 15*time.Minute {
				t.Fatalf("first lock: %v", got)
			}
			code, _ := auth.TOTPCode(f.totp, f.clk.now().Add(time.Minute))
			var w *auth.WaitError
			if err := f.svc.CheckSecondFactor(f.ctx, f.user, code, "test", nil); !errors.As(err, &w) || !w.Locked || w.Wrong {
				t.Fatalf("a code while locked: %v", err)
			}
			f.clk.add(16 * time.Minute)
			second := wrongFive()
			if got := second.Until.Sub(f.clk.now()); got != 30*time.Minute {
				t.Fatalf("second lock in a row: %v", got)
			}
			f.clk.add(31 * time.Minute)
			code, _ = auth.TOTPCode(f.totp, f.clk.now())
			ran := false
			if err := f.svc.CheckSecondFactor(f.ctx, f.user, code, "test", func(*store.Tx) error { ran = true; return nil }); err != nil || !ran {
				t.Fatalf("the right code after the lock: %v (then ran: %v)", err, ran)
			}
			if m, _ := f.st.MFAState(f.ctx, f.user.ID); m.Failures != 0 || m.LockedUntil != 0 {
				t.Fatalf("state after an accepted code: %+v", m)
			}
			// The password's counter is another: wrong passwords do not
			// touch the second factor's, and the reverse.
			for i := 0; i < 4; i++ {
				if err := f.svc.CheckPasswordOf(f.ctx, f.user, "wrong wrong wrong"); !errors.Is(err, auth.ErrBadCredentials) {
					t.Fatal(err)
				}
			}
			if m, _ := f.st.MFAState(f.ctx, f.user.ID); m.Failures != 0 {
				t.Fatalf("wrong passwords counted as wrong codes: %+v", m)
			}
		})
	}
}

// TestRecoveryCodeShape: ten distinct codes of 12 unambiguous characters;
// one is accepted in any case and with or without its dashes, once.
func TestRecoveryCodeShape(t *testing.T) {
	f := newFixture(t, testenv.Backends[0])
	if len(f.codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d codes", len(f.codes))
	}
	seen := map[string]bool{}
	for _, c := range f.codes {
		if !regexp.MustCompile(`^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$`).MatchString(c) || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	typed := " " + string(bytes.ToUpper([]byte(f.codes[0][:4]+f.codes[0][5:9]+f.codes[0][10:]))) + " "
	if err := f.svc.CheckSecondFactor(f.ctx, f.user, typed, "test", nil); err != nil {
		t.Fatalf("a recovery code typed without dashes in capitals: %v", err)
	}
	f.clk.add(time.Minute)
	if err := f.svc.CheckSecondFactor(f.ctx, f.user, f.codes[0], "test", nil); !errors.Is(err, auth.ErrWrongCode) {
		t.Fatalf("a used recovery code: %v", err)
	}
	if n, _ := f.st.RecoveryCodesLeft(f.ctx, f.user.ID); n != 9 {
		t.Fatalf("%d codes left", n)
	}
}

// TestTokens: a token is made only with the password, acts for its owner,
// and stops when revoked or when the owner is disabled.
func TestTokens(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			if _, _, err := f.svc.CreateToken(f.ctx, f.user, "laptop", "wrong wrong wrong"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("a token without the password: %v", err)
			}
			if _, _, err := f.svc.CreateToken(f.ctx, f.user, "  ", pw); err == nil {
				t.Fatal("a token without a name")
			}
			tok, rec, err := f.svc.CreateToken(f.ctx, f.user, "laptop", pw)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := f.svc.UserForToken(f.ctx, tok, "test"); err != nil || u.ID != f.user.ID {
				t.Fatalf("token: %v", err)
			}
			for _, bad := range []string{"", "scribe_pat_nope", tok[:len(tok)-1]} {
				if _, err := f.svc.UserForToken(f.ctx, bad, "test"); !errors.Is(err, auth.ErrBadToken) {
					t.Fatalf("token %q: %v", bad, err)
				}
			}
			if err := f.st.InTx(f.ctx, func(tx *store.Tx) error {
				u, _ := tx.User(f.ctx, f.user.ID)
				u.Disabled = true
				return tx.UpdateUser(f.ctx, &u)
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.UserForToken(f.ctx, tok, "test"); !errors.Is(err, auth.ErrBadToken) {
				t.Fatalf("the token of a disabled user: %v", err)
			}
			if err := f.svc.RevokeToken(f.ctx, f.user, rec.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.RevokeToken(f.ctx, f.user, rec.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("revoking twice: %v", err)
			}
		})
	}
}
