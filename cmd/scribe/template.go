package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/prompts"
)

func cmdTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := takeSub(args, "Usage: scribe template add FILE | list", stderr, "add", "list")
	if err != nil {
		return err
	}
	fs := newFlags("template "+sub, "template add FILE | list", stderr)
	var cfg config
	cfg.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if sub == "add" && len(pos) != 1 {
		fmt.Fprintln(stderr, "Usage: scribe template add FILE")
		return errUsage
	}
	var data []byte
	var f prompts.Format
	if sub == "add" {
		if data, err = os.ReadFile(pos[0]); err != nil { // #nosec G703 -- the operator names the file on the command line
			return fmt.Errorf("read template: %w", errors.Unwrap(err))
		}
		if f, err = prompts.ParseTemplate(data); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "list" {
		for _, bf := range prompts.Formats() {
			fmt.Fprintf(stdout, "%-10s %-8s built-in  %s\n", bf.ID, bf.VersionString(), bf.Title)
		}
		ts, err := a.store.CustomTemplates(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			fmt.Fprintf(stdout, "%-10s %-8s added\n", t.ID, t.ID+"@"+t.Version)
		}
		return nil
	}
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutTemplate(ctx, store.CustomTemplate{ID: f.ID, Version: fmt.Sprint(f.Version), Content: string(data)}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: cliActor(), Action: "template.add", EntityType: "template", EntityID: f.VersionString()})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "template %s added (%d sections); use it with --template %s\n", f.VersionString(), len(f.Sections), f.ID)
	return nil
}
