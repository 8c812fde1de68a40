package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
)

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "verify":
		return auditVerify(ctx, args, stdout, stderr)
	case "export":
		return auditExport(ctx, args, stdout, stderr)
	case "checkpoint":
		return auditCheckpoint(ctx, args, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, "Usage: scribe audit verify [--public-key KEY] | export | checkpoint")
		return nil
	}
	fmt.Fprintln(stderr, "Usage: scribe audit verify [--public-key KEY] | export | checkpoint")
	return errUsage
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", "audit verify [--public-key KEY]", stderr)
	var cfg config
	cfg.register(fs)
	pinned := fs.String("public-key", "", "trust this audit checkpoint public key (base64, as printed by scribe audit checkpoint) instead of the key file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return auditVerifyReport(ctx, a, *pinned, stdout)
}

func auditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit export", "audit export [--since SEQ]", stderr)
	var cfg config
	cfg.register(fs)
	since := fs.Int64("since", 0, "only entries after this sequence number")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	enc := json.NewEncoder(stdout)
	return a.store.AuditEntries(ctx, *since, func(e audit.Entry) error {
		return enc.Encode(map[string]any{"seq": e.Seq, "time": time.UnixMilli(e.At).UTC().Format(time.RFC3339Nano), "actor": e.Actor, "action": e.Action,
			"entity_type": e.EntityType, "entity_id": e.EntityID, "outcome": e.Outcome, "details": e.Details, "prev_hash": e.PrevHash, "hash": e.Hash})
	})
}
