package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Rate is the sample rate, in Hz, of everything the pipeline transcribes.
const Rate = 16000

// Info describes an input as its header declares it. For a compressed
// format whose header does not give the length, Frames and Duration are 0
// until it has been decoded.
type Info struct {
	Format     string // "wav", "flac", "mp3", "ogg-opus", "webm-opus", or "ffmpeg" (M4A, MP4, MOV)
	Encoding   string // WAV: "pcm", "float", "mu-law" or "a-law"; otherwise the codec
	SampleRate int    // Hz
	Channels   int    // 1 or 2
	BitDepth   int    // bits per sample in the file (8..64); 0 for a lossy codec
	Frames     int64
	Duration   time.Duration
}

// Options controls decoding.
type Options struct {
	// MaxDuration rejects longer inputs (checked from the header, before any
	// audio is decoded). Zero means no limit.
	MaxDuration time.Duration
	// Split keeps the two channels of a stereo input apart (one output per
	// channel, e.g. therapist and client on separate tracks). When false,
	// stereo is downmixed to mono. Mono input always yields one channel.
	Split bool
}

// OutChannels is the number of 16 kHz channels decoding yields for info.
func (o Options) OutChannels(info Info) int {
	if o.Split && info.Channels == 2 {
		return 2
	}
	return 1
}

// readBlockBytes is the size of each read from the data chunk. Large reads
// keep syscalls and per-call overhead negligible; it is the only buffer
// whose size depends on the input.
const readBlockBytes = 256 * 1024

// wavHeader is what the decoder needs to know before reading samples.
type wavHeader struct {
	Info
	enc        wavEncoding
	blockAlign int
	dataSize   int64 // bytes of whole frames in the data chunk
	partial    int64 // bytes of a partial frame after them, which must still be there
}

// Probe validates a WAV header and returns what it declares, without
// decoding audio. It leaves r positioned at the start of the PCM data.
func Probe(r io.ReadSeeker, opt Options) (Info, error) {
	s, err := OpenStream(r, opt)
	return s.Info(), err
}

// Decode16k decodes a whole WAV input to 16 kHz 16-bit PCM: one slice per
// output channel (two for stereo with opt.Split, otherwise one). The input is
// read in fixed-size blocks, but the whole 16 kHz output is held in memory
// (about 115 MB per channel for an hour): use it for short audio such as a
// stored chunk, and Stream.Decode for a recording of any length.
func Decode16k(r io.ReadSeeker, opt Options) (Info, [][]int16, error) {
	s, err := OpenStream(r, opt)
	if err != nil {
		return s.Info(), nil, err
	}
	h := s.h
	want := (h.Frames*Rate + int64(h.SampleRate) - 1) / int64(h.SampleRate)
	out := make([][]int16, opt.OutChannels(h.Info))
	for c := range out {
		out[c] = make([]int16, 0, want)
	}
	// The resamplers append straight into the output slices.
	out, err = decodeData(r, h, opt, out, func(b [][]int16) ([][]int16, error) { return b, nil })
	if err != nil {
		return h.Info, nil, err
	}
	return h.Info, out, nil
}

// Decode16kStream decodes like Decode16k but hands the 16 kHz output to fn in
// blocks as it is produced, so memory stays constant whatever the length.
// block[c] is channel c's next run of samples (all channels the same length);
// fn must not keep the slices after it returns. An error from fn stops
// decoding and is returned wrapped.
func Decode16kStream(r io.ReadSeeker, opt Options, fn func(block [][]int16) error) (Info, error) {
	s, err := OpenStream(r, opt)
	if err != nil {
		return s.Info(), err
	}
	return s.Info(), s.Decode(fn)
}

// Stream is a WAV input read forward only, as it arrives (an upload's
// multipart part, a pipe): OpenStream reads and checks the header, Decode
// converts the PCM data to 16 kHz blocks. Nothing is buffered beyond one
// read block, whatever the recording's length.
type Stream struct {
	r   io.Reader
	h   wavHeader
	opt Options
}

// OpenStream reads and validates a WAV header from r, reading forward only,
// and leaves r at the first PCM byte. When r is also an io.Seeker (a file)
// its size lets a truncated file be refused before any audio is read;
// otherwise a short data chunk is reported by Decode when the input ends.
// Longer than opt.MaxDuration is refused from the header alone.
func OpenStream(r io.Reader, opt Options) (*Stream, error) {
	size := int64(-1)
	if sk, ok := r.(io.Seeker); ok {
		end, err := sk.Seek(0, io.SeekEnd)
		if err != nil {
			return &Stream{}, fmt.Errorf("audio: seeking input: %w", err)
		}
		if _, err := sk.Seek(0, io.SeekStart); err != nil {
			return &Stream{}, fmt.Errorf("audio: seeking input: %w", err)
		}
		size = end
	}
	h, err := readHeader(r, size, opt)
	return &Stream{r: r, h: h, opt: opt}, err
}

