package store

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"
)

// Dialect is the database a Store runs on. Everything that differs between
// the embedded SQLite file and PostgreSQL — the SQL fragments, locking, the
// River driver — is a method here, so the rest of the package asks the
// dialect instead of comparing names.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

func (d Dialect) String() string { return string(d) }

// forUpdate is the clause that locks the selected row for the rest of the
// transaction. SQLite's write transactions (BEGIN IMMEDIATE) already hold
// the database's one write lock, so it has none.
func (d Dialect) forUpdate() string {
	if d == Postgres {
		return ` FOR UPDATE`
	}
	return ""
}

// Advisory lock keys: one per kind of record whose writers must be
// serialised across processes on PostgreSQL.
const (
	lockAudit   int64 = 7243501 // the audit chain's tail
	lockClients int64 = 7243502 // client aliases
)

// serialise takes the transaction-scoped lock key on PostgreSQL; on SQLite
// the transaction already holds the only write lock.
func (d Dialect) serialise(ctx context.Context, q querier, key int64, what string) error {
	if d != Postgres {
		return nil
	}
	if _, err := q.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
		return fmt.Errorf("%s lock: %w", what, err)
	}
	return nil
}

// nowMS is an SQL expression for the database clock in Unix milliseconds,
// so that processes with skewed clocks agree (heartbeats).
func (d Dialect) nowMS() string {
	if d == Postgres {
		return `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint`
	}
	return `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`
}

// lastAttemptedBy is an SQL expression for the River client that made a
// job's latest attempt.
func (d Dialect) lastAttemptedBy() string {
	if d == Postgres {
		return `attempted_by[array_length(attempted_by, 1)]`
	}
	return `json_extract(attempted_by, '$[#-1]')`
}

// jobClient is a River client over the store's own connection, with the
// one thing that needs its transaction type spelled out (inserting a job
// in a store transaction) wrapped so callers need not know the driver.
type jobClient struct {
	riverClient
	insertTx  func(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	endpoints func() uiendpoints.Bundle
}

// newJobClient is the one place a River client is made, for either
// database.
func (s *Store) newJobClient(cfg *river.Config) (jobClient, error) {
	if s.dialect == SQLite {
		return newTypedJobClient(river.NewClient(riversqlite.New(s.sqlDB), cfg))
	}
	return newTypedJobClient(river.NewClient(riverpgxv5.New(s.pool), cfg))
}

func newTypedJobClient[TTx any](c *river.Client[TTx], err error) (jobClient, error) {
	if err != nil {
		return jobClient{}, fmt.Errorf("create job client: %w", err)
	}
	return jobClient{
		riverClient: c,
		insertTx: func(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
			t, ok := tx.(TTx)
			if !ok {
				return nil, fmt.Errorf("insert job: a %T is not a transaction of this database", tx)
			}
			return c.InsertTx(ctx, t, args, opts)
		},
		endpoints: func() uiendpoints.Bundle { return riverui.NewEndpoints(c, nil) },
	}, nil
}
