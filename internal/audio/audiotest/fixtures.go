// Package audiotest makes small recordings in every format Scribe ingests,
// from 16 kHz mono speech a test synthesises, and damaged copies of them.
// Nothing is shipped as a binary fixture: WAV (every encoding), FLAC, Ogg
// Opus and WebM Opus are written by Go encoders (FLAC by mewkiz/flac, Opus
// by libopus through capture/capturetest, containers here or by ebml-go),
// and the formats no Go encoder writes (MP3, M4A/AAC, MP4, MOV) and second,
// independently muxed copies of FLAC, Ogg and WebM by sox or ffmpeg when
// installed. A missing tool skips the test (fails it under
// SCRIBE_REQUIRE_ALL=1).
package audiotest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/at-wat/ebml-go/webm"
	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/testenv"
)

// A Kind is one format (and, for WAV, encoding) a fixture is made in.
type Kind struct {
	Name string
	// Format is what audio.Info.Format must say; Encoding what
	// Info.Encoding must say ("" when it is not checked).
	Format, Encoding string
	// Tool is the program that makes it, "" for Go.
	Tool string
	// Stereo: the fixture has two channels (the speech on both).
	Stereo bool
	make   func(t testing.TB, pcm []int16) []byte
}

// Kinds lists every fixture kind: each WAV encoding (plain and
// WAVE_FORMAT_EXTENSIBLE), FLAC, MP3, Ogg Opus, WebM Opus, M4A/AAC, MP4 and MOV.
var Kinds = []Kind{
	{Name: "wav-pcm8", Format: "wav", Encoding: "pcm", make: wavMaker(wavePCM, 8, false)},
	{Name: "wav-pcm16", Format: "wav", Encoding: "pcm", make: wavMaker(wavePCM, 16, false)},
	{Name: "wav-pcm24-stereo", Format: "wav", Encoding: "pcm", Stereo: true, make: wavMaker(wavePCM, 24, false)},
	{Name: "wav-pcm32", Format: "wav", Encoding: "pcm", make: wavMaker(wavePCM, 32, false)},
	{Name: "wav-float32", Format: "wav", Encoding: "float", make: wavMaker(waveFloat, 32, false)},
	{Name: "wav-float64", Format: "wav", Encoding: "float", make: wavMaker(waveFloat, 64, false)},
	{Name: "wav-mulaw", Format: "wav", Encoding: "mu-law", make: wavMaker(waveMuLaw, 8, false)},
	{Name: "wav-alaw", Format: "wav", Encoding: "a-law", make: wavMaker(waveALaw, 8, false)},
	{Name: "wav-extensible-pcm24", Format: "wav", Encoding: "pcm", make: wavMaker(wavePCM, 24, true)},
	{Name: "wav-extensible-float32", Format: "wav", Encoding: "float", make: wavMaker(waveFloat, 32, true)},
	{Name: "wav-extensible-float64-stereo", Format: "wav", Encoding: "float", Stereo: true, make: wavMaker(waveFloat, 64, true)},
	{Name: "wav-extensible-mulaw", Format: "wav", Encoding: "mu-law", make: wavMaker(waveMuLaw, 8, true)},
	{Name: "wav-extensible-alaw", Format: "wav", Encoding: "a-law", make: wavMaker(waveALaw, 8, true)},
	{Name: "wav-rf64-ffmpeg", Format: "wav", Encoding: "pcm", Tool: "ffmpeg", make: ffmpegMaker("wav", "-c:a", "pcm_s24le", "-rf64", "always")},
	{Name: "flac", Format: "flac", Encoding: "flac", make: FLAC},
	{Name: "flac-sox-24bit-stereo", Format: "flac", Encoding: "flac", Tool: "sox", Stereo: true, make: soxFLAC},
	{Name: "mp3", Format: "mp3", Encoding: "mp3", Tool: "ffmpeg", make: ffmpegMaker("mp3", "-c:a", "libmp3lame", "-b:a", "64k")},
	{Name: "mp3-id3-stereo", Format: "mp3", Encoding: "mp3", Tool: "ffmpeg", Stereo: true, make: ffmpegMaker("mp3", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "96k", "-id3v2_version", "3", "-metadata", "title=fixture")},
	{Name: "ogg-opus", Format: "ogg-opus", Encoding: "opus", make: OggOpus},
	{Name: "ogg-opus-ffmpeg", Format: "ogg-opus", Encoding: "opus", Tool: "ffmpeg", make: ffmpegMaker("ogg", "-c:a", "libopus", "-b:a", "32k")},
	{Name: "webm-opus", Format: "webm-opus", Encoding: "opus", make: WebMOpus},
	{Name: "webm-opus-ffmpeg", Format: "webm-opus", Encoding: "opus", Tool: "ffmpeg", make: ffmpegMaker("webm", "-c:a", "libopus", "-b:a", "32k")},
	{Name: "m4a-aac", Format: "ffmpeg", Encoding: "m4a", Tool: "ffmpeg", make: ffmpegMaker("ipod", "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart")},
	{Name: "aac-adts", Format: "ffmpeg", Encoding: "aac", Tool: "ffmpeg", make: ffmpegMaker("adts", "-c:a", "aac", "-b:a", "64k")},
	{Name: "aac-adts-id3", Format: "ffmpeg", Encoding: "aac", Tool: "ffmpeg", make: withID3(ffmpegMaker("adts", "-c:a", "aac", "-b:a", "64k"))},
	{Name: "mp4-video", Format: "ffmpeg", Encoding: "mp4", Tool: "ffmpeg", make: ffmpegVideoMaker("mp4")},
	{Name: "mov-video", Format: "ffmpeg", Encoding: "mov", Tool: "ffmpeg", make: ffmpegVideoMaker("mov")},
}

