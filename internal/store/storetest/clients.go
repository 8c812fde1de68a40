package storetest

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
)

// exerciseClients is the contract of clients (migration 009) and of the
// visibility rule read through the store: the same answers on every backend.
func exerciseClients(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()

	t.Run("ClientsAndCareTeams", func(t *testing.T) {
		s := open(t)
		first := store.Session{ID: "s1", Source: "call", Status: store.StatusScheduled, Program: store.ProgramSUD, ClientAlias: " client-1 ", Clinician: "A@example.org"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &first) })
		c, err := s.Client(ctx, first.ClientID)
		if err != nil || c.Alias != "client-1" || !c.Part2() || strings.Join(c.CareTeam, ",") != "a@example.org" {
			t.Fatalf("a session without a client starts one (alias, program, its clinician on the care team): %v %+v", err, c)
		}
		// Joining by ID: the client enters the session's program, the session shows the client's alias.
		second := store.Session{ID: "s2", Source: "ingest", Status: store.StatusReady, Program: store.ProgramMH, ClientAlias: "typed differently", ClientID: c.ID, Clinician: "b@example.org"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &second) })
		if c, _ = s.Client(ctx, c.ID); strings.Join(c.Programs, ",") != "mh,sud" || len(c.CareTeam) != 1 || second.ClientAlias != "client-1" {
			t.Fatalf("second session: client %+v, alias shown %q", c, second.ClientAlias)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateSession(ctx, &store.Session{ID: "s3", Source: "call", Status: store.StatusScheduled, ClientID: "no-such-client"})
		}); err == nil {
			t.Fatal("a session joined a client that does not exist")
		}
		// The same alias for another client is another client.
		twin := store.Session{ID: "s4", Source: "call", Status: store.StatusScheduled, Program: store.ProgramMH, ClientAlias: "client-1", Clinician: "c@example.org"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &twin) })
		if twin.ClientID == c.ID {
			t.Fatal("a session without a client ID joined a client by its alias")
		}
		byAlias, err := s.ClientsByAlias(ctx, "client-1")
		if err != nil || len(byAlias) != 2 {
			t.Fatalf("ClientsByAlias: %v %d", err, len(byAlias))
		}
		var added, again, removed bool
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			if added, err = tx.AddCareTeamMember(ctx, &c, " D@Example.org", "admin"); err != nil {
				return err
			}
			if again, err = tx.AddCareTeamMember(ctx, &c, "d@example.org", "admin"); err != nil {
				return err
			}
			removed, err = tx.RemoveCareTeamMember(ctx, &c, "a@example.org")
			return err
		})
		if !added || again || !removed || strings.Join(c.CareTeam, ",") != "d@example.org" {
			t.Fatalf("care team changes: added %v, again %v, removed %v, team %v", added, again, removed, c.CareTeam)
		}
		if got, _ := s.Client(ctx, c.ID); strings.Join(got.CareTeam, ",") != "d@example.org" {
			t.Fatalf("stored care team %v", got.CareTeam)
		}
		mine, _ := s.Clients(ctx, "d@example.org")
		all, _ := s.Clients(ctx, "")
		if len(mine) != 1 || mine[0].ID != c.ID || len(all) != 2 {
			t.Fatalf("Clients: member %d, all %d", len(mine), len(all))
		}
		ids, _ := s.ClientsByID(ctx, []string{c.ID, twin.ClientID, c.ID, "nope"})
		if len(ids) != 2 || ids[twin.ClientID].CareTeam[0] != "c@example.org" {
			t.Fatalf("ClientsByID: %+v", ids)
		}
		of, _ := s.SessionsOfClient(ctx, c.ID, 10)
		if len(of) != 2 {
			t.Fatalf("SessionsOfClient: %d", len(of))
		}
	})

	// The one visibility rule, over clients and sessions read from this
	// backend: the program's staff see a Part 2 client; its care team,
	// supervisors and admins another; a clinician their own sessions.
	t.Run("ClientVisibility", func(t *testing.T) {
		s := open(t)
		users := map[string]store.User{}
		for _, u := range []store.User{
			{ID: "u1", Email: "program@example.org", Role: store.RoleClinician, Part2Access: true},
			{ID: "u2", Email: "other@example.org", Role: store.RoleClinician},
			{ID: "u3", Email: "outsider@example.org", Role: store.RoleClinician, Part2Access: true},
			{ID: "u4", Email: "sup@example.org", Role: store.RoleSupervisor, Part2Access: true},
			{ID: "u5", Email: "admin@example.org", Role: store.RoleAdmin, Part2Access: true},
			{ID: "u6", Email: "admin-mh@example.org", Role: store.RoleAdmin},
			{ID: "u7", Email: "gone@example.org", Role: store.RoleClinician, Part2Access: true, Disabled: true},
		} {
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) })
			users[u.Email] = u
		}
		p2 := store.Session{ID: "p2", Source: "call", Status: store.StatusReady, Program: store.ProgramSUD, ClientAlias: "client-p", Clinician: "program@example.org"}
		mh := store.Session{ID: "mh", Source: "call", Status: store.StatusReady, Program: store.ProgramMH, ClientAlias: "client-m", Clinician: "program@example.org"}
		mustTx(t, s, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &p2); err != nil {
				return err
			}
			if err := tx.CreateSession(ctx, &mh); err != nil {
				return err
			}
			for _, id := range []string{p2.ClientID, mh.ClientID} {
				c, err := tx.Client(ctx, id)
				if err != nil {
					return err
				}
				if _, err := tx.AddCareTeamMember(ctx, &c, "gone@example.org", "admin"); err != nil {
					return err
				}
			}
			return nil
		})
		want := map[string]string{ // e-mail → the sessions listed for them
			"program@example.org": "mh,p2", "other@example.org": "", "outsider@example.org": "", "sup@example.org": "mh",
			"admin@example.org": "mh,p2", "admin-mh@example.org": "mh", "gone@example.org": "",
		}
		for email, w := range want {
			u := users[email]
			list, err := clients.Sessions(ctx, s, u, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range list {
				got = append(got, x.ID)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != w {
				t.Errorf("%s sees sessions %v, want %s", email, got, w)
			}
			for _, sess := range []store.Session{p2, mh} {
				_, _, err := clients.ForSession(ctx, s, u, sess.ID)
				if sees := strings.Contains(w, sess.ID); sees != (err == nil) || !sees && !errors.Is(err, clients.ErrNoAccess) {
					t.Errorf("%s opening %s: %v", email, sess.ID, err)
				}
				c, err := clients.Find(ctx, s, u, sess.ClientAlias)
				if sees := strings.Contains(w, sess.ID); sees != (err == nil && c.ID == sess.ClientID) || !sees && !errors.Is(err, clients.ErrNotFound) {
					t.Errorf("%s finding the client of %s by alias: %v", email, sess.ID, err)
				}
			}
			vis, _ := clients.Visible(ctx, s, u)
			if len(vis) != strings.Count(w, ",")+map[bool]int{true: 0, false: 1}[w == ""] {
				t.Errorf("%s: %d visible clients for sessions %q", email, len(vis), w)
			}
		}
		// A new session under a taken alias joins the client only for its
		// people; otherwise the same refusal for a Part 2 and another client.
		var errs []error
		for _, sess := range []store.Session{p2, mh} {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				_, err := clients.Resolve(ctx, tx, clients.Request{Alias: sess.ClientAlias, Program: store.ProgramMH, Clinician: users["other@example.org"], By: users["other@example.org"], Actor: "u2"})
				return err
			})
			errs = append(errs, err)
			var id string
			mustTx(t, s, func(tx *store.Tx) error {
				var err error
				id, err = clients.Resolve(ctx, tx, clients.Request{Alias: sess.ClientAlias, Program: sess.Program, Clinician: users["program@example.org"], By: users["program@example.org"], Actor: "u1"})
				return err
			})
			if id != sess.ClientID {
				t.Errorf("the program therapist's new session under %s joined %q, want its client", sess.ID, id)
			}
		}
		if !errors.Is(errs[0], clients.ErrAliasTaken) || !errors.Is(errs[1], clients.ErrAliasTaken) {
			t.Fatalf("other therapist under taken aliases: %v / %v", errs[0], errs[1])
		}
		// An admin who schedules for a supervisor joins them to the care team.
		var id string
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			id, err = clients.Resolve(ctx, tx, clients.Request{Alias: mh.ClientAlias, Program: store.ProgramMH, Clinician: users["sup@example.org"], By: users["admin@example.org"], Actor: "u5"})
			return err
		})
		if c, _ := s.Client(ctx, id); id != mh.ClientID || !c.OnCareTeam("sup@example.org") {
			t.Fatalf("admin scheduling for a supervisor: %q %+v", id, c)
		}
		// A Part 2 session under a client outside the program is refused.
		err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := clients.Resolve(ctx, tx, clients.Request{Alias: mh.ClientAlias, Program: store.ProgramSUD, Clinician: users["program@example.org"], By: users["program@example.org"], Actor: "u1"})
			return err
		})
		if !errors.Is(err, clients.ErrNotInProgram) {
			t.Fatalf("Part 2 session for a non-Part 2 client: %v", err)
		}
	})
}
