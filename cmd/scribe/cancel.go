package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/validate"
)

// sessionCancel cancels a call session that has not ended, for a reason
// from pipeline.CancelReasons (audited as this CLI user).
func sessionCancel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	codes := strings.Join(pipeline.CancelReasonCodes(), ", ")
	fs := newFlags("session cancel", "session cancel ID --reason "+strings.Join(pipeline.CancelReasonCodes(), "|"), stderr)
	var cfg config
	cfg.register(fs)
	reason := fs.String("reason", "", "why the session is cancelled: "+codes+" (required)")
	as := asFlag(fs)
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *reason == "" {
		return fmt.Errorf("--reason is required: one of %s", codes)
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := principal(ctx, a, *as)
	if err != nil {
		return err
	}
	if _, err := sessionFor(ctx, a, u, pos[0]); err != nil {
		return err
	}
	res, err := pipeline.CancelSession(ctx, a.store, pos[0], actorOf(u), "", *reason)
	switch _, invalid := validate.As(err); {
	case invalid:
		return fmt.Errorf("--reason %q is not a cancellation reason; allowed: %s", *reason, codes)
	case err != nil:
		return fmt.Errorf("session %s: %w", pos[0], err)
	}
	if res.Recorded {
		fmt.Fprintf(stdout, "session %s had recorded audio: it was ended rather than cancelled and moves on to transcription and a draft (revoke the consent to discard the audio)\n", pos[0])
		return nil
	}
	fmt.Fprintf(stdout, "session %s cancelled (%s); its join links no longer open the call\n", pos[0], res.Reason.Label)
	return nil
}