// Make encodes 16 kHz mono pcm as the kind, or skips the test when the
// tool it needs is missing.
func (k Kind) Make(t testing.TB, pcm []int16) []byte {
	t.Helper()
	if k.Tool != "" {
		testenv.Tool(t, k.Tool)
	}
	return k.make(t, pcm)
}

// Corrupt returns a damaged copy of a fixture of this kind, as a file cut
// short in a transfer or with bytes overwritten arrives, damaged where the
// format can tell (a WAV's data chunk, a FLAC or Ogg checksum, a WebM
// element, an MP3's frames, an MP4's boxes), and what the damage is.
func (k Kind) Corrupt(good []byte) ([]byte, string) {
	bad := bytes.Clone(good)
	rng := rand.New(rand.NewPCG(uint64(len(good)), 7)) // #nosec G404 -- reproducible test damage, not a secret
	garbage := func(from int) {
		for i := from; i < len(bad); i++ {
			bad[i] = byte(rng.IntN(256))
		}
	}
	switch k.Format {
	case "wav":
		return bad[:len(bad)*2/3], "cut short: the data chunk declares more than follows"
	case "flac":
		for i := len(bad) / 2; i < len(bad)/2+16; i++ {
			bad[i] ^= 0x5A
		}
		return bad, "bytes overwritten inside an audio frame"
	case "mp3":
		start := mp3AudioStart(bad)
		for i := start + 4; i < len(bad); i++ {
			bad[i] = 0 // no frame follows the first header
		}
		return bad, "frames overwritten after the first frame header"
	case "ogg-opus":
		bad[len(bad)/2] ^= 0xFF
		return bad, "a byte flipped inside a page"
	case "webm-opus":
		return bad[:len(bad)/2+3], "cut short inside an element"
	default: // ISO media through ffmpeg
		garbage(32)
		return bad, "every box after the file type overwritten"
	}
}

// mp3AudioStart is the offset of the first frame header after any ID3 tag.
func mp3AudioStart(b []byte) int {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		return 10 + int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
	}
	return 0
}

// WAVE format codes.
const (
	wavePCM   = 1
	waveFloat = 3
	waveALaw  = 6
	waveMuLaw = 7
)

