package capturetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// FrameDuration is the duration of one Opus packet EncodeOpus makes.
const FrameDuration = 20 * time.Millisecond

func loopbackSettings() webrtc.SettingEngine {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return se
}

// LoopbackAPI is a Pion API for test peers: loopback only, no mDNS, the
// default codecs and interceptors (NACK, reports, TWCC) a browser has.
func LoopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(loopbackSettings()))
}

// PlainLoopbackAPI is LoopbackAPI without interceptors (benchmarks that
// count the relay's allocations, not the test peers').
func PlainLoopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(loopbackSettings()))
}

// Publish writes Opus packets (20 ms each) in real time, and a synthetic
// VP8 frame every 40 ms when video is not nil, until all packets are sent
// or ctx ends. Real time matters: the relay's recorder anchors RTP
// timestamps to arrival times and re-anchors when they drift seconds apart.
func Publish(ctx context.Context, audio, video *webrtc.TrackLocalStaticSample, packets [][]byte) error {
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	frame := make([]byte, 900) // the relay forwards VP8 without decoding it
	for i, p := range packets {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := audio.WriteSample(media.Sample{Data: p, Duration: FrameDuration}); err != nil {
			return fmt.Errorf("write audio: %w", err)
		}
		if video != nil && i%2 == 0 {
			frame[0] = byte(i)
			if err := video.WriteSample(media.Sample{Data: frame, Duration: 2 * FrameDuration}); err != nil {
				return fmt.Errorf("write video: %w", err)
			}
		}
	}
	return nil
}

// PublishLoop publishes packets over and over until ctx ends.
func PublishLoop(ctx context.Context, audio, video *webrtc.TrackLocalStaticSample, packets [][]byte) {
	for ctx.Err() == nil {
		_ = Publish(ctx, audio, video, packets)
	}
}
