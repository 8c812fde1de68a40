package capture

import (
	"context"
	"math"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// speechPackets is the synthetic speech both the Go peers publish.
func speechPackets(t *testing.T) ([]int16, [][]byte) {
	t.Helper()
	_, pcm := capturetest.SynthSpeech(t, speechText)
	return pcm, capturetest.EncodeOpus(t, pcm)
}

// joinBoth connects a clinician and a client to session "s1".
func joinBoth(t *testing.T, srvURL string, b *memBackend) (clin, cli *testPeer) {
	t.Helper()
	b.addToken("tok-clin", "s1", clinician, time.Hour)
	b.addToken("tok-client", "s1", client, time.Hour)
	clin, refused := capturetest.Dial(t, srvURL, "s1", "tok-clin")
	if clin == nil {
		t.Fatalf("clinician refused: %s", refused)
	}
	cli, refused = capturetest.Dial(t, srvURL, "s1", "tok-client")
	if cli == nil {
		t.Fatalf("client refused: %s", refused)
	}
	return clin, cli
}

// timeline concatenates a speaker's chunks after checking they tile.
func timeline(t *testing.T, chunks []Chunk) (start int64, pcm []int16) {
	t.Helper()
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].Index < chunks[j].Index })
	for i, c := range chunks {
		if c.Index != i {
			t.Fatalf("chunk indexes %d at position %d: not contiguous", c.Index, i)
		}
		if i > 0 && c.StartSample != chunks[i-1].EndSample {
			t.Fatalf("chunk %d starts at %d, previous ended at %d", i, c.StartSample, chunks[i-1].EndSample)
		}
		pcm = append(pcm, c.Samples...)
	}
	return chunks[0].StartSample, pcm
}

// envelope is the RMS of each 20 ms frame.
func envelope(pcm []int16) []float64 {
	var env []float64
	for i := 0; i+320 <= len(pcm); i += 320 {
		var s float64
		for _, v := range pcm[i : i+320] {
			s += float64(v) * float64(v)
		}
		env = append(env, math.Sqrt(s/320))
	}
	return env
}

// envelopeCorrelation is the best Pearson correlation of the two envelopes
// within ±5 frames of lag.
func envelopeCorrelation(a, b []int16) float64 {
	ea, eb := envelope(a), envelope(b)
	best := -1.0
	for lag := -5; lag <= 5; lag++ {
		var xs, ys []float64
		for i := range ea {
			if j := i + lag; j >= 0 && j < len(eb) {
				xs = append(xs, ea[i])
				ys = append(ys, eb[j])
			}
		}
		best = math.Max(best, pearson(xs, ys))
	}
	return best
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, syy, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		syy += y[i] * y[i]
		sxy += x[i] * y[i]
	}
	den := math.Sqrt((sxx - sx*sx/n) * (syy - sy*sy/n))
	if den == 0 {
		return 0
	}
	return (sxy - sx*sy/n) / den
}

