package capture

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// connectSubscriber binds the forwarding tracks to a relay-side peer
// connection (the relay's own API: its codecs and interceptors) and
// connects it over loopback to a subscriber that drains what it receives.
func connectSubscriber(tb testing.TB, relayAPI, peerAPI *webrtc.API, tracks ...*webrtc.TrackLocalStaticRTP) {
	tb.Helper()
	up, err := relayAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	down, err := peerAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { up.Close(); down.Close() })
	for _, tr := range tracks {
		sender, err := up.AddTrack(tr)
		if err != nil {
			tb.Fatal(err)
		}
		go func() { // RTCP must be read for the interceptors to run
			for {
				if _, _, err := sender.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
	down.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
		}
	})
	connected := make(chan struct{})
	up.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			close(connected)
		}
	})
	offer, err := up.CreateOffer(nil)
	if err != nil {
		tb.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(up)
	if err := up.SetLocalDescription(offer); err != nil {
		tb.Fatal(err)
	}
	<-gathered
	if err := down.SetRemoteDescription(*up.LocalDescription()); err != nil {
		tb.Fatal(err)
	}
	answer, err := down.CreateAnswer(nil)
	if err != nil {
		tb.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(down)
	if err := down.SetLocalDescription(answer); err != nil {
		tb.Fatal(err)
	}
	<-gathered
	if err := up.SetRemoteDescription(*down.LocalDescription()); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		tb.Fatal("subscriber did not connect")
	}
}

// rawPacket is a marshalled RTP packet whose sequence number and timestamp
// the benchmark rewrites in place.
func rawPacket(tb testing.TB, pt uint8, ssrc uint32, payload int) []byte {
	tb.Helper()
	b, err := (&rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc},
		Payload: make([]byte, payload),
	}).Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkForward measures the forwarding hot path (fwdTrack.forward: one
// received packet written to every subscriber's TrackLocalStaticRTP, through
// the relay's interceptors and SRTP to real loopback peer connections) for
// one publisher and N subscribers, with one audio packet per two video
// packets. pkts/s counts packets delivered to subscribers per second on the
// one forwarding goroutine, i.e. per core.
func BenchmarkForward(b *testing.B) {
	for _, subs := range []int{1, 2, 5, 11} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			relay, err := NewRelay(RelayConfig{Loopback: true}, newMemBackend())
			if err != nil {
				b.Fatal(err)
			}
			defer relay.Close()
			audioLocal, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio-bench", "publisher")
			if err != nil {
				b.Fatal(err)
			}
			videoLocal, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video-bench", "publisher")
			if err != nil {
				b.Fatal(err)
			}
			// Subscribers without interceptors, so that allocs/op counts
			// the relay's sending path, not the test receivers.
			peerAPI := capturetest.PlainLoopbackAPI(b)
			for range subs {
				connectSubscriber(b, relay.api, peerAPI, audioLocal, videoLocal)
			}
			audio := &fwdTrack{local: audioLocal, kind: webrtc.RTPCodecTypeAudio}
			video := &fwdTrack{local: videoLocal, kind: webrtc.RTPCodecTypeVideo}
			audioPkt := rawPacket(b, 111, 1111, 80)
			videoPkt := rawPacket(b, 96, 2222, 1100)
			now := time.Now()

			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				t, pkt := video, videoPkt
				if i%3 == 0 {
					t, pkt = audio, audioPkt
				}
				binary.BigEndian.PutUint16(pkt[2:], uint16(i))
				binary.BigEndian.PutUint32(pkt[4:], uint32(i)*960)
				t.forward(pkt, now)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(b.N*subs)/elapsed.Seconds(), "pkts/s")
		})
	}
}