// Info is what the header declares.
func (s *Stream) Info() Info { return s.h.Info }

// Close does nothing: a WAV stream holds nothing but its reader, which
// belongs to the caller.
func (s *Stream) Close() error { return nil }

// OutChannels is the number of channels Decode hands out.
func (s *Stream) OutChannels() int { return s.opt.OutChannels(s.h.Info) }

// OutSamples is the number of 16 kHz samples per channel Decode yields.
func (s *Stream) OutSamples() int64 {
	return (s.h.Frames*Rate + int64(s.h.SampleRate) - 1) / int64(s.h.SampleRate)
}

// Decode reads the PCM data and hands the 16 kHz output to fn in blocks,
// as Decode16kStream does. It may be called once.
func (s *Stream) Decode(fn func(block [][]int16) error) error {
	bufs := make([][]int16, s.OutChannels())
	_, err := decodeData(s.r, s.h, s.opt, bufs, func(b [][]int16) ([][]int16, error) {
		if err := fn(b); err != nil {
			return b, fmt.Errorf("audio: decode consumer: %w", err)
		}
		for c := range b {
			b[c] = b[c][:0]
		}
		return b, nil
	})
	return err
}

// decodeData reads the data chunk in blocks, converts each block to float
// channels and resamples each channel, appending to bufs[c]. After every
// block (and after the final flush) it calls after, which may consume and
// reset the buffers.
func decodeData(r io.Reader, h wavHeader, opt Options, bufs [][]int16, after func([][]int16) ([][]int16, error)) ([][]int16, error) {
	nch := len(bufs)
	rs := make([]*Resampler, nch)
	for c := range rs {
		var err error
		if rs[c], err = NewResampler(h.SampleRate, Rate); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	framesPerRead := readBlockBytes / h.blockAlign
	raw := make([]byte, framesPerRead*h.blockAlign)
	chans := make([][]float32, nch)
	for c := range chans {
		chans[c] = make([]float32, framesPerRead)
	}

	var err error
	remaining := h.dataSize
	for remaining > 0 {
		n := int64(len(raw))
		if n > remaining {
			n = remaining
		}
		got, rerr := io.ReadFull(r, raw[:n])
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: truncated: data chunk declares %d bytes but only %d follow", ErrCorrupt, h.dataSize, h.dataSize-remaining+int64(got))
			}
			return nil, fmt.Errorf("audio: reading WAV data: %w", rerr)
		}
		remaining -= n
		frames := int(n) / h.blockAlign
		deinterleave(raw[:n], frames, h, chans)
		for c := range chans {
			bufs[c] = rs[c].Process(chans[c][:frames], bufs[c])
		}
		if bufs, err = after(bufs); err != nil {
			return nil, err
		}
	}
	// A partial frame ends the chunk: no audio, but a stream that stops
	// short of it is as truncated as a file that does (Decode16k knows the
	// size up front and refuses it there).
	if h.partial > 0 {
		if got, _ := io.CopyN(io.Discard, r, h.partial); got < h.partial {
			return nil, fmt.Errorf("%w: truncated: data chunk declares %d bytes but only %d follow", ErrCorrupt, h.dataSize+h.partial, h.dataSize+got)
		}
	}
	for c := range rs {
		bufs[c] = rs[c].Flush(bufs[c])
	}
	return after(bufs)
}

// deinterleave converts frames of little-endian samples into float
// channels on the int16 scale; stereo goes to two outputs, or is averaged
// into one.
func deinterleave(raw []byte, frames int, h wavHeader, out [][]float32) {
	bps := h.BitDepth / 8
	inCh := h.Channels
	if h.enc == encPCM && bps == 2 { // the common case, without the per-sample switch
		switch {
		case inCh == 1:
			o := out[0][:frames]
			for i := range o {
				o[i] = float32(int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8))
			}
			return
		case len(out) == 2:
			l, r := out[0][:frames], out[1][:frames]
			for i := range l {
				b := raw[4*i : 4*i+4]
				l[i] = float32(int16(uint16(b[0]) | uint16(b[1])<<8))
				r[i] = float32(int16(uint16(b[2]) | uint16(b[3])<<8))
			}
			return
		}
	}
	get := sampleReader(h.enc, bps, raw)
	switch {
	case inCh == 1:
		o := out[0][:frames]
		for i := range o {
			o[i] = get(i)
		}
	case len(out) == 2:
		l, r := out[0][:frames], out[1][:frames]
		for i := range l {
			l[i] = get(2 * i)
			r[i] = get(2*i + 1)
		}
	default: // stereo downmixed to mono
		o := out[0][:frames]
		for i := range o {
			o[i] = 0.5 * (get(2*i) + get(2*i+1))
		}
	}
}

