package main

import (
	"context"
	"fmt"
	"io"

	"github.com/scribe-health/scribe/internal/demo"
	"github.com/scribe-health/scribe/internal/store"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "demo [--clinician EMAIL] [--remove]\n\nLoads a clearly labelled SAMPLE client (alias "+store.SampleAlias+") with one finished session: a fictional\ntranscript and an AI-style draft with citations and a flag, so you can review, edit, sign and export a\nnote before any model is set up. Running it again changes nothing. --remove deletes it (audited).", stderr)
	var cfg config
	cfg.register(fs)
	clinician := fs.String("clinician", "", "e-mail of the clinician who reviews the sample: the session is theirs and they join the sample client's care team")
	remove := fs.Bool("remove", false, "remove the SAMPLE client, its session and everything stored with it")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	o := demo.Options{Store: a.store, Blobs: a.blobs, Clinician: *clinician, Actor: cliActor()}
	if *remove {
		removed, err := demo.Remove(ctx, o)
		if err != nil {
			return err
		}
		if !removed {
			fmt.Fprintln(stdout, "There is no SAMPLE client; nothing was removed.")
			return nil
		}
		fmt.Fprintln(stdout, "Removed the SAMPLE client, its session, transcript and draft (recorded in the audit log).")
		return nil
	}
	loaded, err := demo.Load(ctx, o)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintf(stdout, "Loaded the SAMPLE client %s with one finished session (%s): a fictional transcript and a draft to review.\n", store.SampleAlias, store.SampleSessionID)
	} else {
		fmt.Fprintln(stdout, "The SAMPLE client is already loaded; nothing was added.")
	}
	if *clinician == "" {
		fmt.Fprintln(stdout, "Admins see it now; to review and sign it as a clinician, run scribe demo --clinician EMAIL.")
	}
	fmt.Fprintf(stdout, "Start scribe serve, sign in and open Sessions, or go to /sessions/%s/review. Remove it with scribe demo --remove.\n", store.SampleSessionID)
	return nil
}
