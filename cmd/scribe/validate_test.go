package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// TestFlagsCheckedBeforeAnythingIsStored: every value a command takes is
// checked before anything is stored; a refusal is one line naming the flag,
// the value and what is allowed, and leaves no session, chunk, job, join
// link or blob (on SQLite and PostgreSQL). On main, `ingest --template bogus
// --modality astrology --chunk-max 1ns --clinician nobody@…` of a 3 s file
// stored a session with 48,000 chunks.
func TestFlagsCheckedBeforeAnythingIsStored(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			dir := t.TempDir()
			dbURL := be.URL(t)
			t.Setenv("DATABASE_URL", dbURL)
			t.Setenv("SCRIBE_MASTER_KEY", "")
			wav := filepath.Join(t.TempDir(), "in.wav")
			os.WriteFile(wav, testenv.WAV(16000, make([]int16, 16000*3)), 0o600)
			mustCLI(t, dir, "user", "add", "--email", "dr@example.org", "--role", "clinician")
			mustCLI(t, dir, "user", "add", "--email", "boss@example.org", "--role", "admin")
			create := []string{"session", "create", "--clinician", "dr@example.org", "--client-alias", "client-17"}
			cases := []struct {
				args []string
				want string // the line on stderr must contain it
			}{
				{[]string{"ingest", "--template", "bogus", wav}, `--template "bogus" is not accepted: use birp, dap, girp, group or soap`},
				{[]string{"ingest", "--modality", "astrology", wav}, `--modality "astrology" is not accepted: use cbt, dbt, general, mat or mi`},
				{[]string{"ingest", "--chunk-max", "1ns", wav}, `--chunk-max "1ns" is not accepted: use a duration from 5s to 12m30s`},
				{[]string{"ingest", "--max-duration", "0s", wav}, `--max-duration "0s" is not accepted`},
				{[]string{"ingest", "--program", "psych", wav}, `--program "psych" is not accepted: use mh or sud`},
				{[]string{"ingest", "--speakers", "both", wav}, `--speakers "both" is not accepted: use stereo or mono`},
				{[]string{"ingest", "--speakers", "stereo", wav}, `--speakers "stereo" is not accepted: stereo needs a 2-channel recording`},
				{[]string{"ingest", "--clinician", "nobody@example.org", wav}, `--clinician "nobody@example.org" is not accepted: no account has this e-mail`},
				{[]string{"ingest", "--clinician", "boss@example.org", wav}, `not a clinician`},
				{[]string{"ingest", "--consent-attested-by", "me", wav}, `--consent-attested-by "me" is not accepted`},
				{[]string{"ingest", "--workers", "0", "--wait", wav}, `--workers "0" is not accepted: use a whole number from 1 to 64`},
				{append(create, "--template", "bogus"), `--template "bogus" is not accepted`},
				{append(create, "--modality", "astrology"), `--modality "astrology" is not accepted`},
				{append(create, "--program", "psych"), `--program "psych" is not accepted`},
				{[]string{"session", "create", "--clinician", "nobody@example.org", "--client-alias", "client-17"}, `--clinician "nobody@example.org" is not accepted: no account has this e-mail`},
				{[]string{"session", "create", "--clinician", "dr@example.org"}, `--client-alias is required`},
				{append(create, "--group", "--clients", "30"), `--clients "30" is not accepted: use a whole number from 1 to 11`},
				{append(create, "--link-ttl", "-1h"), `--link-ttl is no longer used`},
				{append(create, "--base-url", "ftp://x"), `--base-url "ftp://x" is not accepted`},
				{[]string{"session", "list", "--status", "lost"}, `--status "lost" is not accepted: use scheduled,`},
				{[]string{"session", "list", "--limit", "0"}, `--limit "0" is not accepted`},
				{[]string{"provider", "add", "--name", "x", "--kind", "bogus", "--base-url", "http://h/v1", "--model", "m", "--use", "drafting"}, `--kind "bogus" is not accepted: use openai or azure`},
				{[]string{"provider", "add", "--name", "x y", "--base-url", "http://h/v1", "--model", "m", "--use", "drafting"}, `--name "x y" is not accepted`},
				{[]string{"provider", "add", "--name", "x", "--base-url", "http://h/v1", "--model", "m", "--use", "drafting", "--api-key-env", "sk-live-123"}, `--api-key-env is not accepted: give the NAME`},
				{[]string{"provider", "add", "--name", "x", "--base-url", "http://h/v1", "--model", "m", "--use", "drafting", "--context-tokens", "-5"}, `--context-tokens "-5" is not accepted`},
				{[]string{"provider", "add", "--name", "x", "--base-url", "http://h/v1", "--model", "m", "--use", "drafting", "--baa-signed", "2026-01-01", "--baa-expires", "2025-01-01"}, `--baa-expires "2025-01-01" is not accepted`},
			}
			for _, c := range cases {
				stdout, stderr, code := cli(t, dir, c.args...)
				line := strings.TrimSpace(stderr)
				if code == 0 || stdout != "" || strings.Contains(line, "\n") || !strings.Contains(line, c.want) {
					t.Errorf("scribe %s: exit %d, stdout %q, stderr %q; want one line containing %q", strings.Join(c.args, " "), code, stdout, stderr, c.want)
				}
				if strings.Contains(line, "sk-live-123") {
					t.Errorf("scribe %s: the refusal echoes what may be a key", strings.Join(c.args, " "))
				}
			}
			for _, table := range []string{"sessions", "chunks", "join_tokens", "river_job", "providers"} {
				if n := testenv.CountRows(t, dbURL, dir, table); n != 0 {
					t.Errorf("%d row(s) left in %s by refused commands", n, table)
				}
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "blobs")); len(entries) != 0 {
				t.Errorf("blobs left behind: %v", entries)
			}
			// The same values spelled right are accepted.
			mustCLI(t, dir, append(create, "--template", "DAP", "--modality", "cbt")...)
			mustCLI(t, dir, "ingest", "--template", "dap", "--clinician", "DR@example.org", "--chunk-max", "30s", wav)
		})
	}
}
