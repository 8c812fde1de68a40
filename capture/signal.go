package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/recorder"
)

// Signaling message types. Client → server: join, consent, offer, answer,
// candidate, stop-scribe, leave, end (clinician only). Server → client:
// welcome, consent-recorded, offer, answer, candidate, state, error, ended.
const (
	msgJoin            = "join"
	msgWelcome         = "welcome"
	msgConsent         = "consent"
	msgConsentRecorded = "consent-recorded"
	msgOffer           = "offer"
	msgAnswer          = "answer"
	msgCandidate       = "candidate"
	msgStopScribe      = "stop-scribe"
	msgLeave           = "leave"
	msgEnd             = "end"
	msgState           = "state"
	msgError           = "error"
	msgEnded           = "ended"
	msgEarly           = "early"  // the link opens the call later (Schedule.Opens)
	msgNotice          = "notice" // information for the participants (Reason)
)

// message is the one JSON shape of every signaling message.
type message struct {
	Type        string                     `json:"type"`
	Token       string                     `json:"token,omitempty"`
	SDP         *webrtc.SessionDescription `json:"sdp,omitempty"`
	Candidate   *webrtc.ICECandidateInit   `json:"candidate,omitempty"`
	Consent     *ConsentDecision           `json:"consent,omitempty"`
	Participant *Participant               `json:"participant,omitempty"`
	ConsentInfo *ConsentInfo               `json:"consentInfo,omitempty"`
	State       *RoomState                 `json:"state,omitempty"`
	Error       string                     `json:"error,omitempty"`
	Reason      string                     `json:"reason,omitempty"` // why the call ended
	ICEServers  []webrtc.ICEServer         `json:"iceServers,omitempty"`
	// Schedule (welcome) is the session's appointment, for a participant
	// who arrives before the clinician.
	Schedule *ScheduleInfo `json:"schedule,omitempty"`
	// Resumable (ended) says the call closed but the session goes on: the
	// same link joins again.
	Resumable bool `json:"resumable,omitempty"`
	// Status (ended) is the whole sentence the page shows, when the server
	// says more than a reason: the session itself is over.
	Status string `json:"status,omitempty"`
}

// ScheduleInfo is a session's appointment window on the wire (RFC 3339;
// the page shows it in the participant's own time zone).
type ScheduleInfo struct {
	Start string `json:"start"`
	End   string `json:"end"`
	// Opens (early) is when the link starts to open the call.
	Opens string `json:"opens,omitempty"`
}

func scheduleInfo(s Schedule) *ScheduleInfo {
	if s.Start.IsZero() {
		return nil
	}
	return &ScheduleInfo{Start: s.Start.UTC().Format(time.RFC3339), End: s.End.UTC().Format(time.RFC3339)}
}

// sessionOverText is what a participant is told when the session itself is
// over (not only this call).
func sessionOverText(err error) string {
	if errors.Is(err, ErrSessionCancelled) {
		return "This session was cancelled. You can close this page; your clinician will be in touch."
	}
	if errors.Is(err, ErrWindowOver) {
		return "The time of this appointment is over, so this link no longer opens the call. If you still need to meet, ask your clinician for a new link."
	}
	return "This session has ended. You can close this page."
}

const (
	joinTimeout  = 10 * time.Second
	maxMsgBytes  = 512 << 10
	sendQueueLen = 128
)

// member is one participant's signaling connection and peer connection.
type member struct {
	p     Participant
	room  *room
	conn  *websocket.Conn
	out   chan []byte
	ctx   context.Context
	close context.CancelFunc

	pcMu    sync.Mutex
	pc      *webrtc.PeerConnection
	pcDone  bool
	senders map[*fwdTrack]*webrtc.RTPSender // guarded by room.mu
	mediaIn bool                            // mediaJoined ran; guarded by room.mu

	negMu    sync.Mutex
	awaiting bool // our offer is out, no answer yet
	again    bool // renegotiate once the answer is in
	// ready is set once the media connection first connects. Until then
	// the server's offers wait (deferred): an offer that reaches a client
	// before it has started ICE on its first answer can make it restart
	// ICE with fresh credentials while its first checks are still in
	// flight (Pion clients do, under load), and the connection never
	// comes up.
	ready    bool
	deferred bool
	offerGen uint64 // counts our offers, to time out an unanswered one

	closeMu     sync.Mutex
	closeCode   websocket.StatusCode
	closeReason string

	candMu    sync.Mutex
	answered  bool // our first answer is sent; candidates may follow
	candQueue []webrtc.ICECandidateInit
}

