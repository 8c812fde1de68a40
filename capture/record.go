package capture

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/capture/recorder"
	"github.com/scribe-health/scribe/internal/audio"
)

// SampleRate is the rate of all recorded audio: 16 kHz mono.
const SampleRate = 16000

// PCMSink receives decoded 16 kHz mono audio placed on the session clock.
type PCMSink interface {
	WritePCM(startSample int64, pcm []int16) error
}

// TrackRecorder turns one participant's Opus RTP stream into PCM on the
// session clock (capture/recorder implements it).
type TrackRecorder interface {
	Push(pkt *rtp.Packet, arrival time.Time) error
	Flush() error
	Stop()
}

// SenderReportHandler is implemented by TrackRecorders that refine their
// timeline with the publisher's RTCP sender reports (capture/recorder does).
type SenderReportHandler interface {
	HandleSenderReport(ntp time.Time, rtpTS uint32)
}

// TrackFormat describes an audio track's RTP payload to its recorder.
type TrackFormat struct {
	// REDPayloadType is the payload type of RFC 2198 redundant audio
	// ("audio/red", the previous packets repeated in each packet) on the
	// track; 0 means plain Opus.
	REDPayloadType uint8
}

// RecorderFactory makes the recorder for one audio track.
type RecorderFactory func(sessionStart time.Time, speaker string, format TrackFormat, sink PCMSink) (TrackRecorder, error)

// ChunkWriter cuts a contiguous PCM stream into chunks (internal/audio
// implements it). Chunk sample positions it emits are relative to the first
// sample written to it.
type ChunkWriter interface {
	Write(pcm []int16) error
	Flush() error
}

// ChunkerFactory makes a ChunkWriter that emits chunks of at most max samples.
type ChunkerFactory func(rate, max int, emit func(Chunk) error) ChunkWriter

// maxGapSamples is the longest silence (2 s) padded into a speaker's stream;
// a longer gap (a participant who dropped and rejoined) starts a new chunk
// at the right place on the session clock instead of storing silence.
const maxGapSamples = 2 * SampleRate

// speakerSink is the per-speaker PCMSink. It outlives the recorders that
// feed it, so a participant who drops and rejoins continues one timeline and
// one chunk index sequence.
type speakerSink struct {
	log        *slog.Logger
	ctx        context.Context
	backend    Backend
	sessionID  string
	speaker    string
	max        int
	newChunker ChunkerFactory

	mu      sync.Mutex
	chunker ChunkWriter
	base    int64 // session sample of the chunker's sample 0
	next    int64 // session sample the next written sample will have
	index   int
	stored  int // chunks stored
	lastErr error
}

func (s *speakerSink) WritePCM(startSample int64, pcm []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if startSample < 0 {
		return fmt.Errorf("recorder wrote audio at negative sample %d", startSample)
	}
	if s.chunker != nil && startSample < s.next {
		// Overlap with audio already written (a rejoin racing the old
		// track): keep what we have, drop the overlapping part.
		skip := s.next - startSample
		if skip >= int64(len(pcm)) {
			return nil
		}
		pcm = pcm[skip:]
		startSample = s.next
	}
	if s.chunker != nil && startSample-s.next > maxGapSamples {
		if err := s.chunker.Flush(); err != nil {
			return err
		}
		s.chunker = nil
	}
	if s.chunker == nil {
		s.chunker = s.newChunker(SampleRate, s.max, s.emit)
		s.base = startSample
		s.next = startSample
	}
	if gap := startSample - s.next; gap > 0 {
		if err := s.chunker.Write(make([]int16, gap)); err != nil {
			return err
		}
		s.next += gap
	}
	if err := s.chunker.Write(pcm); err != nil {
		return err
	}
	s.next += int64(len(pcm))
	return nil
}

// emit is called by the chunker with s.mu held.
func (s *speakerSink) emit(c Chunk) error {
	c.Index = s.index
	c.StartSample += s.base
	c.EndSample += s.base
	if err := s.backend.StoreChunk(s.ctx, s.sessionID, s.speaker, c); err != nil {
		s.lastErr = err
		s.log.Error("capture: storing audio chunk failed", "session_id", s.sessionID, "chunk", c.Index, "err", err)
		return fmt.Errorf("store chunk %d of session %s: %w", c.Index, s.sessionID, err)
	}
	s.index++
	s.stored++
	return nil
}

