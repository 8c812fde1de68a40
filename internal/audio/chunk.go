package audio

import (
	"errors"
	"fmt"
	"time"
)

// Chunker tuning. A cut goes at the centre of the quietest quietWindow in
// the last searchFraction of the allowed length (capped at maxSearch), so it
// lands in a pause between words rather than inside one.
const (
	quietWindow    = 300 * time.Millisecond
	searchFraction = 2 // search the last half of the allowed length, so a pause is found even in short chunks
	maxSearch      = 60 * time.Second
)

// Chunk is one piece of a channel's audio. StartSample and EndSample are
// absolute offsets on the channel's timeline (EndSample exclusive), so
// consecutive chunks tile the input: chunk i+1 starts where chunk i ends.
type Chunk struct {
	Index       int
	StartSample int64
	EndSample   int64
	Samples     []int16
}

// Split cuts samples (at rate Hz) into chunks of at most max samples, each
// cut placed in the quietest 300 ms near the limit. Chunk.Samples are
// sub-slices of samples (no copy). Empty input gives no chunks. It panics if
// rate or max is not positive: those are programming errors, not data.
func Split(samples []int16, rate int, max int) []Chunk {
	mustChunkParams("Split", rate, max)
	var chunks []Chunk
	var start int64
	for len(samples) > 0 {
		n := len(samples)
		if n > max {
			n = cutPoint(samples[:max], rate)
		}
		chunks = append(chunks, Chunk{
			Index:       len(chunks),
			StartSample: start,
			EndSample:   start + int64(n),
			Samples:     samples[:n:n],
		})
		start += int64(n)
		samples = samples[n:]
	}
	return chunks
}

// cutPoint returns where to end a chunk that must not exceed len(s)
// samples, given that more audio follows: the centre of the 300 ms window
// with the least energy in the search region at the end of s. The result is
// in [1, len(s)].
func cutPoint(s []int16, rate int) int {
	max := len(s)
	search := max / searchFraction
	if lim := int(int64(rate) * int64(maxSearch) / int64(time.Second)); search > lim {
		search = lim
	}
	if search < 2 {
		return max
	}
	w := int(int64(rate) * int64(quietWindow) / int64(time.Second))
	if w > search {
		w = search
	}
	if w < 1 {
		w = 1
	}
	region := s[max-search:]
	// Sliding sum of squares; int64 holds 32768² × any window we use.
	var e int64
	for _, v := range region[:w] {
		e += int64(v) * int64(v)
	}
	best, bestAt := e, 0
	for i := w; i < len(region); i++ {
		in, out := int64(region[i]), int64(region[i-w])
		e += in*in - out*out
		// <= prefers the latest quietest window: longer chunks, fewer cuts.
		if e <= best {
			best, bestAt = e, i-w+1
		}
	}
	return max - search + bestAt + w/2
}

func mustChunkParams(fn string, rate, max int) {
	if rate <= 0 {
		panic(fmt.Sprintf("audio.%s: rate must be positive, got %d", fn, rate))
	}
	if max <= 0 {
		panic(fmt.Sprintf("audio.%s: max must be positive, got %d", fn, max))
	}
}

// ErrChunkerClosed is returned by Write after Flush.
var ErrChunkerClosed = errors.New("audio: chunker already flushed")

// Chunker is the streaming form of Split for live recording: Write audio as
// it arrives; every full chunk is passed to emit as soon as the cut is
// known; Flush emits the remainder. It cuts exactly where Split would on
// the same audio, and holds at most max samples plus one Write.
//
// Emitted Chunk.Samples are fresh slices owned by the callee (unless
// Borrow was called). A Chunker is not safe for concurrent use.
type Chunker struct {
	rate, max int
	emit      func(Chunk) error
	pending   []int16
	start     int64 // timeline offset of pending[0]
	index     int
	closed    bool
	borrow    bool
}

// Borrow makes emitted Chunk.Samples a view of the chunker's own buffer,
// valid only until emit returns: no copy of each chunk, for a consumer
// that encodes the chunk at once (ingest of a long recording). It returns c.
func (c *Chunker) Borrow() *Chunker {
	c.borrow = true
	return c
}

// NewChunker returns a streaming chunker; see Split for rate and max. It
// panics if rate or max is not positive or emit is nil.
func NewChunker(rate, max int, emit func(Chunk) error) *Chunker {
	mustChunkParams("NewChunker", rate, max)
	if emit == nil {
		panic("audio.NewChunker: emit must not be nil")
	}
	return &Chunker{rate: rate, max: max, emit: emit}
}

// Write appends samples and emits every chunk whose cut is now decided. If
// emit fails, the error is returned (wrapped) and the unemitted audio stays
// pending, so a retried Flush or Write loses nothing.
func (c *Chunker) Write(samples []int16) error {
	if c.closed {
		return ErrChunkerClosed
	}
	if need := len(c.pending) + len(samples); need > cap(c.pending) {
		// Grow as append would, but never past what this Write can need:
		// pending holds at most max samples between writes.
		grown := make([]int16, len(c.pending), min(max(2*cap(c.pending), need), c.max+len(samples)))
		copy(grown, c.pending)
		c.pending = grown
	}
	c.pending = append(c.pending, samples...)
	for len(c.pending) > c.max {
		if err := c.emitN(cutPoint(c.pending[:c.max], c.rate)); err != nil {
			return err
		}
	}
	return nil
}

// Flush emits the remaining audio as a final chunk (if any) and closes the
// chunker.
func (c *Chunker) Flush() error {
	if c.closed {
		return ErrChunkerClosed
	}
	if len(c.pending) > 0 {
		if err := c.emitN(len(c.pending)); err != nil {
			return err
		}
	}
	c.closed = true
	return nil
}

// Offset is the timeline position at which the next emitted chunk starts.
func (c *Chunker) Offset() int64 { return c.start }

func (c *Chunker) emitN(n int) error {
	ch := Chunk{
		Index:       c.index,
		StartSample: c.start,
		EndSample:   c.start + int64(n),
		Samples:     c.pending[:n:n],
	}
	if !c.borrow {
		ch.Samples = append([]int16(nil), ch.Samples...)
	}
	if err := c.emit(ch); err != nil {
		return fmt.Errorf("audio: emitting chunk %d: %w", ch.Index, err)
	}
	c.index++
	c.start += int64(n)
	rest := copy(c.pending, c.pending[n:])
	c.pending = c.pending[:rest]
	return nil
}

// uploadLimitBytes keeps a chunk's WAV under the 25 MB request limit of
// hosted transcription APIs (25 000 000 bytes, the stricter reading), with
// a megabyte left for the WAV header and multipart form fields.
const uploadLimitBytes = 24_000_000

// MaxChunkSamples returns the chunk length, in samples of 16-bit mono audio
// at rate Hz, for chunks of maxDur, clamped so each encoded chunk stays under
// the hosted-API upload limit. maxDur <= 0 asks for the largest allowed.
// At 16 kHz the clamp is 12 000 000 samples (12.5 minutes).
func MaxChunkSamples(rate int, maxDur time.Duration) int {
	if rate <= 0 {
		panic(fmt.Sprintf("audio.MaxChunkSamples: rate must be positive, got %d", rate))
	}
	limit := int64(uploadLimitBytes / 2)
	if maxDur <= 0 {
		return int(limit)
	}
	n := int64(maxDur.Seconds() * float64(rate))
	if n > limit {
		n = limit
	}
	if n < 1 {
		n = 1
	}
	return int(n)
}
