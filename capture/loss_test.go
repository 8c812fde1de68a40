package capture

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// TestCallRecordsThroughPacketLoss is test (a) of the relay with a lossy
// network: a Go Pion client publishes flite speech encoded with libopus,
// dropping 5% of its packets at random as a network would, through the real
// relay; what is recorded for the client is compared with what was spoken.
//
//   - CELT with RED (RFC 2198, as Chrome sends when asked): a lost packet is
//     recovered whole from the next one; the recording keeps the source
//     within 15 dB SNR.
//   - CELT without RED: losses are concealed; shown for comparison.
//   - SILK with in-band FEC (what browsers send without RED): a lost packet
//     is recovered from the next one's lower-rate copy. SILK does not keep
//     the waveform, so the comparison is with libopus decoding the stream
//     without loss.
//
// The clinician receives the client's audio as plain Opus either way.
func TestCallRecordsThroughPacketLoss(t *testing.T) {
	src, _ := speechPackets(t)
	celt := capturetest.EncodeOpusWith(t, src, capturetest.CELT)
	silk := capturetest.EncodeOpusWith(t, src, capturetest.VoIPWithFEC)
	for _, tc := range []struct {
		name    string
		packets [][]byte
		red     int
		// ref is what the recording is compared with; minSNR the bar.
		ref    func() []int16
		minSNR float64
	}{
		{name: "CELT+RED", packets: celt, red: 1, ref: func() []int16 { return src }, minSNR: 15},
		{name: "CELT", packets: celt, ref: func() []int16 { return src }, minSNR: 8},
		{name: "SILK+FEC", packets: silk, ref: func() []int16 { return capturetest.DecodeOpus(t, silk) }, minSNR: 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newMemBackend()
			_, srv := startRelay(t, RelayConfig{ChunkMax: 4 * SampleRate}, b)
			clin, cli := joinBoth(t, srv.URL, b)
			if refused := consent(cli, grantAIScribe()); refused != "" {
				t.Fatalf("consent refused: %s", refused)
			}
			clin.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec)
			api, codec := capturetest.LoopbackAPI(t), capturetest.OpusCodec
			if tc.red > 0 {
				api, codec = capturetest.APIWithRED(t), capturetest.REDCodec
			}
			track := cli.JoinAudioRTP(api, codec)
			clin.WaitFor(10*time.Second, "recording state", func() bool { return clin.State().Recording && len(clin.State().Participants) == 2 })
			waitConnected(t, clin, cli)

			lost := capturetest.RandomLoss(len(tc.packets), 0.05, 5)
			var dropped int
			for _, l := range lost {
				if l {
					dropped++
				}
			}
			if err := capturetest.PublishRTP(context.Background(), track, tc.packets, tc.red, lost); err != nil {
				t.Fatal(err)
			}
			clin.WaitFor(5*time.Second, "forwarded audio", func() bool { return clin.GotAudio() > 50 })
			if got := clin.AudioCodec(); got != webrtc.MimeTypeOpus {
				t.Errorf("clinician receives %q, want plain %s (RED stripped by the relay)", got, webrtc.MimeTypeOpus)
			}
			time.Sleep(400 * time.Millisecond) // the last packets through the jitter buffer
			clin.End()
			b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })

			chunks, _, _, _ := b.snapshot()
			if len(chunks["client"]) == 0 {
				t.Fatal("nothing recorded for the client")
			}
			_, pcm := timeline(t, chunks["client"])
			ref := tc.ref()
			durErr := math.Abs(float64(len(pcm)-len(src))) / float64(len(src))
			snr, lag := capturetest.AlignedSNR(ref, pcm, 1600)
			t.Logf("%s, %d of %d packets lost: %.3f s recorded (source %.3f s, %.2f%% off), SNR %.1f dB at lag %d samples",
				tc.name, dropped, len(tc.packets), float64(len(pcm))/SampleRate, float64(len(src))/SampleRate, 100*durErr, snr, lag)
			if dropped == 0 {
				t.Fatal("the network lost nothing: the test covers nothing")
			}
			if durErr > 0.01 {
				t.Errorf("recorded %d samples for %d of source: more than 1%% off", len(pcm), len(src))
			}
			if snr < tc.minSNR {
				t.Errorf("SNR %.1f dB < %.0f dB", snr, tc.minSNR)
			}
		})
	}
}

