// Command scribe is Scribe's one binary: the server, the pipeline's
// workers, and the command-line tools for admins and scripts. It only
// wires: flags and environment into calls on the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/validate"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every command, in the order the usage shows them; each
// is registered here, explicitly, not from its file's init.
func commands() []command {
	return []command{
		{"serve", "run the web app, call relay and pipeline workers", cmdServe},
		{"migrate", "apply database migrations and exit", cmdMigrate},
		{"ingest", "ingest a WAV recording as a new session", cmdIngest},
		{"session", "list, show or create sessions", cmdSession},
		{"provider", "add or list model providers (with BAA status)", cmdProvider},
		{"draft", "show, edit, sign, reject, addend or regenerate a session's note", cmdDraft},
		{"template", "add or list note templates", cmdTemplate},
		{"redact", "redact identifiers from text on standard input (JSON out)", cmdRedact},
		{"audit", "verify or export the audit log", cmdAudit},
		{"user", "add, list or change web app users", cmdUser},
		{"client", "list or show clients; add or remove care-team members", cmdClient},
		{"consent", "add, revoke or list consent records; add consent text versions", cmdConsent},
		{"disclosures", "accounting of disclosures of a client's Part 2 records (text or CSV)", cmdDisclosures},
		{"export", "export a session's note as FHIR R4 or HL7 v2 MDM^T02", cmdExport},
		{"charges", "the billing codes confirmed at signing in a period, as CSV for billing staff", cmdCharges},
		{"retention", "show or set the retention policy, sweep, place or lift legal holds", cmdRetention},
		{"backup", "back up the database snapshot, blobs and keys into one tar.gz", cmdBackup},
		{"restore", "restore a backup into an empty data dir and verify its audit log", cmdRestore},
		{"eval", "score note quality on the SYNTHETIC gold set, providers side by side (docs/quality.md)", cmdEval},
		{"doctor", "check the installation: database, key, disk, providers, BAAs, HTTPS, audit log", cmdDoctor},
		{"demo", "load (or --remove) a SAMPLE client with a finished session and draft, to try Scribe without a model", cmdDemo},
		{"config", "print the effective configuration and where each value came from", cmdConfig},
		{"version", "print the version", cmdVersion},
	}
}

// processLog is the command-line tools' logger (see main); tests leave it
// nil, and openApp then logs nothing.
var processLog *slog.Logger

// errUsage is returned after a usage message has been printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	privateUmask()
	// The process logger, from log_level and log_format of the environment
	// and the SCRIBE_CONFIG file: the command-line tools hand it to the
	// store they open (openApp). serve builds its own from its resolved
	// settings and passes it down. slog's default logger is never set: every
	// package logs through the logger it is given.
	base, err := settings.Load()
	if err != nil {
		d := settings.Defaults()
		base = &d
	}
	processLog = base.NewLogger(os.Stderr)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "scribe %s: %s\n", c.name, cliMessage(err))
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "scribe: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// cliMessage is the one line an error prints: a refused value is named by
// its flag (a validation error's field is the flag's name).
func cliMessage(err error) string {
	if ve, ok := validate.As(err); ok {
		return ve.Phrase(flagFor(ve.Field))
	}
	return oneLine(err)
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Scribe — ambient AI documentation for behavioral-health telehealth.")
	fmt.Fprintln(w, "\nUsage: scribe COMMAND [flags] [args]   (scribe COMMAND --help for each)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nSettings come from flags, the environment (DATABASE_URL, SCRIBE_DATA_DIR, SCRIBE_ADDR, SCRIBE_MASTER_KEY …)")
	fmt.Fprintln(w, "or a TOML file (--config FILE or $SCRIBE_CONFIG); docs/configuration.md lists every one, and")
	fmt.Fprintln(w, "`scribe config` shows what is in effect and where each value came from.")
}

// newFlags makes a FlagSet whose --help prints the command's usage.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("scribe "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: scribe %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// takeSub takes a subcommand off args. Help prints the usage (exit 0); a
// missing or unknown subcommand prints it and fails with errUsage.
func takeSub(args []string, usage string, stderr io.Writer, valid ...string) (string, []string, error) {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	for _, v := range valid {
		if sub == v {
			return sub, args, nil
		}
	}
	fmt.Fprintln(stderr, usage)
	if sub == "-h" || sub == "--help" || sub == "help" {
		return "", nil, flag.ErrHelp
	}
	return "", nil, errUsage
}

type runFunc = func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// dispatch runs the subcommand named by args[0].
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, usage string, subs map[string]runFunc) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sub, rest, err := takeSub(args, usage, stderr, names...)
	if err != nil {
		return err
	}
	return subs[sub](ctx, rest, stdout, stderr)
}

// shared makes the subcommands of a command whose subcommands share one
// flag set, for dispatch: each runs run with its own name.
func shared(run func(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error, names ...string) map[string]runFunc {
	subs := make(map[string]runFunc, len(names))
	for _, n := range names {
		subs[n] = func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return run(ctx, n, args, stdout, stderr)
		}
	}
	return subs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // flag.Parse reports it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	// The settings the command registered (internal/config) are completed
	// from the environment, the --config file and the defaults, and checked.
	if _, err := settings.Resolve(fs); err != nil {
		return nil, err
	}
	return pos, nil
}

// parseOne parses flags and requires exactly one positional argument
// (a session ID or a file), printing the usage otherwise.
func parseOne(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

func sortedNames[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
