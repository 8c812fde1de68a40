package recorder

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var session = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// browserLike is what a browser typically sends for a voice call. SILK and
// hybrid are not waveform coders (noise shaping, input high-pass), so their
// output is compared with libopus's decoding of the same packets.
var browserLike = encodeConfig{name: "browser-like", rate: 48000, app: appVoIP, bitrate: 32000, maxBW: bwFull, fec: true, wantMode: "hybrid"}

// waveformLike is CELT at 64 kb/s, which keeps the waveform: its output is
// compared with the source itself.
var waveformLike = encodeConfig{name: "CELT-64k", rate: 48000, app: appLowDelay, bitrate: 64000, wantMode: "CELT"}

func newTestRecorder(t testing.TB, window int) (*Recorder, *collectSink) {
	t.Helper()
	sink := &collectSink{t: t}
	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, JitterWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	return r, sink
}

// encodedSpeech returns the 16 kHz source and its Opus frames (waveformLike).
func encodedSpeech(t testing.TB) (ref16 []int16, frames [][]byte) {
	t.Helper()
	return encodedWith(t, waveformLike)
}

func encodedWith(t testing.TB, cfg encodeConfig) (ref16 []int16, frames [][]byte) {
	t.Helper()
	requireLibopus(t)
	bright := cfg.wantMode == "hybrid" // hybrid needs content above 8 kHz
	return speechFX(t, 16000, 0, bright), encodeOpus(t, speechFX(t, 48000, 0, bright), cfg)
}

