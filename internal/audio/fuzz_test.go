package audio

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

// FuzzDecodeWAV feeds arbitrary bytes to the WAV decoder, as an upload or
// `scribe ingest FILE` would. Whatever the input:
//   - nothing panics, and every error wraps one of the package's sentinels
//     and is one printable line (it is shown to the person who uploaded);
//   - Probe and Decode16k agree on acceptance and on what the header says;
//   - memory follows the file, not its header: the 16 kHz output is at most
//     16 samples per input byte (1 kHz, 8-bit mono is the worst case);
//   - a decoded file has exactly the samples its header promises, and the
//     streaming decoder yields the same samples as the whole-file one.
//
// Seeds: the f.Add cases below and testdata/fuzz/FuzzDecodeWAV (synthetic
// tones and malformed headers only).
func FuzzDecodeWAV(f *testing.F) {
	tone := func(s wavSpec, n int) []byte {
		ch := make([][]float64, s.channels)
		for c := range ch {
			ch[c] = sine(440*float64(c+1), 0.5, max(s.rate, 1), n)
		}
		return s.encode(ch)
	}
	f.Add([]byte{}, false)
	f.Add([]byte("RIFF\x04\x00\x00\x00WAVE"), false)
	f.Add(tone(wavSpec{format: 1, channels: 1, rate: 8000, bits: 8}, 101), false)
	f.Add(tone(wavSpec{format: 1, channels: 1, rate: 1000, bits: 8}, 7), false)
	f.Add(tone(wavSpec{format: 1, channels: 2, rate: 44100, bits: 24}, 50), true)
	f.Add(tone(wavSpec{format: 1, channels: 2, rate: 48000, bits: 16}, 64), false)
	f.Add(tone(wavSpec{format: 1, channels: 1, rate: 22050, bits: 32}, 33), false)
	f.Add(tone(wavSpec{format: 0xFFFE, subFormat: 1, channels: 1, rate: 48000, bits: 16}, 50), false)
	f.Add(tone(wavSpec{format: 0xFFFE, subFormat: 3, channels: 2, rate: 48000, bits: 32}, 5), true)
	f.Add(tone(wavSpec{format: 1, channels: 3, rate: 16000, bits: 16}, 5), false)
	f.Add(tone(wavSpec{format: 3, channels: 1, rate: 16000, bits: 32}, 5), false)
	f.Add(tone(wavSpec{format: 3, channels: 2, rate: 44100, bits: 64}, 9), true)
	f.Add(tone(wavSpec{format: 3, channels: 1, rate: 8000, bits: 16}, 4), false)
	f.Add(tone(wavSpec{format: 7, channels: 1, rate: 8000, bits: 8}, 33), false)
	f.Add(tone(wavSpec{format: 6, channels: 2, rate: 8000, bits: 8}, 17), true)
	f.Add(tone(wavSpec{format: 0xFFFE, subFormat: 7, channels: 1, rate: 8000, bits: 8}, 11), false)
	f.Add(tone(wavSpec{format: 0xFFFE, subFormat: 6, channels: 2, rate: 16000, bits: 8}, 6), false)
	f.Add(tone(wavSpec{format: 0xFFFE, subFormat: 3, channels: 1, rate: 96000, bits: 64}, 7), false)
	f.Add(rf64(tone(wavSpec{format: 1, channels: 2, rate: 48000, bits: 24}, 20), "RF64"), true)
	f.Add(rf64(tone(wavSpec{format: 3, channels: 1, rate: 8000, bits: 32}, 9), "BW64"), false)
	nan := tone(wavSpec{format: 3, channels: 1, rate: 8000, bits: 32}, 4)
	copy(nan[len(nan)-8:], "\x00\x00\xc0\x7f\x00\x00\x80\x7f") // NaN, +Inf
	f.Add(nan, false)
	list := append([]byte("LIST"), 12, 0, 0, 0)
	list = append(list, "INFOISFT\x00\x00\x00\x00"...)
	junk := append([]byte("junk"), 3, 0, 0, 0, 'a', 'b', 'c', 0)
	f.Add(tone(wavSpec{format: 1, channels: 1, rate: 8000, bits: 8, extraFirst: list, extraMid: junk}, 9), false)
	f.Add(append(append([]byte("RIFF\x00\x00\x00\x00WAVELIST"), 0xff, 0xff, 0xff, 0x7f), make([]byte, 16)...), false)

	f.Fuzz(func(t *testing.T, b []byte, split bool) {
		opt := Options{Split: split, MaxDuration: time.Hour}
		pinfo, perr := Probe(bytes.NewReader(b), opt)
		info, out, err := Decode16k(bytes.NewReader(b), opt)
		for _, e := range []error{perr, err} {
			if e == nil {
				continue
			}
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(e, s) }) {
				t.Fatalf("error matches no sentinel: %v", e)
			}
			if msg := e.Error(); !printableLine(msg) {
				t.Fatalf("error is not one printable line: %q", msg)
			}
		}
		if (perr == nil) != (err == nil) {
			t.Fatalf("Probe says %v, Decode16k says %v", perr, err)
		}
		// An upload reads forward only (no size to check sizes against):
		// it must refuse what the file decoder refuses, when the header or
		// the data runs out, and yield the same samples otherwise.
		var forward [][]int16
		st, serr := OpenStream(onlyReader{bytes.NewReader(b)}, opt)
		if serr == nil {
			forward = make([][]int16, st.OutChannels())
			serr = st.Decode(func(block [][]int16) error {
				for c := range block {
					forward[c] = append(forward[c], block[c]...)
				}
				return nil
			})
		}
		if (serr == nil) != (err == nil) {
			t.Fatalf("forward-only stream says %v, Decode16k says %v", serr, err)
		}
		if serr != nil && (!slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(serr, s) }) || !printableLine(serr.Error())) {
			t.Fatalf("forward-only stream error matches no sentinel or is not one printable line: %q", serr)
		}
		if err != nil {
			if out != nil {
				t.Fatalf("output returned with an error")
			}
			return
		}
		for c := range out {
			if !slices.Equal(out[c], forward[c]) {
				t.Fatalf("channel %d: forward-only stream and whole decode differ", c)
			}
		}
		if pinfo != info {
			t.Fatalf("Probe %+v, Decode16k %+v", pinfo, info)
		}
		if len(out) != opt.OutChannels(info) {
			t.Fatalf("%d output channels, want %d", len(out), opt.OutChannels(info))
		}
		want := (info.Frames*Rate + int64(info.SampleRate) - 1) / int64(info.SampleRate)
		if bound := 16*int64(len(b)) + 1; want > bound {
			t.Fatalf("header promises %d samples from a %d-byte file (bound %d)", want, len(b), bound)
		}
		for c := range out {
			if int64(len(out[c])) != want {
				t.Fatalf("channel %d: %d samples, want %d", c, len(out[c]), want)
			}
		}
		streamed := make([][]int16, len(out))
		sinfo, serr := Decode16kStream(bytes.NewReader(b), opt, func(block [][]int16) error {
			if len(block) != len(out) {
				t.Fatalf("stream block has %d channels, want %d", len(block), len(out))
			}
			for c := range block {
				streamed[c] = append(streamed[c], block[c]...)
			}
			return nil
		})
		if serr != nil || sinfo != info {
			t.Fatalf("stream decode: %v, %+v; whole decode: %+v", serr, sinfo, info)
		}
		for c := range out {
			if !slices.Equal(out[c], streamed[c]) {
				t.Fatalf("channel %d: stream and whole decode differ", c)
			}
		}
	})
}

// printableLine reports whether an error message is one line of printable
// text (no control bytes from a hostile file).
func printableLine(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return false
		}
	}
	return true
}