// flush stores the audio still held by the chunker.
func (s *speakerSink) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chunker == nil {
		return nil
	}
	if err := s.chunker.Flush(); err != nil {
		return err // the chunker keeps the audio; flush can be retried
	}
	s.chunker = nil
	return nil
}

// discard drops buffered audio that has not been stored (consent revoked).
func (s *speakerSink) discard() {
	s.mu.Lock()
	s.chunker = nil
	s.mu.Unlock()
}

// trackRecording feeds one audio track's packets to its recorder on a
// goroutine of its own, so decoding never slows forwarding.
type trackRecording struct {
	log   *slog.Logger
	rec   TrackRecorder
	pkts  chan recPacket
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once
	mu    sync.Mutex // guards closing pkts against push
	shut  bool
}

type recPacket struct {
	pkt     *rtp.Packet
	arrival time.Time
}

func startTrackRecording(log *slog.Logger, rec TrackRecorder, sessionID string) *trackRecording {
	tr := &trackRecording{
		log:   log,
		rec:   rec,
		pkts:  make(chan recPacket, 512),
		stopc: make(chan struct{}),
		done:  make(chan struct{}),
	}
	go tr.run(sessionID)
	return tr
}

func (tr *trackRecording) run(sessionID string) {
	defer close(tr.done)
	for {
		select {
		case <-tr.stopc:
			tr.rec.Stop()
			return
		case p, ok := <-tr.pkts:
			if !ok {
				if err := tr.rec.Flush(); err != nil {
					tr.log.Error("capture: flushing recorder failed", "session_id", sessionID, "err", err)
				}
				tr.rec.Stop()
				return
			}
			if err := tr.rec.Push(p.pkt, p.arrival); err != nil {
				tr.log.Warn("capture: recorder refused packet", "session_id", sessionID, "err", err)
			}
		}
	}
}

// push copies raw (the forwarding buffer is reused) and queues it.
func (tr *trackRecording) push(raw []byte, arrival time.Time) {
	buf := make([]byte, len(raw))
	copy(buf, raw)
	pkt := &rtp.Packet{}
	if err := pkt.Unmarshal(buf); err != nil {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.shut {
		return
	}
	select {
	case tr.pkts <- recPacket{pkt, arrival}:
	default:
		tr.log.Warn("capture: recorder queue full, packet dropped", "session_track_ssrc", pkt.SSRC)
	}
}

// senderReport passes an RTCP sender report of the track to the recorder,
// if it uses them.
func (tr *trackRecording) senderReport(ntp time.Time, rtpTS uint32) {
	if h, ok := tr.rec.(SenderReportHandler); ok {
		h.HandleSenderReport(ntp, rtpTS)
	}
}

// stop ends recording at once, discarding queued packets (consent revoked).
func (tr *trackRecording) stop() {
	tr.once.Do(func() {
		tr.mu.Lock()
		tr.shut = true
		tr.mu.Unlock()
		close(tr.stopc)
	})
	<-tr.done
}

// finish records every queued packet, flushes the recorder and stops it.
func (tr *trackRecording) finish() {
	tr.once.Do(func() {
		tr.mu.Lock()
		tr.shut = true
		close(tr.pkts)
		tr.mu.Unlock()
	})
	<-tr.done
}

// NewRecorder is the default RecorderFactory: capture/recorder (logging
// nowhere; the relay's default logs to its own logger).
func NewRecorder(sessionStart time.Time, speaker string, format TrackFormat, sink PCMSink) (TrackRecorder, error) {
	return newRecorder(nil)(sessionStart, speaker, format, sink)
}

func newRecorder(log *slog.Logger) RecorderFactory {
	return func(sessionStart time.Time, speaker string, format TrackFormat, sink PCMSink) (TrackRecorder, error) {
		return recorder.New(recorder.Config{SessionStart: sessionStart, Speaker: speaker, Sink: sink, REDPayloadType: format.REDPayloadType, Logger: log})
	}
}

// NewChunker is the default ChunkerFactory: internal/audio's silence-aware
// streaming chunker.
func NewChunker(rate, max int, emit func(Chunk) error) ChunkWriter {
	return audio.NewChunker(rate, max, emit)
}
