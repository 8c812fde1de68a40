package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/recorder"
)

// flushAttempts is how often the last chunk of a speaker is offered to the
// backend at the end of a call (0.5 s, 1 s, 2 s apart).
const flushAttempts = 4

// room is one session's live call. It lives while someone is in it: when
// the last participant leaves it closes and the session stays open (a
// later join opens a new room that continues the recording); it ends the
// session only when the clinician ends the call or a limit does (end).
type room struct {
	relay    *Relay
	id       string
	opened   time.Time // MaxDuration counts from here
	schedule Schedule  // from the SessionKeeper; zero without one

	// recMu serialises recording decisions (consent changes, track starts,
	// stop-scribe) so a slow backend answer cannot undo a revocation.
	recMu sync.Mutex

	mu      sync.Mutex
	members map[string]*member // by participant ID
	tracks  []*fwdTrack
	// start is sample 0 of every speaker's timeline: the session's clock
	// (CallInfo), or zero until the session first records. next is each
	// speaker's first chunk index in this room. clockUnsaved: the clock
	// this room started is not yet kept by the SessionKeeper.
	start        time.Time
	next         map[string]int
	clockUnsaved bool
	mediaSince   time.Time               // the room's first media connection
	speakers     map[string]*speakerSink // by participant ID; survives rejoins
	recording    bool
	scribeOff    bool   // "Stop AI scribe" pressed; cleared by a new grant
	stoppedBy    string // the role of who pressed it
	everJoined   bool
	peak         int       // most members at once
	aloneSince   time.Time // one member left after others had been there
	ended        bool      // closing or closed: no new member
	over         bool      // the room ended the session: later joins are refused
	endOnce      sync.Once
	endedSignal  chan struct{} // closed once the room is closed and forgotten

	// Attendance events waiting to be written (attendance.go).
	attMu    sync.Mutex
	attQueue []attendanceEvent
	attDone  chan struct{} // closed when the writer has emptied the queue
}

func newRoom(r *Relay, id string, info CallInfo) *room {
	return &room{
		relay:       r,
		id:          id,
		opened:      time.Now(),
		schedule:    info.Schedule,
		start:       info.ClockStart,
		next:        info.NextIndex,
		members:     map[string]*member{},
		speakers:    map[string]*speakerSink{},
		endedSignal: make(chan struct{}),
	}
}

// fwdTrack is one incoming track and the local track it is forwarded on.
type fwdTrack struct {
	room   *room
	owner  *member
	remote *webrtc.TrackRemote
	local  *webrtc.TrackLocalStaticRTP
	kind   webrtc.RTPCodecType
	rec    atomic.Pointer[trackRecording]

	// redPT is the payload type of the publisher's RFC 2198 RED audio, 0
	// if it sends plain Opus. RED is recorded whole (its redundancy fills
	// in for lost packets). It is forwarded as it is (localRED) to
	// subscribers who negotiated RED with the same Opus payload type inside
	// (redInner), and as its primary Opus block (local) to the others.
	redPT    uint8
	redInner uint8
	localRED *webrtc.TrackLocalStaticRTP
	strip    []byte // the forwarded packet without redundancy; reused

	lastPLI atomic.Int64 // unix nanos; keyframe requests are rate-limited
}

// forward writes one RTP packet to every subscriber and, while recording,
// hands a copy to the recorder. With recording off it allocates nothing.
func (t *fwdTrack) forward(pkt []byte, arrival time.Time) {
	packetsIn.Add(1)
	out := pkt
	if t.redPT != 0 && len(pkt) > 1 && pkt[1]&0x7f == t.redPT {
		if t.localRED != nil {
			_, _ = t.localRED.Write(pkt)
		}
		out = stripRED(pkt, t.strip)
	}
	// Errors are per subscriber (a closed transport); the other
	// subscribers have been written already.
	if out != nil {
		_, _ = t.local.Write(out)
	}
	if tr := t.rec.Load(); tr != nil {
		tr.push(pkt, arrival)
	}
}

