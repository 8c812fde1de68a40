package redaction

import (
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxCLIInput bounds what RunCLI reads: far above a long session transcript.
const maxCLIInput = 64 << 20

// RunCLI implements `scribe redact`: UTF-8 text on in, one JSON object
// {"text": ..., "spans": [...]} on out, offsets in code points.
func RunCLI(in io.Reader, out io.Writer) error {
	raw, err := io.ReadAll(io.LimitReader(in, maxCLIInput+1))
	if err != nil {
		return fmt.Errorf("redact: reading standard input: %w", err)
	}
	if len(raw) > maxCLIInput {
		return fmt.Errorf("redact: input is larger than %d bytes; split the transcript", maxCLIInput)
	}
	if !utf8.Valid(raw) {
		return fmt.Errorf("redact: standard input at byte %d: %w", firstInvalid(raw), ErrInvalidUTF8)
	}
	res, err := NewSession().Redact(string(raw))
	if err != nil {
		return fmt.Errorf("redact: %w", err)
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("redact: writing result: %w", err)
	}
	return nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			return i
		}
		i += w
	}
	return len(b)
}
