package recorder

import "math"

// concealer synthesises audio for lost or undecodable packets so that the
// timeline never shifts.
//
// It repeats the last pitch period of the audio written before the loss
// (found by normalised autocorrelation), at a gain set by how periodic that
// audio was, holds for holdSamples, then fades linearly to silence over
// fadeSamples. When real audio resumes, the first crossfadeSamples of it are
// crossfaded with the continuation of the synthetic signal. This is the
// approach of ITU-T G.711 Appendix I, simplified.
type concealer struct {
	hist   [histLen]int16 // last histLen samples written, oldest first
	filled int            // how many of hist are real history

	active bool
	period [maxPitch]int16
	pitch  int
	phase  int
	gain   float32 // gain at the start of the loss, from periodicity
	done   int     // samples synthesised in the current loss
}

const (
	minPitch         = 40  // 2.5 ms at 16 kHz (400 Hz)
	maxPitch         = 320 // 20 ms at 16 kHz (50 Hz)
	corrWindow       = 160 // 10 ms compared per lag
	histLen          = maxPitch + corrWindow
	holdSamples      = 160 // 10 ms at full gain
	fadeSamples      = 800 // then 50 ms fade to silence
	crossfadeSamples = 40  // 2.5 ms
)

// observe records samples written to the sink. If a loss was being
// concealed, it first crossfades the head of pcm (in place) from the
// synthetic continuation into the real audio.
func (c *concealer) observe(pcm []int16) {
	if c.active {
		n := min(crossfadeSamples, len(pcm))
		var cont [crossfadeSamples]int16
		c.synth(cont[:n])
		for i := 0; i < n; i++ {
			w := float32(i+1) / float32(n+1)
			pcm[i] = clamp16(float32(pcm[i])*w + float32(cont[i])*(1-w))
		}
		c.active = false
	}
	c.remember(pcm)
}

func (c *concealer) remember(pcm []int16) {
	if len(pcm) >= histLen {
		copy(c.hist[:], pcm[len(pcm)-histLen:])
		c.filled = histLen
		return
	}
	copy(c.hist[:], c.hist[len(pcm):])
	copy(c.hist[histLen-len(pcm):], pcm)
	c.filled = min(histLen, c.filled+len(pcm))
}

// conceal fills out with synthetic audio continuing the current loss (or
// starting one) and records it as written.
func (c *concealer) conceal(out []int16) {
	if !c.active {
		c.start()
	}
	c.synth(out)
	c.remember(out)
}

// faded reports whether the current loss has faded to silence, after which
// the caller may write plain silence instead.
func (c *concealer) faded() bool {
	return c.active && c.done >= holdSamples+fadeSamples
}

func (c *concealer) start() {
	c.active = true
	c.done = 0
	c.phase = 0
	c.gain = 0
	c.pitch = minPitch
	if c.filled < histLen {
		return // too little history to repeat: conceal with silence
	}
	var energy float64
	for _, v := range c.hist[histLen-corrWindow:] {
		energy += float64(v) * float64(v)
	}
	if energy < corrWindow*4 { // below ±2 LSB RMS: silence already
		return
	}
	best, bestCorr := minPitch, -1.0
	tail := c.hist[histLen-corrWindow:]
	for lag := minPitch; lag <= maxPitch; lag++ {
		past := c.hist[histLen-corrWindow-lag : histLen-lag]
		var xy, yy float64
		for i, v := range tail {
			p := float64(past[i])
			xy += float64(v) * p
			yy += p * p
		}
		if yy == 0 {
			continue
		}
		// Normalised correlation, squared with its sign kept so that the
		// square root is not needed to compare lags.
		corr := xy * math.Abs(xy) / (energy * yy)
		if corr > bestCorr {
			best, bestCorr = lag, corr
		}
	}
	c.pitch = best
	copy(c.period[:best], c.hist[histLen-best:])
	if bestCorr > 0 {
		// Unvoiced audio repeats poorly: scale the repetition by how
		// periodic the signal was (the square root of bestCorr).
		c.gain = float32(math.Sqrt(bestCorr))
	}
}

func (c *concealer) synth(out []int16) {
	for i := range out {
		g := c.gain
		switch d := c.done; {
		case d >= holdSamples+fadeSamples:
			g = 0
		case d > holdSamples:
			g *= 1 - float32(d-holdSamples)/fadeSamples
		}
		out[i] = clamp16(float32(c.period[c.phase]) * g)
		c.phase++
		if c.phase == c.pitch {
			c.phase = 0
		}
		c.done++
	}
}

func clamp16(v float32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}