// stripRED writes into dst the RTP packet pkt with its RED payload replaced
// by the primary block (padding dropped) and returns it; nil if pkt is
// malformed. dst must be at least len(pkt) long.
func stripRED(pkt, dst []byte) []byte {
	if len(pkt) < 12 {
		return nil
	}
	hl := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 { // header extension
		if len(pkt) < hl+4 {
			return nil
		}
		hl += 4 + 4*(int(pkt[hl+2])<<8|int(pkt[hl+3]))
	}
	end := len(pkt)
	if pkt[0]&0x20 != 0 { // padding
		end -= int(pkt[end-1])
	}
	if hl > end {
		return nil
	}
	primary, err := recorder.REDPrimary(pkt[hl:end])
	if err != nil || len(primary) == 0 {
		return nil
	}
	n := copy(dst, pkt[:hl])
	dst[0] &^= 0x20
	n += copy(dst[n:], primary)
	return dst[:n]
}

// acceptsRED reports whether a subscriber's connection negotiated RED audio
// whose blocks it will read as Opus of payload type inner.
func acceptsRED(pc *webrtc.PeerConnection, inner uint8) bool {
	var red, opus bool
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio || tr.Receiver() == nil {
			continue
		}
		for _, c := range tr.Receiver().GetParameters().Codecs {
			switch {
			case strings.EqualFold(c.MimeType, recorder.MimeTypeRED):
				red = true
			case strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) && uint8(c.PayloadType) == inner:
				opus = true
			}
		}
		break
	}
	return red && opus
}

// redInnerPT is the Opus payload type inside RED blocks, from the RED
// codec's fmtp line ("111/111"); 0 if it does not say.
func redInnerPT(fmtp string) uint8 {
	first, _, _ := strings.Cut(fmtp, "/")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || n <= 0 || n > 127 {
		return 0
	}
	return uint8(n)
}

// readReports reads the publisher's RTCP for this track (which also keeps
// the interceptors running) and gives its sender reports to the recorder.
func (t *fwdTrack) readReports(receiver *webrtc.RTPReceiver) {
	ssrc := uint32(t.remote.SSRC())
	for {
		pkts, _, err := receiver.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			sr, ok := p.(*rtcp.SenderReport)
			if !ok || sr.SSRC != ssrc {
				continue
			}
			if tr := t.rec.Load(); tr != nil {
				tr.senderReport(ntpTime(sr.NTPTime), sr.RTPTime)
			}
		}
	}
}

// ntpTime converts a 64-bit NTP timestamp (RFC 3550) to a time.
func ntpTime(ntp uint64) time.Time {
	const ntpToUnix = 2208988800 // seconds from 1900 to 1970
	secs := int64(ntp>>32) - ntpToUnix
	frac := int64((ntp & 0xffffffff) * uint64(time.Second) >> 32)
	return time.Unix(secs, frac)
}

func (t *fwdTrack) run() {
	buf := make([]byte, 1500)
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.room.relay.log.Debug("capture: track read ended", "session_id", t.room.id, "err", err)
			}
			t.room.removeTrack(t)
			return
		}
		t.forward(buf[:n], time.Now())
	}
}

// requestKeyframe asks the publisher for a keyframe, at most every 200 ms.
func (t *fwdTrack) requestKeyframe() {
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	now := time.Now().UnixNano()
	last := t.lastPLI.Load()
	if now-last < int64(200*time.Millisecond) || !t.lastPLI.CompareAndSwap(last, now) {
		return
	}
	if pc := t.owner.peer(); pc != nil {
		_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())}})
	}
}

// readFeedback forwards a subscriber's RTCP feedback to the publisher with
// the publisher's SSRC: PLI/FIR as a (rate-limited) keyframe request, NACKs
// as they are (forwarding keeps sequence numbers, so they name the same
// packets), REMB as a bitrate cap.
func (t *fwdTrack) readFeedback(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			var out rtcp.Packet
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				t.requestKeyframe()
			case *rtcp.TransportLayerNack:
				out = &rtcp.TransportLayerNack{SenderSSRC: p.SenderSSRC, MediaSSRC: uint32(t.remote.SSRC()), Nacks: p.Nacks}
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				out = &rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: p.SenderSSRC, Bitrate: p.Bitrate, SSRCs: []uint32{uint32(t.remote.SSRC())}}
			}
			if out == nil {
				continue
			}
			if pc := t.owner.peer(); pc != nil {
				_ = pc.WriteRTCP([]rtcp.Packet{out})
			}
		}
	}
}

