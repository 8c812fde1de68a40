package audio

import "errors"

// Sentinel errors returned (wrapped, with specifics) by the WAV decoder.
// Test with errors.Is; the wrapped message names the exact problem.
var (
	// ErrEmpty means the input has no bytes at all.
	ErrEmpty = errors.New("audio: empty file")
	// ErrNotWAV means the input is not a RIFF/WAVE file or has no usable fmt chunk.
	ErrNotWAV = errors.New("audio: not a WAV file")
	// ErrNoAudio means the WAV has no data chunk or a zero-length one.
	ErrNoAudio = errors.New("audio: WAV has no audio data")
	// ErrUnsupportedEncoding means the WAV is not 8/16/24/32-bit integer PCM.
	ErrUnsupportedEncoding = errors.New("audio: unsupported WAV encoding")
	// ErrTooManyChannels means the WAV has more than two channels.
	ErrTooManyChannels = errors.New("audio: too many channels")
	// ErrTooLong means the WAV's duration (from its header) exceeds Options.MaxDuration.
	ErrTooLong = errors.New("audio: recording too long")
	// ErrCorrupt means the header is inconsistent or the data is truncated.
	ErrCorrupt = errors.New("audio: corrupt WAV")
)
