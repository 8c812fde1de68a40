package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/at-wat/ebml-go"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// WebM (and Matroska audio) is walked element by element, forward only:
// the containers that lead to audio (Segment, Cluster, BlockGroup) are
// entered, whatever their size (a browser's MediaRecorder writes them with
// unknown sizes), Tracks is read to find the Opus track, and everything
// else is skipped by its size. ebml-go's own readers are not used for the
// walk: its Unmarshal builds the whole document and its block reader runs
// goroutines that keep reading the input after an early stop (an upload's
// stream the caller goes on to read); its block and lacing parser,
// UnmarshalBlock, is.

// EBML element IDs (Matroska specification), with their marker bits.
const (
	ebmlHeaderID   = 0x1A45DFA3
	ebmlDocTypeID  = 0x4282
	mkvSegment     = 0x18538067
	mkvTracks      = 0x1654AE6B
	mkvTrackEntry  = 0xAE
	mkvTrackNumber = 0xD7
	mkvTrackType   = 0x83
	mkvCodecID     = 0x86
	mkvCodecPriv   = 0x63A2
	mkvAudio       = 0xE1
	mkvChannels    = 0x9F
	mkvSampling    = 0xB5
	mkvCluster     = 0x1F43B675
	mkvSimpleBlock = 0xA3
	mkvBlockGroup  = 0xA0
	mkvBlock       = 0xA1
)

const (
	ebmlUnknownSize = -1
	maxEBMLMeta     = 1 << 20 // EBML header, Tracks
	maxEBMLBlock    = 1 << 20 // one (Simple)Block: Opus frames are a few KB
)

type ebmlReader struct {
	r   *bufio.Reader
	pos int64
}

// vint reads a variable-length integer: an element ID (marker kept) or a
// size (marker removed; all ones is the unknown size).
func (e *ebmlReader) vint(id bool) (int64, error) {
	b0, err := e.r.ReadByte()
	if err != nil {
		return 0, err
	}
	e.pos++
	n := 1
	for n <= 8 && b0&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > 8 || (id && n > 4) {
		return 0, fmt.Errorf("%w: WebM: invalid element header at byte %d", ErrCorrupt, e.pos-1)
	}
	v := int64(b0)
	if !id {
		v &= int64(0xFF >> n)
	}
	allOnes := v == int64(0xFF>>n)
	for i := 1; i < n; i++ {
		b, err := e.r.ReadByte()
		if err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		e.pos++
		v = v<<8 | int64(b)
		allOnes = allOnes && b == 0xFF
	}
	if !id && allOnes {
		return ebmlUnknownSize, nil
	}
	return v, nil
}

// element reads the next element header: io.EOF only at a clean end.
func (e *ebmlReader) element() (id, size int64, err error) {
	if id, err = e.vint(true); err != nil {
		return 0, 0, err
	}
	if size, err = e.vint(false); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, 0, err
	}
	return id, size, nil
}

func (e *ebmlReader) body(size, limit int64, what string) ([]byte, error) {
	if size == ebmlUnknownSize || size > limit {
		return nil, fmt.Errorf("%w: WebM: %s element of %d bytes is implausibly large", ErrCorrupt, what, size)
	}
	b := make([]byte, size)
	n, err := io.ReadFull(e.r, b)
	e.pos += int64(n)
	if err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	return b, nil
}