// addMember admits a signaling connection, replacing an older connection
// of the same participant.
func (rm *room) addMember(m *member) (old *member, err error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.ended {
		return nil, errRoomEnded
	}
	old = rm.members[m.p.ID]
	if old == nil && len(rm.members) >= rm.relay.cfg.MaxParticipants {
		return nil, errRoomFull
	}
	rm.members[m.p.ID] = m
	rm.everJoined = true
	rm.peak = max(rm.peak, len(rm.members))
	if len(rm.members) > 1 {
		rm.aloneSince = time.Time{}
	}
	return old, nil
}

var (
	errRoomEnded = errors.New("call has ended")
	errRoomFull  = errors.New("call is full")
)

// mediaJoined is called once a member's peer connection is up: it
// subscribes the member to everyone else's tracks.
func (rm *room) mediaJoined(m *member) {
	rm.mu.Lock()
	if rm.members[m.p.ID] != m || rm.ended {
		rm.mu.Unlock()
		return
	}
	m.mediaIn = true
	if rm.mediaSince.IsZero() {
		rm.mediaSince = time.Now()
	}
	var keyframes []*fwdTrack
	for _, t := range rm.tracks {
		if t.owner != m && rm.subscribe(m, t) {
			keyframes = append(keyframes, t)
		}
	}
	rm.mu.Unlock()
	m.negotiate()
	for _, t := range keyframes {
		t.requestKeyframe()
	}
	rm.recordAttendance(m.p, EventJoin, time.Now())
	rm.broadcastState()
}

// requestKeyframesFor asks the publishers of every video track m receives
// for a keyframe (rate-limited per track).
func (rm *room) requestKeyframesFor(m *member) {
	rm.mu.Lock()
	var ts []*fwdTrack
	for t := range m.senders {
		if t.kind == webrtc.RTPCodecTypeVideo {
			ts = append(ts, t)
		}
	}
	rm.mu.Unlock()
	for _, t := range ts {
		t.requestKeyframe()
	}
}

// subscribe adds t to m's peer connection unless m has it; rm.mu is held.
func (rm *room) subscribe(m *member, t *fwdTrack) bool {
	pc := m.peer()
	if pc == nil {
		return false
	}
	if _, ok := m.senders[t]; ok {
		return false
	}
	local := t.local
	if t.localRED != nil && acceptsRED(pc, t.redInner) {
		local = t.localRED
	}
	sender, err := pc.AddTrack(local)
	if err != nil {
		rm.relay.log.Warn("capture: forwarding track failed", "session_id", rm.id, "participant", m.p.ID, "err", err)
		return false
	}
	m.senders[t] = sender
	go t.readFeedback(sender)
	return true
}

// addTrack starts forwarding a new incoming track to every other member.
func (rm *room) addTrack(t *fwdTrack) {
	rm.mu.Lock()
	if rm.ended {
		rm.mu.Unlock()
		return
	}
	rm.tracks = append(rm.tracks, t)
	var renegotiate []*member
	for _, m := range rm.members {
		// A member still answering its first offer gets every track at
		// mediaJoined: adding one here too would forward it twice (two
		// m-sections with one msid, which browsers refuse).
		if m != t.owner && m.mediaIn && rm.subscribe(m, t) {
			renegotiate = append(renegotiate, m)
		}
	}
	rm.mu.Unlock()
	for _, m := range renegotiate {
		m.negotiate()
	}
	if t.kind == webrtc.RTPCodecTypeAudio {
		rm.refreshRecording(rm.relay.ctx)
	}
	rm.broadcastState()
}

