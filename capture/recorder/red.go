package recorder

import "errors"

// RFC 2198 redundant audio ("audio/red"), as Chrome sends it for Opus: each
// packet carries the previous packet(s) in full next to its own (primary)
// audio, so an isolated loss costs nothing.
//
//	0                   1                   2                   3
//	|F|   block PT  |  timestamp offset         |   block length    |  (F=1, 4 bytes)
//	|0|   block PT  |                                                  (last header, 1 byte)
//	redundant block data…, primary block data

// redBlock is one redundant block: its data and how far (in RTP timestamp
// units) it precedes the primary.
type redBlock struct {
	tsOffset uint32
	data     []byte
}

// maxREDBlocks bounds the redundant blocks read from one packet.
const maxREDBlocks = 8

var errMalformedRED = errors.New("malformed RFC 2198 RED payload")

// parseRED splits a RED payload into its redundant blocks (oldest first,
// written into blocks) and the primary block. The slices alias payload.
func parseRED(payload []byte, blocks *[maxREDBlocks]redBlock) (n int, primary []byte, err error) {
	type header struct {
		tsOffset uint32
		length   int
	}
	var headers [maxREDBlocks]header
	i := 0
	for {
		if i >= len(payload) {
			return 0, nil, errMalformedRED
		}
		if payload[i]&0x80 == 0 { // last header: the primary
			i++
			break
		}
		if i+4 > len(payload) || n == maxREDBlocks {
			return 0, nil, errMalformedRED
		}
		h := uint32(payload[i+1])<<16 | uint32(payload[i+2])<<8 | uint32(payload[i+3])
		headers[n] = header{tsOffset: h >> 10, length: int(h & 0x3ff)}
		n++
		i += 4
	}
	for k := 0; k < n; k++ {
		end := i + headers[k].length
		if end > len(payload) {
			return 0, nil, errMalformedRED
		}
		blocks[k] = redBlock{tsOffset: headers[k].tsOffset, data: payload[i:end]}
		i = end
	}
	return n, payload[i:], nil
}

// opusDuration48k is the duration of an Opus packet in 48 kHz samples, from
// its TOC byte (RFC 6716 section 3.1), or 0 if it cannot be told.
func opusDuration48k(pkt []byte) int {
	if len(pkt) == 0 {
		return 0
	}
	config := pkt[0] >> 3
	var frame int
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]int{480, 960, 1920, 2880}[config&3]
	case config < 16: // hybrid: 10, 20 ms
		frame = [2]int{480, 960}[config&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]int{120, 240, 480, 960}[config&3]
	}
	switch pkt[0] & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	default:
		if len(pkt) < 2 {
			return 0
		}
		return frame * int(pkt[1]&0x3f)
	}
}

// MimeTypeRED is the MIME type of RFC 2198 redundant audio.
const MimeTypeRED = "audio/red"

// REDPrimary returns the primary (newest) block of a RED payload: the
// packet's own audio without the redundant copies. It aliases payload.
func REDPrimary(payload []byte) ([]byte, error) {
	i, skip := 0, 0
	for {
		if i >= len(payload) {
			return nil, errMalformedRED
		}
		if payload[i]&0x80 == 0 {
			i++
			break
		}
		if i+4 > len(payload) {
			return nil, errMalformedRED
		}
		skip += int(payload[i+2]&0x03)<<8 | int(payload[i+3])
		i += 4
	}
	if i+skip > len(payload) {
		return nil, errMalformedRED
	}
	return payload[i+skip:], nil
}
