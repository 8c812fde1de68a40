package audio

import (
	"encoding/binary"
	"math"
)

// wavEncoding is how a WAV's data chunk stores each sample.
type wavEncoding uint8

const (
	encPCM   wavEncoding = iota + 1 // integer PCM, 8 (unsigned), 16, 24 or 32-bit
	encFloat                        // IEEE float, 32 or 64-bit, full scale ±1.0
	encMuLaw                        // G.711 μ-law, 8-bit (North American and Japanese phone systems)
	encALaw                         // G.711 A-law, 8-bit (European phone systems)
)

func (e wavEncoding) String() string {
	switch e {
	case encPCM:
		return "pcm"
	case encFloat:
		return "float"
	case encMuLaw:
		return "mu-law"
	case encALaw:
		return "a-law"
	}
	return "unknown"
}

// WAVE format codes (mmreg.h) the decoder reads.
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveExtensible = 0xFFFE
)

// sampleReader returns a function giving interleaved sample i of raw as a
// float on the int16 scale.
func sampleReader(enc wavEncoding, bps int, raw []byte) func(i int) float32 {
	const (
		s8  = 256.0
		s24 = 1.0 / 256
		s32 = 1.0 / 65536
	)
	switch {
	case enc == encMuLaw:
		return func(i int) float32 { return muLawTable[raw[i]] }
	case enc == encALaw:
		return func(i int) float32 { return aLawTable[raw[i]] }
	case enc == encFloat && bps == 4:
		return func(i int) float32 {
			return floatSample(float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))))
		}
	case enc == encFloat:
		return func(i int) float32 {
			return floatSample(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	case bps == 1:
		return func(i int) float32 { return (float32(raw[i]) - 128) * s8 }
	case bps == 2:
		return func(i int) float32 { return float32(int16(binary.LittleEndian.Uint16(raw[2*i:]))) }
	case bps == 3:
		return func(i int) float32 {
			b := raw[3*i:]
			return float32(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24)>>8) * s24
		}
	default:
		return func(i int) float32 { return float32(int32(binary.LittleEndian.Uint32(raw[4*i:]))) * s32 }
	}
}

// floatSample scales a float sample (full scale ±1.0) to the int16 scale.
// Editors write peaks above full scale (float has headroom) and a damaged
// file may hold NaN or infinities: peaks are clipped, NaN is silence, so
// nothing non-finite reaches the resampler.
func floatSample(v float64) float32 {
	switch {
	case v != v: // NaN
		return 0
	case v > 1:
		return 32767
	case v < -1:
		return -32768
	}
	return float32(v * 32768)
}

// G.711 expansion tables (ITU-T G.711; the classic Sun reference
// implementation's ulaw2linear and alaw2linear), on the int16 scale.
var muLawTable, aLawTable = g711Tables()

func g711Tables() (mu, a [256]float32) {
	for i := range 256 {
		u := ^byte(i)
		t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
		if u&0x80 != 0 {
			mu[i] = float32(0x84 - t)
		} else {
			mu[i] = float32(t - 0x84)
		}

		v := byte(i) ^ 0x55
		s := int(v&0x0F) << 4
		switch seg := (v & 0x70) >> 4; seg {
		case 0:
			s += 8
		case 1:
			s += 0x108
		default:
			s = (s + 0x108) << (seg - 1)
		}
		if v&0x80 != 0 {
			a[i] = float32(s)
		} else {
			a[i] = float32(-s)
		}
	}
	return mu, a
}