// removeTrack stops forwarding t; its recording (if any) is flushed, since
// that audio was captured under consent.
func (rm *room) removeTrack(t *fwdTrack) {
	rm.mu.Lock()
	idx := -1
	for i, x := range rm.tracks {
		if x == t {
			idx = i
		}
	}
	if idx < 0 {
		rm.mu.Unlock()
		return
	}
	rm.tracks = append(rm.tracks[:idx], rm.tracks[idx+1:]...)
	var renegotiate []*member
	for _, m := range rm.members {
		if s, ok := m.senders[t]; ok {
			delete(m.senders, t)
			if pc := m.peer(); pc != nil {
				_ = pc.RemoveTrack(s)
				renegotiate = append(renegotiate, m)
			}
		}
	}
	rm.mu.Unlock()
	if tr := t.rec.Swap(nil); tr != nil {
		tr.finish()
	}
	for _, m := range renegotiate {
		m.negotiate()
	}
}

// leave removes a member (closed connection, "leave", failed transport).
func (rm *room) leave(m *member) {
	rm.mu.Lock()
	if rm.members[m.p.ID] != m {
		rm.mu.Unlock()
		rm.dropPeer(m) // replaced, or the call is ending
		return
	}
	delete(rm.members, m.p.ID)
	if len(rm.members) == 1 && rm.peak > 1 {
		rm.aloneSince = time.Now()
	}
	var own []*fwdTrack
	for _, t := range rm.tracks {
		if t.owner == m {
			own = append(own, t)
		}
	}
	empty := len(rm.members) == 0
	rm.mu.Unlock()

	for _, t := range own {
		rm.removeTrack(t)
	}
	rm.dropPeer(m)
	if empty {
		// The session goes on: its links still work, and whoever comes
		// back opens a room that continues the recording.
		rm.close("everyone left", closeRoom)
		return
	}
	rm.broadcastState()
}

// dropPeer closes m's media; whoever closes it reports the leave.
func (rm *room) dropPeer(m *member) {
	if !m.closePeer() {
		return
	}
	rm.recordAttendance(m.p, EventLeave, time.Now())
}

// refreshRecording asks the backend whether recording is allowed and
// starts or stops the recorders to match. It fails closed.
func (rm *room) refreshRecording(ctx context.Context) {
	rm.recMu.Lock()
	defer rm.recMu.Unlock()
	allowed, err := rm.relay.backend.RecordingAllowed(ctx, rm.id)
	if err != nil {
		rm.relay.log.Error("capture: consent check failed; not recording", "session_id", rm.id, "err", err)
		allowed = false
	}
	started := allowed && rm.startClock()
	rm.setRecording(allowed)
	if started {
		// Not on this goroutine: a new track's packets wait for addTrack.
		go rm.saveClock(rm.relay.ctx)
	}
}

// startClock starts the session's clock if the room has none and a
// participant sends audio (a consent given while waiting does not start
// it); it reports whether it did. Sample 0 is the room's first media
// connection, which comes before any packet (a packet sent before sample 0
// could not be placed). The recorders start at once: keeping the clock
// (saveClock) follows, off the media path. rm.recMu is held.
func (rm *room) startClock() bool {
	if !rm.hasAudio() {
		return false
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if !rm.start.IsZero() {
		return false
	}
	rm.start, rm.clockUnsaved = rm.mediaSince, true
	if rm.start.IsZero() {
		rm.start = time.Now()
	}
	return true
}

// saveClock gives the clock this room started to the SessionKeeper, so a
// later room of the session continues it. A failure is retried when the
// room closes (before a later room can open); saving the same clock twice
// is harmless.
func (rm *room) saveClock(ctx context.Context) {
	k, ok := rm.relay.backend.(SessionKeeper)
	rm.mu.Lock()
	start, unsaved := rm.start, rm.clockUnsaved
	rm.mu.Unlock()
	if !ok || !unsaved {
		return
	}
	if err := k.StartClock(ctx, rm.id, start); err != nil {
		rm.relay.log.Error("capture: keeping the session's clock failed", "session_id", rm.id, "err", err)
		return
	}
	rm.mu.Lock()
	rm.clockUnsaved = false
	rm.mu.Unlock()
}

// hasAudio reports whether any participant sends audio: the session's
// clock starts with its first recorded audio, not with a consent given
// while waiting.
func (rm *room) hasAudio() bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, t := range rm.tracks {
		if t.kind == webrtc.RTPCodecTypeAudio {
			return true
		}
	}
	return false
}

