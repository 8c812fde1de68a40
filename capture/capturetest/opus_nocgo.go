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
