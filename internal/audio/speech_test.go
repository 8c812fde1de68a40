package audio

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Synthetic sentences: no names, nothing clinical.
var sentences = []string{
	"the weather today is bright and clear",
	"please remember to water the garden plants",
	"seven green apples rolled across the kitchen table",
	"we walked along the river until the sun went down",
	"the library opens early on monday mornings",
	"bring a warm coat because the evening gets cold",
	"the train to the coast leaves every hour",
	"she painted the fence a pale shade of blue",
}

// speak synthesises text with flite and decodes it to 16 kHz.
func speak(t *testing.T, dir, text string, i int) []int16 {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("s%d.wav", i))
	if out, err := exec.Command("flite", "-voice", "rms", "-t", text, "-o", path).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, ch, err := Decode16k(f, Options{})
	if err != nil {
		t.Fatalf("decoding flite output: %v", err)
	}
	return ch[0]
}

// speechSpan returns the first and last sample of the 10 ms frames whose RMS
// exceeds frac of the loudest frame: where the words are.
func speechSpan(s []int16, frac float64) (int, int) {
	const fr = Rate / 100
	var peak float64
	for i := 0; i+fr <= len(s); i += fr {
		peak = max(peak, rmsRange(s[i:i+fr]))
	}
	first, last := -1, -1
	for i := 0; i+fr <= len(s); i += fr {
		if rmsRange(s[i:i+fr]) > frac*peak {
			if first < 0 {
				first = i
			}
			last = i + fr
		}
	}
	return first, last
}

func TestChunkerCutsRealSpeechInPauses(t *testing.T) {
	requireTool(t, "flite")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(21, 22))

	var utter [][]int16
	for i, s := range sentences {
		utter = append(utter, speak(t, dir, s, i))
	}
	// Three rounds of the sentences in shuffled orders, each followed by a
	// 700 ms pause of faint room noise.
	pause := 700 * Rate / 1000
	var audio []int16
	type span struct{ from, to int } // where words are, on the timeline
	var words []span
	longest := 0
	for round := 0; round < 3; round++ {
		for _, k := range rng.Perm(len(utter)) {
			u := utter[k]
			a, z := speechSpan(u, 0.02)
			words = append(words, span{len(audio) + a, len(audio) + z})
			audio = append(audio, u...)
			for range pause {
				audio = append(audio, int16(rng.IntN(41)-20))
			}
			longest = max(longest, len(u)+pause)
		}
	}
	var speechRMS float64
	{
		var e, n float64
		for _, w := range words {
			r := rmsRange(audio[w.from:w.to])
			e += r * r * float64(w.to-w.from)
			n += float64(w.to - w.from)
		}
		speechRMS = sqrt(e / n)
	}
	// The search region (last 20%) then always holds a whole pause.
	max := 5*longest + Rate
	chunks := Split(audio, Rate, max)
	checkTiling(t, audio, chunks, max)
	if len(chunks) < 4 {
		t.Fatalf("only %d chunks from %.0f s at max %.1f s; the test needs several cuts", len(chunks), float64(len(audio))/Rate, float64(max)/Rate)
	}
	t.Logf("%.1f s of flite speech, max %.1f s: %d chunks, speech RMS %.0f", float64(len(audio))/Rate, float64(max)/Rate, len(chunks), speechRMS)
	for _, c := range chunks[:len(chunks)-1] {
		cut := int(c.EndSample)
		for _, w := range words {
			if cut > w.from && cut < w.to {
				t.Errorf("cut at %.3f s splits an utterance (%.3f..%.3f s)", float64(cut)/Rate, float64(w.from)/Rate, float64(w.to)/Rate)
			}
		}
		around := rmsRange(audio[cut-Rate/10 : cut+Rate/10])
		t.Logf("cut at %7.3f s: RMS ±100 ms %.0f (%.1f%% of speech)", float64(cut)/Rate, around, 100*around/speechRMS)
		if around > 0.03*speechRMS {
			t.Errorf("cut at %.3f s is not in a pause: RMS %.0f is %.1f%% of speech RMS", float64(cut)/Rate, around, 100*around/speechRMS)
		}
	}

	// The streaming chunker, fed in 20 ms packets as the recorder does,
	// cuts in the same places.
	var streamed []Chunk
	ck := NewChunker(Rate, max, func(c Chunk) error { streamed = append(streamed, c); return nil })
	for i := 0; i < len(audio); i += Rate / 50 {
		if err := ck.Write(audio[i:min(i+Rate/50, len(audio))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ck.Flush(); err != nil {
		t.Fatal(err)
	}
	checkTiling(t, audio, streamed, max)
	for i := range chunks {
		if streamed[i].EndSample != chunks[i].EndSample {
			t.Fatalf("streaming cut %d at %d, batch at %d", i, streamed[i].EndSample, chunks[i].EndSample)
		}
	}
}

func TestDecodeRealSpeechAcrossFormats(t *testing.T) {
	// sox converts flite's speech to the formats people upload; our decoder
	// must bring each back to 16 kHz close to the original.
	requireTool(t, "flite")
	requireTool(t, "sox")
	dir := t.TempDir()
	orig := speak(t, dir, sentences[2], 0)
	src := filepath.Join(dir, "s0.wav")
	for _, f := range []struct {
		rate, bits, ch int
		minSNR         float64
	}{
		{44100, 16, 2, 30}, {48000, 24, 1, 30}, {8000, 16, 1, 14}, {22050, 32, 2, 30}, {11025, 8, 1, 15},
	} {
		out := filepath.Join(dir, fmt.Sprintf("c_%d_%d_%d.wav", f.rate, f.bits, f.ch))
		// -D: no dither, so differences are the resamplers' alone. WAV
		// stores 8-bit samples unsigned.
		enc := "signed-integer"
		if f.bits == 8 {
			enc = "unsigned-integer"
		}
		if b, err := exec.Command("sox", "-D", src, "-r", fmt.Sprint(f.rate), "-b", fmt.Sprint(f.bits), "-c", fmt.Sprint(f.ch), "-e", enc, out).CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, b)
		}
		file, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		info, got, err := Decode16k(file, Options{})
		file.Close()
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if info.SampleRate != f.rate || info.BitDepth != f.bits || info.Channels != f.ch {
			t.Fatalf("sox file %+v read as %+v", f, info)
		}
		// The original has content up to 8 kHz; what each path keeps above
		// its own passband counts as error here, so the low-rate copies
		// (4 and 5.5 kHz bandwidth) have a lower floor.
		n := min(len(got[0]), len(orig))
		var sig, noise float64
		for i := 0; i < n; i++ {
			d := float64(got[0][i]) - float64(orig[i])
			sig += float64(orig[i]) * float64(orig[i])
			noise += d * d
		}
		snr := 10 * log10(sig/noise)
		t.Logf("%5d Hz %2d-bit %d ch: %d samples (orig %d), SNR vs original %.1f dB", f.rate, f.bits, f.ch, len(got[0]), len(orig), snr)
		if d := len(got[0]) - len(orig); d < -2 || d > 2 {
			t.Errorf("%+v: length %d, original %d", f, len(got[0]), len(orig))
		}
		if snr < f.minSNR {
			t.Errorf("%+v: SNR vs original %.1f dB, want >= %.0f", f, snr, f.minSNR)
		}
	}
}
