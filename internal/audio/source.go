package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Source is a recording being decoded to 16 kHz, forward only and in
// constant memory, whatever its format. *Stream (WAV) is one; Open picks
// the decoder from the content.
type Source interface {
	// Info is what the header declares (for a compressed format whose
	// header does not give the length, Frames and Duration are filled in
	// once Decode has run).
	Info() Info
	// OutChannels is the number of channels Decode hands out.
	OutChannels() int
	// OutSamples is the number of 16 kHz samples per channel: exact once
	// Decode has returned; before that, what the header promises (0 when
	// it does not say).
	OutSamples() int64
	// Decode reads the audio and hands the 16 kHz output to fn in blocks
	// (block[c] is channel c's next run; all the same length; fn must not
	// keep them). It may be called once. An error from fn stops it and is
	// returned wrapped.
	Decode(fn func(block [][]int16) error) error
	// Close releases what a Source holds outside the Go heap (the ffmpeg
	// process of an M4A, MP4 or MOV) when Decode was not run to its end.
	// It is safe to call more than once, and after Decode.
	Close() error
}

// Accepted names the formats Open reads, for messages to the person who
// chose the file.
const Accepted = "WAV (PCM, float, mu-law, A-law), FLAC, MP3, Ogg Opus, WebM Opus, and with ffmpeg installed M4A/AAC, MP4 and MOV"

// sniffLen is how much of the input Open looks at to tell the format.
const sniffLen = 64

// Open tells the input's format from its first bytes (never from a file
// name) and returns a Source that decodes it, reading r forward only. WAV,
// FLAC, MP3, Ogg Opus and WebM (or Matroska) Opus are decoded in Go;
// M4A/AAC, MP4 and MOV through ffmpeg when it is on PATH (ErrNeedsFFmpeg
// otherwise). Anything else is ErrUnknownFormat, with the accepted formats
// named. When r is also an io.Seeker positioned at the start (a file), a
// truncated WAV is refused before its audio is read.
func Open(r io.Reader, opt Options) (Source, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return nil, ErrEmpty
	case err != nil && err != io.ErrUnexpectedEOF && err != io.EOF:
		return nil, fmt.Errorf("audio: reading input: %w", err)
	}
	head = head[:n]
	// Put the sniffed bytes back: rewind a file, or read them again ahead
	// of the rest of a stream.
	rest := r
	if sk, ok := r.(io.Seeker); ok {
		if _, err := sk.Seek(-int64(n), io.SeekCurrent); err != nil {
			return nil, fmt.Errorf("audio: seeking input: %w", err)
		}
	} else {
		rest = io.MultiReader(bytes.NewReader(head), r)
	}
	var src Source
	err = guard(func() error {
		var err error
		switch sniff(head) {
		case "wav":
			src, err = OpenStream(rest, opt)
		case "flac":
			src, err = openFLAC(forwardOnly{rest}, opt)
		case "mp3":
			src, err = openMP3(forwardOnly{rest}, opt)
		case "ogg":
			src, err = openOgg(forwardOnly{rest}, opt)
		case "webm":
			src, err = openWebM(forwardOnly{rest}, opt)
		case "ffmpeg":
			src, err = openFFmpeg(forwardOnly{rest}, opt, head)
		default:
			err = fmt.Errorf("%w (%s); Scribe reads %s", ErrUnknownFormat, describe(head), Accepted)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}

// guard runs fn, turning a decoder library's panic on a hostile file into
// ErrCorrupt rather than taking the server down.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: the decoder could not read it", ErrCorrupt)
		}
	}()
	return fn()
}

// forwardOnly hides a reader's Seek, so a decoder that would scan a whole
// file ahead of decoding it (to learn its length) reads it once instead.
type forwardOnly struct{ io.Reader }

// sniff tells a format from the first bytes of a file: "wav", "flac",
// "mp3", "ogg", "webm", "ffmpeg" (ISO media: M4A, MP4, MOV; or AAC in
// ADTS), or "" when none matches.
func sniff(b []byte) string {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case has(0, "RIFF"), has(0, "RF64"):
		return "wav"
	case has(0, "fLaC"):
		return "flac"
	case has(0, "OggS"):
		return "ogg"
	case has(0, "\x1a\x45\xdf\xa3"):
		return "webm"
	case has(4, "ftyp"), has(4, "moov"), has(4, "mdat"), has(4, "wide"), has(4, "free"), has(4, "skip"):
		return "ffmpeg"
	case has(0, "ID3"):
		return "mp3"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0: // ADTS: sync, layer 00
		return "ffmpeg"
	case len(b) >= 4 && mpegHeader(b) != nil:
		return "mp3"
	}
	return ""
}

// describe names what an unknown input looks like without echoing its
// bytes (which could be anything, including text a person typed).
func describe(b []byte) string {
	text := true
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f {
			text = false
			break
		}
	}
	if text {
		return "it looks like text"
	}
	return "its content matches no audio format"
}

// pcmOut is the stage every decoder ends in: source-rate float channels in,
// resampled to 16 kHz, stereo kept apart or averaged as Options say, handed
// out in blocks; and the Options.MaxDuration limit for formats whose header
// does not give their length.
type pcmOut struct {
	inRate, inCh int
	rs           []*Resampler
	bufs         [][]int16
	mix          []float32 // downmix scratch
	frames       int64     // source frames seen
	maxFrames    int64     // 0: no limit
	maxDur       time.Duration
	out          int64 // 16 kHz samples per channel handed out
	fn           func([][]int16) error
}

