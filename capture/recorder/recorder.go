package recorder

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/third_party/pion-opus"
)

// Sink receives a participant's recorded audio.
type Sink interface {
	// WritePCM receives decoded 16 kHz mono PCM; startSample is the
	// position on the session clock (16 kHz samples since session start).
	// Every write starts where the previous one ended: losses are
	// concealed and gaps (silence, a participant's rejoin) are written as
	// silence. pcm is only valid during the call and must not be modified.
	WritePCM(startSample int64, pcm []int16) error
}

// Config configures a Recorder.
type Config struct {
	// SessionStart is time zero of the session clock.
	SessionStart time.Time
	// Speaker labels the track (a role or participant ID, never a name).
	Speaker string
	// Sink receives the PCM.
	Sink Sink
	// JitterWindow is how many packets the reorder buffer holds; a
	// missing packet is declared lost once this many later sequence
	// numbers have arrived. 0 means DefaultJitterWindow.
	JitterWindow int
	// Logger receives operational events (no audio, no speaker label).
	// nil logs nothing.
	Logger *slog.Logger
	// REDPayloadType, if not 0, is the RTP payload type of RFC 2198
	// redundant audio ("audio/red") on this track: such packets carry the
	// previous packet(s) too, which fill in for lost ones. Packets of other
	// payload types are taken as plain Opus.
	REDPayloadType uint8
}

// DefaultJitterWindow holds 320 ms of 20 ms packets.
const DefaultJitterWindow = 16

// MaxJitterWindow bounds memory per recorder.
const MaxJitterWindow = 1024

var (
	// ErrStopped is returned after Stop: no audio is recorded any more.
	ErrStopped = errors.New("recorder stopped (consent revoked or track ended for good); audio is no longer recorded")
	// ErrNilPacket is returned by Push for a nil packet.
	ErrNilPacket = errors.New("recorder: nil RTP packet")
)

// Stats are a recorder's counters. They carry no audio content.
type Stats struct {
	Packets        int64 // RTP packets pushed
	Lost           int64 // sequence numbers that never arrived in time
	Recovered      int64 // lost packets whose audio came from the next packet's in-band FEC
	Redundant      int64 // packets whose audio came from a later packet's RFC 2198 redundancy
	Concealed      int64 // packets whose audio was synthesised (lost without FEC, or undecodable)
	Undecodable    int64 // packets whose Opus payload failed to decode (empty, corrupt)
	DecoderPanics  int64 // of those, payloads on which the Opus decoder panicked: each one is a decoder bug
	Late           int64 // packets that arrived after their turn and were dropped
	Duplicates     int64 // repeated packets, ignored
	Streams        int64 // RTP streams recorded (first track, rejoins, restarts)
	DecodedSamples int64 // samples produced by the Opus decoder
	WrittenSamples int64 // samples given to the Sink, including concealment and silence
}

// Recorder records one participant. Push, Flush and HandleSenderReport may
// be called from different goroutines; Stop and Stats from any goroutine.
type Recorder struct {
	cfg Config
	log *slog.Logger

	stopped atomic.Bool
	mu      sync.Mutex // guards everything below

	jb      *jitterBuffer
	dec     opus.Decoder
	red     [maxREDBlocks]redBlock
	pcm     []int16 // decoder output, up to 120 ms
	scratch []int16 // concealment output
	conc    concealer
	clk     clock

	inStream    bool
	ssrc        uint32
	writing     bool
	writePos    int64
	lossPending bool
	lastFrame   int

	stats struct {
		packets, lost, recovered, redundant, concealed, undecodable, late, duplicates atomic.Int64
		streams, decoded, written, decoderPanics                                      atomic.Int64
	}
}

const maxFrameSamples = outputRate * 120 / 1000

// silence is shared, read-only zero PCM for gap fills.
var silence = make([]int16, outputRate/2)

