package store

import (
	"context"
	"fmt"
)

// SchemaStatus compares the app migrations this binary carries with the
// ones the database has applied.
type SchemaStatus struct {
	Known   []int // this binary's migration versions, in order
	Applied []int // versions recorded in the database, in order
	// Pending are known and not applied (scribe migrate applies them);
	// Unknown are applied but not known: a newer Scribe migrated the database.
	Pending, Unknown []int
}

// Current reports whether the database has exactly this binary's migrations.
func (s SchemaStatus) Current() bool { return len(s.Pending) == 0 && len(s.Unknown) == 0 }

// MigrationStatus reads which app migrations the database has applied. It
// changes nothing: a database never migrated has none applied.
func (s *Store) MigrationStatus(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	list, err := migrations(s.dialect)
	if err != nil {
		return st, err
	}
	known := map[int]bool{}
	for _, m := range list {
		st.Known = append(st.Known, m.version)
		known[m.version] = true
	}
	var exists bool
	q := `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'scribe_migrations'`
	if s.dialect == Postgres {
		q = `SELECT to_regclass('scribe_migrations') IS NOT NULL`
	}
	if err := s.conn.queryRow(ctx, q).Scan(&exists); err != nil {
		return st, fmt.Errorf("read the migrations table: %w", err)
	}
	applied := map[int]bool{}
	if exists {
		st.Applied, err = collect(ctx, s.conn, func(r rows) (v int, err error) { err = r.Scan(&v); return v, err },
			`SELECT version FROM scribe_migrations ORDER BY version`)
		if err != nil {
			return st, fmt.Errorf("read the migrations table: %w", err)
		}
	}
	for _, v := range st.Applied {
		applied[v] = true
		if !known[v] {
			st.Unknown = append(st.Unknown, v)
		}
	}
	for _, v := range st.Known {
		if !applied[v] {
			st.Pending = append(st.Pending, v)
		}
	}
	return st, nil
}