func (e *ebmlReader) skip(size int64) error {
	if size == ebmlUnknownSize {
		return fmt.Errorf("%w: WebM: an element of unknown size where one cannot be", ErrCorrupt)
	}
	n, err := e.r.Discard(int(min(size, math.MaxInt32)))
	e.pos += int64(n)
	for err == nil && int64(n) < size {
		size -= int64(n)
		n, err = e.r.Discard(int(min(size, math.MaxInt32)))
		e.pos += int64(n)
	}
	if err != nil {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// children calls fn for each element in b (the body of a master element).
func children(b []byte, fn func(id int64, body []byte) error) error {
	e := &ebmlReader{r: bufio.NewReader(bytes.NewReader(b))}
	for {
		id, size, err := e.element()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		body, err := e.body(size, int64(len(b)), "child")
		if err != nil {
			return err
		}
		if err := fn(id, body); err != nil {
			return err
		}
	}
}

func ebmlUint(b []byte) uint64 {
	var v uint64
	for _, c := range b[:min(len(b), 8)] {
		v = v<<8 | uint64(c)
	}
	return v
}

type webmTrack struct {
	number, kind uint64
	codec        string
	private      []byte
	channels     uint64
	rate         float64
}

func parseTracks(b []byte) ([]webmTrack, error) {
	var tracks []webmTrack
	err := children(b, func(id int64, body []byte) error {
		if id != mkvTrackEntry {
			return nil
		}
		var t webmTrack
		err := children(body, func(id int64, v []byte) error {
			switch id {
			case mkvTrackNumber:
				t.number = ebmlUint(v)
			case mkvTrackType:
				t.kind = ebmlUint(v)
			case mkvCodecID:
				t.codec = string(bytes.TrimRight(v, "\x00"))
			case mkvCodecPriv:
				t.private = v
			case mkvAudio:
				return children(v, func(id int64, v []byte) error {
					switch {
					case id == mkvChannels:
						t.channels = ebmlUint(v)
					case id == mkvSampling && len(v) == 4:
						t.rate = float64(math.Float32frombits(binary.BigEndian.Uint32(v)))
					case id == mkvSampling && len(v) == 8:
						t.rate = math.Float64frombits(binary.BigEndian.Uint64(v))
					}
					return nil
				})
			}
			return nil
		})
		tracks = append(tracks, t)
		return err
	})
	return tracks, err
}

// openWebM checks the EBML header, walks to Tracks, picks the first audio
// track (which must be Opus) and returns a Source decoding its blocks.
func openWebM(r io.Reader, opt Options) (src Source, err error) {
	e := &ebmlReader{r: bufio.NewReaderSize(r, 64<<10)}
	defer func() {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: the WebM file is truncated", ErrCorrupt)
		}
	}()
	id, size, err := e.element()
	if err != nil {
		return nil, err
	}
	if id != ebmlHeaderID {
		return nil, fmt.Errorf("%w: WebM: no EBML header", ErrCorrupt)
	}
	hdr, err := e.body(size, maxEBMLMeta, "EBML header")
	if err != nil {
		return nil, err
	}
	docType := ""
	if err := children(hdr, func(id int64, v []byte) error {
		if id == ebmlDocTypeID {
			docType = string(bytes.TrimRight(v, "\x00"))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if docType != "webm" && docType != "matroska" {
		return nil, fmt.Errorf("%w: an EBML file of type %q, not WebM or Matroska", ErrUnsupportedEncoding, printable(docType))
	}
	var track *webmTrack
	for track == nil {
		id, size, err := e.element()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the WebM file has no tracks", ErrNoAudio)
		}
		if err != nil {
			return nil, err
		}
		switch id {
		case mkvSegment:
			continue // entered: its children follow
		case mkvCluster, mkvSimpleBlock, mkvBlockGroup:
			return nil, fmt.Errorf("%w: WebM: audio blocks before the track list", ErrCorrupt)
		case mkvTracks:
			b, err := e.body(size, maxEBMLMeta, "Tracks")
			if err != nil {
				return nil, err
			}
			tracks, err := parseTracks(b)
			if err != nil {
				return nil, err
			}
			for i := range tracks {
				if tracks[i].kind == 2 {
					track = &tracks[i]
					break
				}
			}
			if track == nil {
				return nil, fmt.Errorf("%w: the WebM file has no audio track", ErrNoAudio)
			}
		default:
			if err := e.skip(size); err != nil {
				return nil, err
			}
		}
	}
	if track.codec != "A_OPUS" {
		return nil, fmt.Errorf("%w: WebM audio in %s; WebM audio must be Opus", ErrUnsupportedEncoding, printable(track.codec))
	}
	channels, preSkip := int(track.channels), 0
	if oh, err := oggreader.ParseOpusHead(track.private); err == nil {
		channels, preSkip = int(oh.Channels), int(oh.PreSkip)
	}
	if channels == 0 {
		channels = 1 // Matroska's default
	}
	if err := checkChannels("WebM Opus", channels); err != nil {
		return nil, err
	}
	info := Info{Format: "webm-opus", Encoding: "opus", SampleRate: opusRate, Channels: channels}
	dec, err := newOpusPackets("WebM Opus", channels, preSkip)
	if err != nil {
		return nil, err
	}
	return &codecSource{info: info, opt: opt, run: func(p *pcmOut) (err error) {
		defer func() {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w: the WebM file is truncated", ErrCorrupt)
			}
		}()
		for {
			id, size, err := e.element()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			switch id {
			case mkvSegment, mkvCluster, mkvBlockGroup:
				continue // entered
			case mkvSimpleBlock, mkvBlock:
				b, err := e.body(size, maxEBMLBlock, "block")
				if err != nil {
					return err
				}
				blk, err := ebml.UnmarshalBlock(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					return fmt.Errorf("%w: WebM: a block cannot be read: %s", ErrCorrupt, oneLine(err.Error()))
				}
				if blk.TrackNumber != track.number {
					continue
				}
				for _, pkt := range blk.Data {
					if err := dec.decode(p, pkt); err != nil {
						return err
					}
				}
			default:
				if err := e.skip(size); err != nil {
					return err
				}
			}
		}
	}}, nil
}