// srRecorder wraps the real recorder and keeps the sender reports it is given.
type srRecorder struct {
	TrackRecorder
	mu  sync.Mutex
	ntp []time.Time
}

func (r *srRecorder) HandleSenderReport(ntp time.Time, rtpTS uint32) {
	r.mu.Lock()
	r.ntp = append(r.ntp, ntp)
	r.mu.Unlock()
	r.TrackRecorder.(SenderReportHandler).HandleSenderReport(ntp, rtpTS)
}

// TestSenderReportsReachRecorder checks that the RTCP sender reports a
// publisher sends (Pion's, like a browser's, every second or so) are given
// to the recorder of its track, with their NTP time decoded.
func TestSenderReportsReachRecorder(t *testing.T) {
	_, packets := speechPackets(t)
	var mu sync.Mutex
	var recs []*srRecorder
	factory := func(start time.Time, speaker string, format TrackFormat, sink PCMSink) (TrackRecorder, error) {
		rec, err := NewRecorder(start, speaker, format, sink)
		if err != nil {
			return nil, err
		}
		r := &srRecorder{TrackRecorder: rec}
		mu.Lock()
		recs = append(recs, r)
		mu.Unlock()
		return r, nil
	}
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{NewRecorder: factory}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	clin.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec)
	track := cli.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec)
	clin.WaitFor(10*time.Second, "recording state", func() bool { return clin.State().Recording && len(clin.State().Participants) == 2 })
	waitConnected(t, clin, cli)
	if err := capturetest.PublishRTP(context.Background(), track, packets[:200], 0, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var reports []time.Time
	for _, r := range recs {
		r.mu.Lock()
		reports = append(reports, r.ntp...)
		r.mu.Unlock()
	}
	t.Logf("%d recorders, %d sender reports in 4 s", len(recs), len(reports))
	if len(reports) == 0 {
		t.Fatal("no sender report reached the recorder")
	}
	for _, at := range reports {
		// Pion's sender clock is this machine's wall clock.
		if d := time.Since(at); d < -time.Second || d > 10*time.Second {
			t.Errorf("sender report NTP time %v is %v from now: decoded wrong", at, d)
		}
	}
}

// TestREDForwardedWhereNegotiated: a publisher's RED audio reaches a
// subscriber who negotiated RED as RED (so the listener, too, recovers
// losses on its own leg), and a subscriber who did not as plain Opus.
func TestREDForwardedWhereNegotiated(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	third := Participant{ID: "p3", Role: RoleParticipant, Label: "participant 3"}
	b.addToken("tok-3", "s1", third, time.Hour)
	p3, refused := capturetest.Dial(t, srv.URL, "s1", "tok-3")
	if p3 == nil {
		t.Fatalf("participant 3 refused: %s", refused)
	}
	clin.JoinAudioRTP(capturetest.APIWithRED(t), capturetest.REDCodec) // can take RED
	p3.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec) // cannot
	track := cli.JoinAudioRTP(capturetest.APIWithRED(t), capturetest.REDCodec)
	waitConnected(t, clin, cli, p3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = capturetest.PublishRTP(ctx, track, packets, 1, nil) }()
	for _, c := range []*testPeer{clin, p3} {
		c.WaitFor(10*time.Second, "the client's audio", func() bool { return c.GotAudio() > 25 })
	}
	if got := clin.AudioCodec(); got != "audio/red" {
		t.Errorf("the subscriber that negotiated RED receives %q, want audio/red", got)
	}
	if got := p3.AudioCodec(); got != webrtc.MimeTypeOpus {
		t.Errorf("the subscriber without RED receives %q, want %s", got, webrtc.MimeTypeOpus)
	}
}
