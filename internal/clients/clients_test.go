package clients

import (
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// TestMaySee is the rule as a table: a Part 2 client is seen only by users
// with Part 2 access who are on its care team, and by admins with Part 2
// access; any other client by its care team, supervisors and admins; a
// disabled account and a client without an ID by nobody.
func TestMaySee(t *testing.T) {
	part2 := store.Client{ID: "c1", Programs: []string{store.ProgramMH, store.ProgramSUD}, CareTeam: []string{"team@example.org", "team-mh@example.org"}}
	plain := store.Client{ID: "c2", Programs: []string{store.ProgramMH}, CareTeam: []string{"team@example.org", "team-mh@example.org"}}
	u := func(email, role string, p2 bool) store.User {
		return store.User{Email: email, Role: role, Part2Access: p2}
	}
	for _, c := range []struct {
		name         string
		user         store.User
		part2, plain bool
	}{
		{"clinician on the team with Part 2 access", u("Team@Example.org", store.RoleClinician, true), true, true},
		{"clinician on the team without Part 2 access", u("team-mh@example.org", store.RoleClinician, false), false, true},
		{"clinician off the team with Part 2 access", u("x@example.org", store.RoleClinician, true), false, false},
		{"clinician off the team", u("x@example.org", store.RoleClinician, false), false, false},
		{"supervisor off the team with Part 2 access", u("s@example.org", store.RoleSupervisor, true), false, true},
		{"supervisor on the team with Part 2 access", u("team@example.org", store.RoleSupervisor, true), true, true},
		{"admin with Part 2 access", u("a@example.org", store.RoleAdmin, true), true, true},
		{"admin without Part 2 access", u("a@example.org", store.RoleAdmin, false), false, true},
		{"the host operator", Operator("cli:root"), true, true},
		{"disabled account on the team", store.User{Email: "team@example.org", Role: store.RoleAdmin, Part2Access: true, Disabled: true}, false, false},
		{"no e-mail", u("", store.RoleClinician, true), false, false},
	} {
		if got := MaySee(c.user, part2); got != c.part2 {
			t.Errorf("%s, Part 2 client: %v, want %v", c.name, got, c.part2)
		}
		if got := MaySee(c.user, plain); got != c.plain {
			t.Errorf("%s, other client: %v, want %v", c.name, got, c.plain)
		}
	}
	if MaySee(Operator("cli"), store.Client{}) {
		t.Error("a client without an ID (a session whose client is missing) is visible")
	}
}

// TestMaySeeSession: clinicians see the sessions they run; supervisors and
// admins every session of the clients they may see; a session is never
// judged by another client's rule, and a Part 2 session only under a Part 2
// client.
func TestMaySeeSession(t *testing.T) {
	c := store.Client{ID: "c1", Programs: []string{store.ProgramMH}, CareTeam: []string{"a@example.org", "b@example.org"}}
	own := store.Session{ID: "s1", ClientID: "c1", Program: store.ProgramMH, Clinician: "A@example.org"}
	a := store.User{Email: "a@example.org", Role: store.RoleClinician}
	b := store.User{Email: "b@example.org", Role: store.RoleClinician}
	sup := store.User{Email: "s@example.org", Role: store.RoleSupervisor}
	switch {
	case !MaySeeSession(a, c, own):
		t.Error("a clinician does not see their own session")
	case MaySeeSession(b, c, own):
		t.Error("a clinician sees a colleague's session of a shared client")
	case !MaySeeSession(sup, c, own):
		t.Error("a supervisor does not see a session of a client they may see")
	case MaySeeSession(a, store.Client{ID: "c2", Programs: c.Programs, CareTeam: c.CareTeam}, own):
		t.Error("a session was judged by another client's care team")
	case MaySeeSession(Operator("cli"), c, store.Session{ID: "s2", ClientID: "c1", Program: store.ProgramSUD}):
		t.Error("a Part 2 session under a client outside the program is visible")
	}
}
