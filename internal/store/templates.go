package store

import (
	"context"
	"fmt"
)

// CustomTemplate is an admin-added note template (prompts file text).
type CustomTemplate struct {
	ID, Version, Content string
	CreatedAt            int64
}

// PutTemplate stores a template version; the same (id, version) twice is refused.
func (tx *Tx) PutTemplate(ctx context.Context, t CustomTemplate) error {
	_, err := tx.q.exec(ctx, `INSERT INTO templates (id, version, content, created_at) VALUES ($1,$2,$3,$4)`, t.ID, t.Version, t.Content, tx.s.nowMS())
	if err != nil {
		return fmt.Errorf("template %s version %s already exists or cannot be stored: %w", t.ID, t.Version, err)
	}
	return nil
}

// CustomTemplate returns the newest stored version of a template.
func (s *Store) CustomTemplate(ctx context.Context, id string) (CustomTemplate, error) {
	var t CustomTemplate
	err := s.conn.queryRow(ctx, `SELECT id, version, content, created_at FROM templates WHERE id = $1 ORDER BY created_at DESC, version DESC LIMIT 1`, id).Scan(&t.ID, &t.Version, &t.Content, &t.CreatedAt)
	return t, err
}

// CustomTemplates lists every stored template version.
func (s *Store) CustomTemplates(ctx context.Context) ([]CustomTemplate, error) {
	return collect(ctx, s.conn, func(r rows) (t CustomTemplate, err error) {
		err = r.Scan(&t.ID, &t.Version, &t.Content, &t.CreatedAt)
		return t, err
	}, `SELECT id, version, content, created_at FROM templates ORDER BY id, created_at`)
}
