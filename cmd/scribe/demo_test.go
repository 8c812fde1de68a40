package main

import (
	"strings"
	"testing"
)

// TestDemoCommand: scribe demo loads the SAMPLE client once, says so when
// it is there already, and --remove takes it away (the data itself is
// tested in internal/demo on both databases).
func TestDemoCommand(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--clinician", "therapist@example.org"}, "Loaded the SAMPLE client SAMPLE-client"},
		{[]string{"demo"}, "already loaded; nothing was added"},
		{[]string{"session", "list"}, "5a3b1e00-0000-4000-8000-000000000002  "},
		{[]string{"session", "list"}, "SAMPLE (scribe demo)"},
		{[]string{"demo", "--remove"}, "Removed the SAMPLE client"},
		{[]string{"demo", "--remove"}, "nothing was removed"},
	}
	for _, s := range steps {
		out, stderr, code := cli(t, dir, s.args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("scribe %s: exit %d, want %q\n%s\n%s", strings.Join(s.args, " "), code, s.want, out, stderr)
		}
	}
	if out, _, _ := cli(t, dir, "session", "list"); strings.Contains(out, "5a3b1e00-0000-4000-8000-000000000002") {
		t.Errorf("the sample is still listed after --remove:\n%s", out)
	}
}
