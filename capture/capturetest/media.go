package capturetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
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

// REDCodec is RFC 2198 redundant Opus as Chrome offers it.
var REDCodec = webrtc.RTPCodecCapability{MimeType: "audio/red", ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111"}

// OpusCodec is plain Opus.
var OpusCodec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}

// APIWithRED is LoopbackAPI that can also send RED audio (REDCodec).
func APIWithRED(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: REDCodec, PayloadType: 63}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(loopbackSettings()))
}

// PublishRTP writes Opus packets as RTP, one every 20 ms in real time:
// packet i has sequence number i and timestamp i*960. With redDistance > 0
// each is wrapped in RED carrying the previous redDistance packets (track
// codec REDCodec). Packets with lost[i] set are not sent, as if the network
// lost them.
func PublishRTP(ctx context.Context, track *webrtc.TrackLocalStaticRTP, packets [][]byte, redDistance int, lost []bool) error {
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	for i, p := range packets {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if lost != nil && lost[i] {
			continue
		}
		payload := p
		if redDistance > 0 {
			payload = REDFor(packets, i, redDistance)
		}
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 960), Marker: i == 0}, Payload: payload}
		if err := track.WriteRTP(pkt); err != nil {
			return fmt.Errorf("write audio: %w", err)
		}
	}
	return nil
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

// REDFor is the RED payload of 20 ms packet i of packets, carrying the
// previous distance packets (fewer at the start) as redundancy.
func REDFor(packets [][]byte, i, distance int) []byte {
	var blocks [][]byte
	var offsets []uint32
	for k := distance; k >= 1; k-- {
		if i-k >= 0 {
			blocks = append(blocks, packets[i-k])
			offsets = append(offsets, uint32(k*960))
		}
	}
	return REDPayload(111, packets[i], blocks, offsets)
}

// REDPayload builds an RFC 2198 "audio/red" payload carrying redundant
// (earlier packets' payloads, oldest first, each tsOffsets[i] RTP ticks
// before the primary) and then primary, as Chrome sends Opus with RED.
// Every block is given payload type pt (the Opus payload type).
func REDPayload(pt uint8, primary []byte, redundant [][]byte, tsOffsets []uint32) []byte {
	out := make([]byte, 0, 1+5*len(redundant)+len(primary)+len(redundant)*len(primary))
	for i, b := range redundant {
		h := tsOffsets[i]<<10 | uint32(len(b))
		out = append(out, 0x80|pt, byte(h>>16), byte(h>>8), byte(h))
	}
	out = append(out, pt&0x7f)
	for _, b := range redundant {
		out = append(out, b...)
	}
	return append(out, primary...)
}
