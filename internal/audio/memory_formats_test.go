package audio_test

import (
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/testenv"
)

// decodeLongOgg decodes minutes of Ogg Opus, generated as it is read,
// discarding the output, and returns the 16 kHz samples and the peak heap.
func decodeLongOgg(tb testing.TB, packets [][]byte, minutes int) (int64, uint64) {
	tb.Helper()
	repeat := minutes * 60 * 50 / len(packets)
	var n int64
	var err error
	peak := testenv.PeakHeap(func() {
		var src audio.Source
		src, err = audio.Open(audiotest.LongOggOpus(packets, repeat), audio.Options{MaxDuration: 4 * time.Hour})
		if err != nil {
			return
		}
		err = src.Decode(func(b [][]int16) error { n += int64(len(b[0])); return nil })
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n, peak
}

// TestLongOggOpusDecodesInConstantMemory: 15 minutes of Ogg Opus (29 MB
// of 16 kHz output if it were held) decode within a few megabytes, no more
// than 3 minutes take: the decoder holds one page and one packet.
func TestLongOggOpusDecodesInConstantMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("decodes 18 minutes of Opus: not in -short or -race runs")
	}
	packets := capturetest.EncodeOpus(t, chirpSpeech()) // 3 s, 150 packets
	n3, short := decodeLongOgg(t, packets, 3)
	n15, long := decodeLongOgg(t, packets, 15)
	if n15 < 15*60*audio.Rate-audio.Rate || n3 < 3*60*audio.Rate-audio.Rate {
		t.Fatalf("decoded %d and %d samples, want 15 and 3 minutes' worth", n15, n3)
	}
	t.Logf("peak heap: %.1f MB for 3 minutes, %.1f MB for 15", float64(short)/(1<<20), float64(long)/(1<<20))
	if long > 16<<20 || long > short+4<<20 {
		t.Fatalf("peak heap %.1f MB for 15 minutes against %.1f MB for 3: memory grows with the length", float64(long)/(1<<20), float64(short)/(1<<20))
	}
}

// BenchmarkDecodeOggOpus60Min decodes an hour of Ogg Opus (speech-like,
// SILK wideband at 32 kbit/s) to 16 kHz and reports its speed and peak heap.
func BenchmarkDecodeOggOpus60Min(b *testing.B) {
	packets := capturetest.EncodeOpus(b, chirpSpeech())
	var worst uint64
	b.ResetTimer()
	for range b.N {
		_, peak := decodeLongOgg(b, packets, 60)
		worst = max(worst, peak)
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MB")
	b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}
