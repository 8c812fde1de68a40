package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/web"
)

// publicBase is the base URL printed in links: public_url, else the
// listen address (https when a TLS certificate is configured).
func publicBase(sc *settings.Config) string {
	if sc.PublicURL != "" {
		return strings.TrimRight(sc.PublicURL, "/")
	}
	scheme := "http"
	if sc.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + sc.ListenAddr
}

// mountWeb serves the web app at "/" (the health checks and the call relay
// keep their own, more specific patterns).
func mountWeb(ctx context.Context, mux *http.ServeMux, a *app) error {
	sc := a.settings
	cfg := web.Config{
		Store: a.store, Blobs: a.blobs, Sealer: a.blobs, Now: time.Now, IdleTimeout: sc.IdleTimeout,
		Secure:         sc.TLSCert != "",
		PublicURL:      sc.PublicURL,
		PracticeName:   sc.PracticeName,
		TrustedProxies: sc.TrustedProxyPrefixes(),
		Logger:         a.log,
		NewJoinToken:   func() (string, string) { t := newJoinToken(); return t, pipeline.HashJoinToken(t) },
		Ingester:       &pipeline.Ingester{Store: a.store, Blobs: a.blobs},
		UploadStall:    sc.UploadStall,
		Audit:          a.cfg.auditTrust(""),
		Doctor:         doctor.Options{ListenAddr: sc.ListenAddr},
	}
	// River's job dashboard under /admin/jobs (the web app allows admins only).
	jobs, err := a.store.JobsDashboard(ctx, "/admin/jobs")
	if err != nil {
		return err
	}
	cfg.JobsUI = jobs
	srv, err := web.New(ctx, cfg)
	if err != nil {
		return err
	}
	link, err := srv.SetupLink(ctx)
	if err != nil {
		return fmt.Errorf("create the set-up link: %w", err)
	}
	if link != "" {
		fmt.Fprintf(os.Stderr, "\nScribe has no users yet. Create the first admin with this one-time link;\na short set-up then walks you through model providers, retention and the first clinician:\n\n    %s%s\n\n", publicBase(sc), link)
	}
	srv.Mount(mux)
	return nil
}
