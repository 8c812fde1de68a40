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
	return dispatch(ctx, args, stdout, stderr, "Usage: scribe audit verify [--public-key KEY] [--audit-witness PATH] | export [--format json|fhir] | checkpoint [--audit-witness PATH]",
		map[string]runFunc{"verify": auditVerify, "export": auditExport, "checkpoint": auditCheckpoint})
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", "audit verify [--public-key KEY] [--audit-witness PATH]\n\nExits 0 when the chain is intact, reaches every signed checkpoint of the database and of the witness,\nand the database still holds every witnessed checkpoint; otherwise exits 1 naming the first problem.", stderr)
	var cfg config
	cfg.register(fs)
	cfg.registerAuditWitness(fs)
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
	fs := newFlags("audit export", "audit export [--since SEQ] [--format json|fhir]", stderr)
	var cfg config
	cfg.register(fs)
	since := fs.Int64("since", 0, "only entries after this sequence number")
	format := fs.String("format", "json", "json: one entry per line with every stored field; fhir: one FHIR R4 AuditEvent per line")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "fhir" {
		fmt.Fprintf(stderr, "audit export: --format %q is not known (use json or fhir)\n", *format)
		return errUsage
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *format == "fhir" {
		return a.store.AuditEntries(ctx, *since, func(e audit.Entry) error {
			b, err := audit.FHIR(e)
			if err != nil {
				return fmt.Errorf("audit entry %d as FHIR: %w", e.Seq, err)
			}
			_, err = stdout.Write(append(b, '\n'))
			return err
		})
	}
	enc := json.NewEncoder(stdout)
	return a.store.AuditEntries(ctx, *since, func(e audit.Entry) error {
		return enc.Encode(map[string]any{"seq": e.Seq, "time": time.UnixMilli(e.At).UTC().Format(time.RFC3339Nano), "actor": e.Actor, "action": e.Action,
			"entity_type": e.EntityType, "entity_id": e.EntityID, "outcome": e.Outcome, "details": e.Details, "prev_hash": e.PrevHash, "hash": e.Hash,
			"agent_role": e.AgentRole, "source": e.Source, "purpose_of_use": e.PurposeOfUse, "consent_ref": e.ConsentRef, "event_type": audit.EventType(e.Action).Code})
	})
}
