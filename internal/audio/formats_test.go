package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/testenv"
)

// chirpSpeech is a speech-like test signal (a 2.4 s gliding tone with
// syllable-rate amplitude changes, bounded by quiet), so each format's
// output can be compared with what went in.
func chirpSpeech() []int16 {
	const n = 16000 * 3
	out := make([]int16, n)
	phase := 0.0
	for i := range out {
		sec := float64(i) / 16000
		if sec < 0.3 || sec > 2.7 {
			continue
		}
		f := 200 + 600*(sec-0.3)/2.4
		phase += 2 * math.Pi * f / 16000
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*sec)
		out[i] = int16(9000 * env * math.Sin(phase))
	}
	return out
}

// envelope is the RMS of each 10 ms window.
func envelope(s []int16) []float64 {
	const w = 160
	var out []float64
	for i := 0; i+w <= len(s); i += w {
		var e float64
		for _, v := range s[i : i+w] {
			e += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(e/w))
	}
	return out
}

// aligned is the best correlation of two envelopes with b delayed by up to
// 150 ms (a lossy codec's encoder delay: about 100 ms for MP3).
func aligned(a, b []float64) float64 {
	best := -1.0
	for lag := 0; lag <= 15 && lag < len(b); lag++ {
		best = max(best, correlation(a, b[lag:]))
	}
	return best
}

