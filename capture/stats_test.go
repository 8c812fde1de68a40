package capture

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// TestReadStats: during a recorded call between two real Pion peers the
// relay reports one room, two participants and two recorded audio tracks,
// and counts forwarded packets and started recordings; once the call has
// ended and the relay is closed, its rooms and participants are gone from
// the counts.
func TestReadStats(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	relay, srv := startRelay(t, RelayConfig{ChunkMax: 2 * SampleRate}, b)
	before := ReadStats()
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	clinAudio, clinVideo := clin.JoinMedia(api)
	cliAudio, cliVideo := cli.JoinMedia(api)
	clin.WaitFor(10*time.Second, "recording state", func() bool { return clin.State().Recording && len(clin.State().Participants) == 2 })
	for _, c := range []*testPeer{clin, cli} {
		c.WaitFor(10*time.Second, "media connected", func() bool { return c.PC().ConnectionState() == webrtc.PeerConnectionStateConnected })
	}
	done := make(chan error, 2)
	go func() { done <- capturetest.Publish(context.Background(), clinAudio, clinVideo, packets) }()
	go func() { done <- capturetest.Publish(context.Background(), cliAudio, cliVideo, packets) }()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	clin.WaitFor(10*time.Second, "forwarded media", func() bool { return clin.GotAudio() > 50 })
	during := ReadStats()
	if during.Rooms-before.Rooms != 1 || during.Participants-before.Participants != 2 || during.RecordingTracks-before.RecordingTracks != 2 {
		t.Errorf("during the call: %+v (before %+v), want one more room, two more participants and two more recorded tracks", during, before)
	}
	if during.PacketsIn-before.PacketsIn < uint64(2*len(packets)) || during.TracksRecorded-before.TracksRecorded < 2 {
		t.Errorf("during the call: %+v (before %+v), want at least %d packets in and 2 recordings started", during, before, 2*len(packets))
	}
	clin.End()
	b.waitFor(t, 10*time.Second, "the room closed after the call ended", func() bool { return liveRoom(relay, "s1") == nil })
	after := ReadStats()
	if after.Rooms != before.Rooms || after.Participants != before.Participants || after.RecordingTracks != before.RecordingTracks {
		t.Errorf("after the call: %+v, want the counts of before it %+v", after, before)
	}
}