// WAV encodes 16 kHz pcm (in both channels when stereo) with a format
// code and sample size, as a plain WAVEFORMATEX or WAVE_FORMAT_EXTENSIBLE
// file.
func WAV(pcm []int16, format, bits int, extensible, stereo bool) []byte {
	le := binary.LittleEndian
	ch := 1
	if stereo {
		ch = 2
	}
	bps := bits / 8
	data := make([]byte, 0, len(pcm)*ch*bps)
	for _, s := range pcm {
		for range ch {
			data = appendSample(data, format, bits, s)
		}
	}
	fmtBody := le.AppendUint16(nil, uint16(format))
	if extensible {
		fmtBody = le.AppendUint16(nil, 0xFFFE)
	}
	fmtBody = le.AppendUint16(fmtBody, uint16(ch))
	fmtBody = le.AppendUint32(fmtBody, 16000)
	fmtBody = le.AppendUint32(fmtBody, uint32(16000*ch*bps))
	fmtBody = le.AppendUint16(fmtBody, uint16(ch*bps))
	fmtBody = le.AppendUint16(fmtBody, uint16(bits))
	if extensible {
		fmtBody = le.AppendUint16(fmtBody, 22)
		fmtBody = le.AppendUint16(fmtBody, uint16(bits))
		fmtBody = le.AppendUint32(fmtBody, uint32(1<<ch-1)) // front left (and right)
		fmtBody = le.AppendUint16(fmtBody, uint16(format))
		fmtBody = append(fmtBody, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"...)
	} else if format != wavePCM {
		fmtBody = le.AppendUint16(fmtBody, 0) // cbSize, as WAVEFORMATEX has for non-PCM
	}
	out := []byte("RIFF")
	out = le.AppendUint32(out, uint32(4+8+len(fmtBody)+8+len(data)+len(data)&1))
	out = append(out, "WAVEfmt "...)
	out = le.AppendUint32(out, uint32(len(fmtBody)))
	out = append(out, fmtBody...)
	out = append(out, "data"...)
	out = le.AppendUint32(out, uint32(len(data)))
	out = append(out, data...)
	if len(data)&1 == 1 {
		out = append(out, 0)
	}
	return out
}

func appendSample(b []byte, format, bits int, s int16) []byte {
	le := binary.LittleEndian
	switch {
	case format == waveMuLaw:
		return append(b, linearToMuLaw(s))
	case format == waveALaw:
		return append(b, linearToALaw(s))
	case format == waveFloat && bits == 32:
		return le.AppendUint32(b, math.Float32bits(float32(s)/32768))
	case format == waveFloat:
		return le.AppendUint64(b, math.Float64bits(float64(s)/32768))
	case bits == 8:
		return append(b, byte(int(s)>>8+128))
	case bits == 16:
		return le.AppendUint16(b, uint16(s))
	case bits == 24:
		v := int32(s) << 8
		return append(b, byte(v), byte(v>>8), byte(v>>16))
	default:
		return le.AppendUint32(b, uint32(int32(s)<<16))
	}
}

// linearToMuLaw and linearToALaw are the G.711 compressors of the Sun
// reference implementation (linear2ulaw, linear2alaw): independent of
// the decoder's expansion tables.
func linearToMuLaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int(s)
	mask := byte(0xFF)
	if v < 0 {
		v, mask = -v, 0x7F
	}
	v = min(v, clip) + bias
	seg := 0
	for t := v >> 8; t > 0 && seg < 7; t >>= 1 {
		seg++
	}
	return (byte(seg<<4) | byte(v>>(seg+3))&0x0F) ^ mask
}

