package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/store"
)

// A command that acts as a clinician (signs, edits or rejects a note,
// re-identifies it, revokes a consent in their name) proves who is acting
// with that person's own credential, never with a name on the command line:
// a personal API token made on their account page in the web app, or their
// password and authenticator code typed at a terminal. The audit entries
// then name that person.

// errNoCredential is the answer when no credential was given.
var errNoCredential = errors.New("this command acts as a clinician, so it needs that clinician's own credential: " +
	"a personal API token from your account page in the web app, in a file only you can read (--token-file FILE) or in SCRIBE_TOKEN; " +
	"or run it at a terminal to enter your web app e-mail, password and authenticator code")

// credential is how a command finds the acting person's credential.
type credential struct {
	tokenFile string
	envToken  string // the token setting (SCRIBE_TOKEN)
}

func (c *credential) register(fs *flag.FlagSet) {
	settings.Var(fs, &c.tokenFile, "token_file")
	settings.Var(fs, &c.envToken, "token")
}

func (a *app) authService() *auth.Service {
	return &auth.Service{Store: a.store, Sealer: a.blobs, Now: time.Now}
}

// actingUser returns the web app user a command acts for, proven by their
// credential. claimed, when given (--clinician, --actor, --by), must be
// that user. purpose names the command in the audit log.
func (a *app) actingUser(ctx context.Context, cred credential, claimed, purpose string, stderr io.Writer) (store.User, error) {
	svc := a.authService()
	var u store.User
	tok, err := cred.token()
	switch {
	case err != nil:
		return u, err
	case tok != "":
		if u, err = svc.UserForToken(ctx, tok, purpose); err != nil {
			return u, err
		}
	case term.IsTerminal(int(os.Stdin.Fd())):
		if u, err = promptSignIn(ctx, svc, claimed, purpose, stderr); err != nil {
			return u, err
		}
	default:
		return u, errNoCredential
	}
	if claimed != "" && store.NormalizeEmail(claimed) != u.Email {
		return store.User{}, fmt.Errorf("the credential given is %s's, not %s's: a command acts only as the person whose credential it has", u.Email, claimed)
	}
	return u, nil
}

// token reads the API token from --token-file or SCRIBE_TOKEN ("" when neither).
func (c credential) token() (string, error) {
	if c.tokenFile == "" {
		return strings.TrimSpace(c.envToken), nil
	}
	fi, err := os.Stat(c.tokenFile)
	if err != nil {
		return "", fmt.Errorf("read the token file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("the token file %s can be read by other users (mode %04o); make it yours alone with: chmod 600 %s", c.tokenFile, fi.Mode().Perm(), c.tokenFile)
	}
	b, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return "", fmt.Errorf("read the token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("the token file %s is empty", c.tokenFile)
	}
	return tok, nil
}

// promptSignIn asks the person at the terminal for their e-mail, password
// and second factor, with the web app's rules: the same failure counters,
// locks and back-off.
func promptSignIn(ctx context.Context, svc *auth.Service, claimed, purpose string, stderr io.Writer) (store.User, error) {
	in := bufio.NewReader(os.Stdin)
	fd := int(os.Stdin.Fd())
	email := claimed
	if email == "" {
		fmt.Fprint(stderr, "Web app e-mail: ")
		line, err := in.ReadString('\n')
		if err != nil {
			return store.User{}, errors.New("no e-mail was entered")
		}
		email = strings.TrimSpace(line)
	}
	fmt.Fprintf(stderr, "Password for %s: ", email)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return store.User{}, fmt.Errorf("read the password: %w", err)
	}
	u, err := svc.CheckPassword(ctx, email, string(pw))
	if err != nil {
		return u, err
	}
	method := "password"
	switch {
	case u.TOTPEnabled:
		fmt.Fprint(stderr, "Authenticator code (or a recovery code): ")
		code, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return store.User{}, fmt.Errorf("read the code: %w", err)
		}
		if err := svc.CheckSecondFactor(ctx, u, string(code), "cli", nil); err != nil {
			return store.User{}, err
		}
		method = "password+second factor"
	case svc.SecondFactorRequired(ctx, u):
		return store.User{}, errors.New("your account must set up two-step sign-in in the web app before it can act from the command line")
	}
	err = svc.Store.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.cli", EntityType: "user", EntityID: u.ID,
		Details: map[string]string{"for": purpose, "method": method}})
	return u, err
}

// principalOrCredential is who a command acts as. A command that acts in a
// person's name (signing, editing, revoking) needs that person's own
// credential, and the credential's owner is then the principal: the one
// rule for which clients and sessions they may see applies to them, and a
// user named by --as must be the same person. Otherwise it is principal.
func (a *app) principalOrCredential(ctx context.Context, needsCredential bool, cred credential, as, claimed, purpose string, stderr io.Writer, roles ...string) (store.User, error) {
	if !needsCredential {
		return principal(ctx, a, as)
	}
	u, err := a.actingUser(ctx, cred, claimed, purpose, stderr)
	if err != nil {
		return u, err
	}
	if as != "" && store.NormalizeEmail(as) != u.Email {
		return store.User{}, fmt.Errorf("the credential given is %s's, not %s's: a command acts only as the person whose credential it has", u.Email, as)
	}
	if len(roles) > 0 && !slices.Contains(roles, u.Role) {
		return store.User{}, fmt.Errorf("this is done by a %s; %s is a %s", strings.Join(roles, " or "), u.Email, u.Role)
	}
	return u, nil
}
