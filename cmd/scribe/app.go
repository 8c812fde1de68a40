package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/web"
)

// config is what every command that touches data shares.
type config struct {
	dataDir      string
	databaseURL  string
	blobStore    string // "dir" or "database"
	auditWitness string // "" = DATA_DIR/audit-witness.jsonl
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", envOr("SCRIBE_DATA_DIR", "./scribe-data"), "data directory (SQLite database, encrypted blobs, key file) [$SCRIBE_DATA_DIR]")
	fs.StringVar(&c.blobStore, "blob-store", envOr("SCRIBE_BLOB_STORE", "dir"), "where encrypted audio, transcripts and token maps are kept: dir (the data dir) or database (the blobs table; use it when several scribe processes share one PostgreSQL, with the same SCRIBE_MASTER_KEY) [$SCRIBE_BLOB_STORE]")
	c.databaseURL = os.Getenv("DATABASE_URL")
}

// registerAuditWitness adds --audit-witness for the commands that write or
// read audit checkpoints.
func (c *config) registerAuditWitness(fs *flag.FlagSet) {
	fs.StringVar(&c.auditWitness, "audit-witness", envOr("SCRIBE_AUDIT_WITNESS", ""), "append-only file that receives a copy of every audit checkpoint, outside the database (default DATA_DIR/"+audit.WitnessFile+"; point it at WORM storage) [$SCRIBE_AUDIT_WITNESS]")
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
}

func openApp(ctx context.Context, cfg config) (*app, error) {
	if err := store.PrivateDir(cfg.dataDir); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.dataDir, err)
	}
	if cfg.blobStore == "" {
		cfg.blobStore = "dir"
	}
	if cfg.blobStore != "dir" && cfg.blobStore != "database" {
		return nil, fmt.Errorf("--blob-store %q: want dir or database", cfg.blobStore)
	}
	kek, _, err := blob.LoadKEK(cfg.dataDir)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: cfg.databaseURL, DataDir: cfg.dataDir})
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
	return pipeline.Deps{Store: a.store, Blobs: a.blobs, Now: time.Now}
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
