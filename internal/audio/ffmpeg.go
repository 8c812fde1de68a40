package audio

import (
	"bytes"
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

// openFFmpeg returns a Source that pipes the input through ffmpeg, which
// writes 16 kHz 16-bit PCM to a pipe as it decodes: nothing is written to
// disk and memory stays bounded. The input goes to ffmpeg's stdin; a file
// is handed over as itself, so ffmpeg can seek to an MP4 index stored at
// the end (a stream cannot: such a file must be "fast start").
// The first audio stream is taken; video is ignored. ffmpeg is asked for
// two channels unless Options ask for a downmix (a mono file then yields
// two equal channels, which ingest recognises as one speaker).
func openFFmpeg(r io.Reader, opt Options, head []byte) (Source, error) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, fmt.Errorf("%w: %s files are decoded with ffmpeg, which is not installed on this server; an administrator can install it (Debian: apt-get install ffmpeg), or save the recording as WAV, FLAC, MP3 or Opus", ErrNeedsFFmpeg, FFmpegFormats)
	}
	channels := 2
	if !opt.Split {
		channels = 1
	}
	info := Info{Format: "ffmpeg", Encoding: ffmpegKind(head), SampleRate: Rate, Channels: channels}
	return &codecSource{info: info, opt: opt, run: func(p *pcmOut) error {
		return runFFmpeg(bin, r, channels, p)
	}}, nil
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

func runFFmpeg(bin string, r io.Reader, channels int, p *pcmOut) (err error) {
	input := "pipe:0"
	if f, ok := r.(forwardOnly); ok {
		if file, ok := f.Reader.(*os.File); ok {
			if st, serr := file.Stat(); serr == nil && st.Mode().IsRegular() {
				r, input = file, "/proc/self/fd/0" // ffmpeg opens it itself and can seek
			}
		}
	}
	// #nosec G204 -- fixed arguments; the input arrives on stdin, never as a name
	cmd := exec.Command(bin, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", input,
		"-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", fmt.Sprint(channels), "-ar", fmt.Sprint(Rate),
		"-f", "s16le", "-acodec", "pcm_s16le", "pipe:1")
	if input == "pipe:0" {
		cmd.Args = append(cmd.Args[:1], cmd.Args[2:]...) // stdin is the input
	}
	cmd.Stdin = r
	stderr := &tailBuffer{max: 2048}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("audio: ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: ffmpeg could not be started: %s", ErrNeedsFFmpeg, oneLine(err.Error()))
	}
	stopped := false
	defer func() {
		if err != nil && !stopped {
			_ = cmd.Process.Kill()
		}
		werr := cmd.Wait()
		if err == nil && werr != nil {
			err = ffmpegFailure(werr, stderr.String())
		}
	}()
	raw := make([]byte, 32<<10)
	chans := make([][]float32, channels)
	for c := range chans {
		chans[c] = make([]float32, len(raw)/2/channels)
	}
	frameBytes := 2 * channels
	carry := 0
	for {
		n, rerr := out.Read(raw[carry:])
		n += carry
		frames := n / frameBytes
		for i := range frames {
			for c := range chans {
				b := raw[i*frameBytes+2*c:]
				chans[c][i] = float32(int16(uint16(b[0]) | uint16(b[1])<<8))
			}
		}
		if werr := p.write(chans, frames); werr != nil {
			return werr
		}
		carry = copy(raw, raw[frames*frameBytes:n])
		if errors.Is(rerr, io.EOF) {
			stopped = true
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("audio: reading ffmpeg output: %w", rerr)
		}
	}
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
	if strings.Contains(stderr, "moov atom not found") {
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
