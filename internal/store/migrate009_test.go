package store

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestMigration009Clients puts rows in the schema before clients had an
// identity (sessions, consents and disclosures keyed by alias) and checks
// what migration 009 makes of them, on both backends:
//   - an alias used in a Part 2 and a non-Part 2 session by different
//     clinicians becomes two clients; its client-wide consents go to the
//     Part 2 client unless the non-Part 2 client's clinician captured them;
//   - an alias whose non-Part 2 sessions were all run by clinicians of its
//     Part 2 sessions is one client in both programs;
//   - one alias in one program is one client whose care team is every
//     clinician of its sessions; sessions without an alias are clients of
//     their own; an alias known only from consents or disclosures becomes a
//     client (Part 2 when a consent or disclosure says so).
func TestMigration009Clients(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := open(ctx, Options{DatabaseURL: be.URL(t), DataDir: t.TempDir()}, 8)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.conn.exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, u := range []struct {
				email string
				part2 int
			}{{"p@example.org", 1}, {"o@example.org", 0}} {
				exec(`INSERT INTO users (id, email, role, part2_access, created_at, updated_at) VALUES ($1,$2,'clinician',$3,1,1)`, "u-"+u.email, u.email, u.part2)
			}
			for _, r := range []struct{ id, alias, program, clinician string }{
				{"s1", "A", "sud", "p@example.org"}, {"s2", "A", "mh", "o@example.org"}, // split: o ran no Part 2 session of A
				{"s3", "B", "sud", "p@example.org"}, {"s4", "B", "mh", " P@Example.org"}, // merged: the same clinician in both
				{"s5", "C", "mh", "o@example.org"}, {"s6", "C", "mh", "p@example.org"}, // one client, both on the care team
				{"s7", "", "mh", "o@example.org"}, {"s8", "", "mh", "o@example.org"}, // no alias: a client each
				{"s9", "D", "mh", ""},
				{"s10", "G", "sud", "p@example.org"}, {"s11", "G", "mh", ""}, // a non-Part 2 session nobody ran: not clearly the same
			} {
				exec(`INSERT INTO sessions (id, created_at, updated_at, source, status, program, client_alias, clinician) VALUES ($1, 1000, 1000, 'call', 'ready', $2, $3, $4)`,
					r.id, r.program, r.alias, r.clinician)
			}
			for _, c := range []struct{ id, session, alias, scope, capturedBy string }{
				{"c1", "s1", "A", "part2_tpo", "p@example.org"},
				{"c2", "", "A", "part2_tpo", "o@example.org"},
				{"c3", "", "A", "ai_scribe", "o@example.org"},
				{"c4", "", "A", "ai_scribe", "x@example.org"},
				{"c5", "", "E", "ai_scribe", "p@example.org"},
				{"c6", "", "E", "part2_tpo", "p@example.org"},
				{"c7", "s2", "A", "ai_scribe", "o@example.org"},
				{"c8", "", "C", "ai_scribe", "o@example.org"},
			} {
				exec(`INSERT INTO consents (id, session_id, client_alias, scope, granted, method, captured_by, created_at) VALUES ($1,$2,$3,$4,1,'written',$5,2000)`,
					c.id, c.session, c.alias, c.scope, c.capturedBy)
			}
			for _, d := range []struct{ id, session, alias string }{{"d1", "s1", "A"}, {"d2", "gone", "F"}} {
				exec(`INSERT INTO disclosures (id, at, session_id, client_alias, kind, recipient, description, purpose, actor, consent_status) VALUES ($1,3000,$2,$3,'export','r','d','treatment','a','none')`,
					d.id, d.session, d.alias)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			all, err := s.Clients(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]Client{}
			for _, c := range all {
				if !uuidRe.MatchString(c.ID) {
					t.Errorf("client ID %q is not a UUID", c.ID)
				}
				byID[c.ID] = c
			}
			sessClient := func(id string) Client {
				t.Helper()
				sess, err := s.Session(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				c, ok := byID[sess.ClientID]
				if !ok {
					t.Fatalf("session %s points at no client (%q)", id, sess.ClientID)
				}
				if c.Alias != sess.ClientAlias {
					t.Errorf("session %s shows alias %q, its client %q", id, sess.ClientAlias, c.Alias)
				}
				return c
			}
			consentClient := func(id string) string {
				t.Helper()
				c, err := s.ConsentRecord(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				return c.ClientID
			}
			describe := func(c Client) string {
				return strings.Join(c.Programs, "+") + " [" + strings.Join(c.CareTeam, " ") + "]"
			}
			want := func(what string, c Client, programs string) {
				t.Helper()
				if got := describe(c); got != programs {
					t.Errorf("%s: client is %s, want %s", what, got, programs)
				}
			}

			aSUD, aMH := sessClient("s1"), sessClient("s2")
			if aSUD.ID == aMH.ID {
				t.Fatal("alias A used by a Part 2 and a non-Part 2 clinician became one client")
			}
			want("A (Part 2)", aSUD, "sud [p@example.org]")
			want("A (not Part 2)", aMH, "mh [o@example.org]")
			for id, to := range map[string]Client{"c1": aSUD, "c2": aSUD, "c3": aMH, "c4": aSUD, "c7": aMH} {
				if got := consentClient(id); got != to.ID {
					t.Errorf("consent %s went to %s, want %s", id, describe(byID[got]), describe(to))
				}
			}
			b := sessClient("s3")
			if sessClient("s4").ID != b.ID {
				t.Error("alias B, run in both programs by the same clinician, became two clients")
			}
			want("B", b, "mh+sud [p@example.org]")
			c := sessClient("s5")
			if sessClient("s6").ID != c.ID {
				t.Error("alias C, one program, became two clients")
			}
			want("C", c, "mh [o@example.org p@example.org]")
			if consentClient("c8") != c.ID {
				t.Error("client-wide consent of C did not go to C")
			}
			if s7, s8 := sessClient("s7"), sessClient("s8"); s7.ID == s8.ID || s7.Alias != "" {
				t.Errorf("sessions without an alias share a client: %+v %+v", s7, s8)
			}
			want("D", sessClient("s9"), "mh []")
			if g1, g2 := sessClient("s10"), sessClient("s11"); g1.ID == g2.ID {
				t.Error("alias G merged although its non-Part 2 session has no clinician")
			}
			e5, e6 := consentClient("c5"), consentClient("c6")
			if e5 != e6 {
				t.Error("the consents of alias E (no sessions) made two clients")
			}
			want("E", byID[e5], "sud [p@example.org]")
			ds, err := s.Disclosures(ctx, DisclosureFilter{})
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
			if len(ds) != 2 || ds[0].ClientID != aSUD.ID {
				t.Fatalf("disclosures: %+v", ds)
			}
			if f := byID[ds[1].ClientID]; f.Alias != "F" || !f.Part2() {
				t.Errorf("disclosure of a session that is gone: client %+v", f)
			}
			if len(all) != 11 {
				t.Errorf("%d clients, want 11 (A twice, B, C, two without alias, D, G twice, E, F)", len(all))
			}
			// Migrating again changes nothing.
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if again, _ := s.Clients(ctx, ""); len(again) != len(all) {
				t.Errorf("second migration: %d clients, was %d", len(again), len(all))
			}
		})
	}
}
