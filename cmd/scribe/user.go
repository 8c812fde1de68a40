package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	service "github.com/scribe-health/scribe/internal/app"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/store"
)

const userUsage = `Usage: scribe user add --email EMAIL [--role clinician|supervisor|admin] [--part2-access]
       scribe user list
       scribe user role EMAIL --role admin|clinician|supervisor [--part2-access]
       scribe user disable EMAIL | enable EMAIL
       scribe user style show --as EMAIL
       scribe user style set --as EMAIL [--length short|standard|detailed] [--person first|third]
                             [--headings on|off] [--avoid PHRASE]... [--examples]
The role defaults to clinician. Choose admin only for someone who manages users,
providers and the audit log (admins must use two-step sign-in).
A clinician's note style (also on their account page) shapes the drafts of their sessions;
set replaces the whole style, and a preference left out is none.`

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, userUsage, map[string]runFunc{
		"add": userAdd, "list": userList, "role": userRole,
		"disable": userToggle(service.ChangeDisable), "enable": userToggle(service.ChangeEnable),
		"style": userStyle,
	})
}

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user add", "user add --email EMAIL [--role clinician|supervisor|admin] [--part2-access]\n\n"+userUsage, stderr)
	act := registerActing(fs)
	var in service.UserInput
	fs.StringVar(&in.Email, "email", "", "the user's e-mail (required)")
	fs.StringVar(&in.Role, "role", store.RoleClinician, "clinician, supervisor or admin")
	fs.BoolVar(&in.Part2Access, "part2-access", false, "may see 42 CFR Part 2 (substance-use program) records")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if in.Email == "" {
		fmt.Fprintln(stderr, userUsage)
		return errUsage
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	nu, err := x.svc.AddUser(ctx, x.by, in)
	if err != nil {
		return err
	}
	u := nu.User
	fmt.Fprintf(stdout, "user %s added as %s%s\n", u.Email, u.Role, map[bool]string{true: " with Part 2 access", false: ""}[u.Part2Access])
	fmt.Fprintf(stdout, "send them this one-time link to choose a password (valid 72 hours):\n%s/invite?token=%s\n", publicBase(settings.For(fs).Config()), nu.InviteToken)
	if u.Role == store.RoleAdmin {
		fmt.Fprintln(stdout, "admins set up two-step sign-in (an authenticator app) at their first sign-in")
	}
	return nil
}

func userList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user list", "user list", stderr)
	var cfg config
	cfg.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
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

// updateUser is what the user subcommands that change one user share:
// read the EMAIL argument, find that user, and make the change through the
// service (which checks the principal may). It returns the user as changed.
func updateUser(ctx context.Context, act *actingFlags, fs *flag.FlagSet, args []string, change func(store.User) service.UserUpdate) (store.User, error) {
	pos, err := parseOne(fs, args)
	if err != nil {
		return store.User{}, err
	}
	x, err := act.open(ctx)
	if err != nil {
		return store.User{}, err
	}
	defer x.Close()
	u, err := x.store.UserByEmail(ctx, pos[0])
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("there is no Scribe user with the e-mail %s", pos[0])
	}
	if err != nil {
		return u, err
	}
	return x.svc.UpdateUser(ctx, x.by, change(u))
}

func userRole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user role", "user role EMAIL --role admin|clinician|supervisor [--part2-access]", stderr)
	act := registerActing(fs)
	role := fs.String("role", "", "admin, clinician or supervisor (required)")
	part2 := fs.Bool("part2-access", false, "may see 42 CFR Part 2 (substance-use program) records (omitted: no access)")
	u, err := updateUser(ctx, act, fs, args, func(u store.User) service.UserUpdate {
		return service.UserUpdate{UserID: u.ID, Change: service.ChangeRole, Role: *role, Part2Access: *part2}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s is now %s%s; they were signed out everywhere\n", u.Email, u.Role, map[bool]string{true: " with Part 2 access", false: ""}[u.Part2Access])
	return nil
}

func userToggle(change service.UserChange) runFunc {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("user "+string(change), "user "+string(change)+" EMAIL", stderr)
		act := registerActing(fs)
		u, err := updateUser(ctx, act, fs, args, func(u store.User) service.UserUpdate {
			return service.UserUpdate{UserID: u.ID, Change: change}
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s %sd\n", u.Email, change)
		return nil
	}
}

// phraseFlags is a flag given once per phrase.
type phraseFlags []string

func (p *phraseFlags) String() string     { return strings.Join(*p, "; ") }
func (p *phraseFlags) Set(v string) error { *p = append(*p, v); return nil }

func userStyle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, userUsage, map[string]runFunc{"show": userStyleShow, "set": userStyleSet})
}

func userStyleShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user style show", "user style show --as EMAIL", stderr)
	act := registerActing(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	if err := styleOwner(x.by); err != nil {
		return err
	}
	st, err := x.svc.Style(ctx, x.by)
	if err != nil {
		return err
	}
	printStyle(stdout, x.by.Email, st)
	return nil
}

func userStyleSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user style set", "user style set --as EMAIL [--length short|standard|detailed] [--person first|third] [--headings on|off] [--avoid PHRASE]... [--examples]", stderr)
	act := registerActing(fs)
	var in service.StyleInput
	var avoid phraseFlags
	fs.StringVar(&in.NoteLength, "length", "", "short, standard or detailed (omitted: no preference)")
	fs.StringVar(&in.Person, "person", "", "first or third person (omitted: no preference, the drafts use the third)")
	fs.StringVar(&in.Headings, "headings", "", "on or off: whether the note is pasted with its section headings (omitted: no preference)")
	fs.Var(&avoid, "avoid", "a phrase the drafts should not use (repeat for each phrase)")
	fs.BoolVar(&in.Examples, "examples", false, "show the model your two most recent signed notes as examples of your style (redacted; never a Part 2 record)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	in.Avoid = avoid
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	if err := styleOwner(x.by); err != nil {
		return err
	}
	st, err := x.svc.SetStyle(ctx, x.by, in)
	if err != nil {
		return err
	}
	printStyle(stdout, x.by.Email, st)
	return nil
}

// styleOwner refuses the host operator: a note style is a clinician's own.
func styleOwner(by store.User) error {
	if by.Email == "" {
		return errors.New("a note style belongs to a clinician or supervisor: name them with --as EMAIL")
	}
	return nil
}

func printStyle(w io.Writer, email string, st store.ClinicianStyle) {
	or := func(v, none string) string {
		if v == "" {
			return none
		}
		return v
	}
	fmt.Fprintf(w, "note style of %s\n", email)
	fmt.Fprintf(w, "length:   %s\n", or(st.NoteLength, "no preference"))
	fmt.Fprintf(w, "person:   %s\n", or(st.Person, "no preference"))
	fmt.Fprintf(w, "headings: %s\n", or(st.Headings, "no preference"))
	if len(st.Avoid) == 0 {
		fmt.Fprintln(w, "avoid:    none")
	}
	for _, p := range st.Avoid {
		fmt.Fprintf(w, "avoid:    %s\n", p)
	}
	fmt.Fprintf(w, "examples: %s\n", map[bool]string{true: "your recent signed notes are shown to the model", false: "off"}[st.Examples])
}
