package capturetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// Peer is one Go participant speaking the real signaling protocol.
type Peer struct {
	t       testing.TB
	ws      *websocket.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	welcome Message

	mu        sync.Mutex
	pc        *webrtc.PeerConnection
	state     RoomState
	errors    []string
	consentOK int
	ended     bool
	endReason string
	resumable bool
	// ignoreOffers makes the peer drop the server's offers (a stuck client).
	ignoreOffers atomic.Bool
	notices      []string
	changed      chan struct{}

	gotAudio, gotVideo atomic.Int64
	audioCodec         atomic.Value  // MIME type of the forwarded audio received
	videoSSRC          atomic.Uint32 // SSRC of the forwarded video received
	streams            sync.Map      // stream ID (the publisher's participant ID) → kind
	videoSenders       []*webrtc.RTPSender
	// offersUnconnected counts server offers that arrived before ICE first
	// connected.
	offersUnconnected atomic.Int64
	everConnected     atomic.Bool
}

// Dial connects to the signaling endpoint of session on the server at
// baseURL (http://…) and sends join with token. A refused join returns a nil
// Peer and the server's error text (after checking that the server closed
// the connection). The peer is closed when the test ends.
func Dial(t testing.TB, baseURL, session, token string) (*Peer, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/call/" + session + "/ws"
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		cancel()
		t.Fatalf("dial signaling: %v", err)
	}
	ws.SetReadLimit(maxMsgBytes)
	c := &Peer{t: t, ws: ws, ctx: ctx, cancel: cancel, changed: make(chan struct{}, 1)}
	t.Cleanup(c.Close)
	c.Send(Message{Type: MsgJoin, Token: token})
	var first Message
	if err := readMessage(ctx, ws, &first); err != nil {
		return nil, "connection closed: " + err.Error()
	}
	if first.Type == MsgEarly && first.Schedule != nil {
		// Too early: the server says when the link opens and hangs up.
		if _, _, err := ws.Read(ctx); err == nil {
			t.Errorf("connection still open after an early join")
		}
		return nil, "early: the call opens at " + first.Schedule.Opens
	}
	if first.Type == MsgError || first.Type == MsgEnded {
		// The server closes the connection after refusing (an error), or
		// after saying the session is over (ended, with its words).
		if _, _, err := ws.Read(ctx); err == nil {
			t.Errorf("connection still open after join was refused")
		}
		if first.Type == MsgEnded {
			return nil, first.Status
		}
		return nil, first.Error
	}
	if first.Type != MsgWelcome || first.Participant == nil || first.ConsentInfo == nil {
		t.Fatalf("first message is %+v, want welcome", first)
	}
	c.welcome = first
	go c.readLoop()
	return c, ""
}

// Welcome is the server's welcome message: who this peer is, the consent
// text in force and the room state at joining.
func (c *Peer) Welcome() Message { return c.welcome }

// Close drops the signaling connection and the peer connection without
// saying goodbye (a participant whose network went away).
func (c *Peer) Close() {
	c.cancel()
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc != nil {
		_ = pc.Close()
	}
}

// Send writes one signaling message.
func (c *Peer) Send(m Message) {
	b, err := json.Marshal(m)
	if err != nil {
		c.t.Errorf("marshal: %v", err)
		return
	}
	if err := c.ws.Write(c.ctx, websocket.MessageText, b); err != nil && c.ctx.Err() == nil {
		c.t.Logf("signaling write: %v", err)
	}
}

// StopScribe presses "Stop AI scribe".
func (c *Peer) StopScribe() { c.Send(Message{Type: MsgStopScribe}) }

// Leave leaves the call (the session stays open; the clinician's leave
// after stopping the AI scribe ends it).
func (c *Peer) Leave() { c.Send(Message{Type: MsgLeave}) }

// End ends the call for everyone (the clinician's button).
func (c *Peer) End() { c.Send(Message{Type: MsgEnd}) }

func (c *Peer) notify() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *Peer) readLoop() {
	for {
		var m Message
		if err := readMessage(c.ctx, c.ws, &m); err != nil {
			return
		}
		c.mu.Lock()
		pc := c.pc
		c.mu.Unlock()
		if pc != nil && pc.ConnectionState() == webrtc.PeerConnectionStateClosed && (m.Type == MsgOffer || m.Type == MsgAnswer || m.Type == MsgCandidate) {
			continue // the call is over; late renegotiation is moot
		}
		switch m.Type {
		case MsgAnswer:
			if err := pc.SetRemoteDescription(*m.SDP); err != nil {
				c.t.Errorf("set answer: %v", err)
			}
		case MsgOffer:
			if c.ignoreOffers.Load() {
				continue
			}
			if ice := pc.ICEConnectionState(); !c.everConnected.Load() && ice != webrtc.ICEConnectionStateConnected && ice != webrtc.ICEConnectionStateCompleted {
				c.offersUnconnected.Add(1)
			}
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
			c.Send(Message{Type: MsgAnswer, SDP: pc.LocalDescription()})
		case MsgCandidate:
			if err := pc.AddICECandidate(*m.Candidate); err != nil {
				c.t.Errorf("add candidate: %v", err)
			}
		case MsgState:
			c.mu.Lock()
			c.state = *m.State
			c.mu.Unlock()
		case MsgError:
			c.mu.Lock()
			c.errors = append(c.errors, m.Error)
			c.mu.Unlock()
		case MsgConsentRecorded:
			c.mu.Lock()
			c.consentOK++
			c.mu.Unlock()
		case MsgNotice:
			c.mu.Lock()
			c.notices = append(c.notices, m.Reason)
			c.mu.Unlock()
		case MsgEnded:
			c.mu.Lock()
			c.ended = true
			c.endReason = m.Reason
			c.resumable = m.Resumable
			c.mu.Unlock()
		}
		c.notify()
	}
}

