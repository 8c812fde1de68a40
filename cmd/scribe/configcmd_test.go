package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCommand: `scribe config` prints every setting with its value
// and source — a value from the file, one from the environment, one from
// a flag and the defaults — and masks the secrets.
func TestConfigCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scribe.toml")
	if err := os.WriteFile(file, []byte("log_format = \"json\"\nworkers = 3\nlisten_addr = \"127.0.0.1:7001\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	t.Setenv("SCRIBE_MASTER_KEY", key)
	t.Setenv("SCRIBE_WORKERS", "5")
	t.Setenv("SCRIBE_ADDR", "127.0.0.1:7002")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_CONFIG", "")
	out := mustCLI(t, "", "config", "--config", file, "--addr", "127.0.0.1:7003")
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			rows[f[0]] = f[1:]
		}
	}
	for name, want := range map[string][]string{
		"log_format":   {"json", "file", file},
		"workers":      {"5", "env", "SCRIBE_WORKERS"},
		"listen_addr":  {"127.0.0.1:7003", "flag", "--addr"},
		"master_key":   {"********", "env", "SCRIBE_MASTER_KEY"},
		"http_timeout": {"1m0s", "default"},
	} {
		if strings.Join(rows[name], " ") != strings.Join(want, " ") {
			t.Errorf("%s: %q, want %q", name, rows[name], want)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("the master key is printed:\n%s", out)
	}

	// A refused value names the setting and where it came from.
	t.Setenv("SCRIBE_HTTP_TIMEOUT", "2h")
	_, errOut, code := cli(t, "", "config")
	if code == 0 || !strings.Contains(errOut, "http_timeout: 2h0m0s is out of range") || !strings.Contains(errOut, "env SCRIBE_HTTP_TIMEOUT") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = cli(t, dir, "serve", "--workers", "0")
	if code == 0 || !strings.Contains(errOut, "workers: 0 is out of range") || !strings.Contains(errOut, "flag --workers") {
		t.Errorf("serve --workers 0: exit %d, stderr %q", code, errOut)
	}
}
