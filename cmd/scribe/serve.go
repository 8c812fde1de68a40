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
	"os"
	"strings"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/version"
	"github.com/scribe-health/scribe/internal/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--addr HOST:PORT] [--data-dir DIR] [--workers N]", stderr)
	var cfg config
	cfg.register(fs)
	addr := fs.String("addr", envOr("SCRIBE_ADDR", "127.0.0.1:8080"), "listen address [$SCRIBE_ADDR]")
	workers := fs.Int("workers", 4, "pipeline jobs worked at once by this process")
	fs.StringVar(&serveOpts.iceServers, "ice-servers", envOr("SCRIBE_ICE_SERVERS", ""), "comma-separated STUN/TURN URLs for calls (turn:user:pass@host:port for TURN) [$SCRIBE_ICE_SERVERS]; none needed on one network")
	fs.IntVar(&serveOpts.udpPort, "webrtc-udp-port", envInt("SCRIBE_WEBRTC_UDP_PORT", 0), "carry all call media on this one UDP port (for firewalls) [$SCRIBE_WEBRTC_UDP_PORT]")
	fs.StringVar(&serveOpts.publicIP, "webrtc-public-ip", envOr("SCRIBE_WEBRTC_PUBLIC_IP", ""), "public IP address(es), comma-separated, to announce for call media when this server is behind 1:1 NAT (a cloud VM's elastic IP) [$SCRIBE_WEBRTC_PUBLIC_IP]")
	fs.DurationVar(&serveOpts.maxCall, "max-call-duration", envDuration("SCRIBE_MAX_CALL_DURATION", capture.DefaultMaxDuration), "a call still open after this long ends (and moves on to the draft) [$SCRIBE_MAX_CALL_DURATION]")
	fs.DurationVar(&serveOpts.aloneTimeout, "call-alone-timeout", envDuration("SCRIBE_CALL_ALONE_TIMEOUT", capture.DefaultAloneTimeout), "a participant alone this long after the others left is disconnected: the session ends if that participant is being recorded, else it stays open for a rejoin [$SCRIBE_CALL_ALONE_TIMEOUT]")
	fs.BoolVar(&serveOpts.keepAudioOnRevoke, "keep-audio-on-revoke", false, "retention policy: keep audio already captured when a participant stops the AI scribe (default: purge it)")
	fs.DurationVar(&serveOpts.httpTimeout, "http-timeout", envDuration("SCRIBE_HTTP_TIMEOUT", defaultHTTPTimeout), "longest time to read a request (headers and body) and to write its answer; recording uploads are paced by --upload-stall instead [$SCRIBE_HTTP_TIMEOUT]")
	fs.DurationVar(&serveOpts.uploadStall, "upload-stall", envDuration("SCRIBE_UPLOAD_STALL", web.DefaultUploadStall), "a recording upload that sends nothing for this long, or averages under 64 KiB/s over the time the server waited for it, is stopped and nothing of it kept [$SCRIBE_UPLOAD_STALL]")
	cfg.registerAuditWitness(fs)
	cpEvery := fs.Int64("audit-checkpoint-every", int64(envInt("SCRIBE_AUDIT_CHECKPOINT_EVERY", 1000)), "sign the audit chain head (Ed25519; also appended to the witness) after this many new entries [$SCRIBE_AUDIT_CHECKPOINT_EVERY]")
	cpInterval := fs.Duration("audit-checkpoint-interval", envDuration("SCRIBE_AUDIT_CHECKPOINT_INTERVAL", 10*time.Minute), "and at least this often while entries arrive, so no entry stays unsigned longer [$SCRIBE_AUDIT_CHECKPOINT_INTERVAL]")
	var tlsCert, tlsKey string
	fs.StringVar(&tlsCert, "tls-cert", envOr("SCRIBE_TLS_CERT", ""), "TLS certificate file: serve HTTPS (browsers need a secure context for calls away from localhost) [$SCRIBE_TLS_CERT]")
	fs.StringVar(&tlsKey, "tls-key", envOr("SCRIBE_TLS_KEY", ""), "TLS private key file [$SCRIBE_TLS_KEY]")
	metricsToken := fs.String("metrics-token", envOr("SCRIBE_METRICS_TOKEN", ""), "bearer token that GET /metrics requires; empty: /metrics is open (keep it off the public proxy) [$SCRIBE_METRICS_TOKEN]")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	for _, err := range []error{checkWorkers(*workers), validate.Duration("http-timeout", serveOpts.httpTimeout, 100*time.Millisecond, time.Hour),
		validate.Duration("upload-stall", serveOpts.uploadStall, 100*time.Millisecond, time.Hour)} {
		if err != nil {
			return err
		}
	}
	if (tlsCert == "") != (tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(tlsCert, tlsKey); err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		// The web app reads these to mark cookies Secure and send HSTS.
		os.Setenv("SCRIBE_TLS_CERT", tlsCert)
		os.Setenv("SCRIBE_TLS_KEY", tlsKey)
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	obs, err := startObservability(ctx, a)
	if err != nil {
		return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
	}
	defer obs.stop(context.WithoutCancel(ctx))
	if err := a.startServeWorkers(ctx, *workers, obs.tracing.RiverMiddleware()...); err != nil {
		return err
	}
	if *cpEvery < 1 || *cpInterval < time.Second {
		return fmt.Errorf("--audit-checkpoint-every must be at least 1 and --audit-checkpoint-interval at least 1s")
	}
	// Automatic audit checkpoints; the last one is signed after the web app
	// and the workers have stopped, so a clean shutdown leaves no unsigned tail.
	cpCtx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		(&compliance.Checkpointer{Store: a.store, Trust: a.cfg.auditTrust(""), Every: *cpEvery, Interval: *cpInterval}).Run(cpCtx)
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
			slog.Warn("readiness check failed", "error", err)
			http.Error(w, "database not ready", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ready\n")
	})
	obs.mount(mux, *metricsToken)
	serveOpts.addr = *addr
	for _, m := range mounts {
		if err := m(ctx, mux, a); err != nil {
			return err
		}
	}
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := newHTTPServer(obs.tracing.HTTP(securityHeaders(bodyLimits(mux))), serveOpts.httpTimeout)
	slog.Info("scribe serving", "addr", ln.Addr().String(), "version", version.Version, "database", a.store.Dialect(), "data_dir", cfg.dataDir)
	scheme := "http"
	if tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Scribe %s listening on %s://%s (database: %s)\n", version.Version, scheme, ln.Addr(), a.store.Dialect())
	errc := make(chan error, 1)
	if tlsCert != "" && tlsKey != "" {
		go func() { errc <- srv.ServeTLS(ln, tlsCert, tlsKey) }()
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

// defaultHTTPTimeout bounds reading a request and writing its answer: a
// form post or a page is far quicker; a client holding a connection open
// with a body that never finishes is cut off after it.
const defaultHTTPTimeout = time.Minute

// newHTTPServer sets every timeout. ReadTimeout covers the whole request,
// body included, so it alone would cut off a long recording upload; that
// one route (POST /ingest) lifts it and paces its body instead (per-read
// deadlines through http.ResponseController: --upload-stall), which holds a
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

// serveOpts are serve's flags that features read when they mount.
var serveOpts struct {
	addr              string // the listen address, for links printed at start-up
	iceServers        string
	udpPort           int
	publicIP          string
	maxCall           time.Duration
	aloneTimeout      time.Duration
	keepAudioOnRevoke bool
	httpTimeout       time.Duration
	uploadStall       time.Duration
}

// closers run when serve stops (before workers stop).
var closers []func()

// mounts lets a feature add its routes from its own file (in init): the web
// app, the call relay. They run after the app is open and workers started.
var mounts []func(ctx context.Context, mux *http.ServeMux, a *app) error

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
