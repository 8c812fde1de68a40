package blob

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func newTestDir(t *testing.T) *Dir {
	t.Helper()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	kek, created, err := LoadKEK(dir, "")
	if err != nil || !created {
		t.Fatalf("LoadKEK: created=%v err=%v", created, err)
	}
	st, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st, err)
	}
	again, created, err := LoadKEK(dir, "")
	if err != nil || created || !bytes.Equal(again, kek) {
		t.Fatalf("key file not reused: created=%v err=%v", created, err)
	}
	d, err := NewDir(filepath.Join(dir, "blobs"), kek)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRoundTripAndTamper(t *testing.T) {
	ctx := context.Background()
	d := newTestDir(t)
	msg := bytes.Repeat([]byte("synthetic audio "), 1000)
	if err := d.Put(ctx, "sessions/abc/chunk-1.wav", msg); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(d.root, "sessions/abc/chunk-1.wav"))
	if bytes.Contains(raw, []byte("synthetic audio")) {
		t.Fatal("plaintext visible at rest")
	}
	got, err := d.Get(ctx, "sessions/abc/chunk-1.wav")
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("round trip: %v", err)
	}
	p := filepath.Join(d.root, "sessions/abc/chunk-1.wav")
	// Tamper: flip one byte in the ciphertext.
	bad := append([]byte(nil), raw...)
	bad[len(bad)-40] ^= 1
	os.WriteFile(p, bad, 0o600)
	if _, err := d.Get(ctx, "sessions/abc/chunk-1.wav"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered blob: got %v, want ErrCorrupt", err)
	}
	// Truncate.
	for _, n := range []int{len(raw) - 1, len(raw) / 2, 10, 0} {
		os.WriteFile(p, raw[:n], 0o600)
		if _, err := d.Get(ctx, "sessions/abc/chunk-1.wav"); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: got %v, want ErrCorrupt", n, err)
		}
	}
	// Copied under another name: the id is authenticated.
	os.WriteFile(p, raw, 0o600)
	os.WriteFile(filepath.Join(d.root, "sessions/abc/chunk-2.wav"), raw, 0o600)
	if _, err := d.Get(ctx, "sessions/abc/chunk-2.wav"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("renamed blob: got %v, want ErrCorrupt", err)
	}
	if err := d.Delete(ctx, "sessions/abc/chunk-1.wav"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.Exists(ctx, "sessions/abc/chunk-1.wav"); ok {
		t.Fatal("deleted blob still exists")
	}
	if _, err := d.Get(ctx, "sessions/abc/chunk-1.wav"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if err := d.Put(ctx, "../escape", msg); err == nil {
		t.Fatal("path traversal accepted")
	}
}

func TestWrongKeyFails(t *testing.T) {
	ctx := context.Background()
	d := newTestDir(t)
	d.Put(ctx, "x", []byte("hello"))
	other := make([]byte, 32)
	other[0] = 1
	d2, _ := NewDir(d.root, other)
	if _, err := d2.Get(ctx, "x"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong KEK: %v", err)
	}
}

func TestMasterKeyEnv(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadKEK(dir, "not-base64!"); err == nil {
		t.Fatal("bad master key accepted")
	}
	k := bytes.Repeat([]byte{7}, 32)
	got, created, err := LoadKEK(dir, base64.StdEncoding.EncodeToString(k))
	if err != nil || created || !bytes.Equal(got, k) {
		t.Fatalf("env key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, keyFile)); err == nil {
		t.Fatal("key file written although SCRIBE_MASTER_KEY is set")
	}
}

func BenchmarkSeal(b *testing.B) {
	d, _ := NewDir(b.TempDir(), bytes.Repeat([]byte{1}, 32))
	msg := make([]byte, 19_200_000) // one 10-minute 16 kHz chunk
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.Seal("c", msg); err != nil {
			b.Fatal(err)
		}
	}
}