func linearToALaw(s int16) byte {
	v := int(s) >> 3 // 13-bit
	mask := byte(0xD5)
	if v < 0 {
		v, mask = -v-1, 0x55
	}
	segEnd := [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	seg := 0
	for seg < 8 && v > segEnd[seg] {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte(v>>1) & 0x0F
	} else {
		a |= byte(v>>seg) & 0x0F
	}
	return a ^ mask
}

func wavMaker(format, bits int, extensible bool) func(testing.TB, []int16) []byte {
	return func(t testing.TB, pcm []int16) []byte {
		stereo := (format == wavePCM && bits == 24 && !extensible) || (format == waveFloat && bits == 64 && extensible)
		return WAV(pcm, format, bits, extensible, stereo)
	}
}

// FLAC encodes 16 kHz mono pcm with mewkiz/flac's encoder (fixed
// predictors chosen by its analysis, 4096-sample blocks).
func FLAC(t testing.TB, pcm []int16) []byte {
	t.Helper()
	const block = 4096
	var buf bytes.Buffer
	info := &meta.StreamInfo{BlockSizeMin: block, BlockSizeMax: block, SampleRate: 16000, NChannels: 1, BitsPerSample: 16, NSamples: uint64(len(pcm))}
	enc, err := flac.NewEncoder(nopCloser{&buf}, info)
	if err != nil {
		t.Fatal(err)
	}
	enc.EnablePredictionAnalysis(true)
	for i, n := 0, 0; i < len(pcm); i, n = i+block, n+1 {
		end := min(i+block, len(pcm))
		samples := make([]int32, end-i)
		for j, s := range pcm[i:end] {
			samples[j] = int32(s)
		}
		f := &frame.Frame{
			Header: frame.Header{HasFixedBlockSize: true, BlockSize: uint16(len(samples)), SampleRate: 16000,
				Channels: frame.ChannelsMono, BitsPerSample: 16, Num: uint64(n)},
			Subframes: []*frame.Subframe{{SubHeader: frame.SubHeader{Pred: frame.PredVerbatim}, Samples: samples, NSamples: len(samples)}},
		}
		if err := enc.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// tool runs a fixture tool on a 16 kHz mono WAV of pcm and returns the
// file it wrote.
func tool(t testing.TB, pcm []int16, ext string, argv func(in, out string) []string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out."+ext)
	if err := os.WriteFile(in, WAV(pcm, wavePCM, 16, false, false), 0o600); err != nil {
		t.Fatal(err)
	}
	a := argv(in, out)
	if b, err := exec.Command(a[0], a[1:]...).CombinedOutput(); err != nil { // #nosec G204 -- sox or ffmpeg with arguments this package writes
		t.Fatalf("%s: %v: %s", a[0], err, b)
	}
	b, err := os.ReadFile(out) // #nosec G304 -- a file in the test's own temporary directory
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// soxFLAC writes a 24-bit stereo 44.1 kHz FLAC with sox (its own encoder,
// libFLAC), the speech on both channels.
func soxFLAC(t testing.TB, pcm []int16) []byte {
	return tool(t, pcm, "flac", func(in, out string) []string {
		return []string{"sox", in, "-b", "24", "-r", "44100", "-c", "2", out}
	})
}

func ffmpegMaker(format string, args ...string) func(testing.TB, []int16) []byte {
	return func(t testing.TB, pcm []int16) []byte {
		return tool(t, pcm, format, func(in, out string) []string {
			a := []string{"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", in}
			a = append(a, args...)
			return append(a, "-f", format, out)
		})
	}
}

// withID3 puts an ID3v2.4 tag (a 10-byte padding frame area) in front of
// what make writes, as some tools tag raw AAC.
func withID3(mk func(testing.TB, []int16) []byte) func(testing.TB, []int16) []byte {
	return func(t testing.TB, pcm []int16) []byte {
		tag := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x0a"), make([]byte, 10)...)
		return append(tag, mk(t, pcm)...)
	}
}

// ffmpegVideoMaker writes a small video file (a black 64x64 picture at 5
// frames a second, MPEG-4 part 2) with the speech as its AAC sound track.
// The index (moov) is written at the end, as cameras and most tools do.
func ffmpegVideoMaker(format string) func(testing.TB, []int16) []byte {
	return func(t testing.TB, pcm []int16) []byte {
		return tool(t, pcm, format, func(in, out string) []string {
			return []string{"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
				"-f", "lavfi", "-i", "color=c=black:s=64x64:r=5", "-i", in, "-shortest",
				"-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-c:a", "aac", "-b:a", "64k", "-f", format, out}
		})
	}
}

// FastStart is whether an ISO media file (MP4, MOV, M4A) has its index
// before its media data, so it can be read as it streams.
func FastStart(b []byte) bool {
	for off := 0; off+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[off:]))
		switch string(b[off+4 : off+8]) {
		case "moov":
			return true
		case "mdat":
			return false
		}
		if size < 8 {
			return false
		}
		off += size
	}
	return false
}

// opusHead is an Ogg Opus identification header (RFC 7845) for mono audio
// given to the encoder at 16 kHz.
func opusHead() []byte {
	h := []byte("OpusHead")
	h = append(h, 1, 1)                            // version, channels
	h = binary.LittleEndian.AppendUint16(h, 312)   // pre-skip: libopus's look-ahead at 48 kHz
	h = binary.LittleEndian.AppendUint32(h, 16000) // input rate
	h = binary.LittleEndian.AppendUint16(h, 0)     // gain
	return append(h, 0)                            // channel mapping family 0
}

// OggOpus encodes pcm with libopus into 20 ms packets and muxes them into
// an Ogg stream with many packets per page, as opusenc and browsers do.
func OggOpus(t testing.TB, pcm []int16) []byte {
	t.Helper()
	b, err := io.ReadAll(LongOggOpus(capturetest.EncodeOpus(t, pcm), 1))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// LongOggOpus is an Ogg Opus stream of the packets played `repeat` times,
// made page by page as it is read (never whole in memory), for tests of
// long recordings.
func LongOggOpus(packets [][]byte, repeat int) io.Reader {
	return &oggStream{packets: packets, total: len(packets) * repeat}
}

type oggStream struct {
	packets   [][]byte
	total     int // packets to emit
	next      int // packets emitted
	seq       uint32
	granule   uint64
	buf       []byte
	headersOK bool
}

const oggSerial = 0x5C81BE

func (o *oggStream) Read(p []byte) (int, error) {
	for len(o.buf) == 0 {
		switch {
		case !o.headersOK:
			tags := append([]byte("OpusTags"), 4, 0, 0, 0)
			tags = append(tags, "test"...)
			tags = append(tags, 0, 0, 0, 0)
			o.buf = append(o.page(2, [][]byte{opusHead()}), o.page(0, [][]byte{tags})...)
			o.headersOK = true
		case o.next >= o.total:
			return 0, io.EOF
		default:
			n := min(40, o.total-o.next)
			pkts := make([][]byte, n)
			for i := range pkts {
				pkts[i] = o.packets[(o.next+i)%len(o.packets)]
			}
			o.next += n
			o.granule += uint64(n) * 960
			flags := byte(0)
			if o.next == o.total {
				flags = 4
			}
			o.buf = o.page(flags, pkts)
		}
	}
	n := copy(p, o.buf)
	o.buf = o.buf[n:]
	return n, nil
}

// page is one Ogg page holding pkts (RFC 3533 lacing, CRC filled in).
func (o *oggStream) page(flags byte, pkts [][]byte) []byte {
	var lacing, body []byte
	for _, p := range pkts {
		n := len(p)
		for ; n >= 255; n -= 255 {
			lacing = append(lacing, 255)
		}
		lacing = append(lacing, byte(n))
		body = append(body, p...)
	}
	h := []byte("OggS\x00")
	h = append(h, flags)
	h = binary.LittleEndian.AppendUint64(h, o.granule)
	h = binary.LittleEndian.AppendUint32(h, oggSerial)
	h = binary.LittleEndian.AppendUint32(h, o.seq)
	h = append(h, 0, 0, 0, 0, byte(len(lacing)))
	h = append(h, lacing...)
	h = append(h, body...)
	binary.LittleEndian.PutUint32(h[22:], oggCRC(h))
	o.seq++
	return h
}

func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// WebMOpus encodes pcm with libopus and muxes it with ebml-go's WebM
// writer (unknown-size Segment and Clusters, as MediaRecorder writes).
func WebMOpus(t testing.TB, pcm []int16) []byte {
	t.Helper()
	packets := capturetest.EncodeOpus(t, pcm)
	var buf bytes.Buffer
	ws, err := webm.NewSimpleBlockWriter(nopCloser{&buf}, []webm.TrackEntry{{
		Name: "Audio", TrackNumber: 1, TrackUID: 12345, CodecID: "A_OPUS", TrackType: 2,
		CodecPrivate: opusHead(), Audio: &webm.Audio{SamplingFrequency: 48000, Channels: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range packets {
		if _, err := ws[0].Write(true, int64(i*20), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws[0].Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Names lists the kinds' names, for messages.
func Names() string {
	s := ""
	for i, k := range Kinds {
		if i > 0 {
			s += ", "
		}
		s += k.Name
	}
	return fmt.Sprint(s)
}
