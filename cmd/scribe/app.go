package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os/user"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/web"
)

// config is what every command that touches data shares. Its values come
// from internal/config (flag > environment > --config file > default),
// filled in when the command's flags are parsed (see parse).
type config struct {
	dataDir      string
	databaseURL  string
	blobStore    string // "dir" or "database"
	masterKey    string // "" = DATA_DIR/master.key
	auditWitness string // "" = DATA_DIR/audit-witness.jsonl
	// log is the logger handed to the store and everything that runs on it
	// (nil: the process logger main set up).
	log *slog.Logger
}

func (c *config) register(fs *flag.FlagSet) {
	settings.Var(fs, &c.dataDir, "data_dir")
	settings.Var(fs, &c.blobStore, "blob_store")
	settings.Var(fs, &c.databaseURL, "database_url")
	settings.Var(fs, &c.masterKey, "master_key")
}

// registerAuditWitness adds --audit-witness for the commands that write or
// read audit checkpoints.
func (c *config) registerAuditWitness(fs *flag.FlagSet) {
	settings.Var(fs, &c.auditWitness, "audit_witness")
}

// auditTrust is what audit verification trusts outside the database.
func (c config) auditTrust(pinnedKey string) compliance.AuditTrust {
	return compliance.AuditTrust{DataDir: c.dataDir, PublicKey: pinnedKey, Witness: c.auditWitness}
}

// blobStore is the encrypted object store the app uses (a blob.Dir or a
// blob.Table); it also seals small secrets for the web app.
type blobStore interface {
	blob.Store
	web.Sealer
}

type app struct {
	cfg   config
	store *store.Store
	blobs blobStore
	// settings and log are serve's resolved configuration and logger (nil
	// in the other commands).
	settings *settings.Config
	log      *slog.Logger
}

func openApp(ctx context.Context, cfg config) (*app, error) {
	if cfg.log == nil {
		cfg.log = processLog
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	if err := store.PrivateDir(cfg.dataDir, cfg.log); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.dataDir, err)
	}
	if cfg.blobStore == "" {
		cfg.blobStore = "dir"
	}
	if cfg.blobStore != "dir" && cfg.blobStore != "database" {
		return nil, fmt.Errorf("blob_store %q: want dir or database", cfg.blobStore)
	}
	kek, created, err := blob.LoadKEK(cfg.dataDir, cfg.masterKey)
	if err != nil {
		return nil, err
	}
	if created {
		cfg.log.Warn("created a local master key file; production deployments should supply master_key (SCRIBE_MASTER_KEY) from a secret manager", "path", filepath.Join(cfg.dataDir, "master.key"))
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: cfg.databaseURL, DataDir: cfg.dataDir, Logger: cfg.log})
	if err != nil {
		return nil, err
	}
	var blobs blobStore
	if cfg.blobStore == "database" {
		blobs, err = blob.NewTable(st, kek)
	} else {
		blobs, err = blob.NewDir(filepath.Join(cfg.dataDir, "blobs"), kek)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return &app{cfg: cfg, store: st, blobs: blobs}, nil
}

func (a *app) Close() error { return a.store.Close() }

func (a *app) deps() pipeline.Deps {
	return pipeline.Deps{Store: a.store, Blobs: a.blobs, Now: time.Now, ProviderPolicy: modelcall.Policy{Log: a.store.Logger()}}
}

func (a *app) startWorkers(ctx context.Context, concurrency int) error {
	return pipeline.Start(ctx, a.deps(), store.WorkerOptions{Concurrency: concurrency})
}

// startServeWorkers also schedules the hourly retention sweep.
func (a *app) startServeWorkers(ctx context.Context, concurrency int, mw ...rivertype.Middleware) error {
	return pipeline.Start(ctx, a.deps(), store.WorkerOptions{Concurrency: concurrency, Periodic: []*river.PeriodicJob{retention.Periodic(), pipeline.ExpirePeriodic()}, Middleware: mw})
}

// cliActor names the person at the terminal for the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
