package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/clients"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/store"
)

// Clients at the command line (issue 12): `scribe client`, and --as, the
// Scribe user a command that reads or changes client data acts as.

func init() {
	extraCommands = append(extraCommands, command{"client", "list or show clients; add or remove care-team members", cmdClient})
}

// asFlag registers --as on a command that reads or changes client data.
func asFlag(fs *flag.FlagSet) *string {
	var as string
	settings.Var(fs, &as, "act_as")
	return &as
}

// principal is who a command acts as: the Scribe user named by --as, or the
// host operator (whoever holds the data directory and its keys).
func principal(ctx context.Context, a *app, as string) (store.User, error) {
	if strings.TrimSpace(as) == "" {
		return clients.Operator(cliActor()), nil
	}
	u, err := a.store.UserByEmail(ctx, as)
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("--as %s: there is no Scribe user with this e-mail", as)
	}
	if err != nil {
		return u, err
	}
	if u.Disabled {
		return u, fmt.Errorf("--as %s: the account is disabled", as)
	}
	return u, nil
}

// actorOf names the principal in the audit log.
func actorOf(u store.User) string {
	if u.Email == "" {
		return u.ID
	}
	return u.Email
}

// sessionFor reads a session the principal may see.
func sessionFor(ctx context.Context, a *app, u store.User, id string) (store.Session, error) {
	sess, _, err := clients.ForSession(ctx, a.store, u, id)
	if errors.Is(err, clients.ErrNotFound) {
		return sess, fmt.Errorf("there is no session %s", id)
	}
	if errors.Is(err, clients.ErrNoAccess) {
		_ = a.store.Audit(ctx, audit.Event{Actor: actorOf(u), AgentRole: u.Role, Action: "session.access_denied", EntityType: "session", EntityID: sess.ID, Outcome: "denied",
			Details: map[string]string{"role": u.Role, "part2": fmt.Sprint(sess.Part2()), "via": "cli"}})
	}
	return sess, err
}

// findClient finds the client the principal means by ID or alias.
func findClient(ctx context.Context, a *app, u store.User, ref string) (store.Client, error) {
	c, err := clients.Find(ctx, a.store, u, ref)
	if errors.Is(err, clients.ErrNotFound) {
		return c, errors.New("there is no client with this ID or alias that you may see (scribe client list shows them)")
	}
	return c, err
}

// resolveFor is the hook that points a new session at its client, deciding
// for the session's clinician and the principal.
func resolveFor(ctx context.Context, a *app, by store.User, clinicianEmail string) (func(context.Context, *store.Tx, *store.Session) error, error) {
	clinician := by
	if clinicianEmail != "" {
		var err error
		if clinician, err = clients.Person(ctx, a.store, clinicianEmail); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, tx *store.Tx, s *store.Session) error {
		id, err := clients.Resolve(ctx, tx, clients.Request{Alias: s.ClientAlias, Program: s.Program, Clinician: clinician, By: by, Actor: actorOf(by)})
		s.ClientID = id
		return err
	}, nil
}

const clientUsage = `Usage: scribe client list [--json] [--as EMAIL]
       scribe client show CLIENT [--json] [--as EMAIL]            (CLIENT: the client's ID or alias)
       scribe client add-member CLIENT --email EMAIL [--as ADMIN_EMAIL]
       scribe client remove-member CLIENT --email EMAIL [--as ADMIN_EMAIL]`

func cmdClient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := takeSub(args, clientUsage, stderr, "list", "show", "add-member", "remove-member")
	if err != nil {
		return err
	}
	fs := newFlags("client "+sub, "client "+sub+" [flags]", stderr)
	var cfg config
	cfg.register(fs)
	as := asFlag(fs)
	email := fs.String("email", "", "add-member, remove-member: the user's e-mail")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if (sub == "list") != (len(pos) == 0) || len(pos) > 1 {
		fmt.Fprintln(stderr, clientUsage)
		return errUsage
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := principal(ctx, a, *as)
	if err != nil {
		return err
	}
	if sub == "list" {
		cs, err := clients.Visible(ctx, a.store, u)
		if err != nil {
			return err
		}
		if *asJSON {
			if cs == nil {
				cs = []store.Client{}
			}
			return writeJSON(stdout, cs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALIAS\tPROGRAMS\tCARE TEAM")
		for _, c := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", c.ID, c.Alias, strings.Join(c.Programs, ","), len(c.CareTeam))
		}
		return tw.Flush()
	}
	if sub != "show" && u.Role != store.RoleAdmin {
		return clients.ErrAdminOnly // before the client is looked up: the answer says nothing about it
	}
	c, err := findClient(ctx, a, u, pos[0])
	if err != nil {
		return err
	}
	switch sub {
	case "show":
		if *asJSON {
			return writeJSON(stdout, c)
		}
		fmt.Fprintf(stdout, "Client %s\nAlias:     %s\nPrograms:  %s\nCare team: %s\n", c.ID, c.Alias, strings.Join(c.Programs, ", "), strings.Join(c.CareTeam, ", "))
		return nil
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	member, err := a.store.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) && sub == "remove-member" {
		member, err = store.User{Email: store.NormalizeEmail(*email)}, nil // named on a session, never invited
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no Scribe user %s; add them with scribe user add first", *email)
	}
	if err != nil {
		return err
	}
	change, done := clients.RemoveMember, "is no longer on"
	if sub == "add-member" {
		change, done = clients.AddMember, "is now on"
	}
	c, changed, err := change(ctx, a.store, u, actorOf(u), c.ID, member)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(stdout, "nothing changed: %s %s the care team of client %s already\n", member.Email, map[bool]string{true: "is on", false: "is not on"}[sub == "add-member"], c.ID)
		return nil
	}
	fmt.Fprintf(stdout, "%s %s the care team of client %s\n", member.Email, done, c.ID)
	return nil
}
