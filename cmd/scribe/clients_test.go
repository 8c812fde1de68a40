package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

var sessionIDLine = regexp.MustCompile(`(?m)^([0-9a-f-]{36})$`)

// part2ConsentArgs records a complete client-wide part2_tpo consent.
func part2ConsentArgs(client string) []string {
	return []string{"consent", "add", "--scope", "part2_tpo", "--client", client, "--method", "written",
		"--signature", "ink", "--discloser", "Synthetic Recovery Program", "--information", "progress notes", "--recipients", "treating providers",
		"--purpose", "treatment", "--revocation-notice", "--expiry-event", "end of treatment"}
}

// TestCLIAliasReuseIsNoWindowIntoAPart2Client is the command-line side of
// the review's finding: `scribe session create` for a clinician outside
// the substance-use program, under the alias of a Part 2 client, made a
// session through which `scribe consent list --session` listed the Part 2
// client's consents. It is refused with the words the web app uses, which
// do not say whether the client is a Part 2 client.
func TestCLIAliasReuseIsNoWindowIntoAPart2Client(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	program, _ := tokenFile(t, data, webUserWith(t, data, store.User{Email: "program@example.org", Role: "clinician", Part2Access: true}))
	mustCLI(t, data, "user", "add", "--email", "other@example.org", "--role", "clinician")
	alias := "client-" + testenv.RandomHex(3)
	out := mustCLI(t, data, "session", "create", "--clinician", "program@example.org", "--client-alias", alias, "--program", "sud")
	if sessionIDLine.FindString(out) == "" {
		t.Fatalf("session create printed no session ID: %s", out)
	}
	consentOut := mustCLI(t, data, append(part2ConsentArgs(alias), "--token-file", program)...)
	consentID := consentIDRe.FindStringSubmatch(consentOut)[1]

	stdout, stderr, code := cli(t, data, "session", "create", "--clinician", "other@example.org", "--client-alias", alias, "--program", "mh")
	if code == 0 {
		otherID := sessionIDLine.FindString(stdout)
		if list := mustCLI(t, data, "consent", "list", "--session", otherID); strings.Contains(list, consentID) {
			t.Errorf("the other clinician's session lists the Part 2 client's consent")
		}
		t.Fatalf("session create under a Part 2 client's alias for a clinician not on its care team succeeded")
	}
	if !strings.Contains(stderr, "already used") || !strings.Contains(stderr, "care team") {
		t.Errorf("refusal does not say the alias is taken and how to get access: %s", stderr)
	}
	for _, leak := range []string{"Part 2", "part2", "substance", "42 CFR"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("refusal reveals the client's program (%q): %s", leak, stderr)
		}
	}

	// Acting as the other clinician, the client is not there at all.
	if errOut := failCLI(t, data, "consent", "list", "--client", alias, "--as", "other@example.org"); !strings.Contains(errOut, "no client") || strings.Contains(errOut, consentID) {
		t.Errorf("consent list as the other clinician: %s", errOut)
	}
	if out := mustCLI(t, data, "consent", "list", "--client", alias, "--as", "program@example.org"); !strings.Contains(out, consentID) {
		t.Errorf("consent list as the program therapist lacks the consent: %s", out)
	}
	// The way in is the care team, managed by an admin; a Part 2 client's
	// care team takes only users with Part 2 access.
	if errOut := failCLI(t, data, "client", "add-member", alias, "--email", "other@example.org", "--as", "program@example.org"); !strings.Contains(errOut, "only an admin") {
		t.Errorf("a clinician changed a care team: %s", errOut)
	}
	if errOut := failCLI(t, data, "client", "add-member", alias, "--email", "other@example.org"); !strings.Contains(errOut, "no Part 2 access") {
		t.Errorf("a user without Part 2 access joined a Part 2 care team: %s", errOut)
	}
	mustCLI(t, data, "user", "add", "--email", "colleague@example.org", "--role", "clinician", "--part2-access")
	mustCLI(t, data, "client", "add-member", alias, "--email", "colleague@example.org")
	var client store.Client
	if err := json.Unmarshal([]byte(mustCLI(t, data, "client", "show", alias, "--json")), &client); err != nil || !client.OnCareTeam("colleague@example.org") {
		t.Fatalf("client show after add-member: %v %+v", err, client)
	}
	out = mustCLI(t, data, "session", "create", "--clinician", "colleague@example.org", "--client-alias", alias, "--program", "sud")
	var sess struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, data, "session", "show", sessionIDLine.FindString(out), "--json", "--as", "colleague@example.org")), &sess); err != nil || sess.ClientID != client.ID {
		t.Fatalf("the colleague's session did not join the client: %v %q", err, sess.ClientID)
	}
}
