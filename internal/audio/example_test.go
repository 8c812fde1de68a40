package audio_test

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
)

// A 48 kHz recording is decoded to 16 kHz, cut into chunks of at most ten
// seconds at its pauses, and each chunk is encoded for transcription.
func Example() {
	// Twenty-five seconds of a 48 kHz tone that pauses for one second
	// after every four.
	pcm := make([]int16, 25*48000)
	for i := range pcm {
		if (i/48000)%5 != 4 {
			pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/48000))
		}
	}
	// EncodeWAV writes mono 16-bit WAV at any rate; here it stands in for
	// an uploaded file.
	file := audio.EncodeWAV(pcm, 48000)

	info, chans, err := audio.Decode16k(bytes.NewReader(file), audio.Options{MaxDuration: time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("input: %d Hz, %d ch, %d-bit, %s\n", info.SampleRate, info.Channels, info.BitDepth, info.Duration)

	// Each cut lands in the quietest 300 ms of the last 2 s before the
	// limit: here, inside the pauses at 9-10 s and 19-20 s.
	max := audio.MaxChunkSamples(audio.Rate, 10*time.Second)
	for _, c := range audio.Split(chans[0], audio.Rate, max) {
		wav := audio.EncodeWAV(c.Samples, audio.Rate)
		fmt.Printf("chunk %d: %.2f s .. %.2f s, %d bytes\n", c.Index,
			float64(c.StartSample)/audio.Rate, float64(c.EndSample)/audio.Rate, len(wav))
	}
	// Output:
	// input: 48000 Hz, 1 ch, 16-bit, 25s
	// chunk 0: 0.00 s .. 9.85 s, 315214 bytes
	// chunk 1: 9.85 s .. 19.70 s, 315244 bytes
	// chunk 2: 19.70 s .. 25.00 s, 169674 bytes
}
