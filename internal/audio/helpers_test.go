package audio

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"testing"
)

// requireTool skips the test when an external program is missing, or fails
// it when SCRIBE_REQUIRE_ALL=1 (as in CI), and returns the program's path.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SCRIBE_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (SCRIBE_REQUIRE_ALL=1) but not installed: %v", name, err)
		}
		t.Skipf("%s is not installed; install it (apt-get install -y %s) to run this test", name, name)
	}
	return p
}

// wavSpec describes a WAV file a test builds byte by byte.
type wavSpec struct {
	format     uint16 // 1 = PCM, 3 = float, 6 = A-law, 7 = mu-law, 0xFFFE = extensible
	subFormat  uint16 // for extensible
	channels   int
	rate       int
	bits       int
	extraFirst []byte // raw chunks placed before fmt
	extraMid   []byte // raw chunks between fmt and data
}

// header returns the bytes up to and including the data chunk header.
func (s wavSpec) header(dataLen int64) []byte {
	var fmtChunk []byte
	le := binary.LittleEndian
	blockAlign := s.channels * s.bits / 8
	fmtBody := make([]byte, 16)
	le.PutUint16(fmtBody[0:], s.format)
	le.PutUint16(fmtBody[2:], uint16(s.channels))
	le.PutUint32(fmtBody[4:], uint32(s.rate))
	le.PutUint32(fmtBody[8:], uint32(s.rate*blockAlign))
	le.PutUint16(fmtBody[12:], uint16(blockAlign))
	le.PutUint16(fmtBody[14:], uint16(s.bits))
	if s.format == 0xFFFE {
		ext := make([]byte, 24)
		le.PutUint16(ext[0:], 22)             // cbSize
		le.PutUint16(ext[2:], uint16(s.bits)) // valid bits
		le.PutUint32(ext[4:], 3)              // channel mask
		le.PutUint16(ext[8:], s.subFormat)    // GUID starts with the format code
		copy(ext[10:], "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71")
		fmtBody = append(fmtBody, ext...)
	}
	fmtChunk = append(fmtChunk, "fmt "...)
	fmtChunk = le.AppendUint32(fmtChunk, uint32(len(fmtBody)))
	fmtChunk = append(fmtChunk, fmtBody...)

	body := append([]byte("WAVE"), s.extraFirst...)
	body = append(body, fmtChunk...)
	body = append(body, s.extraMid...)
	body = append(body, "data"...)
	body = le.AppendUint32(body, uint32(dataLen))
	riffLen := int64(len(body)) + dataLen + dataLen&1
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(riffLen))...)
	return append(out, body...)
}

// encode builds a whole file from per-channel samples in [-1, 1).
func (s wavSpec) encode(ch [][]float64) []byte {
	frames := len(ch[0])
	bps := s.bits / 8
	data := make([]byte, frames*s.channels*bps)
	for i := 0; i < frames; i++ {
		for c := 0; c < s.channels; c++ {
			s.put(data[(i*s.channels+c)*bps:], ch[c][i])
		}
	}
	out := append(s.header(int64(len(data))), data...)
	if len(data)%2 == 1 {
		out = append(out, 0) // RIFF pad byte
	}
	return out
}

// put writes v in [-1, 1) as one sample in the spec's encoding.
func (s wavSpec) put(b []byte, v float64) {
	format := s.format
	if format == 0xFFFE {
		format = s.subFormat
	}
	switch {
	case format == 3 && s.bits == 32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(v)))
	case format == 3 && s.bits == 64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(v))
	case format == 6:
		b[0] = g711Encode(&aLawTable, v*32768)
	case format == 7:
		b[0] = g711Encode(&muLawTable, v*32768)
	default:
		putSample(b, s.bits, v)
	}
}

