package audio

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
)

// openFLAC reads a FLAC stream's STREAMINFO (refusing more than two
// channels, or a declared length over the limit) and returns a Source that
// decodes it frame by frame: at most one frame (65,535 samples per channel)
// is held at a time.
func openFLAC(r io.Reader, opt Options) (Source, error) {
	st, err := flac.New(r)
	if err != nil {
		return nil, corrupt("FLAC", err)
	}
	si := st.Info
	info := Info{Format: "flac", Encoding: "flac", SampleRate: int(si.SampleRate), Channels: int(si.NChannels), BitDepth: int(si.BitsPerSample), Frames: int64(si.NSamples)}
	if err := checkChannels("FLAC", info.Channels); err != nil {
		return nil, err
	}
	if info.SampleRate < 1000 || info.SampleRate > 384000 {
		return nil, fmt.Errorf("%w: FLAC sample rate %d Hz is outside 1000..384000", ErrCorrupt, info.SampleRate)
	}
	if info.BitDepth < 4 || info.BitDepth > 32 {
		return nil, fmt.Errorf("%w: FLAC declares %d bits per sample", ErrCorrupt, info.BitDepth)
	}
	if err := checkDeclaredLength(info.Frames, info.SampleRate, opt); err != nil {
		return nil, err
	}
	if info.Frames > 0 {
		rate := int64(info.SampleRate)
		info.Duration = durationOf(info.Frames, rate)
	}
	scale := float32(1)
	if shift := info.BitDepth - 16; shift > 0 {
		scale = 1 / float32(int64(1)<<shift)
	} else if shift < 0 {
		scale = float32(int64(1) << -shift)
	}
	chans := make([][]float32, info.Channels)
	return &codecSource{info: info, opt: opt, run: func(p *pcmOut) error {
		for {
			f, err := st.ParseNext()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return corrupt("FLAC", err)
			}
			if len(f.Subframes) != info.Channels || (f.SampleRate != 0 && int(f.SampleRate) != info.SampleRate) {
				return fmt.Errorf("%w: a FLAC frame's channels or sample rate differ from the stream's", ErrCorrupt)
			}
			n := int(f.BlockSize)
			for c, sf := range f.Subframes {
				if len(sf.Samples) < n {
					return fmt.Errorf("%w: a FLAC frame is shorter than its header says", ErrCorrupt)
				}
				chans[c] = growFloat(chans[c], n)
				for i, v := range sf.Samples[:n] {
					chans[c][i] = float32(v) * scale
				}
			}
			if err := p.write(chans, n); err != nil {
				return err
			}
		}
	}}, nil
}

// growFloat returns s with room for n samples, reusing it when it can.
func growFloat(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
