package store

import (
	"context"
	"errors"
)

// The blobs table holds sealed objects for blob.Table (blob.Rows): the
// store never sees their plaintext.

// PutBlob writes a sealed object, replacing one of the same ID.
func (s *Store) PutBlob(ctx context.Context, id string, sealed []byte) error {
	_, err := s.conn.exec(ctx, `INSERT INTO blobs (id, sealed, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`, id, sealed, s.nowMS())
	return err
}

// GetBlob reads a sealed object; found is false when there is none.
func (s *Store) GetBlob(ctx context.Context, id string) (sealed []byte, found bool, err error) {
	err = s.conn.queryRow(ctx, `SELECT sealed FROM blobs WHERE id = $1`, id).Scan(&sealed)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return sealed, true, nil
}

// DeleteBlob removes a sealed object; a missing one is not an error.
func (s *Store) DeleteBlob(ctx context.Context, id string) error {
	_, err := s.conn.exec(ctx, `DELETE FROM blobs WHERE id = $1`, id)
	return err
}

// BlobExists reports whether a sealed object is stored.
func (s *Store) BlobExists(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.conn.queryRow(ctx, `SELECT count(*) FROM blobs WHERE id = $1`, id).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// BlobIDs lists the stored objects' IDs in order (backup verification).
func (s *Store) BlobIDs(ctx context.Context) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	}, `SELECT id FROM blobs ORDER BY id`)
}