// wavFormatNames names the WAVE format codes people meet in practice.
var wavFormatNames = map[uint16]string{
	0x0001: "PCM",
	0x0002: "Microsoft ADPCM",
	0x0003: "IEEE float",
	0x0006: "A-law",
	0x0007: "mu-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0055: "MPEG layer 3",
	0xFFFE: "extensible",
}

func formatName(code uint16) string {
	if n, ok := wavFormatNames[code]; ok {
		return fmt.Sprintf("format code %d (%s)", code, n)
	}
	return fmt.Sprintf("format code %d", code)
}

// readHeader reads the RIFF/WAVE header forward only, checking every size
// it declares, and leaves r at the first PCM byte. size is the input's
// length, or -1 when it is not known (a stream).
func readHeader(r io.Reader, size int64, opt Options) (wavHeader, error) {
	var h wavHeader
	if size == 0 {
		return h, ErrEmpty
	}
	var magic [12]byte
	if n, _ := io.ReadFull(r, magic[:]); n < 12 {
		if n == 0 {
			return h, ErrEmpty
		}
		return h, fmt.Errorf("%w: only %d bytes, too short for a RIFF header", ErrNotWAV, n)
	}
	// RF64 and BW64 (EBU Tech 3306, ITU-R BS.2088) are WAV for recordings
	// over 4 GB, as field recorders write them: a ds64 chunk holds the
	// 64-bit data size that a 0xFFFFFFFF data chunk size stands for.
	rf64 := string(magic[0:4]) == "RF64" || string(magic[0:4]) == "BW64"
	switch {
	case !rf64 && string(magic[0:4]) != "RIFF":
		return h, fmt.Errorf("%w: no RIFF signature", ErrNotWAV)
	case string(magic[8:12]) != "WAVE":
		return h, fmt.Errorf("%w: RIFF form is not WAVE", ErrNotWAV)
	}
	pos := int64(12)
	var fmtChunk []byte // the first 40 bytes at most
	var declared int64  // the data chunk's size
	ds64Data := int64(-1)
	found := false
	for !found {
		var hdr [8]byte
		if n, _ := io.ReadFull(r, hdr[:]); n < 8 {
			break // no room for another chunk: there is no data chunk
		}
		pos += 8
		id := string(hdr[:4])
		n := int64(binary.LittleEndian.Uint32(hdr[4:]))
		if id == "data" {
			declared, found = n, true
			if rf64 && n == 0xFFFFFFFF {
				if ds64Data < 0 {
					return h, fmt.Errorf("%w: RF64 file without a ds64 chunk before its data", ErrCorrupt)
				}
				declared = ds64Data
			}
			break
		}
		if size >= 0 && n > size-pos {
			return h, fmt.Errorf("%w: chunk %q declares %d bytes but only %d follow", ErrCorrupt, printable(id), n, size-pos)
		}
		switch id {
		case "fmt ", "LIST", "smpl", "cue ":
			if n > maxMetaChunk {
				return h, fmt.Errorf("%w: %q chunk of %d bytes is implausibly large", ErrCorrupt, printable(id), n)
			}
		}
		body := int64(0)
		if id == "ds64" && rf64 && ds64Data < 0 {
			if n < 28 || n > maxMetaChunk {
				return h, fmt.Errorf("%w: ds64 chunk of %d bytes, want 28 or more", ErrCorrupt, n)
			}
			var ds [16]byte
			got, _ := io.ReadFull(r, ds[:])
			body = int64(got)
			if got < len(ds) {
				return h, fmt.Errorf("%w: chunk %q declares %d bytes but only %d follow", ErrCorrupt, id, n, got)
			}
			ds64Data = int64(binary.LittleEndian.Uint64(ds[8:]))
			if ds64Data < 0 {
				return h, fmt.Errorf("%w: ds64 declares an impossible data size", ErrCorrupt)
			}
		}
		if id == "fmt " && fmtChunk == nil {
			fmtChunk = make([]byte, min(n, 40))
			got, _ := io.ReadFull(r, fmtChunk)
			body = int64(got)
			if got < len(fmtChunk) {
				return h, fmt.Errorf("%w: chunk %q declares %d bytes but only %d follow", ErrCorrupt, printable(id), n, got)
			}
		}
		skipped, err := io.CopyN(io.Discard, r, n-body)
		if err != nil && !errors.Is(err, io.EOF) {
			return h, fmt.Errorf("audio: reading WAV header: %w", err)
		}
		if skipped < n-body {
			return h, fmt.Errorf("%w: chunk %q declares %d bytes but only %d follow", ErrCorrupt, printable(id), n, body+skipped)
		}
		pos += n
		if n&1 == 1 { // the RIFF pad byte; a file may end without it
			if k, _ := io.CopyN(io.Discard, r, 1); k == 0 {
				break
			}
			pos++
		}
	}
	if err := parseFmt(&h, fmtChunk); err != nil {
		return h, err
	}
	if !found {
		return h, fmt.Errorf("%w: no data chunk", ErrNoAudio)
	}
	if declared == 0 {
		return h, fmt.Errorf("%w: data chunk is zero-length", ErrNoAudio)
	}
	if avail := size - pos; size >= 0 && declared > avail {
		return h, fmt.Errorf("%w: truncated: data chunk declares %d bytes but only %d follow", ErrCorrupt, declared, avail)
	}
	h.Frames = declared / int64(h.blockAlign)
	if h.Frames == 0 {
		return h, fmt.Errorf("%w: data chunk holds %d bytes, less than one %d-byte frame", ErrNoAudio, declared, h.blockAlign)
	}
	h.dataSize = h.Frames * int64(h.blockAlign)
	h.partial = declared - h.dataSize
	rate := int64(h.SampleRate)
	h.Duration = time.Duration(h.Frames/rate)*time.Second + time.Duration(h.Frames%rate)*time.Second/time.Duration(rate)
	if opt.MaxDuration > 0 && h.Duration > opt.MaxDuration {
		return h, fmt.Errorf("%w: %s exceeds the %s limit", ErrTooLong, h.Duration.Round(time.Millisecond), opt.MaxDuration)
	}
	return h, nil
}

