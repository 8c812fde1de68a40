package audio

import "errors"

// Sentinel errors returned (wrapped, with specifics) by the decoders.
// Test with errors.Is; the wrapped message names the exact problem.
var (
	// ErrEmpty means the input has no bytes at all.
	ErrEmpty = errors.New("audio: empty file")
	// ErrUnknownFormat means the input's content matches none of the
	// formats Scribe reads (the message lists them); the file name is
	// never consulted.
	ErrUnknownFormat = errors.New("audio: not a recording format Scribe reads")
	// ErrNotWAV means the input is not a RIFF/WAVE file or has no usable fmt chunk.
	ErrNotWAV = errors.New("audio: not a WAV file")
	// ErrNoAudio means the input has no audio: a WAV without a data chunk,
	// or a container without a single audio packet.
	ErrNoAudio = errors.New("audio: recording has no audio data")
	// ErrUnsupportedEncoding means the container is readable but its codec
	// or sample format is not (a WAV in ADPCM, a WebM with Vorbis, ...).
	ErrUnsupportedEncoding = errors.New("audio: unsupported encoding")
	// ErrTooManyChannels means the input has more than two channels.
	ErrTooManyChannels = errors.New("audio: too many channels")
	// ErrTooLong means the recording exceeds Options.MaxDuration: refused
	// from the header when it gives the length, otherwise as soon as the
	// decoded audio passes the limit.
	ErrTooLong = errors.New("audio: recording too long")
	// ErrCorrupt means the header is inconsistent or the data is truncated
	// or damaged.
	ErrCorrupt = errors.New("audio: corrupt recording")
	// ErrNeedsFFmpeg means the input is an M4A/AAC, MP4 or MOV file, which
	// Scribe decodes with ffmpeg, and ffmpeg is not installed.
	ErrNeedsFFmpeg = errors.New("audio: this format needs ffmpeg")
)

// inputErrors are the sentinels that describe the input itself (as opposed
// to a failing disk or consumer): the person who gave the file can act on them.
var inputErrors = []error{ErrEmpty, ErrUnknownFormat, ErrNotWAV, ErrNoAudio, ErrUnsupportedEncoding, ErrTooManyChannels, ErrTooLong, ErrCorrupt, ErrNeedsFFmpeg}

// IsInputError reports whether err is a refusal of the recording itself,
// one the person who gave it should be told.
func IsInputError(err error) bool {
	for _, e := range inputErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
