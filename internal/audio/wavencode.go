package audio

import (
	"encoding/binary"
	"slices"
)

// wavHeaderLen is the size of a canonical 16-bit PCM WAV header.
const wavHeaderLen = 44

// EncodeWAV returns samples as a canonical RIFF/WAVE file: integer PCM,
// 16-bit, mono, at rate Hz.
func EncodeWAV(samples []int16, rate int) []byte {
	return AppendWAV(nil, samples, rate)
}

// AppendWAV appends the EncodeWAV file to dst and returns the extended
// slice, so a caller encoding many chunks can reuse one buffer.
func AppendWAV(dst []byte, samples []int16, rate int) []byte {
	dataLen := 2 * len(samples)
	n := len(dst)
	dst = slices.Grow(dst, wavHeaderLen+dataLen)[:n+wavHeaderLen+dataLen]
	b := dst[n:]
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+dataLen))
	copy(b[8:], "WAVE")
	copy(b[12:], "fmt ")
	binary.LittleEndian.PutUint32(b[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)  // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*2)) // bytes per second
	binary.LittleEndian.PutUint16(b[32:], 2)              // block align
	binary.LittleEndian.PutUint16(b[34:], 16)             // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(dataLen))
	d := b[wavHeaderLen:]
	for i, v := range samples {
		binary.LittleEndian.PutUint16(d[2*i:], uint16(v))
	}
	return dst
}
