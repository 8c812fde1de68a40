package audio

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkIngest60Min48kStereo times the audio half of `scribe ingest` on a
// one-hour 48 kHz stereo 16-bit WAV (~690 MB, built in memory before the
// timer starts): decode with the channels split, resample to 16 kHz, cut
// both channels into 10-minute chunks, and encode every chunk as WAV.
func BenchmarkIngest60Min48kStereo(b *testing.B) {
	const (
		rate = 48000
		secs = 3600
	)
	frames := int64(secs * rate)
	spec := wavSpec{format: 1, channels: 2, rate: rate, bits: 16}
	hdr := spec.header(frames * 4)
	file := make([]byte, int64(len(hdr))+frames*4)
	copy(file, hdr)
	// Tones, noise and a pause every 7 s, written in parallel-free blocks.
	gen := toneNoiseGen(rate)
	const block = 1 << 20
	for off := int64(0); off < frames*4; off += block {
		end := min(off+block, frames*4)
		gen(off, file[int64(len(hdr))+off:int64(len(hdr))+end])
	}
	max := MaxChunkSamples(Rate, 10*time.Minute)

	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	var wavBytes, chunks int
	for b.Loop() {
		wavBytes, chunks = 0, 0
		_, chans, err := Decode16k(bytes.NewReader(file), Options{Split: true, MaxDuration: 2 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		for _, ch := range chans {
			for _, c := range Split(ch, Rate, max) {
				wavBytes += len(EncodeWAV(c.Samples, Rate))
				chunks++
			}
		}
	}
	b.ReportMetric(float64(b.N)*secs/b.Elapsed().Seconds(), "x-realtime")
	b.ReportMetric(float64(chunks), "chunks")
	b.ReportMetric(float64(wavBytes)/1e6, "wav-MB")
}