func (m *member) peer() *webrtc.PeerConnection {
	m.pcMu.Lock()
	defer m.pcMu.Unlock()
	return m.pc
}

// closePeer closes the peer connection; it reports whether there was one.
func (m *member) closePeer() bool {
	m.pcMu.Lock()
	pc := m.pc
	m.pc = nil
	m.pcDone = true
	m.pcMu.Unlock()
	if pc == nil {
		return false
	}
	if err := pc.Close(); err != nil {
		m.room.relay.log.Debug("capture: closing peer connection", "session_id", m.room.id, "err", err)
	}
	return true
}

// send queues a message; a client too slow to take its messages is cut off.
func (m *member) send(msg message) {
	b, err := json.Marshal(msg)
	if err != nil {
		m.room.relay.log.Error("capture: encoding signaling message", "type", msg.Type, "err", err)
		return
	}
	select {
	case m.out <- b:
	case <-m.ctx.Done():
	default:
		m.room.relay.log.Warn("capture: signaling client too slow; disconnecting", "session_id", m.room.id, "participant", m.p.ID)
		m.closeConn("too slow")
	}
}

// closeReplaced is the WebSocket close code of a window replaced by the
// same participant's newer one: the page must not reconnect (it would
// replace the newer window in turn).
const closeReplaced websocket.StatusCode = 4001

// closeAfterFlush closes the signaling connection with code and reason once
// the messages queued before it are written (the end of a call: "ended"
// must arrive first; a replaced window: the error that says why).
func (m *member) closeAfterFlush(code websocket.StatusCode, reason string) {
	m.closeMu.Lock()
	m.closeCode, m.closeReason = code, reason
	m.closeMu.Unlock()
	select {
	case m.out <- nil:
	case <-m.ctx.Done():
	default:
		m.closeWith(code, reason)
	}
}

func (m *member) sendError(text string) { m.send(message{Type: msgError, Error: text}) }

func (m *member) closeConn(reason string) { m.closeWith(websocket.StatusNormalClosure, reason) }

// closeWith cancels the member and closes its connection with code at once
// (without waiting for queued messages: see closeAfterFlush).
func (m *member) closeWith(code websocket.StatusCode, reason string) {
	m.close()
	_ = m.conn.Close(code, reason)
}

func (m *member) writeLoop() {
	for {
		select {
		case <-m.ctx.Done():
			return
		case b := <-m.out:
			if b == nil { // closeAfterFlush: everything before it is sent
				m.closeMu.Lock()
				code, reason := m.closeCode, m.closeReason
				m.closeMu.Unlock()
				// The close frame first: cancelling m.ctx first would let
				// serveWS drop the connection before the code is sent.
				_ = m.conn.Close(code, reason)
				m.close()
				return
			}
			ctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
			err := m.conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				m.close()
				return
			}
		}
	}
}

// negotiate sends the member a new offer, or queues one if ours is pending.
func (m *member) negotiate() {
	m.negMu.Lock()
	defer m.negMu.Unlock()
	pc := m.peer()
	if pc == nil {
		return
	}
	if !m.ready {
		m.deferred = true
		return
	}
	if m.awaiting {
		m.again = true
		return
	}
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		if !errors.Is(err, webrtc.ErrConnectionClosed) {
			m.room.relay.log.Warn("capture: renegotiation failed", "session_id", m.room.id, "participant", m.p.ID, "err", err)
		}
		return
	}
	m.awaiting = true
	m.offerGen++
	gen := m.offerGen
	m.send(message{Type: msgOffer, SDP: pc.LocalDescription()})
	time.AfterFunc(answerTimeout, func() { m.answerOverdue(gen) })
}

// answerTimeout is how long a member has to answer the server's offer.
var answerTimeout = 20 * time.Second

// answerOverdue closes the connection of a member that has not answered
// offer gen: it cannot receive the others until it starts afresh (the call
// page reconnects and rejoins by itself).
func (m *member) answerOverdue(gen uint64) {
	m.negMu.Lock()
	stuck := m.awaiting && m.offerGen == gen
	m.negMu.Unlock()
	if !stuck || m.ctx.Err() != nil {
		return
	}
	m.room.relay.log.Warn("capture: no answer to the server's offer; closing the connection", "session_id", m.room.id, "participant", m.p.ID)
	m.sendError("your browser did not complete the call's set-up; reconnecting")
	m.closeAfterFlush(websocket.StatusPolicyViolation, "no answer to the offer")
}

