package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// auditTamperings are the ways issue 12 asks `scribe audit verify` (and the
// web page's Verify, which runs the same function) to catch: the statements
// run against a log of eight entries with checkpoints at entries 4 and 8.
var auditTamperings = []struct {
	name   string
	sql    []string
	reason string // what the refusal names
}{
	{"untouched", nil, ""},
	{"one byte changed", []string{`UPDATE audit SET entity_id = 'q1' WHERE seq = 2`}, "entry 2"},
	{"last rows deleted", []string{`DELETE FROM audit WHERE seq > (SELECT MAX(seq) FROM audit) - 2`}, "removed"},
	{"rows and their checkpoints deleted", []string{`DELETE FROM audit WHERE seq > 4`, `DELETE FROM audit_checkpoints WHERE seq > 4`}, "witness"},
	{"table emptied", []string{`DELETE FROM audit`, `DELETE FROM audit_checkpoints`}, "witness"},
}

// TestAuditVerifyCatchesEveryTampering: on SQLite and PostgreSQL, `scribe
// audit verify` exits 0 on an untouched log and non-zero, naming why, when
// one byte is changed, the last rows are deleted, rows are deleted with
// their checkpoints, or the table is emptied.
func TestAuditVerifyCatchesEveryTampering(t *testing.T) {
	t.Setenv("SCRIBE_MASTER_KEY", "")
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			for _, tc := range auditTamperings {
				t.Run(tc.name, func(t *testing.T) {
					dbURL := be.URL(t)
					t.Setenv("DATABASE_URL", dbURL)
					dir := t.TempDir()
					for i := 0; i < 3; i++ {
						mustCLI(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
					}
					mustCLI(t, dir, "audit", "checkpoint")
					for i := 3; i < 6; i++ {
						mustCLI(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
					}
					mustCLI(t, dir, "audit", "checkpoint")
					a, err := openApp(context.Background(), config{dataDir: dir, databaseURL: dbURL})
					if err != nil {
						t.Fatal(err)
					}
					for _, q := range tc.sql {
						if err := a.store.TamperForTest(context.Background(), q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
					a.Close()
					out, stderr, code := cli(t, dir, "audit", "verify")
					if tc.reason == "" {
						if code != 0 || !strings.Contains(out, "audit chain intact") {
							t.Fatalf("untouched log: exit %d\n%s%s", code, out, stderr)
						}
						return
					}
					if code == 0 || !strings.Contains(stderr, tc.reason) {
						t.Fatalf("%s: exit %d, stderr %q; want a failure naming %q\nstdout: %s", tc.name, code, stderr, tc.reason, out)
					}
				})
			}
		})
	}
}
