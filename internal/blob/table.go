package blob

import (
	"context"
	"fmt"
	"strings"
)

// Rows is where a Table keeps sealed objects: the database's blobs table
// (internal/store implements it). It sees only ciphertext.
type Rows interface {
	PutBlob(ctx context.Context, id string, sealed []byte) error
	// GetBlob returns found=false for an object that is not there.
	GetBlob(ctx context.Context, id string) (sealed []byte, found bool, err error)
	DeleteBlob(ctx context.Context, id string) error
	BlobExists(ctx context.Context, id string) (bool, error)
}

// Table is a Store in the database: every scribe process on one PostgreSQL
// reads what another wrote (a chunk recorded by one node is transcribed by
// another), and the database's own backup covers the objects. Objects are
// sealed exactly as in a Dir, under the same key-encryption key, so the
// database never holds plaintext.
type Table struct {
	*Sealer
	rows Rows
}

// NewTable wraps rows with encryption under kek.
func NewTable(rows Rows, kek []byte) (*Table, error) {
	sealer, err := NewSealer(kek)
	if err != nil {
		return nil, err
	}
	return &Table{Sealer: sealer, rows: rows}, nil
}

func checkID(id string) error {
	if !validID.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("invalid blob id %q", id)
	}
	return nil
}

// Put seals and writes an object, replacing one of the same ID.
func (t *Table) Put(ctx context.Context, id string, plaintext []byte) error {
	if err := checkID(id); err != nil {
		return err
	}
	sealed, err := t.Seal(id, plaintext)
	if err != nil {
		return err
	}
	if err := t.rows.PutBlob(ctx, id, sealed); err != nil {
		return fmt.Errorf("write blob %s: %w", id, err)
	}
	return nil
}

// Get reads and decrypts an object; a missing object is ErrNotFound, a
// tampered or truncated one ErrCorrupt.
func (t *Table) Get(ctx context.Context, id string) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	sealed, found, err := t.rows.GetBlob(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	return t.Open(id, sealed)
}

// Delete removes an object; deleting a missing object is not an error.
func (t *Table) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return t.rows.DeleteBlob(ctx, id)
}

// Exists reports whether an object is stored.
func (t *Table) Exists(ctx context.Context, id string) (bool, error) {
	if err := checkID(id); err != nil {
		return false, err
	}
	return t.rows.BlobExists(ctx, id)
}
