//go:build cgo && nolibopusfile

package capturetest

import (
	"testing"

	libopus "github.com/hraban/opus"
)

// EncodeOpus encodes 16 kHz mono PCM into 20 ms Opus packets with libopus
// (VoIP mode, 32 kbit/s; the last frame padded with silence).
func EncodeOpus(t testing.TB, pcm []int16) [][]byte {
	t.Helper()
	return EncodeOpusWith(t, pcm, VoIP)
}

// EncodeOpusWith encodes 16 kHz mono PCM into 20 ms Opus packets with the
// given setting.
func EncodeOpusWith(t testing.TB, pcm []int16, s OpusSettings) [][]byte {
	t.Helper()
	app, bitrate, rate := libopus.AppVoIP, 32000, 16000
	switch s {
	case CELT:
		app, bitrate = libopus.AppRestrictedLowdelay, 64000
	case Browser:
		rate = 48000
		up := make([]int16, 3*len(pcm))
		for i, v := range pcm {
			up[3*i], up[3*i+1], up[3*i+2] = v, v, v
		}
		pcm = up
	}
	enc, err := libopus.NewEncoder(rate, 1, app)
	if err != nil {
		t.Fatalf("libopus encoder: %v", err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		t.Fatalf("libopus bitrate: %v", err)
	}
	if s == VoIPWithFEC || s == Browser {
		if err := enc.SetInBandFEC(true); err != nil {
			t.Fatal(err)
		}
		if err := enc.SetPacketLossPerc(5); err != nil {
			t.Fatal(err)
		}
	}
	frame := rate / 50
	var out [][]byte
	buf := make([]byte, 1500)
	for i := 0; i < len(pcm); i += frame {
		f := make([]int16, frame)
		copy(f, pcm[i:])
		n, err := enc.Encode(f, buf)
		if err != nil {
			t.Fatalf("libopus encode: %v", err)
		}
		out = append(out, append([]byte(nil), buf[:n]...))
	}
	return out
}

// DecodeOpus decodes packets to 16 kHz mono with libopus, as a receiver
// that lost nothing would hear them.
func DecodeOpus(t testing.TB, packets [][]byte) []int16 {
	t.Helper()
	dec, err := libopus.NewDecoder(16000, 1)
	if err != nil {
		t.Fatalf("libopus decoder: %v", err)
	}
	var out []int16
	buf := make([]int16, 1920)
	for i, p := range packets {
		n, err := dec.Decode(p, buf)
		if err != nil {
			t.Fatalf("libopus decode packet %d: %v", i, err)
		}
		out = append(out, buf[:n]...)
	}
	return out
}
