package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/scribe-health/scribe/internal/billing"
)

// cmdCharges writes the charge export for billing staff: the codes
// confirmed at signing, one row per service, of the signed notes the
// principal may see in a period.
func cmdCharges(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("charges", "charges --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]", stderr)
	var cfg config
	cfg.register(fs)
	from := fs.String("from", "", "first day of the period (notes signed from this day on)")
	to := fs.String("to", "", "last day of the period (included)")
	out := fs.String("out", "", "write the CSV to this new file (mode 0600) instead of standard output")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return fmt.Errorf("give the period with --from and --to (YYYY-MM-DD)")
	}
	fromDay, err := time.ParseInLocation(time.DateOnly, *from, time.Local)
	if err != nil {
		return fmt.Errorf("--from must be a date YYYY-MM-DD, not %q", *from)
	}
	toDay, err := time.ParseInLocation(time.DateOnly, *to, time.Local)
	if err != nil {
		return fmt.Errorf("--to must be a date YYYY-MM-DD, not %q", *to)
	}
	x, err := openActing(ctx, cfg, *as)
	if err != nil {
		return err
	}
	defer x.Close()
	rows, err := x.app.service().Charges(ctx, x.by, fromDay, toDay.AddDate(0, 0, 1), time.Local)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := billing.WriteCSV(&buf, rows); err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := writeNewFile(*out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d charges)\n", *out, len(rows))
	return nil
}
