package testenv

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the SQLite driver the store uses
)

// CountRows counts the rows of a table in the store a test opened: on the
// PostgreSQL database at dbURL, or (dbURL "") in dataDir's SQLite file,
// read through a connection of its own. Tests use it to show that a refused
// request created nothing (sessions, chunks, river_job).
func CountRows(t testing.TB, dbURL, dataDir, table string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if dbURL != "" {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "scribe.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
