package config

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loader makes a Loader for a command that takes the given settings'
// flags, with env as its environment.
func loader(t *testing.T, env map[string]string, names ...string) (*flag.FlagSet, *Loader) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := For(fs)
	l.lookup = func(k string) (string, bool) { v, ok := env[k]; return v, ok && v != "" }
	l.Flags(names...)
	return fs, l
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scribe.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPrecedence: a flag beats the environment, which beats the file,
// which beats the default; each value's origin is recorded.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, `
listen_addr = "10.0.0.1:1"
workers = 3
idle_timeout = "20m"
trusted_proxies = ["10.0.0.0/8", "192.0.2.7"]
log_format = "json"
`)
	fs, l := loader(t, map[string]string{"SCRIBE_ADDR": "10.0.0.2:2", "SCRIBE_WORKERS": "5", "SCRIBE_LOG_LEVEL": ""}, "listen_addr", "workers", "idle_timeout")
	var workers int
	Var(fs, &workers, "workers")
	if err := fs.Parse([]string{"--config", file, "--addr", "10.0.0.3:3"}); err != nil {
		t.Fatal(err)
	}
	c, err := l.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, got, want string
		src             Origin
	}{
		{"listen_addr", c.ListenAddr, "10.0.0.3:3", Origin{FromFlag, "--addr"}},
		{"workers", "", "", Origin{FromEnv, "SCRIBE_WORKERS"}},
		{"idle_timeout", c.IdleTimeout.String(), "20m0s", Origin{FromFile, file}},
		{"log_format", c.LogFormat, "json", Origin{FromFile, file}},
		{"log_level", c.LogLevel, "info", Origin{Source: FromDefault}}, // an empty variable is unset
		{"data_dir", c.DataDir, "./scribe-data", Origin{Source: FromDefault}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
		if o := l.Origin(tc.name); o != tc.src {
			t.Errorf("%s came from %v, want %v", tc.name, o, tc.src)
		}
	}
	if c.Workers != 5 || workers != 5 {
		t.Errorf("workers = %d (variable %d), want 5 from the environment", c.Workers, workers)
	}
	if got := strings.Join(c.TrustedProxies, ","); got != "10.0.0.0/8,192.0.2.7" {
		t.Errorf("trusted_proxies = %q", got)
	}
	if p := c.TrustedProxyPrefixes(); len(p) != 2 || p[1].Bits() != 32 {
		t.Errorf("trusted proxy prefixes = %v", p)
	}
}

// TestErrorsNameTheSetting: every refused value is named by its setting
// and where it came from, never by a Go identifier.
func TestErrorsNameTheSetting(t *testing.T) {
	file := writeFile(t, "log_format = \"xml\"\n")
	for _, tc := range []struct {
		env   map[string]string
		args  []string
		wants []string
	}{
		{map[string]string{"SCRIBE_HTTP_TIMEOUT": "0s"}, nil, []string{"http_timeout: 0s is out of range", "env SCRIBE_HTTP_TIMEOUT"}},
		{map[string]string{"SCRIBE_HTTP_TIMEOUT": "soon"}, nil, []string{"http_timeout:", "not a duration", "env SCRIBE_HTTP_TIMEOUT"}},
		{nil, []string{"--addr", "nohost"}, []string{"listen_addr:", "flag --addr"}},
		{nil, []string{"--config", file}, []string{"log_format:", "want text or json", "file " + file}},
		{map[string]string{"SCRIBE_TRUSTED_PROXIES": "10.0.0.0/33"}, nil, []string{"trusted_proxies:", "CIDR"}},
		{map[string]string{"SCRIBE_MASTER_KEY": "short"}, nil, []string{"master_key:", "32 bytes"}},
		{map[string]string{"SCRIBE_TLS_CERT": "c.pem"}, nil, []string{"tls_cert:", "tls_key"}},
		{map[string]string{"SCRIBE_PUBLIC_URL": "scribe.example.org"}, nil, []string{"public_url:"}},
		{map[string]string{"SCRIBE_TURN_ENABLED": "true"}, nil, []string{"turn_public_ip:"}},
		{map[string]string{"SCRIBE_ICE_SERVERS": "turn:u:secretpw@h:3478,http://x"}, nil, []string{"ice_servers:", "http://x"}},
	} {
		fs, l := loader(t, tc.env, "listen_addr")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		_, err := l.Resolve()
		if err == nil {
			t.Errorf("%v %v: accepted", tc.env, tc.args)
			continue
		}
		for _, w := range tc.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: error %q does not say %q", tc.env, tc.args, err, w)
			}
		}
		for _, bad := range []string{"HTTPTimeout", "ListenAddr", "LogFormat", "Config.", "secretpw"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("error %q contains %q", err, bad)
			}
		}
	}
}

// TestFileUnknownSetting: a misspelt key in the file is refused, not
// ignored.
func TestFileUnknownSetting(t *testing.T) {
	fs, l := loader(t, nil)
	if err := fs.Parse([]string{"--config", writeFile(t, "listen_adr = \":1\"\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Resolve(); err == nil || !strings.Contains(err.Error(), "unknown setting(s) listen_adr") {
		t.Fatalf("error %v", err)
	}
	fs, l = loader(t, map[string]string{FileEnv: filepath.Join(t.TempDir(), "missing.toml")})
	_ = fs.Parse(nil)
	if _, err := l.Resolve(); err == nil || !strings.Contains(err.Error(), "from SCRIBE_CONFIG") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestShowMasksSecrets: `scribe config` never prints a secret; a URL keeps
// all but its password.
func TestShowMasksSecrets(t *testing.T) {
	fs, l := loader(t, map[string]string{
		"SCRIBE_MASTER_KEY":  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"DATABASE_URL":       "postgres://scribe:hunter2pw@db.internal/scribe",
		"SCRIBE_ICE_SERVERS": "stun:stun.example.org:3478,turn:alice:turnpw@turn.example.org:3478",
		"SCRIBE_TOKEN":       "scribe_tok_abcdef",
	})
	_ = fs.Parse(nil)
	if _, err := l.Resolve(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := l.Show(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"AAECAwQF", "hunter2pw", "turnpw", "alice", "scribe_tok_abcdef"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"postgres://scribe:" + Masked + "@db.internal/scribe", "master_key", Masked, "turn:****@turn.example.org:3478", "env SCRIBE_MASTER_KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDefaultsAreValid: with nothing set, the configuration passes its
// own checks (a fresh install starts).
func TestDefaultsAreValid(t *testing.T) {
	c := Defaults()
	if p := c.problems(); len(p) > 0 {
		t.Fatalf("defaults refused: %v", p)
	}
	if c.HTTPTimeout != time.Minute || c.ListenAddr != "127.0.0.1:8080" {
		t.Fatalf("defaults %+v", c)
	}
}

// TestDocumentationIsGenerated: docs/configuration.md is what `go
// generate ./internal/config` writes from the struct tags.
func TestDocumentationIsGenerated(t *testing.T) {
	have, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, Markdown()) {
		t.Fatal("docs/configuration.md is out of date: run go generate ./internal/config")
	}
	for _, s := range Settings() {
		if !bytes.Contains(have, []byte("`"+s.Name+"`")) {
			t.Errorf("%s is not documented", s.Name)
		}
	}
}