// capturing reports whether any participant's audio is being recorded.
func (rm *room) capturing() bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, t := range rm.tracks {
		if t.rec.Load() != nil {
			return true
		}
	}
	return false
}

// setRecording applies a decision; rm.recMu is held.
func (rm *room) setRecording(on bool) {
	rm.mu.Lock()
	if rm.ended {
		rm.mu.Unlock()
		return
	}
	if rm.scribeOff {
		on = false
	}
	changed := rm.recording != on
	rm.recording = on
	var stop []*trackRecording
	if on {
		for _, t := range rm.tracks {
			if t.kind == webrtc.RTPCodecTypeAudio && t.rec.Load() == nil {
				rm.startRecording(t)
			}
		}
	} else {
		for _, t := range rm.tracks {
			if tr := t.rec.Swap(nil); tr != nil {
				stop = append(stop, tr)
			}
		}
	}
	sinks := make([]*speakerSink, 0, len(rm.speakers))
	for _, s := range rm.speakers {
		sinks = append(sinks, s)
	}
	rm.mu.Unlock()
	if !on {
		for _, tr := range stop {
			tr.stop()
		}
		for _, s := range sinks {
			s.discard()
		}
	}
	if changed {
		rm.relay.log.Info("capture: recording state changed", "session_id", rm.id, "recording", on)
		rm.broadcastState()
	}
}

// startRecording attaches a recorder to an audio track; rm.mu is held. A
// track that arrived after the clock was read waits for its own
// refreshRecording (addTrack), which sets the clock.
func (rm *room) startRecording(t *fwdTrack) {
	if rm.start.IsZero() {
		return
	}
	sink := rm.speakers[t.owner.p.ID]
	if sink == nil {
		sink = &speakerSink{
			log: rm.relay.log, ctx: rm.relay.ctx, backend: rm.relay.backend, sessionID: rm.id,
			speaker: t.owner.p.Label, max: rm.relay.cfg.ChunkMax, newChunker: rm.relay.cfg.NewChunker,
			index: rm.next[t.owner.p.Label],
		}
		rm.speakers[t.owner.p.ID] = sink
	}
	rec, err := rm.relay.cfg.NewRecorder(rm.start, t.owner.p.Label, TrackFormat{REDPayloadType: t.redPT}, sink)
	if err != nil {
		rm.relay.log.Error("capture: starting recorder failed", "session_id", rm.id, "participant", t.owner.p.ID, "err", err)
		return
	}
	t.rec.Store(startTrackRecording(rm.relay.log, rec, rm.id))
	tracksRecorded.Add(1)
}

// stopScribe stops every recorder at once, then records the revocation.
func (rm *room) stopScribe(ctx context.Context, by Participant) error {
	rm.recMu.Lock()
	defer rm.recMu.Unlock()
	rm.mu.Lock()
	rm.scribeOff, rm.stoppedBy = true, by.Role
	rm.mu.Unlock()
	rm.setRecording(false)
	rm.broadcastState()
	return rm.relay.backend.RevokeConsent(ctx, rm.id, by)
}

// consentGranted clears a previous "Stop AI scribe" once a new grant is on file.
func (rm *room) consentGranted() {
	rm.mu.Lock()
	rm.scribeOff, rm.stoppedBy = false, ""
	rm.mu.Unlock()
}

// stoppedByClinician reports whether the clinician pressed "Stop AI
// scribe" and nobody granted consent since.
func (rm *room) stoppedByClinician() bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.scribeOff && rm.stoppedBy == RoleClinician
}

// How a room closes.
type closeKind int

const (
	// endSession: the clinician ended the call, or a limit did. The
	// session is over (backend.CallEnded); its links stop working.
	endSession closeKind = iota
	// closeRoom: the room is closed and the session stays open (everyone
	// left, or one was alone with nothing being recorded); the next join
	// opens a new room.
	closeRoom
	// relayClosing: the relay shuts down. The session stays open and the
	// pages reconnect (to this server once it is back).
	relayClosing
)

