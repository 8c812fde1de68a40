package audio_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
)

// FuzzOpen feeds arbitrary bytes to Open and Decode, as an upload would,
// seeded with short recordings in every format a Go encoder writes (WAV in
// each encoding, FLAC, Ogg Opus, WebM Opus) and MP3 frame headers.
// Whatever the input: nothing panics, the decoder reads forward only, and
// every refusal is an input error on one printable line. The 5-second
// limit keeps a hostile header from making the fuzzer decode hours.
func FuzzOpen(f *testing.F) {
	pcm := chirpSpeech()[4000:8000] // a quarter second
	for _, k := range audiotest.Kinds {
		if k.Tool == "" {
			f.Add(k.Make(f, pcm))
		}
	}
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x50\xc4\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xf3\x48\xc4\x00\x00\x00\x00\xff\xf3\x48\xc4"))
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm"))
	// ffmpeg is hidden: its own robustness is not this package's to fuzz,
	// and starting it for every input that looks like MP4 or AAC would
	// slow the fuzzer a hundredfold. The ffmpeg path is tested with real
	// and damaged files in TestOpenEveryFormat.
	f.Setenv("PATH", f.TempDir())
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := audio.Open(onlyReader{bytes.NewReader(b)}, audio.Options{MaxDuration: 5 * time.Second, Split: true})
		if err == nil {
			err = src.Decode(func(block [][]int16) error {
				if len(block) != src.OutChannels() {
					t.Fatalf("block of %d channels, want %d", len(block), src.OutChannels())
				}
				return nil
			})
		}
		if err == nil {
			return
		}
		if !audio.IsInputError(err) {
			t.Fatalf("not an input error: %v", err)
		}
		for _, r := range err.Error() {
			if r < 0x20 || r == 0x7f || r == '\uFFFD' {
				t.Fatalf("error is not one printable line: %q", err)
			}
		}
	})
}
