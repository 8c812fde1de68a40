package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
)

// exerciseBlobTable: objects kept in the database (blob.Table over the
// store's blobs table) behave like a blob directory: sealed at rest, bound
// to their ID, missing and tampered objects told apart.
func exerciseBlobTable(t *testing.T, s *store.Store) {
	ctx := context.Background()
	kek := bytes.Repeat([]byte{7}, 32)
	tb, err := blob.NewTable(s, kek)
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("synthetic audio "), 4096) // 64 KiB
	const id = "sessions/s-1/chunks/clinician-0001.wav"
	if err := tb.Put(ctx, id, msg); err != nil {
		t.Fatal(err)
	}
	got, err := tb.Get(ctx, id)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("round trip: %d bytes, %v", len(got), err)
	}
	sealed, found, err := s.GetBlob(ctx, id)
	if err != nil || !found {
		t.Fatalf("raw row: found=%v %v", found, err)
	}
	if bytes.Contains(sealed, []byte("synthetic audio")) {
		t.Fatal("the database holds the plaintext")
	}
	if ok, err := tb.Exists(ctx, id); err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}

	// Overwrite replaces.
	if err := tb.Put(ctx, id, []byte("second version")); err != nil {
		t.Fatal(err)
	}
	if got, _ := tb.Get(ctx, id); string(got) != "second version" {
		t.Fatalf("after overwrite: %q", got)
	}

	// Tampered or moved ciphertext fails authentication.
	sealed, _, _ = s.GetBlob(ctx, id)
	bad := append([]byte(nil), sealed...)
	bad[len(bad)-3] ^= 0x55
	if err := s.PutBlob(ctx, id, bad); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, id); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("tampered object: %v, want ErrCorrupt", err)
	}
	if err := s.PutBlob(ctx, "sessions/s-1/other", sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, "sessions/s-1/other"); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("object copied under another ID: %v, want ErrCorrupt", err)
	}
	if err := s.PutBlob(ctx, "sessions/s-1/short", sealed[:10]); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, "sessions/s-1/short"); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("truncated object: %v, want ErrCorrupt", err)
	}
	// Another key cannot open it.
	other, _ := blob.NewTable(s, bytes.Repeat([]byte{8}, 32))
	if err := tb.Put(ctx, id, msg); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(ctx, id); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("wrong key: %v, want ErrCorrupt", err)
	}

	ids, err := s.BlobIDs(ctx)
	if err != nil || len(ids) != 3 || ids[0] != id {
		t.Fatalf("blob IDs %v, %v", ids, err)
	}
	if err := tb.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(ctx, id); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := tb.Get(ctx, id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("deleted object: %v, want ErrNotFound", err)
	}
	if ok, err := tb.Exists(ctx, id); err != nil || ok {
		t.Fatalf("exists after delete: %v %v", ok, err)
	}
	if err := tb.Put(ctx, "../escape", msg); err == nil {
		t.Fatal("invalid ID accepted")
	}
}
