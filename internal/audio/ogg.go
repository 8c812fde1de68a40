package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Ogg is read with a small page reader of its own rather than Pion's
// oggreader, which returns a page's payload whole: files from opusenc,
// ffmpeg or a browser put many Opus packets in one page (and a packet may
// span pages), so packets must be cut at the lacing values (RFC 3533).
// Pion's ParseOpusHead still reads the identification header (RFC 7845).

// maxOggPacket bounds a packet held in memory. Opus audio packets are at
// most a few kilobytes; a larger packet (a comment header with cover art)
// is read through and dropped.
const maxOggPacket = 1 << 20

// oggPackets reads the packets of one logical stream from an Ogg file.
type oggPackets struct {
	r       *bufio.Reader
	serial  uint32
	locked  bool // serial is the stream being followed
	seg     []byte
	segAt   int
	pageEOS bool
	pages   int64
	hdr     [27]byte
	body    []byte
}

// next returns the stream's next packet; oversized is true (and the packet
// nil) when it was longer than maxOggPacket. io.EOF ends the stream.
func (o *oggPackets) next() (packet []byte, oversized bool, err error) {
	var pkt []byte
	size := 0
	for {
		if o.segAt >= len(o.seg) {
			if o.pageEOS && o.locked {
				return nil, false, io.EOF
			}
			if err := o.readPage(); err != nil {
				if errors.Is(err, io.EOF) && size > 0 {
					return nil, false, fmt.Errorf("%w: the Ogg file ends inside a packet", ErrCorrupt)
				}
				return nil, false, err
			}
			continue
		}
		n := int(o.seg[o.segAt])
		o.segAt++
		if size+n <= maxOggPacket {
			pkt = append(pkt, o.body[:n]...)
		}
		o.body = o.body[n:]
		size += n
		if n < 255 {
			if size > maxOggPacket {
				return nil, true, nil
			}
			return pkt, false, nil
		}
	}
}

// readPage reads the next page of the followed stream (the first stream's
// serial once known), checking its CRC; pages of other streams are skipped.
func (o *oggPackets) readPage() error {
	for {
		if _, err := io.ReadFull(o.r, o.hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				if o.pages == 0 {
					return fmt.Errorf("%w: the Ogg file has no pages", ErrCorrupt)
				}
				return io.EOF
			}
			return fmt.Errorf("%w: the Ogg file is truncated inside a page header", ErrCorrupt)
		}
		h := o.hdr[:]
		if string(h[:4]) != "OggS" || h[4] != 0 {
			return fmt.Errorf("%w: Ogg page %d has no capture pattern (damaged or not Ogg)", ErrCorrupt, o.pages)
		}
		nseg := int(h[26])
		seg := make([]byte, nseg)
		if _, err := io.ReadFull(o.r, seg); err != nil {
			return fmt.Errorf("%w: the Ogg file is truncated inside page %d", ErrCorrupt, o.pages)
		}
		total := 0
		for _, s := range seg {
			total += int(s)
		}
		body := make([]byte, total) // at most 255*255 bytes
		if _, err := io.ReadFull(o.r, body); err != nil {
			return fmt.Errorf("%w: the Ogg file is truncated inside page %d", ErrCorrupt, o.pages)
		}
		crc := oggCRC(0, h[:22])
		crc = oggCRC(crc, []byte{0, 0, 0, 0})
		crc = oggCRC(crc, h[26:27])
		crc = oggCRC(crc, seg)
		crc = oggCRC(crc, body)
		if crc != binary.LittleEndian.Uint32(h[22:26]) {
			return fmt.Errorf("%w: Ogg page %d fails its checksum", ErrCorrupt, o.pages)
		}
		o.pages++
		serial := binary.LittleEndian.Uint32(h[14:18])
		if !o.locked {
			o.serial, o.locked = serial, true
		}
		if serial != o.serial {
			continue
		}
		o.seg, o.segAt, o.body, o.pageEOS = seg, 0, body, h[5]&4 != 0
		return nil
	}
}

var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(crc uint32, b []byte) uint32 {
	for _, v := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^v]
	}
	return crc
}

// openOgg reads the identification and comment headers of the file's
// first logical stream and returns a Source decoding its Opus packets.
func openOgg(r io.Reader, opt Options) (Source, error) {
	o := &oggPackets{r: bufio.NewReaderSize(r, 64<<10)}
	head, _, err := o.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the Ogg file has no packets", ErrCorrupt)
		}
		return nil, err
	}
	switch {
	case len(head) >= 7 && string(head[1:7]) == "vorbis":
		return nil, fmt.Errorf("%w: Ogg Vorbis; Ogg files must hold Opus", ErrUnsupportedEncoding)
	case len(head) >= 5 && string(head[:5]) == "Speex":
		return nil, fmt.Errorf("%w: Ogg Speex; Ogg files must hold Opus", ErrUnsupportedEncoding)
	case len(head) >= 4 && string(head[:4]) == "\x7fFLA":
		return nil, fmt.Errorf("%w: Ogg FLAC; save it as plain FLAC, or Ogg as Opus", ErrUnsupportedEncoding)
	case len(head) < 8 || string(head[:8]) != "OpusHead":
		return nil, fmt.Errorf("%w: the Ogg file's first stream is not Opus", ErrUnsupportedEncoding)
	}
	oh, err := oggreader.ParseOpusHead(head)
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg Opus identification header: %s", ErrCorrupt, oneLine(err.Error()))
	}
	if err := checkChannels("Ogg Opus", int(oh.Channels)); err != nil {
		return nil, err
	}
	if _, _, err := o.next(); err != nil { // OpusTags: not needed
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the Ogg Opus file ends after its first header", ErrNoAudio)
		}
		return nil, err
	}
	info := Info{Format: "ogg-opus", Encoding: "opus", SampleRate: opusRate, Channels: int(oh.Channels)}
	dec, err := newOpusPackets("Ogg Opus", info.Channels, int(oh.PreSkip))
	if err != nil {
		return nil, err
	}
	return &codecSource{info: info, opt: opt, run: func(p *pcmOut) error {
		for {
			pkt, big, err := o.next()
			switch {
			case errors.Is(err, io.EOF):
				return nil
			case err != nil:
				return err
			case big:
				return fmt.Errorf("%w: an Ogg Opus packet is larger than %d bytes", ErrCorrupt, maxOggPacket)
			}
			if err := dec.decode(p, pkt); err != nil {
				return err
			}
		}
	}}, nil
}
