package recorder

// jitterBuffer puts RTP packets of one stream back in sequence-number order.
//
// It holds at most window packets, keyed by sequence number modulo window.
// A missing packet is declared lost once a packet window or more sequence
// numbers ahead of it arrives; a packet that arrives after its turn (played
// or declared lost) is late and dropped. Sequence numbers wrap at 2^16; all
// comparisons are done on the signed 16-bit distance.
type jitterBuffer struct {
	slots    []slot
	started  bool
	next     uint16 // next sequence number to release
	buffered int
	// released has bit i set when sequence number next-1-i was released,
	// so a repeat of a recent packet is told apart from a late one.
	released uint64
}

// slot owns a copy of the payload so that the caller may reuse its packet
// buffers as soon as Push returns.
type slot struct {
	full    bool
	seq     uint16
	ts      uint32
	arrival int64 // nanoseconds since session start
	payload []byte
	// redundant marks a payload taken from a later packet's RFC 2198
	// redundancy; the packet itself, if it arrives in time, replaces it.
	redundant bool
}

type insertResult int

const (
	inserted insertResult = iota
	late
	duplicate
)

// maxDropout is the sequence-number jump (forward or backward) beyond which
// a packet is taken as the start of a new stream rather than as a loss or a
// late packet. RFC 3550 Appendix A.1 uses the same figure.
const maxDropout = 3000

func newJitterBuffer(window int) *jitterBuffer {
	return &jitterBuffer{slots: make([]slot, window)}
}

// distance is the signed distance of seq from the next sequence number to
// release; it is meaningless before the first packet.
func (j *jitterBuffer) distance(seq uint16) int {
	return int(int16(seq - j.next))
}

// discontinuous reports whether seq is too far from the stream's current
// position to belong to it.
func (j *jitterBuffer) discontinuous(seq uint16) bool {
	if !j.started {
		return false
	}
	d := j.distance(seq)
	return d > maxDropout || d < -maxDropout
}

// needsRoom reports whether seq can only be stored after releasing (or
// declaring lost) the packets before it.
func (j *jitterBuffer) needsRoom(seq uint16) bool {
	return j.started && j.distance(seq) >= len(j.slots)
}

// insert stores a copy of the packet. The caller must first release until
// needsRoom(seq) is false.
func (j *jitterBuffer) insert(seq uint16, ts uint32, arrival int64, payload []byte) insertResult {
	if !j.started {
		j.started = true
		j.next = seq
	}
	d := j.distance(seq)
	if d < 0 {
		if -d <= 64 && j.released&(1<<uint(-d-1)) != 0 {
			return duplicate
		}
		return late
	}
	s := &j.slots[int(seq)%len(j.slots)]
	if s.full {
		if s.redundant && s.seq == seq {
			s.redundant = false
			s.arrival = arrival
			s.payload = append(s.payload[:0], payload...)
			return inserted
		}
		return duplicate
	}
	j.fill(s, seq, ts, arrival, payload)
	return inserted
}

func (j *jitterBuffer) fill(s *slot, seq uint16, ts uint32, arrival int64, payload []byte) {
	s.full = true
	s.redundant = false
	s.seq = seq
	s.ts = ts
	s.arrival = arrival
	s.payload = append(s.payload[:0], payload...)
	j.buffered++
}

// insertRedundant stores a redundant copy of packet seq if its slot is
// free; seq must be within the window ahead of next.
func (j *jitterBuffer) insertRedundant(seq uint16, ts uint32, arrival int64, payload []byte) {
	s := &j.slots[int(seq)%len(j.slots)]
	if s.full {
		return
	}
	j.fill(s, seq, ts, arrival, payload)
	s.redundant = true
}

// head returns the slot of the next sequence number, or nil if that packet
// has not arrived.
func (j *jitterBuffer) head() *slot {
	s := &j.slots[int(j.next)%len(j.slots)]
	if s.full && s.seq == j.next {
		return s
	}
	return nil
}

// peek returns the slot of the sequence number ahead of the next one by
// offset, or nil if that packet has not arrived.
func (j *jitterBuffer) peek(offset int) *slot {
	seq := j.next + uint16(offset)
	s := &j.slots[int(seq)%len(j.slots)]
	if s.full && s.seq == seq {
		return s
	}
	return nil
}

// advance moves past the next sequence number, releasing its slot if the
// packet was there. It reports whether the packet was lost instead.
func (j *jitterBuffer) advance() (lost bool) {
	s := j.head()
	j.released <<= 1
	if s != nil {
		s.full = false
		j.buffered--
		j.released |= 1
	}
	j.next++
	return s == nil
}

// reset forgets the stream but keeps the payload buffers for reuse.
func (j *jitterBuffer) reset() {
	for i := range j.slots {
		j.slots[i].full = false
	}
	j.started = false
	j.buffered = 0
	j.released = 0
}

// drop forgets the stream and its buffers.
func (j *jitterBuffer) drop() {
	for i := range j.slots {
		j.slots[i] = slot{}
	}
	j.started = false
	j.buffered = 0
	j.released = 0
}
