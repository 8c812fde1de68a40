package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUserRoleDisableEnable: the user subcommands that change one user go
// through the service and say what they did; an unknown e-mail is named.
func TestUserRoleDisableEnable(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, data, "user", "add", "--email", "a@example.org", "--role", "clinician")
	if out := mustCLI(t, data, "user", "role", "a@example.org", "--role", "supervisor", "--part2-access"); !strings.Contains(out, "now supervisor with Part 2 access") {
		t.Fatalf("user role: %s", out)
	}
	if out := mustCLI(t, data, "user", "disable", "a@example.org"); !strings.Contains(out, "a@example.org disabled") {
		t.Fatalf("user disable: %s", out)
	}
	if list := mustCLI(t, data, "user", "list"); !strings.Contains(list, "supervisor") || !strings.Contains(list, "true") {
		t.Fatalf("user list after the changes:\n%s", list)
	}
	if out := mustCLI(t, data, "user", "enable", "a@example.org"); !strings.Contains(out, "enabled") {
		t.Fatalf("user enable: %s", out)
	}
	if errOut := failCLI(t, data, "user", "disable", "nobody@example.org"); !strings.Contains(errOut, "no Scribe user with the e-mail nobody@example.org") {
		t.Fatalf("unknown user: %s", errOut)
	}
	if errOut := failCLI(t, data, "user", "role", "a@example.org", "--role", "owner"); !strings.Contains(errOut, "admin") {
		t.Fatalf("a role outside the list: %s", errOut)
	}
}
