//go:build !(cgo && nolibopusfile)

package capture

import "testing"

// Without cgo and the nolibopusfile tag there is no libopus encoder: tests
// that publish speech skip (or fail under SCRIBE_REQUIRE_ALL=1).
func encodeSpeech(t testing.TB, _ []int16) [][]byte {
	t.Helper()
	missing(t, "libopus encoder not built: run go test -tags nolibopusfile with cgo and libopus-dev installed")
	return nil
}