// end ends the session's call for good: see close.
func (rm *room) end(reason string) { rm.close(reason, endSession) }

// close closes the room once: members told why and disconnected, peers
// closed, recorders flushed, the last chunks stored; then, for endSession,
// backend.CallEnded. The room is forgotten (a new join opens a new room)
// only after all of it, so a later room never numbers a chunk before this
// room's last one is stored.
func (rm *room) close(reason string, kind closeKind) {
	rm.endOnce.Do(func() {
		rm.recMu.Lock()
		defer rm.recMu.Unlock()
		rm.mu.Lock()
		rm.ended = true
		rm.over = kind == endSession
		members := make([]*member, 0, len(rm.members))
		for _, m := range rm.members {
			members = append(members, m)
		}
		rm.members = map[string]*member{}
		tracks := rm.tracks
		rm.tracks = nil
		sinks := make([]*speakerSink, 0, len(rm.speakers))
		for _, s := range rm.speakers {
			sinks = append(sinks, s)
		}
		rm.mu.Unlock()

		for _, m := range members {
			switch kind {
			case endSession:
				m.send(message{Type: msgEnded, Reason: reason})
				m.closeAfterFlush(websocket.StatusNormalClosure, "call ended")
			case closeRoom:
				m.send(message{Type: msgEnded, Reason: reason, Resumable: true})
				m.closeAfterFlush(websocket.StatusNormalClosure, "call closed")
			case relayClosing:
				m.send(message{Type: msgNotice, Reason: reason})
				m.closeAfterFlush(websocket.StatusGoingAway, "server shutting down")
			}
			rm.dropPeer(m)
		}
		for _, t := range tracks {
			if tr := t.rec.Swap(nil); tr != nil {
				tr.finish()
			}
		}
		var chunks int
		for _, s := range sinks {
			// The backend may be briefly unavailable: retry before giving up.
			for attempt, wait := 1, 500*time.Millisecond; ; attempt, wait = attempt+1, wait*2 {
				err := s.flush()
				if err == nil {
					break
				}
				if errors.Is(err, ErrSessionEnded) {
					rm.relay.log.Warn("capture: the session ended before the last chunk was stored; chunk not kept", "session_id", rm.id)
					s.discard()
					break
				}
				if attempt == flushAttempts {
					rm.relay.log.Error("capture: storing last chunk failed; audio lost", "session_id", rm.id, "attempts", attempt, "err", err)
					break
				}
				rm.relay.log.Warn("capture: storing last chunk failed; retrying", "session_id", rm.id, "attempt", attempt, "err", err)
				time.Sleep(wait)
			}
			chunks += s.stored
		}
		if !rm.attendanceWritten(attendanceDrain) {
			rm.relay.log.Error("capture: attendance still pending at the end of the call", "session_id", rm.id)
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(rm.relay.ctx), 30*time.Second)
		defer cancel()
		rm.saveClock(ctx) // if it failed while the call ran
		if kind == endSession && rm.everJoined {
			if err := rm.relay.backend.CallEnded(ctx, rm.id, reason); err != nil {
				rm.relay.log.Error("capture: reporting call end failed", "session_id", rm.id, "err", err)
			}
		}
		// Each member's connection closes itself once "ended" is written
		// (closeAfterFlush above); closing it here could cut that short.
		if host, ok := rm.relay.backend.(CallHost); ok {
			host.ReleaseCall(ctx, rm.id)
		}
		rm.relay.forget(rm)
		if kind == endSession {
			rm.relay.log.Info("capture: call ended", "session_id", rm.id, "reason", reason, "chunks", chunks)
		} else {
			rm.relay.log.Info("capture: call closed; the session stays open", "session_id", rm.id, "reason", reason, "chunks", chunks)
		}
		close(rm.endedSignal)
	})
}

// closing reports whether the room is closing or closed, and whether it
// ended the session.
func (rm *room) closing() (closing, over bool) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.ended, rm.over
}

// RoomState is what every participant is told about the call.
type RoomState struct {
	Recording    bool               `json:"recording"`
	Participants []ParticipantState `json:"participants"`
}

