package recorder

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// The fuzz input is a script of what reaches a recorder from the network:
//
//	opPush:   [op][arrival step, ms][length, uint16 LE][RTP packet bytes]
//	opFlush:  [op]
//	opReport: [op][NTP time − arrival, int16 ms LE][RTP timestamp, uint32 LE]
//	opStop:   [op]
//
// op&7 chooses the operation (0–4 push, so that most of a mutated script
// stays packets). The packet bytes go through rtp.Packet.Unmarshal, the
// RFC 2198 RED split when the payload type is fuzzRED, and the Opus decoder,
// as on a live track.
const (
	opPush   = 0
	opFlush  = 5
	opReport = 6
	opStop   = 7
	fuzzRED  = 63
	fuzzOpus = 111
)

// fuzzScript builds a script (used for seeds).
type fuzzScript []byte

func (s fuzzScript) push(stepMS uint8, p *rtp.Packet) fuzzScript {
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	s = append(s, opPush, stepMS)
	s = binary.LittleEndian.AppendUint16(s, uint16(len(b))) // #nosec G115 -- seed packets are < 1500 bytes
	return append(s, b...)
}

func (s fuzzScript) op(op byte) fuzzScript { return append(s, op) }

func (s fuzzScript) report(offsetMS int16, ts uint32) fuzzScript {
	s = append(s, opReport)
	s = binary.LittleEndian.AppendUint16(s, uint16(offsetMS)) // #nosec G115 -- two's complement on purpose
	return binary.LittleEndian.AppendUint32(s, ts)
}

// fuzzSink checks that writes are contiguous and counts them.
type fuzzSink struct {
	t       *testing.T
	writes  int
	next    int64
	total   int64
	stopped bool
}

func (s *fuzzSink) WritePCM(start int64, pcm []int16) error {
	if s.stopped {
		s.t.Fatalf("write of %d samples at %d after Stop", len(pcm), start)
	}
	if start < 0 {
		s.t.Fatalf("write at negative sample %d", start)
	}
	if s.writes > 0 && start != s.next {
		s.t.Fatalf("write %d starts at sample %d, want %d (contiguous)", s.writes, start, s.next)
	}
	if len(pcm) == 0 {
		s.t.Fatalf("empty write at %d", start)
	}
	s.writes++
	s.next = start + int64(len(pcm))
	s.total += int64(len(pcm))
	return nil
}

