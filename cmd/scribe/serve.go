package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/compliance"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/version"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--addr HOST:PORT] [--data-dir DIR] [--workers N] [--config FILE]", stderr)
	var cfg config
	cfg.register(fs)
	cfg.registerAuditWitness(fs)
	loader := settings.For(fs)
	loader.Flags("listen_addr", "public_url", "practice_name", "workers", "tls_cert", "tls_key", "trusted_proxies", "http_timeout", "upload_stall", "idle_timeout",
		"ice_servers", "webrtc_udp_port", "webrtc_public_ip", "max_call_duration", "call_alone_timeout", "keep_audio_on_revoke",
		"turn_enabled", "turn_udp_port", "turn_realm", "turn_public_ip", "turn_credential_ttl",
		"audit_checkpoint_every", "audit_checkpoint_interval", "log_level", "log_format", "metrics_token")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	sc := loader.Config()
	// serve's logger goes to everything it runs: the store (and through it
	// River, the stages, retention, audit checkpoints, provider calls), the
	// call relay, the TURN server and the web app.
	log := sc.NewLogger(stderr)
	if sc.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(sc.TLSCert, sc.TLSKey); err != nil {
			return fmt.Errorf("tls_cert, tls_key: %w", err)
		}
	}
	cfg.log = log
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	a.settings, a.log = sc, log
	obs, err := startObservability(ctx, a)
	if err != nil {
		return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
	}
	defer obs.stop(context.WithoutCancel(ctx))
	if err := a.startServeWorkers(ctx, sc.Workers, obs.tracing.RiverMiddleware()...); err != nil {
		return err
	}
	// Automatic audit checkpoints; the last one is signed after the web app
	// and the workers have stopped, so a clean shutdown leaves no unsigned tail.
	cpCtx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		(&compliance.Checkpointer{Store: a.store, Trust: a.cfg.auditTrust(""), Every: sc.AuditCheckpointEvery, Interval: sc.AuditCheckpointInterval}).Run(cpCtx)
	}()
	defer func() { stopCheckpoints(); <-cpDone }()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := a.store.ListSessions(rctx, "", 1); err != nil {
			log.Warn("readiness check failed", "error", err)
			http.Error(w, "database not ready", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ready\n")
	})
	obs.mount(mux, sc.MetricsToken)
	for _, m := range []func(ctx context.Context, mux *http.ServeMux, a *app) error{mountWeb, mountCalls} {
		if err := m(ctx, mux, a); err != nil {
			return err
		}
	}
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	ln, err := net.Listen("tcp", sc.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen_addr: listen on %s: %w", sc.ListenAddr, err)
	}
	srv := newHTTPServer(obs.tracing.HTTP(securityHeaders(bodyLimits(mux))), sc.HTTPTimeout)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	log.Info("scribe serving", "addr", ln.Addr().String(), "version", version.Version, "database", a.store.Dialect(), "data_dir", cfg.dataDir)
	scheme := "http"
	if sc.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Scribe %s listening on %s://%s (database: %s)\n", version.Version, scheme, ln.Addr(), a.store.Dialect())
	errc := make(chan error, 1)
	if sc.TLSCert != "" {
		go func() { errc <- srv.ServeTLS(ln, sc.TLSCert, sc.TLSKey) }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	err = a.store.StopWorkers(sctx)
	stopCheckpoints()
	<-cpDone
	return err
}

// newHTTPServer sets every timeout. ReadTimeout covers the whole request,
// body included, so it alone would cut off a long recording upload; that
// one route (POST /ingest) lifts it and paces its body instead (per-read
// deadlines through http.ResponseController: upload_stall), which holds a
// slow client to a minimum rate without limiting the upload's length.
// WebSocket connections (calls) have their deadlines cleared when hijacked.
func newHTTPServer(h http.Handler, timeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, timeout),
		ReadTimeout:       timeout,
		WriteTimeout:      timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// bodyLimits gives every request a body limit: the web app's routes carry
// their own (1 MiB, the recording upload 2 GiB, streamed); the health
// checks and the call relay read no body and get 64 KiB.
func bodyLimits(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "/" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		}
		mux.ServeHTTP(w, r)
	})
}

// closers run when serve stops (before workers stop).
var closers []func()

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(r.URL.Path, "/admin/jobs") { // River's dashboard brings its own assets
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'")
		}
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "migrate [--data-dir DIR]", stderr)
	var cfg config
	cfg.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg) // Open applies migrations
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.store.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrations applied (%s)\n", a.store.Dialect())
	return nil
}

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "version", stderr)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "scribe %s\n", version.Version)
	return nil
}
