package capturetest

import (
	"math"
	"math/rand/v2"
)

// SNR is the signal-to-noise ratio of test against ref over their common
// length, in dB.
func SNR(ref, test []int16) float64 {
	n := min(len(ref), len(test))
	var sig, noise float64
	for i := 0; i < n; i++ {
		r, e := float64(ref[i]), float64(ref[i])-float64(test[i])
		sig += r * r
		noise += e * e
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// BestLag returns the lag (test delayed by lag relative to ref) within
// ±maxLag that maximises cross-correlation.
func BestLag(ref, test []int16, maxLag int) int {
	best, bestCorr := 0, math.Inf(-1)
	n := min(len(ref), len(test))
	for lag := -maxLag; lag <= maxLag; lag++ {
		var c float64
		for i := max(0, -lag); i < n && i+lag < len(test) && i+lag >= 0; i++ {
			c += float64(ref[i]) * float64(test[i+lag])
		}
		if c > bestCorr {
			best, bestCorr = lag, c
		}
	}
	return best
}

// AlignedSNR aligns test to ref (test lags by up to maxLag) and returns the
// SNR and the lag used.
func AlignedSNR(ref, test []int16, maxLag int) (float64, int) {
	lag := BestLag(ref, test, maxLag)
	if lag >= 0 {
		return SNR(ref, test[lag:]), lag
	}
	return SNR(ref[-lag:], test), lag
}

// RandomLoss returns which of n packets a seeded network loses, each with
// probability rate; the first packet is never lost (it anchors the track).
func RandomLoss(n int, rate float64, seed uint64) []bool {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lost := make([]bool, n)
	for i := range lost {
		lost[i] = i > 0 && rng.Float64() < rate
	}
	return lost
}
