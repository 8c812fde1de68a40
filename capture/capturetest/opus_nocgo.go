//go:build !(cgo && nolibopusfile)

package capturetest

import (
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// EncodeOpus needs libopus: without cgo and the nolibopusfile tag it skips
// the test (or fails it under SCRIBE_REQUIRE_ALL=1).
func EncodeOpus(t testing.TB, _ []int16) [][]byte {
	t.Helper()
	testenv.Missing(t, "libopus encoder not built: run go test -tags nolibopusfile with cgo and libopus-dev installed")
	return nil
}

// EncodeOpusWith needs libopus (see EncodeOpus).
func EncodeOpusWith(t testing.TB, pcm []int16, _ OpusSettings) [][]byte {
	t.Helper()
	return EncodeOpus(t, pcm)
}

// DecodeOpus needs libopus (see EncodeOpus).
func DecodeOpus(t testing.TB, _ [][]byte) []int16 {
	t.Helper()
	testenv.Missing(t, "libopus decoder not built: run go test -tags nolibopusfile with cgo and libopus-dev installed")
	return nil
}
