package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The two backends differ only below this line: each adapts its driver to
// the small execution surface the queries need, and the rest of the package
// is written once.

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type row interface{ Scan(dest ...any) error }

type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, error)
	queryRow(ctx context.Context, q string, args ...any) row
}

// ---- database/sql (SQLite) ----

type sqlQuerier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type sqlConn struct{ q sqlQuerier }

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (c sqlConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := c.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (c sqlConn) queryRow(ctx context.Context, q string, args ...any) row {
	return sqlRow{c.q.QueryRowContext(ctx, q, args...)}
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// ---- pgx (PostgreSQL) ----

type pgConn struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
}

func (c pgConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	if c.tx != nil {
		t, err := c.tx.Exec(ctx, q, args...)
		return t.RowsAffected(), err
	}
	t, err := c.pool.Exec(ctx, q, args...)
	return t.RowsAffected(), err
}

func (c pgConn) query(ctx context.Context, q string, args ...any) (rows, error) {
	var r pgx.Rows
	var err error
	if c.tx != nil {
		r, err = c.tx.Query(ctx, q, args...)
	} else {
		r, err = c.pool.Query(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (c pgConn) queryRow(ctx context.Context, q string, args ...any) row {
	if c.tx != nil {
		return pgRow{c.tx.QueryRow(ctx, q, args...)}
	}
	return pgRow{c.pool.QueryRow(ctx, q, args...)}
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, q querier, scan func(r rows) (T, error), sql string, args ...any) ([]T, error) {
	r, err := q.query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []T
	for r.Next() {
		v, err := scan(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, r.Err()
}
