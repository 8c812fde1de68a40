package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestSessionCreateRoomMode: `scribe session create --mode room` books a
// session to be recorded in the room and prints one line, "Room link:
// URL", a link to the room page for the clinician (no client link); a
// mode that does not exist, or room mode for a group, is refused naming
// --mode and what is allowed, with nothing created.
func TestSessionCreateRoomMode(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	base := []string{"session", "create", "--clinician", "therapist@example.org", "--client-alias", "client-17", "--base-url", "https://scribe.example.org"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--mode", "video"}, `--mode "video" is not a capture mode: call or room`},
		{[]string{"--mode", "room", "--group"}, "--mode"},
	} {
		_, stderr, code := cli(t, dir, append(append([]string{}, base...), tc.extra...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q", tc.extra, code, stderr, tc.want)
		}
	}
	if out, _, _ := cli(t, dir, "session", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused creations left sessions: %s", out)
	}
	out, stderr, code := cli(t, dir, append(append([]string{}, base...), "--mode", "room")...)
	if code != 0 {
		t.Fatalf("create --mode room: exit %d %s", code, stderr)
	}
	id := strings.SplitN(out, "\n", 2)[0]
	link := regexp.MustCompile(`(?m)^Room link: (https://scribe\.example\.org/room/([0-9a-f-]+)\?token=[A-Za-z0-9_-]{20,})$`).FindStringSubmatch(out)
	if link == nil || link[2] != id {
		t.Fatalf("create --mode room printed %q; want the session ID and a line \"Room link: URL\" to its room page", out)
	}
	if strings.Contains(out, "/call/") || strings.Count(out, "token=") != 1 {
		t.Errorf("a room session printed other links: %q", out)
	}
	show, _, code := cli(t, dir, "session", "show", id, "--json")
	if code != 0 || !strings.Contains(show, `"source": "room"`) && !strings.Contains(show, `"source":"room"`) {
		t.Errorf("session show: %s", show)
	}
}
