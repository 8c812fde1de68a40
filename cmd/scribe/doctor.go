package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/scribe-health/scribe/internal/doctor"
	"github.com/scribe-health/scribe/internal/store"
)

// errChecksFailed: scribe doctor found a failing check (exit 1; the report
// has been printed).
type errChecksFailed int

func (e errChecksFailed) Error() string {
	return fmt.Sprintf("%d check(s) failed; put them right as each one says and run scribe doctor again", int(e))
}

func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("doctor", "doctor [--data-dir DIR] [--no-calls] [--json]\n\nChecks the database and its migrations, the master key, disk space, each model provider\n(reachable, model listed, a one-second transcription and a JSON chat answer), BAA dates,\nthe public address against HTTPS, and the audit log. Changes nothing; sends providers only\nsynthetic test data. Exits 1 when a check fails (warnings alone exit 0).", stderr)
	var cfg config
	cfg.register(fs)
	cfg.registerAuditWitness(fs)
	var opt doctor.Options
	fs.StringVar(&opt.PublicURL, "public-url", envOr("SCRIBE_PUBLIC_URL", ""), "the address people reach Scribe at [$SCRIBE_PUBLIC_URL]")
	tlsCert := fs.String("tls-cert", envOr("SCRIBE_TLS_CERT", ""), "the TLS certificate scribe serve is given, if any [$SCRIBE_TLS_CERT]")
	proxies := fs.String("trusted-proxies", envOr("SCRIBE_TRUSTED_PROXIES", ""), "reverse proxies scribe serve believes, comma-separated [$SCRIBE_TRUSTED_PROXIES]")
	fs.StringVar(&opt.ListenAddr, "addr", envOr("SCRIBE_ADDR", "127.0.0.1:8080"), "the address scribe serve listens on [$SCRIBE_ADDR]")
	fs.BoolVar(&opt.SkipModelCalls, "no-calls", false, "read each provider's model list but send no transcription or chat test")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	opt.TLS = *tlsCert != ""
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opt.TrustedProxies = append(opt.TrustedProxies, p)
		}
	}
	opt.DataDir = cfg.dataDir
	opt.Audit = cfg.auditTrust("")
	// The check looks without changing: no migration is applied.
	st, err := store.Open(ctx, store.Options{DatabaseURL: cfg.databaseURL, DataDir: cfg.dataDir, SkipMigrations: true})
	if err != nil {
		opt.OpenErr = err
	} else {
		defer st.Close()
		opt.Store = st
	}
	rep := doctor.Run(ctx, opt)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, rep)
	}
	if _, _, fail := rep.Counts(); fail > 0 {
		return errChecksFailed(fail)
	}
	return nil
}

func printReport(w io.Writer, rep doctor.Report) {
	for _, r := range rep.Results {
		mark := map[doctor.Status]string{doctor.OK: "ok  ", doctor.Warn: "WARN", doctor.Fail: "FAIL"}[r.Status]
		fmt.Fprintf(w, "%s  %s: %s\n", mark, r.Check, r.Detail)
		if r.Fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", r.Fix)
		}
	}
	ok, warn, fail := rep.Counts()
	fmt.Fprintf(w, "\n%d ok, %d warning(s), %d failed\n", ok, warn, fail)
}