// TestRecordSpeech records real speech end to end: flite → libopus → RTP →
// Recorder → Sink, without and with random packet loss.
func TestRecordSpeech(t *testing.T) {
	for _, tc := range []struct {
		cfg  encodeConfig
		loss float64
		// minimum SNR against the source, and against libopus decoding
		// the same packets (lost ones skipped, so only without loss)
		minSNR, minLibopusSNR float64
	}{
		{cfg: waveformLike, loss: 0, minSNR: 15, minLibopusSNR: 30},
		{cfg: waveformLike, loss: 0.05, minSNR: 8},
		{cfg: browserLike, loss: 0, minSNR: 3, minLibopusSNR: 30},
		{cfg: browserLike, loss: 0.05, minSNR: 2},
	} {
		t.Run(fmt.Sprintf("%s/loss=%g", tc.cfg.name, tc.loss), func(t *testing.T) {
			ref, frames := encodedWith(t, tc.cfg)
			r, sink := newTestRecorder(t, 0)
			pkts := packetize(frames, 0x1234, 1000, 90000)
			lost := dropRandom(len(pkts), tc.loss, 42)
			first := session.Add(time.Second)
			var dropped int64
			for i, p := range pkts {
				if lost[i] {
					dropped++
					continue
				}
				if err := r.Push(p, first.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if sink.start != 16000 {
				t.Errorf("track starts at sample %d, want 16000 (arrived 1 s after session start)", sink.start)
			}
			got, want := float64(len(sink.pcm)), float64(len(ref))
			if math.Abs(got-want)/want > 0.01 {
				t.Errorf("recorded %.3f s, source is %.3f s: more than 1%% apart", got/16000, want/16000)
			}
			snr, lag := alignedSNR(ref, sink.pcm, 800)
			st := r.Stats()
			t.Logf("%s loss %.0f%% (%d packets): %.3f s recorded of %.3f s, SNR vs source %.1f dB at lag %d samples; stats %+v",
				tc.cfg.name, tc.loss*100, dropped, got/16000, want/16000, snr, lag, st)
			if snr < tc.minSNR {
				t.Errorf("SNR vs source %.1f dB < %.0f dB", snr, tc.minSNR)
			}
			if tc.minLibopusSNR > 0 {
				var lib []int16
				for _, f := range libopusDecode(t, frames, nil) {
					lib = append(lib, f...)
				}
				libSNR := snrDB(lib, sink.pcm)
				t.Logf("SNR vs libopus decoding the same packets: %.1f dB", libSNR)
				if libSNR < tc.minLibopusSNR {
					t.Errorf("SNR vs libopus %.1f dB < %.0f dB", libSNR, tc.minLibopusSNR)
				}
			}
			if st.Lost != dropped || st.Recovered+st.Concealed != dropped || st.Late != 0 || st.Undecodable != 0 {
				t.Errorf("stats %+v: want Lost = Recovered + Concealed = %d and no late or undecodable packets", st, dropped)
			}
			if tc.cfg.fec && dropped > 0 {
				// Every lost packet but those followed by another loss (or
				// by a packet without FEC data) comes back from FEC.
				if st.Recovered < dropped*7/10 {
					t.Errorf("in-band FEC recovered %d of %d lost packets, want most", st.Recovered, dropped)
				}
				ref := newLibopusFECDecoder(t)
				var lib []int16
				for i, f := range frames {
					switch {
					case !lost[i]:
						lib = append(lib, ref.decode(t, f)...)
					case i+1 < len(frames) && !lost[i+1]:
						lib = append(lib, ref.fec(t, frames[i+1], 320)...)
					default:
						plc := make([]int16, 320)
						lib = append(lib, plc...) // libopus would conceal; compared as silence
					}
				}
				libSNR := snrDB(lib, sink.pcm)
				var clean []int16
				for _, f := range libopusDecode(t, frames, nil) {
					clean = append(clean, f...)
				}
				// SILK does not keep the waveform, so "after the codec" is
				// the lossless libopus decoding of the same stream.
				cleanSNR, libCleanSNR := snrDB(clean, sink.pcm), snrDB(clean, lib)
				t.Logf("SNR vs libopus decoding the same packets with FEC: %.1f dB; vs libopus decoding the stream without loss: %.1f dB (libopus with FEC: %.1f dB)", libSNR, cleanSNR, libCleanSNR)
				if libSNR < 25 {
					t.Errorf("SNR vs libopus with FEC %.1f dB < 25 dB", libSNR)
				}
				if cleanSNR < libCleanSNR-1 {
					t.Errorf("with %d%% loss, SNR vs the lossless decoding %.1f dB, more than 1 dB below libopus's own FEC (%.1f dB)", int(tc.loss*100), cleanSNR, libCleanSNR)
				}
			} else if st.Recovered != 0 {
				t.Errorf("stats %+v: packets recovered from FEC the encoder did not send", st)
			}
			if st.WrittenSamples != int64(len(sink.pcm)) {
				t.Errorf("WrittenSamples %d, sink got %d", st.WrittenSamples, len(sink.pcm))
			}
		})
	}
}

// recordOrdered records pkts in order with 20 ms arrivals; the reference
// for tests that disturb the order.
func recordOrdered(t *testing.T, pkts []*rtp.Packet) *collectSink {
	t.Helper()
	r, sink := newTestRecorder(t, 0)
	feed(t, r, pkts, session)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	return sink
}

func samePCM(t *testing.T, got, want *collectSink) {
	t.Helper()
	if got.start != want.start || len(got.pcm) != len(want.pcm) {
		t.Fatalf("recorded %d samples at %d, want %d at %d", len(got.pcm), got.start, len(want.pcm), want.start)
	}
	for i := range got.pcm {
		if got.pcm[i] != want.pcm[i] {
			t.Fatalf("sample %d differs: %d, want %d", i, got.pcm[i], want.pcm[i])
		}
	}
}

func TestReorderedPacketsPutBackInOrder(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:200], 1, 500, 0)
	want := recordOrdered(t, pkts)

	// Swap neighbours and move every 7th packet 5 places later: all within
	// the 16-packet window.
	order := make([]int, len(pkts))
	for i := range order {
		order[i] = i
	}
	for i := 1; i+1 < len(order); i += 4 {
		order[i], order[i+1] = order[i+1], order[i]
	}
	for i := 7; i+5 < len(order); i += 21 {
		p := order[i]
		copy(order[i:], order[i+1:i+6])
		order[i+5] = p
	}
	r, got := newTestRecorder(t, 0)
	for k, i := range order {
		// Arrival follows the (disturbed) order of the network.
		if err := r.Push(pkts[i], session.Add(time.Duration(k)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	samePCM(t, got, want)
	if st := r.Stats(); st.Lost != 0 || st.Late != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v: reordering within the window must lose nothing", st)
	}
}

func TestDuplicatesIgnored(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:200], 1, 500, 0)
	want := recordOrdered(t, pkts)

	r, got := newTestRecorder(t, 0)
	var dups int64
	for i, p := range pkts {
		at := session.Add(time.Duration(i) * 20 * time.Millisecond)
		if err := r.Push(p, at); err != nil {
			t.Fatal(err)
		}
		switch {
		case i%10 == 0: // immediately repeated
			dups++
			if err := r.Push(p, at); err != nil {
				t.Fatal(err)
			}
		case i%10 == 5 && i >= 20: // an old one, already played
			dups++
			if err := r.Push(pkts[i-20], at); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	samePCM(t, got, want)
	if st := r.Stats(); st.Duplicates != dups || st.Late != 0 || st.Lost != 0 {
		t.Errorf("stats %+v, want %d duplicates and nothing late or lost", st, dups)
	}
}

func TestSequenceAndTimestampWrapAround(t *testing.T) {
	_, frames := encodedSpeech(t)
	want := recordOrdered(t, packetize(frames[:200], 1, 0, 0))
	// Sequence numbers wrap after 20 packets, timestamps after 30.
	pkts := packetize(frames[:200], 1, 65536-20, uint32(1<<32-30*960))
	// Reorder across the wrap too.
	pkts[19], pkts[20] = pkts[20], pkts[19]
	r, got := newTestRecorder(t, 0)
	feed(t, r, pkts, session)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	samePCM(t, got, want)
}

func TestLatePacketDroppedAndConcealed(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:100], 1, 0, 0)
	r, sink := newTestRecorder(t, 4)
	// Packet 10 arrives after packet 20: beyond a 4-packet window.
	order := append(append(append([]int{}, seq(0, 10)...), seq(11, 21)...), 10)
	order = append(order, seq(21, 100)...)
	for k, i := range order {
		if err := r.Push(pkts[i], session.Add(time.Duration(k)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Late != 1 || st.Lost != 1 || st.Concealed != 1 {
		t.Errorf("stats %+v, want 1 late, 1 lost, 1 concealed", st)
	}
	if len(sink.pcm) != 100*320 {
		t.Errorf("recorded %d samples, want %d: the timeline must not shift", len(sink.pcm), 100*320)
	}
}

func seq(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// TestRejoinContinuesTimeline: the participant drops and comes back 3 s later
// with a new SSRC (a new track); the new audio is placed 3 s after the old.
func TestRejoinContinuesTimeline(t *testing.T) {
	ref, frames := encodedSpeech(t)
	half := len(frames) / 2
	for _, flush := range []bool{true, false} {
		r, sink := newTestRecorder(t, 0)
		first := session.Add(500 * time.Millisecond)
		feed(t, r, packetize(frames[:half], 0xAAAA, 100, 1000), first)
		if flush {
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		endA := sink.start + int64(half*320)
		rejoin := first.Add(time.Duration(half)*20*time.Millisecond + 3*time.Second)
		// New SSRC, new random sequence and timestamp bases.
		feed(t, r, packetize(frames[half:], 0xBBBB, 40000, 7777777), rejoin)
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st.Streams != 2 || st.Lost != 0 {
			t.Errorf("stats %+v, want 2 streams and nothing lost", st)
		}
		wantStart := endA + 3*16000
		if got := sink.start + int64(len(sink.pcm)); got != wantStart+int64((len(frames)-half)*320) {
			t.Fatalf("flush=%v: recording ends at %d, want %d", flush, got, wantStart+int64((len(frames)-half)*320))
		}
		for i, v := range sink.at(endA)[:3*16000] {
			if v != 0 {
				t.Fatalf("flush=%v: sample %d in the 3 s gap is %d, want silence", flush, endA+int64(i), v)
			}
		}
		// The second half's speech sits right after the gap (codec delay aside).
		snr, lag := alignedSNR(ref[half*320:], sink.at(wantStart), 800)
		if snr < 15 || lag < 0 || lag > 400 {
			t.Errorf("flush=%v: second track at +3 s: SNR %.1f dB at lag %d, want ≥ 15 dB at a codec-delay lag", flush, snr, lag)
		}
	}
}

func TestStopDropsBufferedAudio(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:40], 1, 0, 0)
	r, sink := newTestRecorder(t, 16)
	// Packet 5 is missing: 6..15 wait in the reorder buffer.
	for i, p := range pkts[:16] {
		if i == 5 {
			continue
		}
		if err := r.Push(p, session.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if r.jb.buffered != 10 || len(sink.pcm) != 5*320 {
		t.Fatalf("before Stop: %d packets buffered, %d samples written; want 10 and %d", r.jb.buffered, len(sink.pcm), 5*320)
	}
	r.Stop()
	if r.jb.buffered != 0 {
		t.Errorf("Stop kept %d packets of audio buffered", r.jb.buffered)
	}
	if err := r.Push(pkts[5], session); !errors.Is(err, ErrStopped) {
		t.Errorf("Push after Stop: %v, want ErrStopped", err)
	}
	if err := r.Flush(); !errors.Is(err, ErrStopped) {
		t.Errorf("Flush after Stop: %v, want ErrStopped", err)
	}
	if len(sink.pcm) != 5*320 {
		t.Errorf("%d samples reached the sink after Stop", len(sink.pcm)-5*320)
	}
}

// blockingSink blocks its second write until released.
type blockingSink struct {
	entered, release chan struct{}
	writes           int
}

func (s *blockingSink) WritePCM(int64, []int16) error {
	s.writes++
	if s.writes == 2 {
		close(s.entered)
		<-s.release
	}
	return nil
}

// TestStopDoesNotWaitForSink: consent revocation must not wait on a slow
// sink, and nothing is written after the write in progress.
func TestStopDoesNotWaitForSink(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:40], 1, 0, 0)
	sink := &blockingSink{entered: make(chan struct{}), release: make(chan struct{})}
	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, JitterWindow: 8})
	if err != nil {
		t.Fatal(err)
	}
	// Hold packet 1 back so that its Push releases many packets at once.
	for i := 0; i < 9; i++ {
		if i == 1 {
			continue
		}
		if err := r.Push(pkts[i], session); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() { done <- r.Push(pkts[1], session) }()
	<-sink.entered
	r.Stop() // returns while the sink is still blocked
	close(sink.release)
	if err := <-done; !errors.Is(err, ErrStopped) {
		t.Errorf("Push interrupted by Stop returned %v, want ErrStopped", err)
	}
	if sink.writes != 2 {
		t.Errorf("sink got %d writes, want packet 0's and the one in progress at Stop", sink.writes)
	}
	if r.jb.buffered != 0 {
		t.Errorf("%d packets still buffered after Stop", r.jb.buffered)
	}
}

func TestCorruptPayloadConcealed(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:100], 1, 0, 0)
	bad := map[int][]byte{
		10: {},                             // empty
		30: {0xFF},                         // code 3 TOC with no frame count
		50: {0x7B, 0xFF, 0xFF, 0xFF, 0xFF}, // CELT TOC, garbage
		70: {0x03, 0x02},                   // code 3, truncated
	}
	for i, p := range bad {
		pkts[i] = &rtp.Packet{Header: pkts[i].Header, Payload: p}
	}
	r, sink := newTestRecorder(t, 0)
	feed(t, r, pkts, session)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	t.Logf("stats %+v", st)
	if st.Undecodable < 3 || st.Concealed != st.Undecodable {
		t.Errorf("stats %+v: want the bad payloads counted undecodable and concealed", st)
	}
	if len(sink.pcm) != 100*320 {
		t.Errorf("recorded %d samples, want %d: the timeline must not shift", len(sink.pcm), 100*320)
	}
}