// mediaConnected sends the offer deferred until the first connection
// (offers are deferred only while not ready, so at most once).
func (m *member) mediaConnected() {
	m.negMu.Lock()
	m.ready = true
	pending := m.deferred
	m.deferred = false
	m.negMu.Unlock()
	if pending {
		m.negotiate()
	}
}

func (m *member) onAnswer(sdp webrtc.SessionDescription) error {
	m.negMu.Lock()
	pc := m.peer()
	if pc == nil || !m.awaiting {
		m.negMu.Unlock()
		return errors.New("answer received but no offer is pending")
	}
	err := pc.SetRemoteDescription(sdp)
	m.awaiting = false
	again := m.again
	m.again = false
	m.negMu.Unlock()
	if err != nil {
		return fmt.Errorf("answer refused: %w", err)
	}
	if again {
		m.negotiate()
	}
	// New subscriptions start with a keyframe.
	m.room.requestKeyframesFor(m)
	return nil
}

// onOffer handles the client's first offer: it creates the peer connection.
func (m *member) onOffer(sdp webrtc.SessionDescription) error {
	if sdp.Type != webrtc.SDPTypeOffer {
		return fmt.Errorf("offer message carries an SDP of type %q", sdp.Type)
	}
	m.pcMu.Lock()
	if m.pc != nil || m.pcDone {
		m.pcMu.Unlock()
		return errors.New("already in the call; the server sends further offers")
	}
	pc, err := m.room.relay.api.NewPeerConnection(webrtc.Configuration{ICEServers: m.room.relay.cfg.ICEServers})
	if err != nil {
		m.pcMu.Unlock()
		return fmt.Errorf("create peer connection: %w", err)
	}
	m.pc = pc
	m.pcMu.Unlock()

	rm := m.room
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		m.candMu.Lock()
		if !m.answered {
			m.candQueue = append(m.candQueue, init)
			m.candMu.Unlock()
			return
		}
		m.candMu.Unlock()
		m.send(message{Type: msgCandidate, Candidate: &init})
	})
	pc.OnTrack(func(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
		capability, redPT := remote.Codec().RTPCodecCapability, uint8(0)
		var redCodec webrtc.RTPCodecCapability
		if remote.Kind() == webrtc.RTPCodecTypeAudio {
			// RED is known by the negotiated payload type, not by the first
			// packet: a browser may switch between RED and plain Opus.
			for _, c := range receiver.GetParameters().Codecs {
				if strings.EqualFold(c.MimeType, recorder.MimeTypeRED) {
					redPT, redCodec = uint8(c.PayloadType), c.RTPCodecCapability
				}
			}
			if strings.EqualFold(capability.MimeType, recorder.MimeTypeRED) {
				// Subscribers get the primary Opus stream (see fwdTrack.redPT).
				capability = opusCapability
			}
		}
		local, err := webrtc.NewTrackLocalStaticRTP(capability, newTrackID(remote.Kind()), m.p.ID)
		if err != nil {
			m.room.relay.log.Error("capture: creating forwarding track", "session_id", rm.id, "err", err)
			return
		}
		t := &fwdTrack{room: rm, owner: m, remote: remote, local: local, kind: remote.Kind(), redPT: redPT}
		if redPT != 0 {
			t.strip = make([]byte, 1500)
			if t.redInner = redInnerPT(redCodec.SDPFmtpLine); t.redInner != 0 {
				if t.localRED, err = webrtc.NewTrackLocalStaticRTP(redCodec, local.ID(), m.p.ID); err != nil {
					m.room.relay.log.Error("capture: creating RED forwarding track", "session_id", rm.id, "err", err)
					t.localRED = nil
				}
			}
		}
		go t.readReports(receiver)
		rm.addTrack(t)
		t.run()
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			m.mediaConnected()
		}
		if s == webrtc.PeerConnectionStateFailed {
			m.room.relay.log.Info("capture: peer connection failed", "session_id", rm.id, "participant", m.p.ID)
			m.closeConn("media connection failed")
		}
	})

	if err := pc.SetRemoteDescription(sdp); err != nil {
		return fmt.Errorf("offer refused: %w", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("set answer: %w", err)
	}
	m.send(message{Type: msgAnswer, SDP: pc.LocalDescription()})
	m.candMu.Lock()
	m.answered = true
	queued := m.candQueue
	m.candQueue = nil
	m.candMu.Unlock()
	for i := range queued {
		m.send(message{Type: msgCandidate, Candidate: &queued[i]})
	}
	rm.mediaJoined(m)
	return nil
}

