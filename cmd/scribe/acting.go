package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
)

// acting is what a command that reads or changes data starts with: the
// open app, the principal it acts as (--as, or the host operator) and the
// service layer every operation goes through. It replaces the
// "open the app → resolve the principal → read the session" preamble each
// command used to repeat.
type acting struct {
	*app
	by  store.User
	svc *service.Service
}

// actingFlags registers what openActing needs: the data flags and --as.
type actingFlags struct {
	cfg config
	as  *string
}

func registerActing(fs *flag.FlagSet) *actingFlags {
	f := &actingFlags{}
	f.cfg.register(fs)
	f.as = asFlag(fs)
	return f
}

// open opens the app and resolves the principal named by --as.
func (f *actingFlags) open(ctx context.Context) (*acting, error) {
	return openActing(ctx, f.cfg, *f.as)
}

// openActing opens the app and resolves the principal: the Scribe user
// with the e-mail as, or the host operator when as is empty.
func openActing(ctx context.Context, cfg config, as string) (*acting, error) {
	a, err := openApp(ctx, cfg)
	if err != nil {
		return nil, err
	}
	u, err := principal(ctx, a, as)
	if err != nil {
		a.Close()
		return nil, err
	}
	return &acting{app: a, by: u, svc: a.service()}, nil
}

// service is the service layer over this app's store.
func (a *app) service() *service.Service {
	return &service.Service{Store: a.store, Blobs: a.blobs}
}

// session reads a session the principal may see.
func (x *acting) session(ctx context.Context, id string) (store.Session, error) {
	return x.svc.Session(ctx, x.by, id)
}

// principal is who a command acts as: the Scribe user named by --as, or the
// host operator (whoever holds the data directory and its keys).
func principal(ctx context.Context, a *app, as string) (store.User, error) {
	if strings.TrimSpace(as) == "" {
		return service.Operator(cliActor()), nil
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