// correlation is the Pearson correlation of two envelopes over their
// common length.
func correlation(a, b []float64) float64 {
	n := min(len(a), len(b))
	var ma, mb float64
	for i := range n {
		ma += a[i]
		mb += b[i]
	}
	ma, mb = ma/float64(n), mb/float64(n)
	var sab, saa, sbb float64
	for i := range n {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

type onlyReader struct{ io.Reader }

func decodeAll(t *testing.T, r io.Reader, opt audio.Options) (audio.Info, [][]int16, error) {
	t.Helper()
	src, err := audio.Open(r, opt)
	if err != nil {
		return audio.Info{}, nil, err
	}
	out := make([][]int16, src.OutChannels())
	err = src.Decode(func(b [][]int16) error {
		for c := range b {
			out[c] = append(out[c], b[c]...)
		}
		return nil
	})
	if err == nil && int64(len(out[0])) != src.OutSamples() {
		t.Errorf("OutSamples %d after Decode, but %d samples were handed out", src.OutSamples(), len(out[0]))
	}
	return src.Info(), out, err
}

// TestOpenEveryFormat: every fixture kind (each WAV encoding, plain and
// extensible, FLAC, MP3, Ogg Opus, WebM Opus, M4A, MP4, MOV) is recognised
// from its content alone, read forward only (as an upload arrives) and
// decoded to 16 kHz audio that follows the original; its damaged copy is
// refused with an input error on one line.
func TestOpenEveryFormat(t *testing.T) {
	pcm := chirpSpeech()
	ref := envelope(pcm)
	for _, k := range audiotest.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			file := k.Make(t, pcm)
			info, out, err := decodeAll(t, onlyReader{bytes.NewReader(file)}, audio.Options{Split: true})
			if err == nil && (k.Name == "mp4-video" || k.Name == "mov-video") {
				// Written with the index at the end, as cameras do: from a
				// file (the command line), ffmpeg is given the file itself
				// and seeks to it.
				if audiotest.FastStart(file) {
					t.Fatalf("%s fixture is fast-start; the test wants the index at the end", k.Name)
				}
				path := filepath.Join(t.TempDir(), "recording")
				if err := os.WriteFile(path, file, 0o600); err != nil {
					t.Fatal(err)
				}
				f, ferr := os.Open(path)
				if ferr != nil {
					t.Fatal(ferr)
				}
				defer f.Close()
				info, out, err = decodeAll(t, f, audio.Options{Split: true})
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if info.Format != k.Format || (k.Encoding != "" && info.Encoding != k.Encoding) {
				t.Errorf("format %q encoding %q, want %q %q", info.Format, info.Encoding, k.Format, k.Encoding)
			}
			wantCh := 1
			if k.Stereo {
				wantCh = 2
			}
			if len(out) != wantCh || info.Channels != wantCh {
				t.Errorf("%d output channels (info says %d), want %d", len(out), info.Channels, wantCh)
			}
			dur := float64(len(out[0])) / audio.Rate
			if dur < 2.9 || dur > 3.2 {
				t.Errorf("decoded %.3f s, want about 3 s", dur)
			}
			if info.Duration < 2900*time.Millisecond || info.Duration > 3200*time.Millisecond {
				t.Errorf("Info.Duration %s after decoding, want about 3 s", info.Duration)
			}
			for c := range out {
				if r := aligned(ref, envelope(out[c])); r < 0.9 {
					t.Errorf("channel %d: loudness envelope correlates %.3f with the original, want >= 0.9", c, r)
				}
			}
			lossless := k.Format == "flac" || (k.Format == "wav" && (k.Encoding == "pcm" && !strings.Contains(k.Name, "pcm8") || k.Encoding == "float"))
			if lossless {
				if snr := snr(pcm, out[0]); snr < 60 {
					t.Errorf("lossless format decoded with SNR %.1f dB, want >= 60", snr)
				}
			}

			bad, what := k.Corrupt(file)
			_, _, err = decodeAll(t, onlyReader{bytes.NewReader(bad)}, audio.Options{Split: true})
			if err == nil {
				t.Fatalf("a file %s was accepted", what)
			}
			if !audio.IsInputError(err) || !errors.Is(err, audio.ErrCorrupt) {
				t.Errorf("file %s: %v, want a corrupt-recording error", what, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || len(msg) > 400 {
				t.Errorf("error is not one short line: %q", msg)
			}
		})
	}
}

func snr(want, got []int16) float64 {
	var s, n float64
	for i := range min(len(want), len(got)) {
		d := float64(got[i]) - float64(want[i])
		s += float64(want[i]) * float64(want[i])
		n += d * d
	}
	return 10 * math.Log10(s/max(n, 1e-9))
}

// TestOpenRefusesUnknownContent: the format comes from the content, never
// a name; what matches nothing is refused naming every accepted format,
// without echoing the content.
func TestOpenRefusesUnknownContent(t *testing.T) {
	for name, b := range map[string][]byte{
		"text":       []byte("hello, this is not audio at all, just a note someone typed"),
		"png":        append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...),
		"pdf":        []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
		"zeros":      make([]byte, 1000),
		"three byte": []byte("ID"),
	} {
		_, err := audio.Open(bytes.NewReader(b), audio.Options{})
		if !errors.Is(err, audio.ErrUnknownFormat) {
			t.Errorf("%s: %v, want ErrUnknownFormat", name, err)
			continue
		}
		for _, f := range []string{"WAV", "FLAC", "MP3", "Ogg Opus", "WebM Opus", "M4A", "MP4", "MOV"} {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("%s: error %q does not name %s", name, err, f)
			}
		}
		if strings.Contains(err.Error(), "hello") {
			t.Errorf("%s: error echoes the content: %q", name, err)
		}
	}
	if _, err := audio.Open(bytes.NewReader(nil), audio.Options{}); !errors.Is(err, audio.ErrEmpty) {
		t.Errorf("empty: %v, want ErrEmpty", err)
	}
}

// TestOpenUnsupportedCodecIsNamed: an Ogg file holding Vorbis (what sox
// and some recorders write) is refused naming the codec, not as damage.
func TestOpenUnsupportedCodecIsNamed(t *testing.T) {
	sox := testenv.Tool(t, "sox")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.ogg")
	if err := os.WriteFile(in, audiotest.WAV(chirpSpeech(), 1, 16, false, false), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(sox, in, out).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = audio.Open(bytes.NewReader(b), audio.Options{})
	if !errors.Is(err, audio.ErrUnsupportedEncoding) || !strings.Contains(err.Error(), "Vorbis") {
		t.Fatalf("%v, want an unsupported-encoding error naming Vorbis", err)
	}
}

// TestFFmpegFormatsWithoutFFmpeg: with no ffmpeg on PATH, an M4A, MP4 or
// MOV file is refused with an error that names ffmpeg and what to do,
// before anything is decoded; the Go-decoded formats still work.
func TestFFmpegFormatsWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for name, head := range map[string]string{
		"m4a": "\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42",
		"mp4": "\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41",
		"mov": "\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ",
	} {
		_, err := audio.Open(bytes.NewReader(append([]byte(head), make([]byte, 256)...)), audio.Options{})
		if !errors.Is(err, audio.ErrNeedsFFmpeg) || !audio.IsInputError(err) {
			t.Fatalf("%s: %v, want ErrNeedsFFmpeg", name, err)
		}
		for _, want := range []string{"ffmpeg", "M4A/AAC, MP4 and MOV", "WAV"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", name, err, want)
			}
		}
	}
	pcm := chirpSpeech()
	if _, out, err := decodeAll(t, bytes.NewReader(audiotest.FLAC(t, pcm)), audio.Options{}); err != nil || len(out[0]) != len(pcm) {
		t.Fatalf("FLAC without ffmpeg: %v", err)
	}
}