// WaitFor waits until cond holds, re-checking on every message received;
// it fails the test after d. cond may call the peer's accessors.
func (c *Peer) WaitFor(d time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-c.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// State is the latest room state the server sent.
func (c *Peer) State() RoomState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state
	st.Participants = append([]ParticipantState(nil), st.Participants...)
	return st
}

// Errors lists every error message the server sent, oldest first.
func (c *Peer) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// IgnoreOffers makes the peer drop the server's offers from now on, as a
// client whose set-up is stuck would.
func (c *Peer) IgnoreOffers() { c.ignoreOffers.Store(true) }

// Notices lists the server's notices to the participants, oldest first.
func (c *Peer) Notices() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.notices...)
}

// EndReason is why the server said the call ended ("" before it did).
func (c *Peer) EndReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endReason
}

// Ended reports whether the server said the call has ended.
func (c *Peer) Ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// Resumable reports whether the "ended" the server sent closed only the
// call, with the session still open (the same link joins again).
func (c *Peer) Resumable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resumable
}

// PC is the peer connection once JoinMedia has been called, else nil.
func (c *Peer) PC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pc
}

// Connected reports whether the media connection is up.
func (c *Peer) Connected() bool {
	pc := c.PC()
	return pc != nil && pc.ConnectionState() == webrtc.PeerConnectionStateConnected
}

// OffersBeforeConnected counts the server's offers that reached this peer
// before its ICE connection first came up.
func (c *Peer) OffersBeforeConnected() int64 { return c.offersUnconnected.Load() }

// GotAudio and GotVideo count forwarded RTP packets received.
func (c *Peer) GotAudio() int64 { return c.gotAudio.Load() }

// AudioCodec is the MIME type of the forwarded audio received ("" before any).
func (c *Peer) AudioCodec() string {
	m, _ := c.audioCodec.Load().(string)
	return m
}

// GotVideo counts forwarded video RTP packets received.
func (c *Peer) GotVideo() int64 { return c.gotVideo.Load() }

// VideoSSRC is the SSRC of the forwarded video received (0 before any).
func (c *Peer) VideoSSRC() uint32 { return c.videoSSRC.Load() }

// HasStream reports whether media of the participant with this ID arrived
// (the relay tags forwarded tracks with the publisher's participant ID).
func (c *Peer) HasStream(participantID string) bool {
	_, ok := c.streams.Load(participantID)
	return ok
}

// VideoSenders are the senders of this peer's own video tracks.
func (c *Peer) VideoSenders() []*webrtc.RTPSender {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*webrtc.RTPSender(nil), c.videoSenders...)
}

// Consent sends a decision and waits for the server's verdict: "" when it
// was recorded, else the server's error text.
func (c *Peer) Consent(d ConsentDecision) (refused string) {
	c.t.Helper()
	c.mu.Lock()
	okBefore, errBefore := c.consentOK, len(c.errors)
	c.mu.Unlock()
	c.Send(Message{Type: MsgConsent, Consent: &d})
	c.WaitFor(5*time.Second, "consent verdict", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.consentOK > okBefore || len(c.errors) > errBefore
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errors) > errBefore {
		return c.errors[errBefore]
	}
	return ""
}

// JoinMedia opens the peer connection with an Opus track and a VP8 track
// and sends the first offer. Forwarded media is read and counted.
func (c *Peer) JoinMedia(api *webrtc.API) (audio, video *webrtc.TrackLocalStaticSample) {
	c.t.Helper()
	audio, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "local")
	if err != nil {
		c.t.Fatal(err)
	}
	video, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "local")
	if err != nil {
		c.t.Fatal(err)
	}
	c.joinWith(api, audio, video)
	return audio, video
}

// JoinAudioRTP opens the peer connection with one audio track of the given
// codec (Opus, or RED with APIWithRED) written as RTP packets, so the test
// chooses sequence numbers, payloads and losses (see PublishRTP).
func (c *Peer) JoinAudioRTP(api *webrtc.API, codec webrtc.RTPCodecCapability) *webrtc.TrackLocalStaticRTP {
	c.t.Helper()
	audio, err := webrtc.NewTrackLocalStaticRTP(codec, "mic", "local")
	if err != nil {
		c.t.Fatal(err)
	}
	c.joinWith(api, audio)
	return audio
}

func (c *Peer) joinWith(api *webrtc.API, tracks ...webrtc.TrackLocal) {
	c.t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	var videoSenders []*webrtc.RTPSender
	for _, tr := range tracks {
		sender, err := pc.AddTrack(tr)
		if err != nil {
			c.t.Fatal(err)
		}
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			videoSenders = append(videoSenders, sender)
		}
	}
	// Candidates gathered before the offer is sent wait for it, as in a
	// browser, where the page sends its offer before any candidate event.
	var candMu sync.Mutex
	var offered bool
	var early []webrtc.ICECandidateInit
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		init := cand.ToJSON()
		candMu.Lock()
		defer candMu.Unlock()
		if !offered {
			early = append(early, init)
			return
		}
		c.Send(Message{Type: MsgCandidate, Candidate: &init})
	})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected || s == webrtc.ICEConnectionStateCompleted {
			c.everConnected.Store(true)
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		c.streams.Store(tr.StreamID(), tr.Kind().String())
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			c.audioCodec.Store(tr.Codec().MimeType)
		}
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
	c.videoSenders = append(c.videoSenders, videoSenders...)
	c.mu.Unlock()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	candMu.Lock()
	c.Send(Message{Type: MsgOffer, SDP: pc.LocalDescription()})
	offered = true
	for i := range early {
		c.Send(Message{Type: MsgCandidate, Candidate: &early[i]})
	}
	candMu.Unlock()
}
