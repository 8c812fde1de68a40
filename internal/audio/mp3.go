package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// mpegFrame is what an MPEG audio frame header says.
type mpegFrame struct {
	version int // 1, 2, or 25 for MPEG 2.5
	layer   int // 1, 2 or 3
	rate    int // Hz
	mono    bool
	length  int // bytes in the frame, header included
}

var (
	mpeg1L3Kbps = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	mpeg1L2Kbps = [16]int{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0}
	mpeg1L1Kbps = [16]int{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0}
	mpeg2L1Kbps = [16]int{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0}
	mpeg2Kbps   = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0} // layers II and III
	mpegRates   = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
)

// mpegHeader parses the 4-byte MPEG audio frame header at the start of b,
// or returns nil when there is none (free-format bitrates included: no
// length can be computed for them).
func mpegHeader(b []byte) *mpegFrame {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return nil
	}
	var f mpegFrame
	vi := 0
	switch (b[1] >> 3) & 3 {
	case 3:
		f.version = 1
	case 2:
		f.version, vi = 2, 1
	case 0:
		f.version, vi = 25, 2
	default:
		return nil
	}
	f.layer = 4 - int((b[1]>>1)&3)
	bi, si := b[2]>>4, (b[2]>>2)&3
	if f.layer == 4 || bi == 0 || bi == 15 || si == 3 {
		return nil
	}
	f.rate = mpegRates[vi][si]
	pad := int(b[2]>>1) & 1
	f.mono = b[3]>>6 == 3
	var kbps int
	switch {
	case f.version == 1 && f.layer == 3:
		kbps = mpeg1L3Kbps[bi]
	case f.version == 1 && f.layer == 2:
		kbps = mpeg1L2Kbps[bi]
	case f.version == 1:
		kbps = mpeg1L1Kbps[bi]
	case f.layer == 1:
		kbps = mpeg2L1Kbps[bi]
	default:
		kbps = mpeg2Kbps[bi]
	}
	switch {
	case f.layer == 1:
		f.length = (12*kbps*1000/f.rate + pad) * 4
	case f.layer == 3 && f.version != 1:
		f.length = 72*kbps*1000/f.rate + pad
	default:
		f.length = 144*kbps*1000/f.rate + pad
	}
	return &f
}

// mp3Window is how far past any ID3 tag the first frame is looked for.
const mp3Window = 64 << 10

// openMP3 skips an ID3v2 tag, finds the first MPEG audio frame (one
// followed by a second where its length says, so stray bytes are not taken
// for audio) and returns a Source decoding MPEG-1/2 layer III with
// go-mp3, one frame at a time. AAC (ADTS) behind an ID3 tag goes to ffmpeg.
func openMP3(r io.Reader, opt Options) (Source, error) {
	br := bufio.NewReaderSize(r, mp3Window)
	if tag, _ := br.Peek(10); len(tag) == 10 && string(tag[:3]) == "ID3" {
		size := int64(tag[6]&0x7f)<<21 | int64(tag[7]&0x7f)<<14 | int64(tag[8]&0x7f)<<7 | int64(tag[9]&0x7f)
		if tag[6]|tag[7]|tag[8]|tag[9] >= 0x80 {
			return nil, fmt.Errorf("%w: MP3's ID3 tag has an invalid size", ErrCorrupt)
		}
		size += 10
		if tag[5]&0x10 != 0 { // footer
			size += 10
		}
		if n, _ := br.Discard(int(min(size, int64(1)<<31-1))); int64(n) < size {
			return nil, fmt.Errorf("%w: the MP3 file ends inside its ID3 tag", ErrCorrupt)
		}
	}
	w, _ := br.Peek(mp3Window)
	if len(w) >= 2 && w[0] == 0xFF && w[1]&0xF6 == 0xF0 { // AAC in ADTS behind an ID3 tag
		return openFFmpeg(forwardOnly{br}, opt, w[:min(len(w), sniffLen)])
	}
	at, first := -1, (*mpegFrame)(nil)
	for i := 0; i+4 <= len(w); i++ {
		f := mpegHeader(w[i:])
		if f == nil {
			continue
		}
		next := i + f.length
		if next == len(w) || (next+4 <= len(w) && sameStream(f, mpegHeader(w[next:]))) {
			at, first = i, f
			break
		}
	}
	if first == nil {
		return nil, fmt.Errorf("%w: no MPEG audio frames where the MP3's audio should begin", ErrCorrupt)
	}
	if first.layer != 3 || first.version == 25 {
		return nil, fmt.Errorf("%w: MPEG-%s layer %s audio; MP3 (MPEG-1 or 2 layer III) is supported", ErrUnsupportedEncoding,
			map[int]string{1: "1", 2: "2", 25: "2.5"}[first.version], map[int]string{1: "I", 2: "II", 3: "III"}[first.layer])
	}
	_, _ = br.Discard(at)
	dec, err := mp3.NewDecoder(br)
	if err != nil {
		return nil, corrupt("MP3", err)
	}
	info := Info{Format: "mp3", Encoding: "mp3", SampleRate: dec.SampleRate(), Channels: 2}
	if first.mono {
		info.Channels = 1
	}
	// go-mp3 always yields 16-bit stereo; a mono file has two equal channels.
	raw := make([]byte, 4*1152*4)
	chans := [][]float32{make([]float32, len(raw)/4), make([]float32, len(raw)/4)}
	return &codecSource{info: info, opt: opt, run: func(p *pcmOut) error {
		for {
			n, err := io.ReadFull(dec, raw)
			frames := n / 4
			for i := range frames {
				b := raw[4*i:]
				chans[0][i] = float32(int16(uint16(b[0]) | uint16(b[1])<<8))
				chans[1][i] = float32(int16(uint16(b[2]) | uint16(b[3])<<8))
			}
			if werr := p.write(chans, frames); werr != nil {
				return werr
			}
			switch {
			case err == nil:
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				return nil
			default:
				return corrupt("MP3", err)
			}
		}
	}}, nil
}

func sameStream(a, b *mpegFrame) bool {
	return b != nil && a.version == b.version && a.layer == b.layer && a.rate == b.rate
}