// maxMetaChunk bounds the metadata chunks a WAV may carry (fmt, LIST, smpl,
// cue): a hostile size field is refused rather than read through.
const maxMetaChunk = 16 << 20

// parseFmt reads the fields of a fmt chunk (WAVEFORMATEX, or
// WAVE_FORMAT_EXTENSIBLE, whose real format code is the first two bytes of
// the sub-format GUID at byte 24) and checks them.
func parseFmt(h *wavHeader, f []byte) error {
	if f == nil {
		return fmt.Errorf("%w: no fmt chunk", ErrNotWAV)
	}
	if len(f) < 16 {
		return fmt.Errorf("%w: unreadable header: fmt chunk is %d bytes, want at least 16", ErrNotWAV, len(f))
	}
	format := binary.LittleEndian.Uint16(f[0:])
	if format == waveExtensible {
		if len(f) < 40 {
			return fmt.Errorf("%w: extensible fmt chunk is %d bytes, want at least 40", ErrCorrupt, len(f))
		}
		format = binary.LittleEndian.Uint16(f[24:])
	}
	h.Channels = int(binary.LittleEndian.Uint16(f[2:]))
	h.SampleRate = int(binary.LittleEndian.Uint32(f[4:]))
	h.BitDepth = int(binary.LittleEndian.Uint16(f[14:]))
	switch format {
	case wavePCM:
		h.enc = encPCM
	case waveFloat:
		h.enc = encFloat
	case waveMuLaw:
		h.enc = encMuLaw
	case waveALaw:
		h.enc = encALaw
	default:
		return fmt.Errorf("%w: %s; integer PCM, IEEE float, mu-law and A-law are supported", ErrUnsupportedEncoding, formatName(format))
	}
	h.Format, h.Encoding = "wav", h.enc.String()
	switch {
	case h.Channels == 0:
		return fmt.Errorf("%w: header declares 0 channels", ErrCorrupt)
	case h.Channels > 2:
		return fmt.Errorf("%w: %d channels; only mono or stereo is supported", ErrTooManyChannels, h.Channels)
	}
	switch {
	case h.enc == encPCM && (h.BitDepth == 8 || h.BitDepth == 16 || h.BitDepth == 24 || h.BitDepth == 32):
	case h.enc == encFloat && (h.BitDepth == 32 || h.BitDepth == 64):
	case (h.enc == encMuLaw || h.enc == encALaw) && h.BitDepth == 8:
	case h.enc == encPCM:
		return fmt.Errorf("%w: %d-bit PCM; only 8, 16, 24 or 32-bit is supported", ErrUnsupportedEncoding, h.BitDepth)
	case h.enc == encFloat:
		return fmt.Errorf("%w: %d-bit float; only 32 or 64-bit is supported", ErrUnsupportedEncoding, h.BitDepth)
	default:
		return fmt.Errorf("%w: %d-bit %s; G.711 is 8-bit", ErrUnsupportedEncoding, h.BitDepth, h.enc)
	}
	if h.SampleRate < 1000 || h.SampleRate > 384000 {
		return fmt.Errorf("%w: sample rate %d Hz is outside 1000..384000", ErrCorrupt, h.SampleRate)
	}
	h.blockAlign = h.Channels * h.BitDepth / 8
	return nil
}

// printable keeps a chunk ID from a hostile file from putting control bytes
// into an error message.
func printable(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}
