package audio

import (
	"fmt"

	"github.com/pion/opus"
)

// opusRate is the rate the Opus decoder is asked for: the pipeline's own,
// so no second resampling is needed (the decoder's SILK and CELT paths
// produce it directly, as they do for calls; see capture/recorder).
const opusRate = Rate

// opusPackets decodes a stream of Opus packets (the pure-Go
// github.com/pion/opus that the call recorder uses, patched in
// third_party/pion-opus) into a pcmOut, dropping the encoder's pre-skip.
type opusPackets struct {
	dec      opus.Decoder
	channels int
	skip     int // samples per channel still to drop, at opusRate
	pcm      []int16
	chans    [][]float32
	format   string
}

// maxOpusFrame is the longest Opus packet (120 ms) at opusRate.
const maxOpusFrame = opusRate * 120 / 1000

func newOpusPackets(format string, channels, preSkip48k int) (*opusPackets, error) {
	dec, err := opus.NewDecoderWithOutput(opusRate, channels)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrCorrupt, format, oneLine(err.Error()))
	}
	o := &opusPackets{dec: dec, channels: channels, skip: preSkip48k * opusRate / 48000, pcm: make([]int16, maxOpusFrame*channels), format: format}
	o.chans = make([][]float32, channels)
	for c := range o.chans {
		o.chans[c] = make([]float32, maxOpusFrame)
	}
	return o, nil
}

// decode decodes one packet into p. A packet the decoder cannot read (or
// panics on: the file may be hostile) makes the file corrupt.
func (o *opusPackets) decode(p *pcmOut, packet []byte) (err error) {
	if len(packet) == 0 {
		return nil // a DTX gap: nothing to play
	}
	var n int
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %s: an Opus packet of %d bytes could not be decoded", ErrCorrupt, o.format, len(packet))
			}
		}()
		n, err = o.dec.DecodeToInt16(packet, o.pcm)
	}()
	if err != nil {
		if !IsInputError(err) {
			err = fmt.Errorf("%w: %s: Opus packet: %s", ErrCorrupt, o.format, oneLine(err.Error()))
		}
		return err
	}
	n = min(n, maxOpusFrame)
	start := min(o.skip, n)
	o.skip -= start
	for c := range o.chans {
		for i := start; i < n; i++ {
			o.chans[c][i-start] = float32(o.pcm[i*o.channels+c])
		}
	}
	return p.write(o.chans, n-start)
}
