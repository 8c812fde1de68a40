package testenv

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/scribe-health/scribe/internal/audio"
)

var speechCache sync.Map // text → []int16

// Speech synthesises text with `flite -voice rms` (which the offline
// recogniser pocketsphinx transcribes nearly exactly) and returns it as
// 16 kHz mono 16-bit samples.
func Speech(t testing.TB, text string) []int16 {
	t.Helper()
	return SpeechVoice(t, "rms", text)
}

// SpeechVoice is Speech in another of flite's voices ("rms", "slt", "awb",
// "kal"), for a recording of two people on one channel.
func SpeechVoice(t testing.TB, voice, text string) []int16 {
	t.Helper()
	key := text
	if voice != "rms" {
		key = voice + "\x00" + text
	}
	if v, ok := speechCache.Load(key); ok {
		return v.([]int16)
	}
	flite := Tool(t, "flite")
	dir := t.TempDir()
	raw := filepath.Join(dir, "speech.wav")
	if out, err := exec.Command(flite, "-voice", voice, "-t", text, "-o", raw).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	f, err := os.Open(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, ch, err := audio.Decode16k(f, audio.Options{})
	if err != nil {
		t.Fatalf("decode flite output: %v", err)
	}
	speechCache.Store(key, ch[0])
	return ch[0]
}

// Silence returns ms milliseconds of a quiet room at 16 kHz: low white
// noise (about -60 dBFS) rather than digital zeros, as real recordings have.
// pocketsphinx's cepstral normalisation misreads speech that follows
// seconds of exact zeros.
func Silence(ms int) []int16 {
	out := make([]int16, ms*16)
	x := uint32(2463534242)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = int16(int32(x%65) - 32)
	}
	return out
}

// Concat joins sample slices.
func Concat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// WAV encodes 16-bit PCM channels (equal length; shorter ones are padded
// with silence) at rate into a RIFF/WAVE file.
func WAV(rate int, channels ...[]int16) []byte {
	n := 0
	for _, c := range channels {
		n = max(n, len(c))
	}
	nch := len(channels)
	data := make([]byte, 44+n*nch*2)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+n*nch*2))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1)
	binary.LittleEndian.PutUint16(data[22:], uint16(nch))
	binary.LittleEndian.PutUint32(data[24:], uint32(rate))
	binary.LittleEndian.PutUint32(data[28:], uint32(rate*nch*2))
	binary.LittleEndian.PutUint16(data[32:], uint16(nch*2))
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(n*nch*2))
	off := 44
	for i := 0; i < n; i++ {
		for _, c := range channels {
			var v int16
			if i < len(c) {
				v = c[i]
			}
			binary.LittleEndian.PutUint16(data[off:], uint16(v))
			off += 2
		}
	}
	return data
}

// Resample converts a WAV file to another rate with sox (so tests ingest
// 48 kHz call recordings, as real ones are).
func Resample(t testing.TB, wav []byte, rate int) []byte {
	t.Helper()
	sox := Tool(t, "sox")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	if err := os.WriteFile(in, wav, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(sox, "-D", in, "-r", strconv.Itoa(rate), out).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
