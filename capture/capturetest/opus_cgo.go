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
	enc, err := libopus.NewEncoder(16000, 1, libopus.AppVoIP)
	if err != nil {
		t.Fatalf("libopus encoder: %v", err)
	}
	if err := enc.SetBitrate(32000); err != nil {
		t.Fatalf("libopus bitrate: %v", err)
	}
	const frame = 320
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
