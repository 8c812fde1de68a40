package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-audio/wav"
)

func TestEncodeWAVRoundTripsThroughGoAudio(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	samples := make([]int16, 12345)
	for i := range samples {
		samples[i] = int16(rng.IntN(65536) - 32768)
	}
	samples[0], samples[1] = -32768, 32767
	b := EncodeWAV(samples, Rate)

	d := wav.NewDecoder(bytes.NewReader(b))
	if !d.IsValidFile() {
		t.Fatalf("go-audio says EncodeWAV output is not a valid WAV: %v", d.Err())
	}
	if d.SampleRate != Rate || d.NumChans != 1 || d.BitDepth != 16 || d.WavAudioFormat != 1 {
		t.Fatalf("header: %d Hz, %d ch, %d bit, format %d", d.SampleRate, d.NumChans, d.BitDepth, d.WavAudioFormat)
	}
	if err := d.Rewind(); err != nil {
		t.Fatal(err)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if len(buf.Data) != len(samples) {
		t.Fatalf("go-audio decoded %d samples, want %d", len(buf.Data), len(samples))
	}
	for i, v := range buf.Data {
		if int16(v) != samples[i] {
			t.Fatalf("sample %d: got %d want %d", i, v, samples[i])
		}
	}

	// And our own decoder at 16 kHz is an exact pass-through.
	info, out, err := Decode16k(bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != int64(len(samples)) || !slices.Equal(out[0], samples) {
		t.Fatalf("Decode16k of EncodeWAV output differs (frames %d)", info.Frames)
	}
}

func TestEncodeWAVEmpty(t *testing.T) {
	b := EncodeWAV(nil, Rate)
	if len(b) != 44 {
		t.Fatalf("empty WAV is %d bytes, want a 44-byte header", len(b))
	}
	// An empty chunk is a valid file, but not audio we can transcribe.
	if _, _, err := Decode16k(bytes.NewReader(b), Options{}); !errors.Is(err, ErrNoAudio) {
		t.Fatalf("decoding an empty EncodeWAV: %v, want ErrNoAudio", err)
	}
}

func TestDecodeFormats(t *testing.T) {
	const secs = 1
	cases := []struct {
		spec   wavSpec
		minSNR float64
	}{
		{wavSpec{format: 1, channels: 1, rate: 8000, bits: 8}, 38},
		{wavSpec{format: 1, channels: 1, rate: 16000, bits: 16}, 70},
		{wavSpec{format: 1, channels: 1, rate: 44100, bits: 16}, 60},
		{wavSpec{format: 1, channels: 2, rate: 48000, bits: 16}, 60},
		{wavSpec{format: 1, channels: 2, rate: 44100, bits: 24}, 60},
		{wavSpec{format: 1, channels: 1, rate: 22050, bits: 32}, 60},
		{wavSpec{format: 1, channels: 2, rate: 11025, bits: 8}, 38},
		{wavSpec{format: 0xFFFE, subFormat: 1, channels: 2, rate: 48000, bits: 24}, 60},
		{wavSpec{format: 0xFFFE, subFormat: 1, channels: 1, rate: 16000, bits: 32}, 70},
		{wavSpec{format: 3, channels: 1, rate: 48000, bits: 32}, 60},
		{wavSpec{format: 3, channels: 2, rate: 44100, bits: 64}, 60},
		{wavSpec{format: 0xFFFE, subFormat: 3, channels: 2, rate: 48000, bits: 32}, 60},
		{wavSpec{format: 0xFFFE, subFormat: 3, channels: 1, rate: 96000, bits: 64}, 60},
		{wavSpec{format: 7, channels: 1, rate: 8000, bits: 8}, 30},
		{wavSpec{format: 6, channels: 1, rate: 8000, bits: 8}, 30},
		{wavSpec{format: 0xFFFE, subFormat: 7, channels: 2, rate: 8000, bits: 8}, 30},
		{wavSpec{format: 0xFFFE, subFormat: 6, channels: 1, rate: 16000, bits: 8}, 30},
	}
	for _, c := range cases {
		s := c.spec
		name := fmt.Sprintf("%dch_%dHz_%dbit_fmt%x_%x", s.channels, s.rate, s.bits, s.format, s.subFormat)
		t.Run(name, func(t *testing.T) {
			n := s.rate * secs
			// Left 1 kHz, right 2 kHz, so we can tell the channels apart.
			chans := [][]float64{sine(1000, 0.5, s.rate, n), sine(2000, 0.5, s.rate, n)}
			file := s.encode(chans[:s.channels])
			edge := Rate / 20

			info, out, err := Decode16k(bytes.NewReader(file), Options{Split: true})
			if err != nil {
				t.Fatal(err)
			}
			code := s.format
			if code == 0xFFFE {
				code = s.subFormat
			}
			enc := map[uint16]string{1: "pcm", 3: "float", 6: "a-law", 7: "mu-law"}[code]
			want := Info{Format: "wav", Encoding: enc, SampleRate: s.rate, Channels: s.channels, BitDepth: s.bits, Frames: int64(n), Duration: secs * time.Second}
			if info != want {
				t.Fatalf("info %+v, want %+v", info, want)
			}
			if len(out) != s.channels {
				t.Fatalf("%d output channels with Split, want %d", len(out), s.channels)
			}
			for ch := range out {
				if len(out[ch]) != Rate*secs {
					t.Errorf("channel %d: %d samples, want %d", ch, len(out[ch]), Rate*secs)
				}
				freq := float64(1000 * (ch + 1))
				if snr := snrDB(out[ch], freq, 16384, Rate, edge); snr < c.minSNR {
					t.Errorf("channel %d: SNR %.1f dB for its %.0f Hz tone, want >= %.0f", ch, snr, freq, c.minSNR)
				}
			}
			if s.channels == 2 {
				// Downmix: the average of both tones.
				_, mono, err := Decode16k(bytes.NewReader(file), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(mono) != 1 {
					t.Fatalf("downmix gave %d channels", len(mono))
				}
				var noise, sig float64
				for i := edge; i < len(mono[0])-edge; i++ {
					w := (float64(out[0][i]) + float64(out[1][i])) / 2
					d := float64(mono[0][i]) - w
					noise += d * d
					sig += w * w
				}
				if noise > sig*1e-6 {
					t.Errorf("downmix differs from the mean of the split channels: noise/signal %.2g", noise/sig)
				}
			}
		})
	}
}

func TestDecodeToleratesExtraChunksAndPadding(t *testing.T) {
	list := append([]byte("LIST"), 12, 0, 0, 0)
	list = append(list, "INFOISFT\x00\x00\x00\x00"...)
	junk := append([]byte("junk"), 3, 0, 0, 0, 'a', 'b', 'c', 0) // odd size, padded
	s := wavSpec{format: 1, channels: 1, rate: 8000, bits: 8, extraFirst: list, extraMid: junk}
	n := 8001 // odd data length: the file ends with a pad byte
	file := s.encode([][]float64{sine(500, 0.5, 8000, n)})
	info, out, err := Decode16k(bytes.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != int64(n) {
		t.Fatalf("frames %d, want %d (pad byte must not count as audio)", info.Frames, n)
	}
	if want := (n*2*8000 + 7999) / 8000; len(out[0]) != want {
		t.Fatalf("%d samples out, want %d", len(out[0]), want)
	}
	if snr := snrDB(out[0], 500, 16384, Rate, Rate/20); snr < 38 {
		t.Fatalf("SNR %.1f dB", snr)
	}
}

var sentinels = []error{ErrEmpty, ErrUnknownFormat, ErrNeedsFFmpeg, ErrNotWAV, ErrNoAudio, ErrUnsupportedEncoding, ErrTooManyChannels, ErrTooLong, ErrCorrupt}

func TestDecodeRejectsBadInput(t *testing.T) {
	pcm := wavSpec{format: 1, channels: 1, rate: 16000, bits: 16}
	oneSec := pcm.encode([][]float64{sine(440, 0.3, 16000, 16000)})
	rng := rand.New(rand.NewPCG(5, 6))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	riffGarbage := append([]byte("RIFF\x00\x10\x00\x00WAVE"), random[:200]...)

	cases := []struct {
		name    string
		file    []byte
		opt     Options
		want    error
		mention string // the message must name the problem
	}{
		{"empty", nil, Options{}, ErrEmpty, "empty"},
		{"random bytes", random, Options{}, ErrNotWAV, "RIFF"},
		{"tiny", []byte("RIF"), Options{}, ErrNotWAV, "too short"},
		{"AVI not WAVE", append([]byte("RIFF\x04\x00\x00\x00AVI "), make([]byte, 32)...), Options{}, ErrNotWAV, "not WAVE"},
		{"RIFF WAVE then garbage", riffGarbage, Options{}, ErrCorrupt, "declares"},
		{"no fmt chunk", append([]byte("RIFF\x0c\x00\x00\x00WAVE"), "data\x00\x00\x00\x00"...), Options{}, ErrNotWAV, "fmt"},
		{"header only, zero-length data", pcm.header(0), Options{}, ErrNoAudio, "zero-length"},
		{"no data chunk", pcm.header(0)[:36], Options{}, ErrNoAudio, "no data chunk"},
		{"less than a frame", append(wavSpec{format: 1, channels: 2, rate: 16000, bits: 16}.header(2), 1, 2), Options{}, ErrNoAudio, "less than one"},
		{"16-bit float", wavSpec{format: 3, channels: 1, rate: 16000, bits: 16}.encode([][]float64{make([]float64, 100)}), Options{}, ErrUnsupportedEncoding, "16-bit float"},
		{"ADPCM", wavSpec{format: 2, channels: 1, rate: 16000, bits: 16}.encode([][]float64{make([]float64, 100)}), Options{}, ErrUnsupportedEncoding, "format code 2 (Microsoft ADPCM)"},
		{"16-bit A-law", wavSpec{format: 6, channels: 1, rate: 8000, bits: 16}.encode([][]float64{make([]float64, 100)}), Options{}, ErrUnsupportedEncoding, "16-bit a-law"},
		{"GSM", wavSpec{format: 0x31, channels: 1, rate: 8000, bits: 8}.encode([][]float64{make([]float64, 100)}), Options{}, ErrUnsupportedEncoding, "format code 49 (GSM 6.10)"},
		{"extensible ADPCM", wavSpec{format: 0xFFFE, subFormat: 2, channels: 2, rate: 48000, bits: 16}.encode([][]float64{make([]float64, 10), make([]float64, 10)}), Options{}, ErrUnsupportedEncoding, "format code 2 (Microsoft ADPCM)"},
		{"12-bit", wavSpec{format: 1, channels: 1, rate: 16000, bits: 12}.header(0), Options{}, ErrUnsupportedEncoding, "12-bit"},
		{"4 channels", wavSpec{format: 1, channels: 4, rate: 16000, bits: 16}.encode([][]float64{make([]float64, 10), make([]float64, 10), make([]float64, 10), make([]float64, 10)}), Options{}, ErrTooManyChannels, "4 channels"},
		{"zero rate", wavSpec{format: 1, channels: 1, rate: 0, bits: 16}.encode([][]float64{make([]float64, 10)}), Options{}, ErrCorrupt, "sample rate 0"},
		{"truncated", oneSec[:len(oneSec)-1000], Options{}, ErrCorrupt, "truncated"},
		{"too long", oneSec, Options{MaxDuration: 999 * time.Millisecond}, ErrTooLong, "exceeds the 999ms limit"},
		{"huge LIST chunk", append(append([]byte("RIFF\x00\x00\x00\x00WAVELIST"), 0xff, 0xff, 0xff, 0x7f), make([]byte, 64)...), Options{}, ErrCorrupt, "LIST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, out, err := Decode16k(bytes.NewReader(c.file), c.opt)
			if err == nil {
				t.Fatalf("no error; decoded %d channels", len(out))
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == c.want; got != want {
					t.Errorf("errors.Is(err, %v) = %v; err = %v", s, got, err)
				}
			}
			msg := err.Error()
			if !strings.Contains(msg, c.mention) {
				t.Errorf("error %q does not mention %q", msg, c.mention)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error is not one line: %q", msg)
			}
			if out != nil {
				t.Errorf("output returned with an error")
			}
			// Probe agrees with Decode16k.
			if _, perr := Probe(bytes.NewReader(c.file), c.opt); !errors.Is(perr, c.want) {
				t.Errorf("Probe: %v, want %v", perr, c.want)
			}
			// So does a stream whose size is unknown (an upload): the same
			// refusal, from the header or when the data runs out.
			serr := streamAll(onlyReader{bytes.NewReader(c.file)}, c.opt)
			if !errors.Is(serr, c.want) || !strings.Contains(serr.Error(), c.mention) {
				t.Errorf("stream: %v, want %v mentioning %q", serr, c.want, c.mention)
			}
		})
	}
}

func TestTooLongIsRejectedFromTheHeaderAlone(t *testing.T) {
	// A two-hour 48 kHz stereo file (~1.4 GB) that exists only virtually.
	const rate = 48000
	frames := int64(2 * 3600 * rate)
	spec := wavSpec{format: 1, channels: 2, rate: rate, bits: 16}
	v := &virtualWAV{header: spec.header(frames * 4), dataLen: frames * 4, gen: toneNoiseGen(rate)}
	_, _, err := Decode16k(v, Options{MaxDuration: 90 * time.Minute})
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	if !strings.Contains(err.Error(), "2h0m0s exceeds the 1h30m0s limit") {
		t.Errorf("message %q does not give both durations", err)
	}
	if v.served > 4096 {
		t.Errorf("read %d bytes before rejecting; the header alone should decide", v.served)
	}
}

func TestDecodeStreamUsesConstantMemory(t *testing.T) {
	// Ten minutes of 48 kHz stereo (115 MB) from a virtual file: streaming
	// must allocate a small, fixed amount, not a copy of the input or output.
	const rate = 48000
	frames := int64(10 * 60 * rate)
	spec := wavSpec{format: 1, channels: 2, rate: rate, bits: 16}
	v := &virtualWAV{header: spec.header(frames * 4), dataLen: frames * 4, gen: toneNoiseGen(rate)}

	var total [2]int64
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, err := Decode16kStream(v, Options{Split: true}, func(b [][]int16) error {
		if len(b) != 2 || len(b[0]) != len(b[1]) {
			return fmt.Errorf("block shape %d channels, lengths differ", len(b))
		}
		total[0] += int64(len(b[0]))
		total[1] += int64(len(b[1]))
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != frames || info.Duration != 10*time.Minute {
		t.Fatalf("info %+v", info)
	}
	want := frames * Rate / rate
	if total[0] != want || total[1] != want {
		t.Fatalf("streamed %v samples per channel, want %d", total, want)
	}
	if v.served < frames*4 {
		t.Fatalf("only %d of %d data bytes read", v.served, frames*4)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KB to stream %d MB of input", alloc>>10, frames*4>>20)
	if alloc > 8<<20 {
		t.Errorf("allocated %d MB while streaming; want constant memory (< 8 MB)", alloc>>20)
	}
}

func TestDecodeStreamConsumerErrorStops(t *testing.T) {
	file := wavSpec{format: 1, channels: 1, rate: 48000, bits: 16}.encode([][]float64{sine(440, 0.5, 48000, 48000*20)})
	boom := errors.New("disk full")
	calls := 0
	_, err := Decode16kStream(bytes.NewReader(file), Options{}, func([][]int16) error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls; want the consumer's error after 1", err, calls)
	}
}

func TestDecodeMatchesStream(t *testing.T) {
	file := wavSpec{format: 1, channels: 2, rate: 44100, bits: 24}.encode([][]float64{sine(300, 0.4, 44100, 300000), sine(700, 0.2, 44100, 300000)})
	_, whole, err := Decode16k(bytes.NewReader(file), Options{Split: true})
	if err != nil {
		t.Fatal(err)
	}
	streamed := make([][]int16, 2)
	if _, err := Decode16kStream(bytes.NewReader(file), Options{Split: true}, func(b [][]int16) error {
		for c := range b {
			streamed[c] = append(streamed[c], b[c]...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for c := range whole {
		if !slices.Equal(whole[c], streamed[c]) {
			t.Errorf("channel %d: stream and whole decode differ", c)
		}
	}
}

// onlyReader hides Seek, as a multipart part or a pipe does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// streamAll opens r as a Stream and decodes it to the end.
func streamAll(r io.Reader, opt Options) error {
	s, err := OpenStream(r, opt)
	if err != nil {
		return err
	}
	return s.Decode(func([][]int16) error { return nil })
}

func TestStreamMatchesWholeDecode(t *testing.T) {
	file := wavSpec{format: 1, channels: 2, rate: 44100, bits: 24}.encode([][]float64{sine(300, 0.4, 44100, 300000), sine(700, 0.2, 44100, 300000)})
	// A LIST chunk with an odd size before the data, as recorders write.
	list := append([]byte("LIST\x05\x00\x00\x00INFOx\x00"), file[36:]...)
	file = append(append([]byte{}, file[:36]...), list...)
	_, whole, err := Decode16k(bytes.NewReader(file), Options{Split: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStream(onlyReader{bytes.NewReader(file)}, Options{Split: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.OutChannels() != 2 || s.OutSamples() != int64(len(whole[0])) {
		t.Fatalf("stream declares %d channels of %d samples; whole decode gave %d of %d", s.OutChannels(), s.OutSamples(), len(whole), len(whole[0]))
	}
	streamed := make([][]int16, 2)
	if err := s.Decode(func(b [][]int16) error {
		for c := range b {
			streamed[c] = append(streamed[c], b[c]...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for c := range whole {
		if !slices.Equal(whole[c], streamed[c]) {
			t.Errorf("channel %d: stream and whole decode differ", c)
		}
	}
}

// TestG711MatchesSox checks the μ-law and A-law expansion against an
// independent encoder: sox encodes a 16-bit tone to G.711, and what we
// decode must match the original as closely as G.711 allows (and the
// 16-bit original decoded the same way).
func TestG711MatchesSox(t *testing.T) {
	sox := requireTool(t, "sox")
	dir := t.TempDir()
	n := 8000
	src := wavSpec{format: 1, channels: 1, rate: 8000, bits: 16}.encode([][]float64{sine(700, 0.5, 8000, n)})
	in := filepath.Join(dir, "in.wav")
	if err := os.WriteFile(in, src, 0o600); err != nil {
		t.Fatal(err)
	}
	_, ref, err := Decode16k(bytes.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ enc, want string }{{"u-law", "mu-law"}, {"a-law", "a-law"}} {
		out := filepath.Join(dir, c.enc+".wav")
		if b, err := exec.Command(sox, in, "-e", c.enc, "-b", "8", out).CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, b)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		info, got, err := Decode16k(f, Options{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.enc, err)
		}
		if info.Encoding != c.want || info.BitDepth != 8 {
			t.Fatalf("%s: info %+v", c.enc, info)
		}
		var sig, noise float64
		for i := range ref[0] {
			d := float64(got[0][i]) - float64(ref[0][i])
			sig += float64(ref[0][i]) * float64(ref[0][i])
			noise += d * d
		}
		if snr := 10 * math.Log10(sig/noise); snr < 30 {
			t.Errorf("%s from sox: SNR %.1f dB against the 16-bit original, want >= 30 (a wrong table gives far less)", c.enc, snr)
		}
	}
}

// rf64 rewrites a canonical WAV (fmt chunk first, then data) as RF64: a
// ds64 chunk carries the sizes and the 32-bit ones say 0xFFFFFFFF.
func rf64(wavFile []byte, magic string) []byte {
	le := binary.LittleEndian
	dataAt := bytes.Index(wavFile, []byte("data"))
	dataLen := le.Uint32(wavFile[dataAt+4:])
	ds := []byte("ds64")
	ds = le.AppendUint32(ds, 28)
	ds = le.AppendUint64(ds, uint64(len(wavFile)-8+36))
	ds = le.AppendUint64(ds, uint64(dataLen))
	ds = le.AppendUint64(ds, 0) // sample count (unused)
	ds = le.AppendUint32(ds, 0) // table length
	out := append([]byte(magic), 0xff, 0xff, 0xff, 0xff)
	out = append(out, "WAVE"...)
	out = append(out, ds...)
	out = append(out, wavFile[12:dataAt+4]...)
	out = append(out, 0xff, 0xff, 0xff, 0xff)
	return append(out, wavFile[dataAt+8:]...)
}

// TestDecodeRF64: RF64 and BW64 (WAV over 4 GB, as field recorders write
// it) decode like the WAV they were made from, as a file and as a stream;
// one without its ds64 chunk is refused.
func TestDecodeRF64(t *testing.T) {
	spec := wavSpec{format: 1, channels: 2, rate: 48000, bits: 24}
	plain := spec.encode([][]float64{sine(1000, 0.5, 48000, 4800), sine(2000, 0.5, 48000, 4800)})
	_, want, err := Decode16k(bytes.NewReader(plain), Options{Split: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, magic := range []string{"RF64", "BW64"} {
		file := rf64(plain, magic)
		for name, r := range map[string]io.Reader{"file": bytes.NewReader(file), "stream": onlyReader{bytes.NewReader(file)}} {
			s, err := OpenStream(r, Options{Split: true})
			if err != nil {
				t.Fatalf("%s %s: %v", magic, name, err)
			}
			got := make([][]int16, 2)
			if err := s.Decode(func(b [][]int16) error {
				for c := range b {
					got[c] = append(got[c], b[c]...)
				}
				return nil
			}); err != nil {
				t.Fatalf("%s %s: %v", magic, name, err)
			}
			for c := range got {
				if !slices.Equal(got[c], want[c]) {
					t.Fatalf("%s %s: channel %d differs from the plain WAV's", magic, name, c)
				}
			}
		}
	}
	noDS := rf64(plain, "RF64")
	noDS = append(noDS[:12:12], noDS[12+36:]...)
	if _, _, err := Decode16k(bytes.NewReader(noDS), Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "ds64") {
		t.Fatalf("RF64 without ds64: %v", err)
	}
}
