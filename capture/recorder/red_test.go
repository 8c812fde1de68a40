package recorder

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/capture/capturetest"
)

const redPT = 63

// redPackets wraps Opus frames in RFC 2198 RED packets carrying the
// previous `distance` frames as redundancy, as Chrome does.
func redPackets(frames [][]byte, distance int) []*rtp.Packet {
	pkts := packetize(frames, 0x5151, 100, 48000)
	for i, p := range pkts {
		p.PayloadType = redPT
		p.Payload = capturetest.REDFor(frames, i, distance)
	}
	return pkts
}

// TestREDRecoversLosses records CELT speech sent with RED at 5% and 15%
// random loss: a lost packet comes back whole from the next packet's
// redundancy, so what is recorded matches the source as closely as without
// loss; only a packet lost together with every packet carrying its copy is
// concealed.
func TestREDRecoversLosses(t *testing.T) {
	ref, frames := encodedSpeech(t)
	clean, _ := newTestRecorder(t, 0)
	cleanSink := recordOrdered(t, packetize(frames, 1, 0, 0))
	_ = clean
	cleanSNR, _ := alignedSNR(ref, cleanSink.pcm, 800)
	for _, tc := range []struct {
		loss     float64
		distance int
		minSNR   float64
	}{
		{loss: 0.05, distance: 1, minSNR: 15},
		{loss: 0.15, distance: 2, minSNR: 15},
	} {
		t.Run(fmt.Sprintf("loss=%g/distance=%d", tc.loss, tc.distance), func(t *testing.T) {
			pkts := redPackets(frames, tc.distance)
			lost := dropRandom(len(pkts), tc.loss, 42)
			sink := &collectSink{t: t}
			r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, REDPayloadType: redPT})
			if err != nil {
				t.Fatal(err)
			}
			var dropped, unrecoverable int64
			for i, p := range pkts {
				if lost[i] {
					dropped++
					covered := false
					for k := 1; k <= tc.distance && i+k < len(pkts); k++ {
						covered = covered || !lost[i+k]
					}
					if !covered {
						unrecoverable++
					}
					continue
				}
				if err := r.Push(p, session.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			st := r.Stats()
			snr, lag := alignedSNR(ref, sink.pcm, 800)
			durErr := math.Abs(float64(len(sink.pcm)-len(ref))) / float64(len(ref))
			t.Logf("RED distance %d, %.0f%% loss (%d packets, %d with no copy left): SNR vs source %.1f dB at lag %d (%.1f dB without loss), %.3f s recorded (%.2f%% off); stats %+v",
				tc.distance, tc.loss*100, dropped, unrecoverable, snr, lag, cleanSNR, float64(len(sink.pcm))/16000, durErr*100, st)
			if snr < tc.minSNR {
				t.Errorf("SNR vs source %.1f dB < %.0f dB", snr, tc.minSNR)
			}
			if durErr > 0.01 {
				t.Errorf("recorded %d samples for %d of source: more than 1%% off", len(sink.pcm), len(ref))
			}
			if st.Redundant != dropped-unrecoverable || st.Lost != unrecoverable || st.Concealed != unrecoverable {
				t.Errorf("stats %+v: want Redundant %d, Lost = Concealed = %d", st, dropped-unrecoverable, unrecoverable)
			}
			if st.Duplicates != 0 || st.Late != 0 || st.Undecodable != 0 {
				t.Errorf("stats %+v: redundant copies counted as duplicate, late or undecodable", st)
			}
		})
	}
}

// TestREDWithoutLossIsTheSameRecording checks that RED packets with nothing
// lost record exactly what plain Opus packets do (the redundant copies are
// ignored once the packet itself is there).
func TestREDWithoutLossIsTheSameRecording(t *testing.T) {
	_, frames := encodedSpeech(t)
	frames = frames[:200]
	want := recordOrdered(t, packetize(frames, 0x5151, 100, 48000))
	sink := &collectSink{t: t}
	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, REDPayloadType: redPT})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, r, redPackets(frames, 2), session)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	samePCM(t, sink, want)
	if st := r.Stats(); st.Redundant != 0 || st.Duplicates != 0 || st.Lost != 0 {
		t.Errorf("stats %+v: want no redundancy used, no duplicates, no losses", st)
	}
}

// TestMalformedREDConcealed feeds RED packets whose headers lie about their
// blocks: each is concealed as undecodable, nothing panics, the timeline
// stays whole.
func TestMalformedREDConcealed(t *testing.T) {
	_, frames := encodedSpeech(t)
	frames = frames[:50]
	pkts := redPackets(frames, 1)
	for _, i := range []int{10, 20, 30} {
		p := pkts[i].Payload
		switch i {
		case 10: // block length beyond the payload
			p[3] = 0xff
			p[2] |= 0x03
		case 20: // truncated to a header that says more follow
			pkts[i].Payload = []byte{0x80 | 111, 0}
		case 30: // empty payload
			pkts[i].Payload = nil
		}
	}
	sink := &collectSink{t: t}
	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: sink, REDPayloadType: redPT})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, r, pkts, session)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(sink.pcm) != len(frames)*320 {
		t.Errorf("recorded %d samples, want %d: the timeline moved", len(sink.pcm), len(frames)*320)
	}
	if st.Undecodable != 3 {
		t.Errorf("stats %+v: want 3 undecodable packets", st)
	}
}

func TestParseRED(t *testing.T) {
	var blocks [maxREDBlocks]redBlock
	payload := capturetest.REDPayload(111, []byte{0xf8, 1, 2}, [][]byte{{0xf8, 9}, {0xf8, 7, 7}}, []uint32{1920, 960})
	n, primary, err := parseRED(payload, &blocks)
	if err != nil || n != 2 {
		t.Fatalf("parseRED: %d blocks, %v", n, err)
	}
	if string(primary) != string([]byte{0xf8, 1, 2}) || blocks[0].tsOffset != 1920 || string(blocks[0].data) != string([]byte{0xf8, 9}) ||
		blocks[1].tsOffset != 960 || string(blocks[1].data) != string([]byte{0xf8, 7, 7}) {
		t.Errorf("parseRED = %+v primary %v", blocks[:n], primary)
	}
	for _, bad := range [][]byte{nil, {0x80 | 111}, {0x80 | 111, 0, 0x04, 0x05, 111}} {
		if _, _, err := parseRED(bad, &blocks); err == nil {
			t.Errorf("parseRED(%v) accepted a malformed payload", bad)
		}
	}
	for _, tc := range []struct {
		pkt  []byte
		want int
	}{
		{[]byte{0xf8}, 960},        // CELT FB 20 ms, one frame
		{[]byte{0x78}, 960},        // hybrid FB 20 ms
		{[]byte{0x08}, 960},        // SILK NB 20 ms
		{[]byte{0x18}, 2880},       // SILK NB 60 ms
		{[]byte{0xf9}, 1920},       // two CELT 20 ms frames
		{[]byte{0xfb, 0x03}, 2880}, // code 3, three 20 ms frames
		{nil, 0},
	} {
		if got := opusDuration48k(tc.pkt); got != tc.want {
			t.Errorf("opusDuration48k(%x) = %d, want %d", tc.pkt, got, tc.want)
		}
	}
}
