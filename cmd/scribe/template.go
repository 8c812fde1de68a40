package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/scribe-health/scribe/prompts"
)

func cmdTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, "Usage: scribe template add FILE | list",
		map[string]runFunc{"add": templateAdd, "list": templateList})
}

func templateAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("template add", "template add FILE", stderr)
	act := registerActing(fs)
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(pos[0]) // #nosec G703 -- the operator names the file on the command line
	if err != nil {
		return fmt.Errorf("read template: %w", errors.Unwrap(err))
	}
	if _, err := prompts.ParseTemplate(data); err != nil {
		return err // before the data directory is touched
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	f, err := x.svc.AddTemplate(ctx, x.by, data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "template %s added (%d sections); use it with --template %s\n", f.VersionString(), len(f.Sections), f.ID)
	return nil
}

func templateList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("template list", "template list", stderr)
	var cfg config
	cfg.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
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
