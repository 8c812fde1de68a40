package recorder

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// loopbackAPI builds a Pion API that connects over loopback without STUN.
func loopbackAPI() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// TestRecordOverPionLoopback sends speech from one real Pion peer to
// another over loopback, at real-time pace, and records what the receiving
// peer's track reader gets, as the relay does.
func TestRecordOverPionLoopback(t *testing.T) {
	ref, frames := encodedSpeech(t)
	const n = 100 // 2 s
	frames = frames[:n]

	api := loopbackAPI()
	sender, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	receiver, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer receiver.Close()

	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "participant")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sender.AddTrack(track); err != nil {
		t.Fatal(err)
	}

	sink := &collectSink{t: t}
	rec, err := New(Config{SessionStart: time.Now(), Speaker: "client", Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	recorded := make(chan error, 1)
	receiver.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := remote.ReadRTP()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				recorded <- errors.Join(err, rec.Flush())
				return
			}
			if err := rec.Push(pkt, time.Now()); err != nil {
				recorded <- err
				return
			}
			if pkt.SequenceNumber == n-1 {
				recorded <- rec.Flush()
				return
			}
		}
	})
	connected := make(chan struct{})
	sender.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			close(connected)
		}
	})
	for _, pair := range [][2]*webrtc.PeerConnection{{sender, receiver}} {
		offer, err := pair[0].CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		done := webrtc.GatheringCompletePromise(pair[0])
		if err := pair[0].SetLocalDescription(offer); err != nil {
			t.Fatal(err)
		}
		<-done
		if err := pair[1].SetRemoteDescription(*pair[0].LocalDescription()); err != nil {
			t.Fatal(err)
		}
		answer, err := pair[1].CreateAnswer(nil)
		if err != nil {
			t.Fatal(err)
		}
		done = webrtc.GatheringCompletePromise(pair[1])
		if err := pair[1].SetLocalDescription(answer); err != nil {
			t.Fatal(err)
		}
		<-done
		if err := pair[0].SetRemoteDescription(*pair[1].LocalDescription()); err != nil {
			t.Fatal(err)
		}
	}
	<-connected

	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, f := range frames {
		<-tick.C
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: f}
		if err := track.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-recorded; err != nil {
		t.Fatal(err)
	}
	st := rec.Stats()
	snr, lag := alignedSNR(ref[:n*320], sink.pcm, 800)
	t.Logf("over loopback: %d samples at %d, SNR %.1f dB at lag %d, stats %+v", len(sink.pcm), sink.start, snr, lag, st)
	if st.Packets != n || len(sink.pcm) != n*320 {
		t.Errorf("recorded %d packets, %d samples; want %d and %d", st.Packets, len(sink.pcm), n, n*320)
	}
	if snr < 15 {
		t.Errorf("SNR %.1f dB < 15 dB", snr)
	}
}
