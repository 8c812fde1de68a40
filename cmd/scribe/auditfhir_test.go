package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestAuditExportFHIR(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	for _, name := range []string{"p1", "p2"} {
		if _, stderr, code := cli(t, dir, "provider", "add", "--name", name, "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted"); code != 0 {
			t.Fatal(stderr)
		}
	}
	out, stderr, code := cli(t, dir, "audit", "export", "--format", "fhir")
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		lines++
		if err := fhirschema.Validate(sc.Bytes()); err != nil {
			t.Fatalf("line %d is not a valid FHIR R4 AuditEvent: %v\n%s", lines, err, sc.Text())
		}
		var r struct {
			ResourceType string
			Type         struct{ Code string }
			Action       string
			Agent        []struct {
				Role         []struct{ Text string }
				PurposeOfUse []struct{ Coding []struct{ Code string } }
			}
			Entity []struct {
				What struct{ Identifier struct{ Value string } }
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.ResourceType != "AuditEvent" || r.Type.Code != "110131" || r.Action != "C" || r.Agent[0].Role[0].Text != "cli" ||
			r.Agent[0].PurposeOfUse[0].Coding[0].Code != "SYSADMIN" || !strings.HasPrefix(r.Entity[0].What.Identifier.Value, "provider/p") {
			t.Fatalf("line %d: %s", lines, sc.Text())
		}
	}
	if lines != 2 {
		t.Fatalf("%d AuditEvents, want 2:\n%s", lines, out)
	}
	// The default format keeps its shape and now carries the new fields.
	out, _, _ = cli(t, dir, "audit", "export")
	var e map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &e); err != nil {
		t.Fatal(err)
	}
	if e["hash"] == "" || e["agent_role"] != "cli" || e["purpose_of_use"] != "SYSADMIN" || !strings.HasPrefix(e["source"].(string), "scribe@") {
		t.Fatalf("json export: %v", e)
	}
	if _, stderr, code := cli(t, dir, "audit", "export", "--format", "xml"); code == 0 || !strings.Contains(stderr, `"xml"`) {
		t.Fatalf("unknown format accepted: %d %s", code, stderr)
	}
}

// A provider add whose audit entry cannot be written fails and adds nothing.
func TestProviderAddFailsClosedWhenAuditUnwritable(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url, dir := b.URL(t), t.TempDir()
			t.Setenv("DATABASE_URL", url)
			if _, stderr, code := cli(t, dir, "migrate"); code != 0 {
				t.Fatal(stderr)
			}
			if b.Name == "postgres" {
				c, err := pgx.Connect(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range []string{
					`CREATE FUNCTION audit_unwritable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log unwritable (test)'; END $$ LANGUAGE plpgsql`,
					`CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_unwritable()`,
				} {
					if _, err := c.Exec(ctx, q); err != nil {
						t.Fatal(err)
					}
				}
				c.Close(ctx)
			} else {
				db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scribe.db"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit log unwritable (test)'); END`); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			_, stderr, code := cli(t, dir, "provider", "add", "--name", "llm", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
			if code == 0 || !strings.Contains(stderr, "audit") {
				t.Fatalf("provider added without its audit entry: exit %d %q", code, stderr)
			}
			out, stderr, code := cli(t, dir, "provider", "list")
			if code != 0 || strings.Contains(out, "llm") {
				t.Fatalf("failed add left a provider: exit %d %q %q", code, out, stderr)
			}
			if out, _, _ := cli(t, dir, "audit", "export"); strings.TrimSpace(out) != "" {
				t.Fatalf("audit entries written: %s", out)
			}
		})
	}
}
