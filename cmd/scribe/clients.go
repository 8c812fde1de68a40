package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
)

// Clients at the command line (issue 12): `scribe client`, and --as, the
// Scribe user a command that reads or changes client data acts as.

// asFlag registers --as on a command that reads or changes client data.
func asFlag(fs *flag.FlagSet) *string {
	return fs.String("as", envOr("SCRIBE_USER", ""), "act as this Scribe user (e-mail): only the clients and sessions they may see, audited under their name [$SCRIBE_USER] (default: the host operator, who sees every client)")
}

// actorOf names the principal in the audit log: always the user ID (the
// host operator's is "cli:NAME"); the audit viewer shows the e-mail.
func actorOf(u store.User) string { return u.ID }

// sessionFor reads a session the principal may see.
func sessionFor(ctx context.Context, a *app, u store.User, id string) (store.Session, error) {
	return a.service().Session(ctx, u, id)
}

// findClient finds the client the principal means by ID or alias.
func findClient(ctx context.Context, a *app, u store.User, ref string) (store.Client, error) {
	c, err := clients.Find(ctx, a.store, u, ref)
	if errors.Is(err, clients.ErrNotFound) {
		return c, errors.New("there is no client with this ID or alias that you may see (scribe client list shows them)")
	}
	return c, err
}

const clientUsage = `Usage: scribe client list [--json] [--as EMAIL]
       scribe client show CLIENT [--json] [--as EMAIL]            (CLIENT: the client's ID or alias)
       scribe client add-member CLIENT --email EMAIL [--as ADMIN_EMAIL]
       scribe client remove-member CLIENT --email EMAIL [--as ADMIN_EMAIL]`

func cmdClient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, clientUsage, shared(clientSub, "list", "show", "add-member", "remove-member"))
}

// clientSub runs one subcommand of client (they share one flag set).
func clientSub(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var err error
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
	x, err := openActing(ctx, cfg, *as)
	if err != nil {
		return err
	}
	defer x.Close()
	a, u := x.app, x.by
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