// serveWS is the signaling endpoint of one session.
func (r *Relay) serveWS(w http.ResponseWriter, req *http.Request, sessionID string) {
	conn, err := websocket.Accept(w, req, nil)
	if err != nil {
		return // Accept has answered the request
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMsgBytes)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()

	refuse := func(text string) {
		b, _ := json.Marshal(message{Type: msgError, Error: text})
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		_ = conn.Write(wctx, websocket.MessageText, b)
		wcancel()
		_ = conn.Close(websocket.StatusPolicyViolation, text)
	}

	jctx, jcancel := context.WithTimeout(ctx, joinTimeout)
	var join message
	err = readMessage(jctx, conn, &join)
	jcancel()
	if err != nil && !notAMessage(err) {
		refuse("expected a join message: " + err.Error())
		return
	}
	if err != nil || join.Type != msgJoin || join.Token == "" {
		refuse(fmt.Sprintf("the first message must be %q with a token", msgJoin))
		return
	}
	// over tells a participant whose session is over, in words, and hangs up.
	over := func(err error) {
		b, _ := json.Marshal(message{Type: msgEnded, Status: sessionOverText(err)})
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		_ = conn.Write(wctx, websocket.MessageText, b)
		wcancel()
		_ = conn.Close(websocket.StatusNormalClosure, "session over")
	}
	p, err := r.backend.Authorize(ctx, sessionID, join.Token)
	var early *TooEarlyError
	if errors.As(err, &early) {
		// Not a refusal of the link: it opens the call later.
		r.log.Info("capture: join before the call opens", "session_id", sessionID, "opens", early.Opens.UTC().Format(time.RFC3339))
		b, _ := json.Marshal(message{Type: msgEarly, Schedule: &ScheduleInfo{Start: early.Start.UTC().Format(time.RFC3339),
			End: early.End.UTC().Format(time.RFC3339), Opens: early.Opens.UTC().Format(time.RFC3339)}})
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		_ = conn.Write(wctx, websocket.MessageText, b)
		wcancel()
		_ = conn.Close(websocket.StatusNormalClosure, "too early")
		return
	}
	if err != nil {
		r.log.Info("capture: join refused", "session_id", sessionID, "err", err)
		if errors.Is(err, ErrSessionEnded) {
			over(err)
			return
		}
		refuse("this join link is invalid or has expired; ask your clinician for a new one")
		return
	}
	if p.ID == "" || p.Label == "" {
		r.log.Error("capture: backend authorised a participant without ID or label", "session_id", sessionID)
		refuse("server error: participant has no speaker label")
		return
	}
	info, err := r.backend.ConsentText(ctx, sessionID)
	if err != nil {
		r.log.Error("capture: loading consent text failed", "session_id", sessionID, "err", err)
		refuse("server error: consent text unavailable; try again")
		return
	}

	var rm *room
	m := &member{p: p, conn: conn, out: make(chan []byte, sendQueueLen), senders: map[*fwdTrack]*webrtc.RTPSender{}}
	m.ctx, m.close = context.WithCancel(ctx)
	// A room that closes between roomFor and addMember is waited for by the
	// next roomFor.
	for range 5 {
		if rm, err = r.roomFor(ctx, sessionID); err != nil {
			if errors.Is(err, ErrSessionEnded) {
				over(err)
			} else {
				refuse(err.Error())
			}
			return
		}
		m.room = rm
		var old *member
		old, err = rm.addMember(m)
		if errors.Is(err, errRoomEnded) {
			continue
		}
		if err != nil {
			refuse(fmt.Sprintf("%v (at most %d participants)", err, r.cfg.MaxParticipants))
			return
		}
		if old != nil {
			old.sendError("you joined from another window")
			old.closeAfterFlush(closeReplaced, "replaced by a newer connection")
			rm.dropPeer(old)
		}
		break
	}
	if err != nil {
		refuse(err.Error())
		return
	}
	go m.writeLoop()
	defer rm.leave(m)
	defer m.close()

	st := rm.state()
	m.send(message{Type: msgWelcome, Participant: &p, ConsentInfo: &info, State: &st, ICEServers: r.browserICE(p.ID), Schedule: scheduleInfo(rm.schedule)})
	rm.broadcastState()
	r.log.Info("capture: participant connected", "session_id", sessionID, "participant", p.ID, "role", p.Role)

	for {
		var msg message
		if err := readMessage(m.ctx, conn, &msg); err != nil {
			if notAMessage(err) {
				m.sendError("message is not a signaling message (a JSON object with a type)")
				continue
			}
			return
		}
		if done := m.handle(msg, info); done {
			return
		}
	}
}

