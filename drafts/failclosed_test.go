package drafts_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// breakAuditTable makes every insert into the audit table fail, through a
// second connection to the same database (as a full disk or a revoked grant
// would): a trigger that raises.
func breakAuditTable(t *testing.T, dialect, dbURL, dataDir string) {
	t.Helper()
	ctx := context.Background()
	if dialect == "postgres" {
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `CREATE FUNCTION audit_unwritable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log unwritable (test)'; END $$ LANGUAGE plpgsql`); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, `CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_unwritable()`); err != nil {
			t.Fatal(err)
		}
		return
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "scribe.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit log unwritable (test)'); END`); err != nil {
		t.Fatal(err)
	}
}

// If the audit entry for a signature cannot be written, the signature does
// not happen (fail closed).
func TestSignFailsClosedWhenAuditUnwritable(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir, url := t.TempDir(), b.URL(t)
			s, err := store.Open(ctx, store.Options{DatabaseURL: url, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			id := seed(t, s, nil)
			var before int64
			if err := s.AuditEntries(ctx, 0, func(audit.Entry) error { before++; return nil }); err != nil {
				t.Fatal(err)
			}
			breakAuditTable(t, string(s.Dialect()), url, dir)

			svc := &drafts.Service{Store: s}
			if _, err := svc.Sign(ctx, id, drafts.SignOptions{Clinician: "dr@example.org", Attest: true}); err == nil || !strings.Contains(err.Error(), "audit") {
				t.Fatalf("draft signed although its audit entry could not be written (err %v)", err)
			}
			assertStatus(t, s, id, store.DraftDraft)
			d, _, err := drafts.Load(ctx, s, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.SignedBy != "" || d.SignedAt != 0 {
				t.Fatalf("failed sign left a signature: %+v", d)
			}
			var after int64
			if err := s.AuditEntries(ctx, 0, func(audit.Entry) error { after++; return nil }); err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("audit entries %d → %d", before, after)
			}
		})
	}
}
