package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/validate"
)

// sessionCancel cancels a call session that has not ended, for a reason
// from pipeline.CancelReasons (audited as this CLI user).
func sessionCancel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	codes := strings.Join(pipeline.CancelReasonCodes(), ", ")
	fs := newFlags("session cancel", "session cancel ID --reason "+strings.Join(pipeline.CancelReasonCodes(), "|"), stderr)
	act := registerActing(fs)
	reason := fs.String("reason", "", "why the session is cancelled: "+codes+" (required)")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *reason == "" {
		return fmt.Errorf("--reason is required: one of %s", codes)
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	res, err := x.svc.CancelSession(ctx, x.by, pos[0], *reason)
	switch _, invalid := validate.As(err); {
	case invalid:
		return fmt.Errorf("--reason %q is not a cancellation reason; allowed: %s", *reason, codes)
	case errors.Is(err, service.ErrConflict):
		return fmt.Errorf("session %s: %w", pos[0], err)
	case err != nil:
		return err
	}
	if res.Recorded {
		fmt.Fprintf(stdout, "session %s had recorded audio: it was ended rather than cancelled and moves on to transcription and a draft (revoke the consent to discard the audio)\n", pos[0])
		return nil
	}
	fmt.Fprintf(stdout, "session %s cancelled (%s); its join links no longer open the call\n", pos[0], res.Reason.Label)
	return nil
}