// New returns a Recorder. It fails if the configuration is incomplete.
func New(cfg Config) (*Recorder, error) {
	switch {
	case cfg.Sink == nil:
		return nil, errors.New("recorder: Config.Sink is nil; give the recorder somewhere to write audio")
	case cfg.SessionStart.IsZero():
		return nil, errors.New("recorder: Config.SessionStart is zero; set it to the session's start time")
	case cfg.Speaker == "":
		return nil, errors.New("recorder: Config.Speaker is empty; set the participant's role or ID")
	case cfg.JitterWindow < 0 || cfg.JitterWindow > MaxJitterWindow:
		return nil, fmt.Errorf("recorder: Config.JitterWindow %d is outside 0..%d packets", cfg.JitterWindow, MaxJitterWindow)
	}
	if cfg.JitterWindow == 0 {
		cfg.JitterWindow = DefaultJitterWindow
	}
	dec, err := opus.NewDecoderWithOutput(outputRate, 1)
	if err != nil {
		return nil, fmt.Errorf("recorder: opus decoder: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{
		cfg:       cfg,
		log:       log,
		jb:        newJitterBuffer(cfg.JitterWindow),
		dec:       dec,
		pcm:       make([]int16, maxFrameSamples),
		scratch:   make([]int16, 320),
		lastFrame: 320,
	}, nil
}

// Speaker returns the track's label from Config.
func (r *Recorder) Speaker() string { return r.cfg.Speaker }

// Push takes one RTP packet of the participant's Opus track and the time it
// arrived. The packet and its payload are not retained. A packet with a new
// SSRC, or a sequence number far from the current one, starts a new stream
// on the same timeline (a rejoin): the previous stream is drained first and
// the gap between them is written as silence.
//
// An error from the Sink is returned wrapped; the timeline stays intact
// and later packets are still recorded.
func (r *Recorder) Push(pkt *rtp.Packet, arrival time.Time) error {
	if pkt == nil {
		return ErrNilPacket
	}
	if r.stopped.Load() {
		return ErrStopped
	}
	r.mu.Lock()
	defer r.unlock()
	r.stats.packets.Add(1)

	at := max(0, int64(arrival.Sub(r.cfg.SessionStart)))
	seq := pkt.SequenceNumber
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if r.inStream && (pkt.SSRC != r.ssrc || r.jb.discontinuous(seq)) {
		keep(r.drain())
		r.inStream = false
	}
	if !r.inStream {
		r.startStream(pkt.SSRC)
	}
	payload, blocks := pkt.Payload, 0
	if r.cfg.REDPayloadType != 0 && pkt.PayloadType == r.cfg.REDPayloadType {
		n, primary, err := parseRED(payload, &r.red)
		if err != nil {
			payload = nil // undecodable: concealed in its turn
		} else {
			payload, blocks = primary, n
		}
	}
	for r.jb.needsRoom(seq) {
		if r.jb.buffered == 0 {
			// Nothing buffered: skip the whole run of missing packets.
			skip := r.jb.distance(seq) - len(r.jb.slots) + 1
			r.markLost(int64(skip))
			r.jb.next += uint16(skip)
			r.jb.released = 0
			break
		}
		keep(r.releaseOne())
	}
	if blocks > 0 {
		// After making room for the primary, so that copies of packets
		// just inside the window are kept.
		r.insertRedundant(seq, pkt.Timestamp, at, payload, r.red[:blocks])
	}
	switch r.jb.insert(seq, pkt.Timestamp, at, payload) {
	case late:
		r.stats.late.Add(1)
	case duplicate:
		r.stats.duplicates.Add(1)
	}
	for s := r.jb.head(); s != nil; s = r.jb.head() {
		keep(r.play(s))
		r.jb.advance()
	}
	return firstErr
}

// insertRedundant stores the redundant copies a RED packet carries of the
// packets before it, where those have not arrived yet. A block's sequence
// number follows from its timestamp offset in units of the primary's
// duration; blocks that do not fall on a whole packet are ignored.
func (r *Recorder) insertRedundant(seq uint16, ts uint32, at int64, primary []byte, blocks []redBlock) {
	dur := uint32(opusDuration48k(primary))
	if dur == 0 || !r.jb.started {
		return
	}
	for _, b := range blocks {
		if b.tsOffset == 0 || b.tsOffset%dur != 0 || len(b.data) == 0 {
			continue
		}
		back := int(b.tsOffset / dur)
		s := seq - uint16(back)
		if d := r.jb.distance(s); d < 0 || d >= len(r.jb.slots) || back > len(r.jb.slots) {
			continue // already played or declared lost, or too far back
		}
		// It would have arrived tsOffset earlier, had it not been lost.
		r.jb.insertRedundant(s, ts-b.tsOffset, at-int64(b.tsOffset)*int64(time.Second)/rtpClockRate, b.data)
	}
}

// Flush drains the reorder buffer at the end of a track, writing what it
// holds. Pushing after Flush starts a new stream on the same timeline.
func (r *Recorder) Flush() error {
	if r.stopped.Load() {
		return ErrStopped
	}
	r.mu.Lock()
	defer r.unlock()
	err := r.drain()
	r.inStream = false
	return err
}

// Stop ends recording at once (consent revoked): buffered audio is dropped,
// nothing more reaches the Sink once a write already in progress returns,
// and Push and Flush return ErrStopped. Stop does not wait for the Sink.
func (r *Recorder) Stop() {
	if r.stopped.Swap(true) {
		return
	}
	// If a Push holds the lock, it drops the buffers itself on unlock.
	if r.mu.TryLock() {
		r.unlock()
	}
}

// HandleSenderReport refines placement with an RTCP sender report of the
// current stream: ntp is the report's NTP time, rtpTS its RTP timestamp.
func (r *Recorder) HandleSenderReport(ntp time.Time, rtpTS uint32) {
	if r.stopped.Load() {
		return
	}
	r.mu.Lock()
	defer r.unlock()
	if !r.inStream {
		return
	}
	if r.clk.senderReport(int64(ntp.Sub(r.cfg.SessionStart))/nsPerSample, rtpTS) {
		r.log.Debug("recorder: sender report drift correction", "ssrc", r.ssrc, "correction_samples", r.clk.correction)
	}
}

// Stats returns the counters so far.
func (r *Recorder) Stats() Stats {
	return Stats{
		Packets:        r.stats.packets.Load(),
		Lost:           r.stats.lost.Load(),
		Recovered:      r.stats.recovered.Load(),
		Redundant:      r.stats.redundant.Load(),
		Concealed:      r.stats.concealed.Load(),
		Undecodable:    r.stats.undecodable.Load(),
		DecoderPanics:  r.stats.decoderPanics.Load(),
		Late:           r.stats.late.Load(),
		Duplicates:     r.stats.duplicates.Load(),
		Streams:        r.stats.streams.Load(),
		DecodedSamples: r.stats.decoded.Load(),
		WrittenSamples: r.stats.written.Load(),
	}
}

// unlock releases the lock; whoever releases it after Stop drops the
// buffered audio, so Stop never has to wait for a Push in progress.
func (r *Recorder) unlock() {
	if r.stopped.Load() {
		r.jb.drop()
		r.conc = concealer{}
		r.inStream = false
	}
	r.mu.Unlock()
}

func (r *Recorder) startStream(ssrc uint32) {
	r.inStream = true
	r.ssrc = ssrc
	r.jb.reset()
	r.clk.reset()
	// A new stream has a new encoder: start the decoder afresh.
	_ = r.dec.Init(outputRate, 1) // cannot fail: rate and channels are valid
	r.lastFrame = 320
	r.lossPending = false
	r.stats.streams.Add(1)
	r.log.Debug("recorder: stream started", "ssrc", ssrc)
}

func (r *Recorder) drain() error {
	var firstErr error
	for r.jb.buffered > 0 {
		if err := r.releaseOne(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// releaseOne plays or declares lost the next packet in sequence. A lost
// packet is recovered from the in-band FEC of the packet after it when that
// one has arrived and carries FEC; otherwise it is concealed.
func (r *Recorder) releaseOne() error {
	var err error
	if s := r.jb.head(); s != nil {
		err = r.play(s)
	} else if next := r.jb.peek(1); next != nil && r.writing && r.clk.anchored {
		err = r.recoverFEC(next)
	} else {
		r.markLost(1)
	}
	r.jb.advance()
	return err
}

// recoverFEC decodes the in-band FEC that next carries of the lost packet
// before it and writes it in that packet's place, or conceals the loss.
func (r *Recorder) recoverFEC(next *slot) error {
	if d := r.clk.position(next.ts) - next.arrival/nsPerSample; d > resyncSamples || d < -resyncSamples {
		// Its timestamp jumped (see play): placing the recovered audio by
		// it could write hours of fill. Conceal; playing next re-anchors.
		r.markLost(1)
		return nil
	}
	n, err := r.decodeFEC(next.payload)
	if err != nil || n <= 0 {
		r.markLost(1)
		return nil
	}
	r.stats.lost.Add(1)
	r.stats.recovered.Add(1)
	r.stats.decoded.Add(int64(n))
	r.lastFrame = n
	return r.place(r.clk.position(next.ts)-int64(n), r.pcm[:n])
}

func (r *Recorder) markLost(n int64) {
	r.stats.lost.Add(n)
	r.stats.concealed.Add(n)
	r.lossPending = true
}

// play decodes one packet and writes it at its place on the timeline.
func (r *Recorder) play(s *slot) error {
	arrivalSample := s.arrival / nsPerSample
	if !r.clk.anchored {
		r.clk.anchor(s.ts, arrivalSample)
	}
	pos := r.clk.position(s.ts)
	if d := pos - arrivalSample; d > resyncSamples || d < -resyncSamples {
		// The timestamps disagree with the wall clock by seconds: the
		// sender restarted its clock. Trust the arrival time.
		r.log.Debug("recorder: timestamp jump, re-anchored on arrival", "ssrc", r.ssrc, "jump_samples", d)
		r.clk.anchor(s.ts, arrivalSample)
		pos = arrivalSample
	}
	if s.redundant {
		r.stats.redundant.Add(1)
	}
	n, err := r.decode(s.payload)
	if err != nil || n <= 0 {
		// Undecodable: conceal the duration a packet has had so far.
		r.stats.undecodable.Add(1)
		r.stats.concealed.Add(1)
		r.lossPending = true
		return r.fillTo(pos + int64(r.lastFrame))
	}
	r.stats.decoded.Add(int64(n))
	r.lastFrame = n
	return r.place(pos, r.pcm[:n])
}

// place writes decoded audio at pos, filling or trimming so that writes stay
// contiguous.
func (r *Recorder) place(pos int64, pcm []int16) error {
	if !r.writing {
		r.writing = true
		r.writePos = max(0, pos)
	}
	var firstErr error
	if pos > r.writePos {
		firstErr = r.fillTo(pos)
	}
	r.lossPending = false
	if overlap := r.writePos - pos; overlap > 0 {
		if overlap >= int64(len(pcm)) {
			return firstErr
		}
		pcm = pcm[overlap:]
	}
	r.conc.observe(pcm)
	if err := r.write(pcm); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// fillTo writes concealment (after a loss) or silence up to session sample
// target.
func (r *Recorder) fillTo(target int64) error {
	if !r.writing {
		// Nothing recorded yet: there is nothing to continue.
		return nil
	}
	var firstErr error
	for r.writePos < target {
		n := target - r.writePos
		var pcm []int16
		if r.lossPending && !r.conc.faded() {
			pcm = r.scratch[:min(n, int64(len(r.scratch)))]
			r.conc.conceal(pcm)
		} else {
			pcm = silence[:min(n, int64(len(silence)))]
			r.conc.remember(pcm)
		}
		if err := r.write(pcm); err != nil {
			if errors.Is(err, ErrStopped) {
				return err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

func (r *Recorder) write(pcm []int16) error {
	if r.stopped.Load() {
		return ErrStopped
	}
	start := r.writePos
	r.writePos += int64(len(pcm))
	r.stats.written.Add(int64(len(pcm)))
	if err := r.cfg.Sink.WritePCM(start, pcm); err != nil {
		return fmt.Errorf("recorder: sink write of %d samples at sample %d: %w", len(pcm), start, err)
	}
	return nil
}

// decode decodes one payload. The payload comes from the network, so a
// decoder panic on hostile input is turned into an error (and the decoder
// reset) rather than taking down the relay.
func (r *Recorder) decode(payload []byte) (int, error) {
	return r.guarded(r.dec.DecodeToInt16, payload)
}

// decodeFEC decodes the FEC copy that payload carries of the packet before
// it; opus.ErrNoFEC if there is none. Hostile input is handled as in decode.
func (r *Recorder) decodeFEC(payload []byte) (int, error) {
	return r.guarded(r.dec.DecodeFECToInt16, payload)
}

func (r *Recorder) guarded(decode func([]byte, []int16) (int, error), payload []byte) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.stats.decoderPanics.Add(1)
			r.log.Warn("recorder: opus decoder panicked; packet concealed and decoder reset", "ssrc", r.ssrc, "payload_bytes", len(payload))
			_ = r.dec.Init(outputRate, 1)
			n, err = 0, fmt.Errorf("opus decoder panicked on a %d-byte payload", len(payload))
		}
	}()
	return decode(payload, r.pcm)
}