// TestCallRecordsEachSpeakerAndForwardsMedia is the 1:1 call end to end: two
// Pion peers over loopback, real signaling, real Opus speech; each
// participant's audio is stored under their own label while the call runs,
// and each receives the other's audio and video.
func TestCallRecordsEachSpeakerAndForwardsMedia(t *testing.T) {
	src, packets := speechPackets(t)
	b := newMemBackend()
	relay, srv := startRelay(t, RelayConfig{ChunkMax: 2 * SampleRate}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if got := cli.Welcome().ConsentInfo.Version; got != "test-v1" {
		t.Fatalf("welcome consent version %q", got)
	}
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}

	api := capturetest.LoopbackAPI(t)
	clinAudio, clinVideo := clin.JoinMedia(api)
	cliAudio, cliVideo := cli.JoinMedia(api)
	var plis, nacks atomic.Int64
	watchFeedback(clin, &plis, &nacks)
	clin.WaitFor(10*time.Second, "recording state", func() bool { return clin.State().Recording && len(clin.State().Participants) == 2 })
	for _, c := range []*testPeer{clin, cli} {
		c.WaitFor(10*time.Second, "media connected", func() bool { return c.PC().ConnectionState() == webrtc.PeerConnectionStateConnected })
	}

	ctx := context.Background()
	done := make(chan error, 2)
	go func() { done <- capturetest.Publish(ctx, clinAudio, clinVideo, packets) }()
	go func() { done <- capturetest.Publish(ctx, cliAudio, cliVideo, packets) }()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	chunksDuringCall, _, _, _ := b.snapshot()

	// Both received the other's forwarded media, tagged with the other's stream.
	for _, c := range []*testPeer{clin, cli} {
		c.WaitFor(5*time.Second, "forwarded media", func() bool { return c.GotAudio() > 50 && c.GotVideo() > 20 })
	}
	if !clin.HasStream(client.ID) {
		t.Errorf("clinician received no stream of the client")
	}
	if !cli.HasStream(clinician.ID) {
		t.Errorf("client received no stream of the clinician")
	}
	// The keyframe request the relay sends when a subscriber joins reached the publisher.
	if plis.Load() == 0 {
		t.Errorf("clinician's video sender received no PLI")
	}
	// A NACK from the client for the clinician's video reaches the clinician
	// with the clinician's own SSRC.
	nack := &rtcp.TransportLayerNack{MediaSSRC: cli.VideoSSRC(), Nacks: []rtcp.NackPair{{PacketID: 7}}}
	if err := cli.PC().WriteRTCP([]rtcp.Packet{nack}); err != nil {
		t.Fatal(err)
	}
	clin.WaitFor(5*time.Second, "forwarded NACK", func() bool { return nacks.Load() > 0 })

	time.Sleep(400 * time.Millisecond) // let the last packets through the jitter buffer
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	b.waitFor(t, 10*time.Second, "the room closed after the call ended", func() bool { return liveRoom(relay, "s1") == nil })

	chunks, attend, _, _ := b.snapshot()
	for _, speaker := range []string{"clinician", "client"} {
		if len(chunksDuringCall[speaker]) == 0 {
			t.Errorf("%s: no chunk stored during the call", speaker)
		}
		got := chunks[speaker]
		if len(got) < 2 {
			t.Fatalf("%s: %d chunks, want several of at most 2 s", speaker, len(got))
		}
		start, pcm := timeline(t, got)
		if start <= 0 {
			t.Errorf("%s: first chunk at sample %d, want a positive session-clock position", speaker, start)
		}
		durErr := math.Abs(float64(len(pcm)-len(src))) / float64(len(src))
		t.Logf("%s: %d chunks, %.3f s recorded, source %.3f s (%.2f%% off), starts at %.3f s",
			speaker, len(got), float64(len(pcm))/SampleRate, float64(len(src))/SampleRate, 100*durErr, float64(start)/SampleRate)
		if durErr > 0.01 {
			t.Errorf("%s: recorded %d samples for %d of source: more than 1%% off", speaker, len(pcm), len(src))
		}
		if r := envelopeCorrelation(src, pcm); r < 0.9 {
			t.Errorf("%s: recorded audio envelope correlates %.3f with the source, want ≥ 0.9", speaker, r)
		}
		for _, c := range got {
			if c.EndSample-c.StartSample > 2*SampleRate {
				t.Errorf("%s: chunk %d is %d samples, over ChunkMax", speaker, c.Index, c.EndSample-c.StartSample)
			}
		}
	}
	sort.Strings(attend)
	want := []string{"client:join", "client:leave", "clinician:join", "clinician:leave"}
	if len(attend) != len(want) {
		t.Fatalf("attendance %v, want %v", attend, want)
	}
	for i := range want {
		if attend[i] != want[i] {
			t.Fatalf("attendance %v, want %v", attend, want)
		}
	}
}
