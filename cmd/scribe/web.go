package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/web"
)

func init() { mounts = append(mounts, mountWeb) }

// publicBase is the base URL printed in links: $SCRIBE_PUBLIC_URL, else the
// listen address (https when a TLS certificate is configured).
func publicBase() string {
	if u := os.Getenv("SCRIBE_PUBLIC_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	scheme := "http"
	if tlsConfigured() {
		scheme = "https"
	}
	if serveOpts.addr != "" {
		return scheme + "://" + serveOpts.addr
	}
	return scheme + "://" + envOr("SCRIBE_ADDR", "127.0.0.1:8080")
}

func tlsConfigured() bool {
	return os.Getenv("SCRIBE_TLS_CERT") != "" && os.Getenv("SCRIBE_TLS_KEY") != ""
}

// mountWeb serves the web app at "/" (the health checks and the call relay
// keep their own, more specific patterns).
func mountWeb(ctx context.Context, mux *http.ServeMux, a *app) error {
	idle := 15 * time.Minute
	if v := os.Getenv("SCRIBE_IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return fmt.Errorf("SCRIBE_IDLE_TIMEOUT must be a duration of at least 1m (for example 15m), not %q", v)
		}
		idle = d
	}
	cfg := web.Config{
		Store: a.store, Blobs: a.blobs, Sealer: a.blobs, Now: time.Now, IdleTimeout: idle,
		Secure:       tlsConfigured(),
		PublicURL:    os.Getenv("SCRIBE_PUBLIC_URL"),
		NewJoinToken: func() (string, string) { t := newJoinToken(); return t, pipeline.HashJoinToken(t) },
		Ingester:     &pipeline.Ingester{Store: a.store, Blobs: a.blobs},
		UploadStall:  serveOpts.uploadStall,
		Audit:        a.cfg.auditTrust(""),
		Doctor:       doctor.Options{ListenAddr: serveOpts.addr},
	}
	if jobsUI != nil {
		h, err := jobsUI(ctx, a)
		if err != nil {
			return err
		}
		cfg.JobsUI = h
	}
	srv, err := web.New(ctx, cfg)
	if err != nil {
		return err
	}
	link, err := srv.SetupLink(ctx)
	if err != nil {
		return fmt.Errorf("create the set-up link: %w", err)
	}
	if link != "" {
		fmt.Fprintf(os.Stderr, "\nScribe has no users yet. Create the first admin with this one-time link:\n\n    %s%s\n\n", publicBase(), link)
	}
	srv.Mount(mux)
	return nil
}

// jobsUI builds the River job dashboard for /admin/jobs/ when set.
var jobsUI func(ctx context.Context, a *app) (http.Handler, error)