func newPCMOut(rate, inCh, outCh int, opt Options, fn func([][]int16) error) (*pcmOut, error) {
	p := &pcmOut{inRate: rate, inCh: inCh, rs: make([]*Resampler, outCh), bufs: make([][]int16, outCh), fn: fn, maxDur: opt.MaxDuration}
	for c := range p.rs {
		var err error
		if p.rs[c], err = NewResampler(rate, Rate); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	if opt.MaxDuration > 0 {
		p.maxFrames = int64(opt.MaxDuration / time.Millisecond * time.Duration(rate) / 1000)
	}
	return p, nil
}

// write takes n frames: chans[c][:n] for each input channel, on the int16
// scale. It may overwrite chans.
func (p *pcmOut) write(chans [][]float32, n int) error {
	if n == 0 {
		return nil
	}
	p.frames += int64(n)
	if p.maxFrames > 0 && p.frames > p.maxFrames {
		return fmt.Errorf("%w: longer than the %s limit", ErrTooLong, p.maxDur)
	}
	if len(p.rs) == 1 && p.inCh == 2 {
		l, r := chans[0][:n], chans[1][:n]
		for i := range l {
			l[i] = 0.5 * (l[i] + r[i])
		}
	}
	for c := range p.rs {
		p.bufs[c] = p.rs[c].Process(chans[c][:n], p.bufs[c])
	}
	return p.emit()
}

func (p *pcmOut) emit() error {
	if len(p.bufs[0]) == 0 {
		return nil
	}
	if err := p.fn(p.bufs); err != nil {
		return fmt.Errorf("audio: decode consumer: %w", err)
	}
	p.out += int64(len(p.bufs[0]))
	for c := range p.bufs {
		p.bufs[c] = p.bufs[c][:0]
	}
	return nil
}

func (p *pcmOut) flush() error {
	for c := range p.rs {
		p.bufs[c] = p.rs[c].Flush(p.bufs[c])
	}
	return p.emit()
}

// codecSource is the Source of a compressed format: run decodes the whole
// input into a pcmOut.
type codecSource struct {
	info    Info
	opt     Options
	decoded bool
	out     int64
	run     func(p *pcmOut) error
	closer  func() error // nil when there is nothing to release
}

func (s *codecSource) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}

func (s *codecSource) Info() Info       { return s.info }
func (s *codecSource) OutChannels() int { return s.opt.OutChannels(s.info) }

func (s *codecSource) OutSamples() int64 {
	if s.decoded {
		return s.out
	}
	return (s.info.Frames*Rate + int64(s.info.SampleRate) - 1) / int64(s.info.SampleRate)
}

func (s *codecSource) Decode(fn func(block [][]int16) error) error {
	if s.decoded {
		return errors.New("audio: Decode called twice")
	}
	s.decoded = true
	p, err := newPCMOut(s.info.SampleRate, s.info.Channels, s.OutChannels(), s.opt, fn)
	if err != nil {
		_ = s.Close()
		return err
	}
	if err := guard(func() error { return s.run(p) }); err != nil {
		return err
	}
	if p.frames == 0 {
		return fmt.Errorf("%w: the %s file holds no audio frames", ErrNoAudio, s.info.Format)
	}
	if err := p.flush(); err != nil {
		return err
	}
	s.out = p.out
	s.info.Frames = p.frames
	s.info.Duration = durationOf(p.frames, int64(s.info.SampleRate))
	return nil
}

// checkChannels refuses what the WAV decoder refuses too.
func checkChannels(format string, n int) error {
	switch {
	case n == 0:
		return fmt.Errorf("%w: %s header declares 0 channels", ErrCorrupt, format)
	case n > 2:
		return fmt.Errorf("%w: %d channels; only mono or stereo is supported", ErrTooManyChannels, n)
	}
	return nil
}

// checkDeclaredLength refuses a recording whose header gives a length over
// the limit, before any audio is decoded.
func checkDeclaredLength(frames int64, rate int, opt Options) error {
	if opt.MaxDuration <= 0 || frames <= 0 || rate <= 0 {
		return nil
	}
	d := durationOf(frames, int64(rate))
	if d > opt.MaxDuration {
		return fmt.Errorf("%w: %s exceeds the %s limit", ErrTooLong, d.Round(time.Millisecond), opt.MaxDuration)
	}
	return nil
}

// corrupt wraps a decoder library's error as ErrCorrupt, on one printable
// line, with io.ErrUnexpectedEOF said as a truncation.
func corrupt(format string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the %s file is truncated", ErrCorrupt, format)
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, format, oneLine(err.Error()))
}

// oneLine keeps a library's message to one printable line.
func oneLine(s string) string {
	b := []rune(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f || c == '\uFFFD' {
			b[i] = ' '
		}
	}
	if len(b) > 200 {
		b = append(b[:200], '…')
	}
	return string(b)
}

// durationOf is frames at rate as a duration, without overflow.
func durationOf(frames, rate int64) time.Duration {
	return time.Duration(frames/rate)*time.Second + time.Duration(frames%rate)*time.Second/time.Duration(rate)
}
