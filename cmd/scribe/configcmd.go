package main

import (
	"context"
	"io"

	settings "github.com/scribe-health/scribe/internal/config"
)

// cmdConfig prints the effective configuration: every setting, its value
// (secrets masked) and where the value came from. It takes every
// setting's flag, so `scribe config --addr :9000` shows what `scribe serve
// --addr :9000` would run with.
func cmdConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("config", "config [--config FILE] [any setting's flag]", stderr)
	l := settings.For(fs)
	l.AllFlags()
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return l.Show(stdout)
}