// TestOpenLimitsAndEarlyStops: a recording over Options.MaxDuration is
// refused — from the header when it gives the length (FLAC), otherwise as
// soon as the decoded audio passes the limit — a consumer's error stops
// decoding and is returned, and a Source closed without decoding (or
// stopped early) leaves no ffmpeg behind.
func TestOpenLimitsAndEarlyStops(t *testing.T) {
	pcm := chirpSpeech() // 3 s
	limit := audio.Options{MaxDuration: 2 * time.Second}
	if _, err := audio.Open(bytes.NewReader(audiotest.FLAC(t, pcm)), limit); !errors.Is(err, audio.ErrTooLong) {
		t.Errorf("FLAC declaring 3 s against a 2 s limit: Open says %v, want ErrTooLong", err)
	}
	stop := errors.New("consumer stops")
	for _, k := range audiotest.Kinds {
		if k.Format == "flac" || k.Format == "wav" || k.Name == "ogg-opus-ffmpeg" || k.Name == "webm-opus-ffmpeg" || k.Name == "mp3-id3-stereo" {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			file := k.Make(t, pcm)
			src, err := audio.Open(onlyReader{bytes.NewReader(file)}, limit)
			if err != nil {
				t.Fatal(err)
			}
			var got int
			err = src.Decode(func(b [][]int16) error { got += len(b[0]); return nil })
			if !errors.Is(err, audio.ErrTooLong) || !strings.Contains(err.Error(), "2s limit") {
				t.Errorf("3 s against a 2 s limit: %v, want ErrTooLong naming the limit", err)
			}
			if got > 2*audio.Rate+audio.Rate/4 {
				t.Errorf("%d samples handed out before the limit stopped it", got)
			}
			src.Close()

			src, err = audio.Open(onlyReader{bytes.NewReader(file)}, audio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := src.Decode(func([][]int16) error { return stop }); !errors.Is(err, stop) {
				t.Errorf("consumer error: Decode says %v", err)
			}
			src.Close()

			src, err = audio.Open(onlyReader{bytes.NewReader(file)}, audio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := src.Close(); err != nil { // never decoded: ffmpeg is stopped, not waited for
				t.Errorf("Close: %v", err)
			}
		})
	}
}

// TestStreamedMP4NeedsItsIndexFirst: an MP4 with its index (moov) after
// its media, too long for ffmpeg to hold while it looks for the index, is
// refused as an upload with an error saying to save it with "fast start";
// the same file given as a file (the command line) is decoded whole.
func TestStreamedMP4NeedsItsIndexFirst(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "camera.mp4")
	if b, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=25",
		"-f", "lavfi", "-i", "sine=f=440:d=40", "-shortest", "-c:v", "mpeg4", "-b:v", "1M", "-c:a", "aac", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if audiotest.FastStart(data) {
		t.Fatal("ffmpeg wrote the index first; the test needs it last")
	}
	_, _, err = decodeAll(t, onlyReader{bytes.NewReader(data)}, audio.Options{})
	if !errors.Is(err, audio.ErrCorrupt) || !strings.Contains(err.Error(), "fast start") {
		t.Fatalf("streamed: %v, want a corrupt-recording error advising fast start", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, out, err := decodeAll(t, f, audio.Options{})
	if err != nil {
		t.Fatalf("from the file: %v", err)
	}
	if got := float64(len(out[0])) / audio.Rate; got < 39 || got > 41 || info.Encoding != "mp4" {
		t.Fatalf("from the file: %.1f s of %s, want 40 s of mp4", got, info.Encoding)
	}
}

// toneShare is the fraction of s's energy at freq (Hz, 16 kHz audio).
func toneShare(s []int16, freq float64) float64 {
	var c, q, e float64
	for i, v := range s {
		x := float64(v)
		c += x * math.Cos(2*math.Pi*freq*float64(i)/audio.Rate)
		q += x * math.Sin(2*math.Pi*freq*float64(i)/audio.Rate)
		e += x * x
	}
	return (c*c + q*q) / (float64(len(s)) / 2) / e
}

// TestCompressedStereoKeepsChannelsApart: a two-channel FLAC (sox), MP3,
// M4A, Ogg Opus and WebM Opus (ffmpeg) with a different tone on each side decode, with Split,
// into the two channels as recorded (left clinician, right client), and
// into their mix without it.
func TestCompressedStereoKeepsChannelsApart(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	n := 48000 * 2
	l, r := make([]int16, n), make([]int16, n)
	for i := range l {
		l[i] = int16(8000 * math.Sin(2*math.Pi*500*float64(i)/48000))
		r[i] = int16(8000 * math.Sin(2*math.Pi*1300*float64(i)/48000))
	}
	if err := os.WriteFile(in, stereoWAV48k(l, r), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, tool, ext string }{
		{"flac", "sox", "flac"}, {"mp3", "ffmpeg", "mp3"}, {"m4a", "ffmpeg", "m4a"},
		{"ogg opus", "ffmpeg", "opus"}, {"webm opus", "ffmpeg", "webm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := testenv.Tool(t, c.tool)
			out := filepath.Join(dir, "out."+c.ext)
			args := []string{in, out}
			if c.tool == "ffmpeg" {
				args = []string{"-nostdin", "-loglevel", "error", "-y", "-i", in}
				if c.ext == "opus" || c.ext == "webm" {
					args = append(args, "-c:a", "libopus", "-b:a", "96k")
				}
				args = append(args, out)
			}
			if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v: %s", c.tool, err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			info, split, err := decodeAll(t, onlyReader{bytes.NewReader(data)}, audio.Options{Split: true})
			if err != nil {
				t.Fatal(err)
			}
			if info.Channels != 2 || len(split) != 2 {
				t.Fatalf("%d channels (%d out), want 2", info.Channels, len(split))
			}
			mid := func(s []int16) []int16 { return s[len(s)/4 : len(s)*3/4] }
			if a, b := toneShare(mid(split[0]), 500), toneShare(mid(split[1]), 1300); a < 0.95 || b < 0.95 {
				t.Errorf("left holds %.2f of its 500 Hz tone, right %.2f of its 1300 Hz tone; want each >= 0.95", a, b)
			}
			_, mixed, err := decodeAll(t, onlyReader{bytes.NewReader(data)}, audio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(mixed) != 1 {
				t.Fatalf("%d channels without Split, want 1", len(mixed))
			}
			if a, b := toneShare(mid(mixed[0]), 500), toneShare(mid(mixed[0]), 1300); a < 0.4 || b < 0.4 {
				t.Errorf("the mix holds %.2f and %.2f of the two tones, want about half each", a, b)
			}
		})
	}
}

// stereoWAV48k is a 16-bit 48 kHz stereo WAV of l and r.
func stereoWAV48k(l, r []int16) []byte {
	le := binary.LittleEndian
	data := make([]byte, 0, 4*len(l))
	for i := range l {
		data = le.AppendUint16(data, uint16(l[i]))
		data = le.AppendUint16(data, uint16(r[i]))
	}
	out := []byte("RIFF")
	out = le.AppendUint32(out, uint32(36+len(data)))
	out = append(out, "WAVEfmt "...)
	out = le.AppendUint32(out, 16)
	out = le.AppendUint16(out, 1)
	out = le.AppendUint16(out, 2)
	out = le.AppendUint32(out, 48000)
	out = le.AppendUint32(out, 48000*4)
	out = le.AppendUint16(out, 4)
	out = le.AppendUint16(out, 16)
	out = append(out, "data"...)
	out = le.AppendUint32(out, uint32(len(data)))
	return append(out, data...)
}
