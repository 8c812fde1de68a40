package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// loopbackAPI is a Pion API for test peers: loopback only, no mDNS.
func loopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

// plainLoopbackAPI is loopbackAPI without interceptors.
func plainLoopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(se))
}

// testPeer is a Go participant speaking the real signaling protocol.
type testPeer struct {
	t       testing.TB
	ws      *websocket.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	welcome message

	mu        sync.Mutex
	pc        *webrtc.PeerConnection
	state     RoomState
	errors    []string
	consentOK int
	ended     bool
	changed   chan struct{}

	// forwarded media received, by kind, and the stream (participant) it came from
	gotAudio, gotVideo atomic.Int64
	videoSSRC          atomic.Uint32 // SSRC of the forwarded video received
	streams            sync.Map      // stream ID → kind
	videoSenders       []*webrtc.RTPSender
}

// dialPeer connects and sends join; it returns the server's error text if
// the join is refused.
func dialPeer(t testing.TB, baseURL, session, token string) (*testPeer, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/call/" + session + "/ws"
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		cancel()
		t.Fatalf("dial signaling: %v", err)
	}
	ws.SetReadLimit(maxMsgBytes)
	c := &testPeer{t: t, ws: ws, ctx: ctx, cancel: cancel, changed: make(chan struct{}, 1)}
	t.Cleanup(c.close)
	c.send(message{Type: msgJoin, Token: token})
	var first message
	if err := readMessage(ctx, ws, &first); err != nil {
		return nil, "connection closed: " + err.Error()
	}
	if first.Type == msgError {
		// The server closes the connection after refusing.
		_, _, err := ws.Read(ctx)
		if err == nil {
			t.Errorf("connection still open after join was refused")
		}
		return nil, first.Error
	}
	if first.Type != msgWelcome || first.Participant == nil || first.ConsentInfo == nil {
		t.Fatalf("first message is %+v, want welcome", first)
	}
	c.welcome = first
	go c.readLoop()
	return c, ""
}

func (c *testPeer) close() {
	c.cancel()
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc != nil {
		_ = pc.Close()
	}
}

func (c *testPeer) send(m message) {
	b, err := json.Marshal(m)
	if err != nil {
		c.t.Errorf("marshal: %v", err)
		return
	}
	if err := c.ws.Write(c.ctx, websocket.MessageText, b); err != nil && c.ctx.Err() == nil {
		c.t.Logf("signaling write: %v", err)
	}
}

func (c *testPeer) notify() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *testPeer) readLoop() {
	for {
		var m message
		if err := readMessage(c.ctx, c.ws, &m); err != nil {
			return
		}
		c.mu.Lock()
		pc := c.pc
		c.mu.Unlock()
		if pc != nil && pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
			continue // the call is over; late renegotiation is moot
		}
		switch m.Type {
		case msgAnswer:
			if err := pc.SetRemoteDescription(*m.SDP); err != nil {
				c.t.Errorf("set answer: %v", err)
			}
		case msgOffer:
			if err := pc.SetRemoteDescription(*m.SDP); err != nil {
				if !errors.Is(err, webrtc.ErrConnectionClosed) { // the call ended meanwhile
					c.t.Errorf("set offer: %v", err)
				}
				continue
			}
			ans, err := pc.CreateAnswer(nil)
			if err == nil {
				err = pc.SetLocalDescription(ans)
			}
			if err != nil {
				if !errors.Is(err, webrtc.ErrConnectionClosed) {
					c.t.Errorf("answer: %v", err)
				}
				continue
			}
			c.send(message{Type: msgAnswer, SDP: pc.LocalDescription()})
		case msgCandidate:
			if err := pc.AddICECandidate(*m.Candidate); err != nil {
				c.t.Errorf("add candidate: %v", err)
			}
		case msgState:
			c.mu.Lock()
			c.state = *m.State
			c.mu.Unlock()
		case msgError:
			c.mu.Lock()
			c.errors = append(c.errors, m.Error)
			c.mu.Unlock()
		case msgConsentRecorded:
			c.mu.Lock()
			c.consentOK++
			c.mu.Unlock()
		case msgEnded:
			c.mu.Lock()
			c.ended = true
			c.mu.Unlock()
		}
		c.notify()
	}
}

