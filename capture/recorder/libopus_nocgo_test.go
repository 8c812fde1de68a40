//go:build !(cgo && nolibopusfile)

package recorder

import "testing"

// Without cgo and the nolibopusfile tag there is no libopus encoder: tests
// that need encoded speech skip (or fail under SCRIBE_REQUIRE_ALL=1).

type encodeConfig struct {
	name     string
	rate     int
	app      int
	bitrate  int
	maxBW    int
	fec      bool
	wantMode string
}

const reasonNoLibopus = "libopus encoder not built: run go test -tags nolibopusfile with cgo and libopus-dev installed"

func requireLibopus(t testing.TB) { t.Helper(); missing(t, reasonNoLibopus) }

func encodeOpus(t testing.TB, _ []int16, _ encodeConfig) [][]byte {
	t.Helper()
	missing(t, reasonNoLibopus)
	return nil
}

func libopusDecode(t testing.TB, _ [][]byte, _ []bool) [][]int16 {
	t.Helper()
	missing(t, reasonNoLibopus)
	return nil
}

type libopusFECDecoder struct{}

func newLibopusFECDecoder(t testing.TB) libopusFECDecoder {
	t.Helper()
	missing(t, reasonNoLibopus)
	return libopusFECDecoder{}
}

func (libopusFECDecoder) decode(testing.TB, []byte) []int16   { return nil }
func (libopusFECDecoder) fec(testing.TB, []byte, int) []int16 { return nil }

var (
	appVoIP, appAudio, appLowDelay        = 0, 0, 0
	bwNarrow, bwWide, bwSuperWide, bwFull = 0, 0, 0, 0
)