// errBadFrame wraps a frame whose content the relay cannot take as a
// message (not JSON, a binary frame, JSON of another shape such as 0 or [],
// an unknown SDP type): the sender is told, unlike a failed connection.
var errBadFrame = errors.New("not a signaling message")

func notAMessage(err error) bool { return errors.Is(err, errBadFrame) }

func readMessage(ctx context.Context, conn *websocket.Conn, msg *message) error {
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return err
	}
	if typ != websocket.MessageText {
		return fmt.Errorf("%w: binary frame", errBadFrame)
	}
	if err := json.Unmarshal(b, msg); err != nil {
		return fmt.Errorf("%w: %w", errBadFrame, err)
	}
	return nil
}

// handle processes one client message; it reports whether to hang up.
func (m *member) handle(msg message, info ConsentInfo) bool {
	rm := m.room
	ctx := m.ctx
	switch msg.Type {
	case msgOffer, msgAnswer:
		if msg.SDP == nil {
			m.sendError(msg.Type + " message has no sdp")
			return false
		}
		var err error
		if msg.Type == msgOffer {
			err = m.onOffer(*msg.SDP)
		} else {
			err = m.onAnswer(*msg.SDP)
		}
		if err != nil {
			m.room.relay.log.Warn("capture: negotiation failed", "session_id", rm.id, "participant", m.p.ID, "err", err)
			m.sendError(err.Error())
		}
	case msgCandidate:
		if msg.Candidate == nil {
			m.sendError("candidate message has no candidate")
			return false
		}
		pc := m.peer()
		if pc == nil {
			m.sendError("candidate received before an offer")
			return false
		}
		if err := pc.AddICECandidate(*msg.Candidate); err != nil {
			m.sendError("candidate refused: " + err.Error())
		}
	case msgConsent:
		if msg.Consent == nil {
			m.sendError("consent message has no consent decision")
			return false
		}
		current, err := rm.relay.backend.ConsentText(ctx, rm.id)
		if err != nil {
			m.room.relay.log.Error("capture: loading consent text failed", "session_id", rm.id, "err", err)
			m.sendError("consent could not be checked; try again")
			return false
		}
		if err := msg.Consent.validate(m.p, current); err != nil {
			m.sendError(err.Error())
			return false
		}
		if err := rm.relay.backend.RecordConsent(ctx, rm.id, m.p, *msg.Consent); err != nil {
			m.room.relay.log.Error("capture: recording consent failed", "session_id", rm.id, "participant", m.p.ID, "err", err)
			m.sendError("your consent decision could not be saved; try again")
			return false
		}
		if msg.Consent.Granted && msg.Consent.Scope == ScopeAIScribe {
			rm.consentGranted()
		}
		m.send(message{Type: msgConsentRecorded, Consent: msg.Consent})
		rm.refreshRecording(ctx)
		rm.broadcastState()
	case msgStopScribe:
		if err := rm.stopScribe(ctx, m.p); err != nil {
			m.room.relay.log.Error("capture: recording revocation failed; recorders are stopped", "session_id", rm.id, "err", err)
			m.sendError("the AI scribe is stopped, but the revocation could not be saved; tell your clinician")
		}
	case msgLeave:
		// The session stays open when a participant leaves, unless the
		// clinician stopped the AI scribe and then leaves: that is the
		// end of it.
		if m.p.Role == RoleClinician && rm.stoppedByClinician() {
			rm.end("the clinician stopped the AI scribe and left")
		}
		return true
	case msgEnd:
		if m.p.Role != RoleClinician {
			m.sendError("only the clinician can end the call for everyone")
			return false
		}
		// The room's end sends "ended" to everyone, the clinician too, and
		// then closes their connections.
		go rm.end("ended by clinician")
	case msgJoin:
		m.sendError("already joined")
	default:
		m.sendError(fmt.Sprintf("unknown message type %q", msg.Type))
	}
	return false
}

// browserICE is the ICE server list a participant's browser gets.
func (r *Relay) browserICE(participantID string) []webrtc.ICEServer {
	if r.cfg.ParticipantICE == nil {
		return r.cfg.ICEServers
	}
	return append(append([]webrtc.ICEServer(nil), r.cfg.ICEServers...), r.cfg.ParticipantICE(participantID)...)
}