// TestHostilePayloadsDoNotCrash feeds random payloads: each is decoded or
// concealed, and the timeline stays contiguous and in place.
func TestHostilePayloadsDoNotCrash(t *testing.T) {
	r, sink := newTestRecorder(t, 0)
	var x uint64 = 1
	const n = 3000
	for i := 0; i < n; i++ {
		p := make([]byte, int(x>>59)+1)
		for j := range p {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			p[j] = byte(x)
		}
		pkt := &rtp.Packet{Header: rtp.Header{SSRC: 9, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: p}
		if err := r.Push(pkt, session.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Stats()
	t.Logf("stats %+v", st)
	end := sink.start + int64(len(sink.pcm))
	// The last packet starts at (n-1)*320 and lasts at most 120 ms.
	if st.Packets != n || end < (n-1)*320 || end > (n-1)*320+maxFrameSamples {
		t.Errorf("recording ends at %d, want the last packet's place %d (+ its length); stats %+v", end, (n-1)*320, st)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	sink := &collectSink{t: t}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no sink", Config{SessionStart: session, Speaker: "client"}, "Sink is nil"},
		{"no start", Config{Speaker: "client", Sink: sink}, "SessionStart is zero"},
		{"no speaker", Config{SessionStart: session, Sink: sink}, "Speaker is empty"},
		{"negative window", Config{SessionStart: session, Speaker: "client", Sink: sink, JitterWindow: -1}, "JitterWindow -1"},
		{"huge window", Config{SessionStart: session, Speaker: "client", Sink: sink, JitterWindow: 5000}, "JitterWindow 5000"},
	} {
		r, err := New(tc.cfg)
		if err == nil || r != nil || !contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, %v; want an error naming %q", tc.name, r, err, tc.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestPushNilPacket(t *testing.T) {
	r, sink := newTestRecorder(t, 0)
	if err := r.Push(nil, session); !errors.Is(err, ErrNilPacket) {
		t.Errorf("Push(nil) = %v, want ErrNilPacket", err)
	}
	if st := r.Stats(); st.Packets != 0 || sink.writes != 0 {
		t.Errorf("a nil packet changed state: %+v", st)
	}
}

// TestSinkErrorReturnedTimelineKept: a failing sink surfaces its error, and
// the recorder keeps placing audio correctly once the sink recovers.
func TestSinkErrorReturnedTimelineKept(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:20], 1, 0, 0)
	r, sink := newTestRecorder(t, 1)
	feed(t, r, pkts[:5], session)
	diskFull := errors.New("disk full")
	sink.err = diskFull
	if err := r.Push(pkts[5], session.Add(100*time.Millisecond)); !errors.Is(err, diskFull) {
		t.Fatalf("Push with failing sink = %v, want it to wrap the sink's error", err)
	}
	sink.err = nil
	feed(t, r, pkts[6:], session.Add(120*time.Millisecond))
	if sink.start+int64(len(sink.pcm)) != 20*320 {
		t.Errorf("recording ends at %d, want %d", sink.start+int64(len(sink.pcm)), 20*320)
	}
}

// TestTimestampJumpReanchors: a sender that restarts its RTP clock with the
// same SSRC and continuous sequence numbers is placed by arrival time.
func TestTimestampJumpReanchors(t *testing.T) {
	_, frames := encodedSpeech(t)
	a := packetize(frames[:50], 1, 0, 0)
	b := packetize(frames[50:100], 1, 50, 1<<30)
	r, sink := newTestRecorder(t, 0)
	feed(t, r, a, session)
	feed(t, r, b, session.Add(time.Second))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if end := sink.start + int64(len(sink.pcm)); end != 100*320 {
		t.Errorf("recording ends at %d, want %d (no 6-hour gap from the jump)", end, 100*320)
	}
}

// TestSenderReportCorrectsDrift: sender reports that show the sender's
// audio clock running 40 ms slow move later audio 40 ms later.
func TestSenderReportCorrectsDrift(t *testing.T) {
	_, frames := encodedSpeech(t)
	pkts := packetize(frames[:100], 1, 0, 0)
	r, sink := newTestRecorder(t, 1)
	feed(t, r, pkts[:50], session)
	// Packet 0 (ts 0) arrived at session start. First SR: the sender's
	// wall clock says ts 0 was at 10:00:00.250 — an offset, not a drift.
	wall := session.Add(250 * time.Millisecond)
	r.HandleSenderReport(wall, 0)
	before := sink.next
	// Second SR: 960*50 ticks later by the audio clock, but 1.040 s later by
	// the wall clock.
	r.HandleSenderReport(wall.Add(time.Second+40*time.Millisecond), 960*50)
	feed(t, r, pkts[50:], session.Add(time.Second))
	if got, want := sink.start+int64(len(sink.pcm)), before+40*16+50*320; got != want {
		t.Errorf("recording ends at %d, want %d (40 ms drift corrected)", got, want)
	}
	// A report claiming 5 s of drift is not believed.
	r.HandleSenderReport(wall.Add(7*time.Second), 960*100)
	if r.clk.correction != 40*16 {
		t.Errorf("correction %d samples after an implausible report, want %d", r.clk.correction, 40*16)
	}
}
