package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/scribe-health/scribe/redaction"
)

func cmdRedact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("redact", "redact < input.txt > output.json", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: scribe redact < input.txt
Reads UTF-8 text on standard input and writes one JSON object:
  {"text": "<redacted text>", "spans": [{"start": S, "end": E, "type": "NAME", "placeholder": "[NAME_1]"}]}
start/end are Unicode code-point offsets into the input (end exclusive).`)
	}
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return redaction.RunCLI(os.Stdin, stdout)
}
