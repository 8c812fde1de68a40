package soak

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read River's job table
)

// jobQueue reads River's job table of a trial's database (read-only), to
// tell whether any job of the trial's sessions is still to run: a session
// that is ready while a job of its pipeline is still queued or running is
// not finished — that job may run the stage again.
type jobQueue struct {
	db    *sql.DB
	query string
}

// openJobQueue opens the trial's database: PostgreSQL at dbURL, or the
// SQLite file in dataDir (read-only; the SQLite driver is registered by
// the store package).
func openJobQueue(dbURL, dataDir string) (*jobQueue, error) {
	if dbURL != "" {
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return &jobQueue{db: db, query: `SELECT kind, state::text, args::text FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`}, nil
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "scribe.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	// River's SQLite driver keeps args as JSONB; json() gives them back as text.
	return &jobQueue{db: db, query: `SELECT kind, state, json(args) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`}, nil
}

// unfinished counts the jobs that name one of the sessions and are not
// completed, cancelled or discarded, by "kind state".
func (q *jobQueue) unfinished(ctx context.Context, sessionIDs []string) (map[string]int, error) {
	rows, err := q.db.QueryContext(ctx, q.query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind, state, args string
		if err := rows.Scan(&kind, &state, &args); err != nil {
			return nil, err
		}
		for _, id := range sessionIDs {
			if id != "" && strings.Contains(args, id) {
				out[kind+" "+state]++
				break
			}
		}
	}
	if len(out) == 0 {
		out = nil
	}
	return out, rows.Err()
}

func (q *jobQueue) Close() error {
	if q == nil {
		return nil
	}
	return q.db.Close()
}