// ParticipantState is one member as the others see it. The forwarded
// tracks of a participant carry their ID as the MediaStream id, which is how
// the call page labels video tiles.
type ParticipantState struct {
	Participant
	InCall bool `json:"inCall"`
}

func (rm *room) state() RoomState {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	st := RoomState{Recording: rm.recording, Participants: []ParticipantState{}}
	for _, m := range rm.members {
		st.Participants = append(st.Participants, ParticipantState{Participant: m.p, InCall: m.peer() != nil})
	}
	sort.Slice(st.Participants, func(i, j int) bool { return st.Participants[i].Label < st.Participants[j].Label })
	return st
}

// broadcast sends a message to every member.
func (rm *room) broadcast(msg message) {
	rm.mu.Lock()
	members := make([]*member, 0, len(rm.members))
	for _, m := range rm.members {
		members = append(members, m)
	}
	rm.mu.Unlock()
	for _, m := range members {
		m.send(msg)
	}
}

func (rm *room) broadcastState() {
	st := rm.state()
	rm.broadcast(message{Type: msgState, State: &st})
}

func newTrackID(kind webrtc.RTPCodecType) string {
	return kind.String() + "-" + uuid.NewString()
}

// keepHosting renews the relay's claim on the call until it ends.
func (rm *room) keepHosting(host CallHost) {
	tick := time.NewTicker(HostRenewInterval)
	defer tick.Stop()
	for {
		select {
		case <-rm.endedSignal:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(rm.relay.ctx, HostRenewInterval)
			err := host.HostCall(ctx, rm.id)
			cancel()
			if errors.Is(err, ErrSessionEnded) {
				// Cancelled by an admin, or ended by the expiry sweep of
				// another process.
				rm.relay.log.Info("capture: the session ended elsewhere; ending its call", "session_id", rm.id, "err", err)
				reason := "the session has ended"
				if errors.Is(err, ErrSessionCancelled) {
					reason = "the session was cancelled"
				}
				go rm.end(reason)
				return
			}
			if err != nil {
				rm.relay.log.Error("capture: renewing the claim on the call failed", "session_id", rm.id, "err", err)
			}
		}
	}
}

// watchLimits ends the call at the relay's MaxDuration; when one
// participant has been alone for AloneTimeout after the others left it ends
// the session if that participant is being recorded (the session moves on
// to its note, as if the clinician had ended it) and otherwise only closes
// the room (the session stays joinable). Past the session's deadline a
// room with at most one participant and nothing being recorded ends the
// session.
func (rm *room) watchLimits() {
	cfg := rm.relay.cfg
	// Participants are told before the maximum length ends the call.
	warnBefore := min(5*time.Minute, cfg.MaxDuration/5)
	warnAt, warned := cfg.MaxDuration-warnBefore, false
	every := min(cfg.AloneTimeout/4, warnBefore/4, 5*time.Second)
	tick := time.NewTicker(max(every, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-rm.endedSignal:
			return
		case now := <-tick.C:
			elapsed := now.Sub(rm.opened)
			if elapsed >= cfg.MaxDuration {
				rm.end(fmt.Sprintf("the call reached its maximum length of %v", cfg.MaxDuration))
				return
			}
			if !warned && elapsed >= warnAt {
				warned = true
				left := (cfg.MaxDuration - elapsed).Round(time.Second)
				rm.broadcast(message{Type: msgNotice, Reason: fmt.Sprintf("This call will end in %v: it reaches its maximum length of %v. Start a new session to continue.", left, cfg.MaxDuration)})
			}
			rm.mu.Lock()
			since, members := rm.aloneSince, len(rm.members)
			rm.mu.Unlock()
			if !since.IsZero() && now.Sub(since) >= cfg.AloneTimeout {
				reason := fmt.Sprintf("everyone else left %v ago", cfg.AloneTimeout.Round(time.Second))
				if rm.capturing() {
					rm.end(reason)
				} else {
					rm.close(reason, closeRoom)
				}
				return
			}
			if dl := rm.schedule.Deadline; !dl.IsZero() && now.After(dl) && members <= 1 && !rm.capturing() {
				rm.end("the session's time is over")
				return
			}
		}
	}
}
