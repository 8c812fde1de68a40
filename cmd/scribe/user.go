package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/web"
)

func init() {
	extraCommands = append(extraCommands, command{"user", "add or list web app users", cmdUser})
}

const userUsage = `Usage: scribe user add --email EMAIL --role admin|clinician|supervisor [--part2-access]
       scribe user list
The role is required and has no default: choose admin only for someone who manages users,
providers and the audit log (admins must use two-step sign-in).`

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := takeSub(args, userUsage, stderr, "add", "list")
	if err != nil {
		return err
	}
	fs := newFlags("user "+sub, "user "+sub+" [flags]", stderr)
	var cfg config
	cfg.register(fs)
	email := fs.String("email", "", "add: the user's e-mail (required)")
	role := fs.String("role", "", "add: admin, clinician or supervisor (required; no default)")
	part2 := fs.Bool("part2-access", false, "add: may see 42 CFR Part 2 (substance-use program) records")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if sub == "add" && (*email == "" || *role == "") {
		fmt.Fprintln(stderr, userUsage)
		return errUsage
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "list" {
		us, err := a.store.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tPART2\tTWO-STEP\tDISABLED")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%v\n", u.Email, u.Role, u.Part2Access, u.TOTPEnabled, u.Disabled)
		}
		return tw.Flush()
	}
	u, link, err := web.AddUser(ctx, a.store, cliActor(), *email, *role, *part2, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added as %s%s\n", u.Email, u.Role, map[bool]string{true: " with Part 2 access", false: ""}[u.Part2Access])
	fmt.Fprintf(stdout, "send them this one-time link to choose a password (valid 72 hours):\n%s%s\n", publicBase(settings.For(fs).Config()), link)
	if u.Role == store.RoleAdmin {
		fmt.Fprintln(stdout, "admins set up two-step sign-in (an authenticator app) at their first sign-in")
	}
	return nil
}