// FuzzRecorderRTP drives one recorder with arbitrary RTP (plain Opus and
// RED), flushes, sender reports and a Stop, as a hostile or broken sender
// could. Whatever the input:
//   - nothing panics, and the Opus decoder never panics either (the
//     recorder's guard would hide it: DecoderPanics counts those);
//   - writes to the sink are contiguous and none follows Stop (consent
//     revoked means nothing more is written);
//   - output is bounded by time, not by what packets claim: the recording
//     never runs past the latest arrival by more than the resync limit, the
//     largest sender-report correction and two frames, so a few packets
//     cannot make the recorder write hours of audio;
//   - the reorder buffer never holds more than its window.
func FuzzRecorderRTP(f *testing.F) {
	// A CELT 20 ms frame (config 31, mono, one frame) with a short body, and
	// SILK/hybrid TOC bytes with arbitrary bodies: the decoder's entry
	// points without needing an encoder (real encoder output is in
	// testdata/fuzz/FuzzRecorderRTP, made by testdata/gen_fuzz_seeds.go).
	celt := []byte{0xf8, 0xff, 0xfe}
	silk := []byte{0x48, 0x8b, 0x1c, 0x5e, 0x90, 0x00, 0x21}
	hybrid := []byte{0x78, 0x0b, 0xe4, 0xc1, 0x36, 0xec, 0xc5, 0x80}
	pkt := func(pt uint8, ssrc uint32, seq uint16, ts uint32, payload []byte) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc, SequenceNumber: seq, Timestamp: ts}, Payload: payload}
	}
	red := func(prev, cur []byte) []byte {
		// One redundant block 960 ticks back, then the primary.
		h := uint32(960)<<10 | uint32(len(prev)) // #nosec G115 -- seed blocks are a few bytes
		b := []byte{0x80 | fuzzOpus, byte(h >> 16), byte(h >> 8), byte(h), fuzzOpus}
		return append(append(b, prev...), cur...)
	}
	var inOrder, lossy, redScript, rejoin, stopped, jump fuzzScript
	for i := range 12 {
		seq, ts := uint16(100+i), uint32(48000+960*i)
		inOrder = inOrder.push(20, pkt(fuzzOpus, 1, seq, ts, [][]byte{celt, silk, hybrid}[i%3]))
		if i%4 != 2 {
			lossy = lossy.push(20, pkt(fuzzOpus, 2, seq, ts, hybrid))
			redScript = redScript.push(20, pkt(fuzzRED, 3, seq, ts, red(celt, celt)))
		}
		rejoin = rejoin.push(20, pkt(fuzzOpus, uint32(4+i/6), seq+uint16(i/6)*5000, ts, celt))
		stopped = stopped.push(20, pkt(fuzzOpus, 5, seq, ts, silk))
		if i == 6 {
			stopped = stopped.op(opStop)
			rejoin = rejoin.op(opFlush)
		}
		jump = jump.push(20, pkt(fuzzOpus, 6, seq, ts+uint32(i/6)*0x7000_0000, celt))
		if i == 3 {
			jump = jump.report(0, ts).report(900, ts+48000)
		}
	}
	f.Add(uint8(16), []byte(inOrder))
	f.Add(uint8(3), []byte(lossy))
	f.Add(uint8(16), []byte(redScript))
	f.Add(uint8(1), []byte(rejoin))
	f.Add(uint8(16), []byte(stopped))
	f.Add(uint8(8), []byte(jump))

	session := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, window uint8, script []byte) {
		sink := &fuzzSink{t: t}
		r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, REDPayloadType: fuzzRED,
			JitterWindow: 1 + int(window)%64, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		arrival := session
		stopped := false
		check := func(what string, err error) {
			t.Helper()
			switch {
			case stopped && !errors.Is(err, ErrStopped):
				t.Fatalf("%s after Stop: %v, want ErrStopped", what, err)
			case !stopped && err != nil:
				t.Fatalf("%s: %v", what, err)
			}
		}
		for len(script) > 0 {
			op := script[0] & 7
			script = script[1:]
			switch op {
			case opFlush:
				check("Flush", r.Flush())
			case opStop:
				r.Stop()
				stopped, sink.stopped = true, true
			case opReport:
				if len(script) < 6 {
					script = nil
					continue
				}
				off := int16(binary.LittleEndian.Uint16(script)) // #nosec G115 -- two's complement on purpose
				r.HandleSenderReport(arrival.Add(time.Duration(off)*time.Millisecond), binary.LittleEndian.Uint32(script[2:]))
				script = script[6:]
			default:
				if len(script) < 3 {
					script = nil
					continue
				}
				arrival = arrival.Add(time.Duration(script[0]) * time.Millisecond)
				n := min(int(binary.LittleEndian.Uint16(script[1:])), len(script)-3)
				raw := script[3 : 3+n]
				script = script[3+n:]
				var p rtp.Packet
				if p.Unmarshal(raw) != nil {
					continue // the track reader drops what does not parse
				}
				check("Push", r.Push(&p, arrival))
			}
			if r.jb.buffered > len(r.jb.slots) {
				t.Fatalf("reorder buffer holds %d packets in a window of %d", r.jb.buffered, len(r.jb.slots))
			}
			// Frames that may end past the latest arrival: the one being
			// placed, and concealment of one frame's length after it.
			limit := int64(arrival.Sub(session))/nsPerSample + resyncSamples + srMaxDrift + 2*maxFrameSamples
			if sink.writes > 0 && sink.next > limit {
				t.Fatalf("recording reaches sample %d, %.1f s past the latest arrival (limit %d)",
					sink.next, float64(sink.next-limit)/outputRate, limit)
			}
		}
		if !stopped {
			check("final Flush", r.Flush())
		}
		st := r.Stats()
		if st.DecoderPanics != 0 {
			t.Fatalf("the Opus decoder panicked on %d payloads", st.DecoderPanics)
		}
		if st.WrittenSamples != sink.total {
			t.Fatalf("stats count %d written samples, the sink got %d", st.WrittenSamples, sink.total)
		}
	})
}

// TestFECRecoveryTrustsNoTimestampJump is FuzzRecorderRTP's first finding
// (seed da2d7a6a5f316f53): a packet lost before one whose RTP timestamp
// jumped 2^24 ticks was recovered from that packet's FEC and placed by the
// jumped timestamp, so a few packets made the recorder write 349 s of
// concealment (12 h at most for a 2^31 jump: hours of chunks stored and sent
// for transcription). Playing the packet itself re-anchors on its arrival;
// recovering from its FEC must not trust its timestamp either.
func TestFECRecoveryTrustsNoTimestampJump(t *testing.T) {
	session := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sink := &fuzzSink{t: t}
	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, JitterWindow: 38})
	if err != nil {
		t.Fatal(err)
	}
	first := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: fuzzOpus, SSRC: 6, SequenceNumber: 98, Timestamp: 808464432},
		Payload: []byte("000000000000000000")}
	// 22 packets later, 2^24 ticks (349.5 s) later by its timestamp, 96 ms
	// later by the clock; its TOC byte (0x30) is SILK with FEC to recover.
	jumped := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: fuzzOpus, SSRC: 6, SequenceNumber: 120, Timestamp: 808464432 + 1<<24},
		Payload: []byte("000")}
	if err := r.Push(first, session.Add(144*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	last := session.Add(240 * time.Millisecond)
	if err := r.Push(jumped, last); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	limit := int64(last.Sub(session))/nsPerSample + 2*maxFrameSamples
	if sink.next > limit {
		t.Fatalf("recording reaches %.1f s; the last packet arrived at %.3f s", float64(sink.next)/outputRate, last.Sub(session).Seconds())
	}
}