// waitFor waits until cond (called with c.mu held) holds.
func (c *testPeer) waitFor(d time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

func (c *testPeer) lastErrors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// consent sends a decision and waits for the server's verdict.
func (c *testPeer) consent(d ConsentDecision) (refused string) {
	c.t.Helper()
	c.mu.Lock()
	okBefore, errBefore := c.consentOK, len(c.errors)
	c.mu.Unlock()
	c.send(message{Type: msgConsent, Consent: &d})
	c.waitFor(5*time.Second, "consent verdict", func() bool { return c.consentOK > okBefore || len(c.errors) > errBefore })
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errors) > errBefore {
		return c.errors[errBefore]
	}
	return ""
}

func grantAIScribe() ConsentDecision {
	return ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodElectronic, TextVersion: "test-v1"}
}

// joinMedia opens the peer connection with an Opus track and a VP8 track
// and sends the first offer.
func (c *testPeer) joinMedia(api *webrtc.API) (audio, video *webrtc.TrackLocalStaticSample) {
	c.t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "local")
	if err != nil {
		c.t.Fatal(err)
	}
	video, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "local")
	if err != nil {
		c.t.Fatal(err)
	}
	for _, tr := range []webrtc.TrackLocal{audio, video} {
		sender, err := pc.AddTrack(tr)
		if err != nil {
			c.t.Fatal(err)
		}
		if tr == video {
			c.videoSenders = append(c.videoSenders, sender)
		}
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := cand.ToJSON()
			c.send(message{Type: msgCandidate, Candidate: &init})
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		c.streams.Store(tr.StreamID(), tr.Kind().String())
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			c.videoSSRC.Store(uint32(tr.SSRC()))
		}
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				c.gotAudio.Add(1)
			} else {
				c.gotVideo.Add(1)
			}
		}
	})
	c.mu.Lock()
	c.pc = pc
	c.mu.Unlock()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	c.send(message{Type: msgOffer, SDP: pc.LocalDescription()})
	return audio, video
}

// publish writes Opus packets (20 ms each) in real time and a synthetic VP8
// frame every 40 ms until done; it returns when all packets are sent.
func publish(ctx context.Context, audio, video *webrtc.TrackLocalStaticSample, packets [][]byte) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	frame := make([]byte, 900) // the relay forwards VP8 without decoding it
	for i, p := range packets {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := audio.WriteSample(media.Sample{Data: p, Duration: 20 * time.Millisecond}); err != nil {
			return fmt.Errorf("write audio: %w", err)
		}
		if video != nil && i%2 == 0 {
			frame[0] = byte(i)
			if err := video.WriteSample(media.Sample{Data: frame, Duration: 40 * time.Millisecond}); err != nil {
				return fmt.Errorf("write video: %w", err)
			}
		}
	}
	return nil
}

// watchFeedback counts the keyframe requests and NACKs naming this peer's
// own video SSRC that reach its video sender.
func (c *testPeer) watchFeedback(plis, nacks *atomic.Int64) {
	for _, s := range c.videoSenders {
		ssrc := uint32(s.GetParameters().Encodings[0].SSRC)
		go func() {
			for {
				pkts, _, err := s.ReadRTCP()
				if err != nil {
					return
				}
				for _, p := range pkts {
					switch p := p.(type) {
					case *rtcp.PictureLossIndication:
						if p.MediaSSRC == ssrc {
							plis.Add(1)
						}
					case *rtcp.TransportLayerNack:
						if p.MediaSSRC == ssrc && len(p.Nacks) == 1 && p.Nacks[0].PacketID == 7 {
							nacks.Add(1)
						}
					}
				}
			}
		}()
	}
}
