package audio

import (
	"fmt"
	"math"
)

// Filter design constants. The stopband starts at the lower of the two
// Nyquist frequencies, so nothing above the output's Nyquist can alias back
// (and, when upsampling, no image of the input survives); the passband runs
// to 80% of it, which keeps all of the speech band that matters for
// transcription (7.2 kHz -6 dB point at 16 kHz output).
const (
	stopbandDB       = 60.0
	passbandFraction = 0.80
	// maxPhases bounds the polyphase table. When the reduced ratio needs
	// more phases (odd input rates such as 44 056 Hz), positions are rounded
	// to the nearest of maxPhases phases: a timing error below 1/8192 of an
	// input sample, i.e. an error floor far under the 60 dB stopband.
	maxPhases = 4096
)

// Resampler converts a stream of samples from one rate to another with a
// Kaiser-windowed-sinc polyphase FIR. It is streaming: feed blocks with
// Process, then call Flush once. Output sample n is the signal at input time
// n*inRate/outRate exactly (no group delay), so timelines stay aligned, and
// the total output length is ceil(inputLength*outRate/inRate).
//
// A Resampler is not safe for concurrent use; use one per channel.
type Resampler struct {
	inRate, outRate int
	l, m            int64 // reduced ratio: output n sits at input n*m/l
	phases          int   // number of rows in table
	taps            int   // taps per phase (multiple of 4)
	half            int   // taps/2: the window spans idx-half+1 .. idx+half
	table           []float32

	buf      []float32 // pending input; buf[0] is input sample bufStart
	bufStart int64
	idx      int64 // integer input position of the next output
	frac     int64 // fractional position of the next output, in 1/l units
	nOut     int64 // outputs produced so far
	nIn      int64 // inputs received so far
	flushed  bool
}

// NewResampler returns a resampler from inRate to outRate (both in Hz).
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 {
		return nil, fmt.Errorf("audio: resampler rates must be positive (got %d Hz -> %d Hz)", inRate, outRate)
	}
	if inRate > 1_000_000 || outRate > 1_000_000 {
		return nil, fmt.Errorf("audio: resampler rate above 1 MHz (got %d Hz -> %d Hz)", inRate, outRate)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, l: int64(outRate / g), m: int64(inRate / g)}
	if inRate == outRate {
		return r, nil
	}
	r.phases = int(r.l)
	if r.phases > maxPhases {
		r.phases = maxPhases
	}

	nyq := math.Min(float64(inRate), float64(outRate)) / 2
	pass := passbandFraction * nyq
	// Cutoff and transition in cycles per input sample.
	fc := (pass + nyq) / 2 / float64(inRate)
	dw := 2 * math.Pi * (nyq - pass) / float64(inRate)
	// Kaiser's length estimate for the requested attenuation.
	n := int(math.Ceil((stopbandDB-7.95)/(2.285*dw))) + 1
	taps := (n + 3) &^ 3
	if taps < 8 {
		taps = 8
	}
	r.taps, r.half = taps, taps/2
	beta := 0.1102 * (stopbandDB - 8.7)
	i0b := besselI0(beta)

	r.table = make([]float32, r.phases*taps)
	for p := 0; p < r.phases; p++ {
		f := float64(p) / float64(r.phases)
		row := r.table[p*taps : (p+1)*taps]
		var sum float64
		coef := make([]float64, taps)
		for k := range coef {
			// Tap k multiplies input idx+1-half+k, which lies t input
			// samples before the output instant.
			t := f + float64(r.half-1-k)
			u := t / float64(r.half)
			if u <= -1 || u >= 1 {
				continue
			}
			w := besselI0(beta*math.Sqrt(1-u*u)) / i0b
			coef[k] = 2 * fc * sinc(2*fc*t) * w
			sum += coef[k]
		}
		// Unity DC gain on every phase, so silence stays silent and levels
		// do not ripple with the phase.
		for k, c := range coef {
			row[k] = float32(c / sum)
		}
	}
	r.buf = make([]float32, r.half, r.half+64*1024)
	r.bufStart = -int64(r.half)
	return r, nil
}

// InRate is the input rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate is the output rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// Taps is the filter length per output sample (0 when the rates are equal).
func (r *Resampler) Taps() int { return r.taps }

// Process consumes in (samples on the int16 scale, -32768..32767) and appends
// every output sample it can already compute to dst, rounded and clipped to
// int16. It panics if called after Flush.
func (r *Resampler) Process(in []float32, dst []int16) []int16 {
	if r.flushed {
		panic("audio: Resampler.Process called after Flush")
	}
	r.nIn += int64(len(in))
	if r.inRate == r.outRate {
		for _, v := range in {
			dst = append(dst, toInt16(v))
		}
		r.nOut += int64(len(in))
		return dst
	}
	r.buf = append(r.buf, in...)
	return r.run(dst, -1)
}

// Flush pads the end of the input with silence, appends the remaining output
// to dst, and ends the stream.
func (r *Resampler) Flush(dst []int16) []int16 {
	if r.flushed {
		return dst
	}
	r.flushed = true
	if r.inRate == r.outRate {
		return dst
	}
	// half zeros complete the last window; one more covers an output whose
	// position rounds up to the next input sample (non-exact phases).
	r.buf = append(r.buf, make([]float32, r.half+1)...)
	// ceil(nIn * l / m) outputs in total.
	total := (r.nIn*r.l + r.m - 1) / r.m
	return r.run(dst, total)
}

// run produces outputs while the filter window fits in buf (and, if limit
// >= 0, until limit outputs exist), then drops input no longer needed.
func (r *Resampler) run(dst []int16, limit int64) []int16 {
	taps, half := r.taps, int64(r.half)
	bufEnd := r.bufStart + int64(len(r.buf))
	l, m := r.l, r.m
	exact := int64(r.phases) == l
	for limit < 0 || r.nOut < limit {
		idx, p := r.idx, r.frac
		if !exact {
			// Nearest of the available phases.
			p = (r.frac*int64(r.phases) + l/2) / l
			if p == int64(r.phases) {
				p = 0
				idx++
			}
		}
		if idx+half >= bufEnd {
			break
		}
		off := idx + 1 - half - r.bufStart
		x := r.buf[off : off+int64(taps)]
		h := r.table[int(p)*taps : int(p)*taps+taps]
		x = x[:len(h)]
		var a0, a1, a2, a3 float32
		for k := 0; k+3 < len(h); k += 4 {
			a0 += h[k] * x[k]
			a1 += h[k+1] * x[k+1]
			a2 += h[k+2] * x[k+2]
			a3 += h[k+3] * x[k+3]
		}
		dst = append(dst, toInt16((a0+a1)+(a2+a3)))
		r.nOut++
		r.frac += m
		if r.frac >= l {
			r.idx += r.frac / l
			r.frac %= l
		}
	}
	// Keep only what the next output's window can still touch.
	keepFrom := r.idx + 1 - half - 1 // one extra sample of slack for phase rounding
	if drop := keepFrom - r.bufStart; drop > 0 {
		if drop > int64(len(r.buf)) {
			drop = int64(len(r.buf))
		}
		n := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:n]
		r.bufStart += drop
	}
	return dst
}

func toInt16(v float32) int16 {
	if v >= 32767 {
		return 32767
	}
	if v <= -32768 {
		return -32768
	}
	if v < 0 {
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind
// (power series; converges quickly for the beta values used here).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / 2) * (x / 2) / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
