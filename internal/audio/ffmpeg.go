package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// FFmpegFormats names the formats decoded through ffmpeg.
const FFmpegFormats = "M4A/AAC, MP4 and MOV"

// openFFmpeg starts ffmpeg on the input and returns a Source reading the
// 16 kHz 16-bit PCM it writes to a pipe as it decodes: nothing is written to
// disk and memory stays bounded. The input goes to ffmpeg's stdin; a file
// is handed over as itself, so ffmpeg can seek to an MP4 index stored at
// the end (a stream cannot: such an upload must be "fast start"). The first
// audio stream is taken and video ignored; more than two channels are mixed
// down to stereo. ffmpeg's output is Sun AU, whose header gives the channel
// count before any audio, so Info is known when Open returns, as for every
// other format; a file ffmpeg cannot read is refused there.
func openFFmpeg(r io.Reader, opt Options, head []byte) (Source, error) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, fmt.Errorf("%w: %s files are decoded with ffmpeg, which is not installed on this server; ask an administrator to install ffmpeg, or save the recording as WAV, FLAC, MP3 or Opus", ErrNeedsFFmpeg, FFmpegFormats)
	}
	input := "pipe:0"
	if f, ok := r.(forwardOnly); ok {
		if file, ok := f.Reader.(*os.File); ok {
			if st, serr := file.Stat(); serr == nil && st.Mode().IsRegular() {
				r, input = file, "/proc/self/fd/0" // ffmpeg opens it itself and can seek
			}
		}
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-i", input, "-map", "0:a:0", "-vn", "-sn", "-dn"}
	if opt.Split {
		args = append(args, "-af", "aformat=channel_layouts=mono|stereo")
	} else {
		args = append(args, "-ac", "1")
	}
	args = append(args, "-ar", fmt.Sprint(Rate), "-c:a", "pcm_s16be", "-f", "au", "pipe:1")
	if input != "pipe:0" {
		args = append([]string{"-nostdin"}, args...)
	}
	cmd := exec.Command(bin, args...) // #nosec G204 -- fixed arguments; the input arrives on stdin, never as a name
	cmd.Stdin = r
	stderr := &tailBuffer{max: 2048}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("audio: ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: ffmpeg could not be started: %s", ErrNeedsFFmpeg, oneLine(err.Error()))
	}
	f := &ffmpegProc{cmd: cmd, out: out, stderr: stderr}
	var hdr [24]byte
	if _, err := io.ReadFull(out, hdr[:]); err != nil {
		return nil, f.failed()
	}
	offset := binary.BigEndian.Uint32(hdr[4:])
	channels := int(binary.BigEndian.Uint32(hdr[20:]))
	if string(hdr[:4]) != ".snd" || binary.BigEndian.Uint32(hdr[12:]) != 3 || binary.BigEndian.Uint32(hdr[16:]) != Rate ||
		channels < 1 || channels > 2 || offset < 24 || offset > 1<<16 {
		return nil, f.finish(fmt.Errorf("audio: ffmpeg's output is not the 16 kHz PCM asked for"))
	}
	if _, err := io.CopyN(io.Discard, out, int64(offset)-24); err != nil {
		return nil, f.failed()
	}
	info := Info{Format: "ffmpeg", Encoding: ffmpegKind(head), SampleRate: Rate, Channels: channels}
	return &codecSource{info: info, opt: opt, closer: f.close, run: func(p *pcmOut) error {
		return f.finish(f.pipe(channels, p))
	}}, nil
}

// ffmpegProc is a running ffmpeg and the pipe it writes to.
type ffmpegProc struct {
	cmd    *exec.Cmd
	out    io.Reader
	stderr *tailBuffer
	done   bool
}

// pipe hands ffmpeg's big-endian PCM to p until it ends.
func (f *ffmpegProc) pipe(channels int, p *pcmOut) error {
	raw := make([]byte, 32<<10)
	chans := make([][]float32, channels)
	for c := range chans {
		chans[c] = make([]float32, len(raw)/2/channels)
	}
	frameBytes := 2 * channels
	carry, total := 0, 0
	for {
		n, rerr := f.out.Read(raw[carry:])
		n += carry
		frames := n / frameBytes
		total += frames
		for i := range frames {
			for c := range chans {
				b := raw[i*frameBytes+2*c:]
				chans[c][i] = float32(int16(uint16(b[0])<<8 | uint16(b[1])))
			}
		}
		if werr := p.write(chans, frames); werr != nil {
			return werr
		}
		carry = copy(raw, raw[frames*frameBytes:n])
		if errors.Is(rerr, io.EOF) {
			if total == 0 && f.stderr.String() != "" {
				// ffmpeg gave up on the audio yet may exit 0 (an MP4 whose
				// index it reached too late to use): its reason is the error.
				f.done = true
				_ = f.cmd.Wait()
				return ffmpegFailure(errors.New("no audio decoded"), f.stderr.String())
			}
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("audio: reading ffmpeg output: %w", rerr)
		}
	}
}

// finish waits for ffmpeg (stopping it first when err says decoding was
// cut short) and returns err, or ffmpeg's own failure when it had none.
func (f *ffmpegProc) finish(err error) error {
	if f.done {
		return err
	}
	f.done = true
	if err != nil {
		_ = f.cmd.Process.Kill()
	}
	werr := f.cmd.Wait()
	if err == nil && werr != nil {
		return ffmpegFailure(werr, f.stderr.String())
	}
	return err
}

// failed is the error of an ffmpeg that ended before writing audio: its
// own reason when it gave one.
func (f *ffmpegProc) failed() error {
	f.done = true
	if werr := f.cmd.Wait(); werr != nil {
		return ffmpegFailure(werr, f.stderr.String())
	}
	return fmt.Errorf("%w: ffmpeg found no audio to decode", ErrNoAudio)
}

// close stops an ffmpeg whose output was never decoded.
func (f *ffmpegProc) close() error {
	if !f.done {
		_ = f.finish(errors.New("closed"))
	}
	return nil
}

// ffmpegFailure turns ffmpeg's exit and its last error line into an error
// for the person who gave the file.
func ffmpegFailure(werr error, stderr string) error {
	msg := strings.TrimSpace(stderr)
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[i+1:])
	}
	if strings.Contains(stderr, "matches no streams") {
		return fmt.Errorf("%w: the file has no audio track", ErrNoAudio)
	}
	if msg == "" {
		msg = werr.Error()
	}
	hint := ""
	if strings.Contains(stderr, "moov atom not found") || strings.Contains(stderr, "partial file") {
		hint = " (an upload must have its index at the start: save it with \"fast start\", or ingest the file from disk)"
	}
	return fmt.Errorf("%w: ffmpeg could not decode it: %s%s", ErrCorrupt, oneLine(msg), hint)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = bytes.Clone(t.b[len(t.b)-t.max:])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// ffmpegKind names what the container says it is, for the audit record.
func ffmpegKind(head []byte) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch brand := string(head[8:12]); {
		case strings.HasPrefix(brand, "M4A"), strings.HasPrefix(brand, "M4B"):
			return "m4a"
		case brand == "qt  ":
			return "mov"
		default:
			return "mp4"
		}
	}
	if len(head) >= 2 && head[0] == 0xFF {
		return "aac"
	}
	return "mov"
}