// g711Encode returns the code whose expansion is nearest v. The expansion
// tables are checked against sox's encoder (TestG711MatchesSox), so this
// brute-force encoder is as good as a reference one.
func g711Encode(table *[256]float32, v float64) byte {
	best, bestD := 0, math.Inf(1)
	for i, e := range table {
		if d := math.Abs(float64(e) - v); d < bestD {
			best, bestD = i, d
		}
	}
	return byte(best)
}

// putSample writes v in [-1, 1) as one little-endian integer sample.
func putSample(b []byte, bits int, v float64) {
	full := math.Ldexp(1, bits-1)
	q := int64(math.Round(v * full))
	q = min(max(q, int64(-full)), int64(full)-1)
	switch bits {
	case 8:
		b[0] = byte(q + 128)
	case 16:
		binary.LittleEndian.PutUint16(b, uint16(q))
	case 24:
		b[0], b[1], b[2] = byte(q), byte(q>>8), byte(q>>16)
	case 32:
		binary.LittleEndian.PutUint32(b, uint32(q))
	}
}

func sine(freq, amp float64, rate, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
	}
	return s
}

// snrDB compares got (int16 scale) with amp*sin(2π f t) at rate, ignoring
// edge samples at each end where the filter sees the padding.
func snrDB(got []int16, freq, amp float64, rate, edge int) float64 {
	var sig, noise float64
	for i := edge; i < len(got)-edge; i++ {
		want := amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
		d := float64(got[i]) - want
		sig += want * want
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

func rmsRange(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(s)))
}

// virtualWAV is an io.ReadSeeker serving a WAV header followed by dataLen
// bytes that gen computes on demand, so tests and benchmarks can present
// hour-long files without holding them in memory. It counts bytes served.
type virtualWAV struct {
	header  []byte
	dataLen int64
	gen     func(off int64, p []byte) // fills p with the data bytes at off
	pos     int64
	served  int64
}

func (v *virtualWAV) size() int64 { return int64(len(v.header)) + v.dataLen }

func (v *virtualWAV) Read(p []byte) (int, error) {
	if v.pos >= v.size() {
		return 0, io.EOF
	}
	if rem := v.size() - v.pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	if v.pos < int64(len(v.header)) {
		n = copy(p, v.header[v.pos:])
	}
	if n < len(p) {
		v.gen(v.pos+int64(n)-int64(len(v.header)), p[n:])
		n = len(p)
	}
	v.pos += int64(n)
	v.served += int64(n)
	return n, nil
}

func (v *virtualWAV) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += v.pos
	case io.SeekEnd:
		off += v.size()
	}
	if off < 0 {
		return 0, errors.New("negative seek")
	}
	v.pos = off
	return off, nil
}

// toneNoiseGen fills 16-bit interleaved stereo PCM with a 440 Hz tone on the
// left, a 660 Hz tone on the right and a little noise, with one second of
// near-silence every 7 seconds (pauses for the chunker to find).
func toneNoiseGen(rate int) func(off int64, p []byte) {
	tab := make([]int16, rate) // one second of each tone, exactly periodic
	tabR := make([]int16, rate)
	for i := range tab {
		tab[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		tabR[i] = int16(8000 * math.Sin(2*math.Pi*660*float64(i)/float64(rate)))
	}
	return func(off int64, p []byte) {
		for j := range p {
			b := off + int64(j)
			frame := b / 4
			within := b % 4
			sec := frame / int64(rate)
			var v int16
			if sec%7 != 6 {
				if within < 2 {
					v = tab[frame%int64(rate)]
				} else {
					v = tabR[frame%int64(rate)]
				}
			}
			// cheap deterministic noise, ±64
			n := uint32(frame*2654435761) >> 25
			v += int16(n) - 64
			if within%2 == 0 {
				p[j] = byte(v)
			} else {
				p[j] = byte(uint16(v) >> 8)
			}
		}
	}
}

func sqrt(x float64) float64  { return math.Sqrt(x) }
func log10(x float64) float64 { return math.Log10(x) }
