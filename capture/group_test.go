package capture

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// TestGroupCallAndRejoin: three participants each receive the other two;
// a client who drops and rejoins continues one speaker timeline (chunk
// indexes and positions carry on) and attendance shows both joins.
func TestGroupCallAndRejoin(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	third := Participant{ID: "p3", Role: RoleParticipant, Label: "participant 3"}
	b.addToken("tok-3", "s1", third, time.Hour)
	p3, refused := capturetest.Dial(t, srv.URL, "s1", "tok-3")
	if p3 == nil {
		t.Fatalf("participant 3 refused: %s", refused)
	}
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	peers := []*testPeer{clin, cli, p3}
	for _, c := range peers {
		a, v := c.JoinMedia(api)
		go capturetest.PublishLoop(ctx, a, v, packets[:75])
	}
	waitConnected(t, peers...)
	ids := []string{clinician.ID, client.ID, third.ID}
	for i, c := range peers {
		c.WaitFor(15*time.Second, "media from both others", func() bool {
			for j, id := range ids {
				if j == i {
					continue
				}
				if !c.HasStream(id) {
					return false
				}
			}
			return c.GotAudio() > 50 && c.GotVideo() > 20
		})
	}
	b.waitFor(t, 15*time.Second, "a chunk from every speaker", func() bool {
		ch, _, _, _ := b.snapshot()
		return len(ch["clinician"]) > 0 && len(ch["client"]) > 0 && len(ch["participant 3"]) > 0
	})

	// The client drops (closed signaling and media) and comes back.
	cli.Close()
	clin.WaitFor(10*time.Second, "client gone", func() bool { return len(clin.State().Participants) == 2 })
	before, _, _, _ := b.snapshot()
	cli2, refused := capturetest.Dial(t, srv.URL, "s1", "tok-client")
	if cli2 == nil {
		t.Fatalf("rejoin refused: %s", refused)
	}
	a, v := cli2.JoinMedia(api)
	waitConnected(t, cli2)
	go capturetest.PublishLoop(ctx, a, v, packets[:75])
	cli2.WaitFor(15*time.Second, "media after rejoin", func() bool { return cli2.GotAudio() > 50 })
	b.waitFor(t, 15*time.Second, "client chunks after rejoin", func() bool {
		ch, _, _, _ := b.snapshot()
		return len(ch["client"]) >= len(before["client"])+2
	})
	cancel()
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })

	chunks, attend, _, _ := b.snapshot()
	timeline(t, chunks["client"]) // indexes contiguous across the rejoin, chunks tile
	last := before["client"][len(before["client"])-1]
	for _, c := range chunks["client"][len(before["client"]):] {
		if c.StartSample < last.EndSample {
			t.Errorf("chunk %d after rejoin starts at %d, before the pre-drop audio ended (%d)", c.Index, c.StartSample, last.EndSample)
		}
	}
	joins := 0
	for _, e := range attend {
		if e == "client:join" {
			joins++
		}
	}
	if joins != 2 {
		t.Errorf("attendance %v: want two client joins", attend)
	}
}

// TestSingleUDPPort: with UDPPort set, media flows through that one port.
func TestSingleUDPPort(t *testing.T) {
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{UDPPort: port}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	api := capturetest.LoopbackAPI(t)
	clin.JoinMedia(api)
	cli.JoinMedia(api)
	waitConnected(t, clin, cli)
	for _, c := range []*testPeer{clin, cli} {
		pair, err := c.PC().GetTransceivers()[0].Sender().Transport().ICETransport().GetSelectedCandidatePair()
		if err != nil || pair == nil {
			t.Fatalf("no selected candidate pair: %v", err)
		}
		if int(pair.Remote.Port) != port {
			t.Errorf("media goes to relay port %d, want the configured %d", pair.Remote.Port, port)
		}
	}
}

// TestNewRelayRefusesBadConfig names the bad setting.
func TestNewRelayRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  RelayConfig
		want string
	}{
		{RelayConfig{MaxParticipants: 1}, "MaxParticipants is 1"},
		{RelayConfig{ChunkMax: 100}, "ChunkMax is 100 samples"},
		{RelayConfig{UDPPort: 70000}, "UDPPort 70000"},
	} {
		if _, err := NewRelay(tc.cfg, newMemBackend()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRelay(%+v) = %v, want error containing %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := NewRelay(RelayConfig{}, nil); err == nil {
		t.Error("NewRelay without a backend succeeded")
	}
}

// TestCallPageServedWithStrictCSP: the page and its files are served with a
// CSP that forbids inline script, and the page references no inline script.
func TestCallPageServedWithStrictCSP(t *testing.T) {
	_, srv := startRelay(t, RelayConfig{}, newMemBackend())
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, page := get("/call/s1?token=abc")
	if resp.StatusCode != 200 {
		t.Fatalf("page status %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q does not forbid inline script", csp)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q: the join token could leak", resp.Header.Get("Referrer-Policy"))
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " onclick=") || strings.Contains(page, "<style>") {
		t.Error("call page has inline script or style")
	}
	for _, id := range []string{"consent-accept", "consent-decline", "join", "leave", "scribe-stop"} {
		if !strings.Contains(page, `data-testid="`+id+`"`) {
			t.Errorf("call page lacks data-testid %q", id)
		}
	}
	if strings.Contains(page, `data-testid="recording-indicator"`) {
		t.Error("recording indicator is in the page before any recording")
	}
	for _, f := range []string{"call.js", "call.css"} {
		if resp, _ := get("/call/static/" + f); resp.StatusCode != 200 {
			t.Errorf("/call/static/%s: status %d", f, resp.StatusCode)
		}
	}
	if resp, _ := get("/call/static/nope.js"); resp.StatusCode != 404 {
		t.Errorf("missing static file: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := get("/call/s1/other"); resp.StatusCode != 404 {
		t.Errorf("unknown sub-path: status %d, want 404", resp.StatusCode)
	}
}

// TestOffersWaitForFirstConnection: a participant who joins when others'
// tracks are already in the call gets them in an offer from the server only
// once its own media connection is up. An offer that reaches a client
// before it has started ICE on its first answer can make it restart ICE
// with new credentials while its first checks are in flight; Pion clients
// under load then never connect (seen as a 1-in-75 failure to connect with
// hundreds of calls in parallel).
func TestOffersWaitForFirstConnection(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	api := capturetest.LoopbackAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, v := clin.JoinMedia(api)
	go capturetest.PublishLoop(ctx, a, v, packets[:75])
	waitConnected(t, clin)
	// The clinician's tracks are in the room before the client offers.
	b.waitFor(t, 10*time.Second, "the clinician's two tracks at the relay", func() bool {
		rm := liveRoom(rl, "s1")
		if rm == nil {
			return false
		}
		rm.mu.Lock()
		defer rm.mu.Unlock()
		return len(rm.tracks) == 2
	})
	la, lv := cli.JoinMedia(api)
	go capturetest.PublishLoop(ctx, la, lv, packets[:75])
	cli.WaitFor(10*time.Second, "the clinician's media", func() bool { return cli.HasStream(clinician.ID) && cli.GotAudio() > 10 })
	if n := cli.OffersBeforeConnected(); n != 0 {
		t.Errorf("%d offers reached the client before its media connection was up", n)
	}
	if n := clin.OffersBeforeConnected(); n != 0 {
		t.Errorf("%d offers reached the clinician before its media connection was up", n)
	}
}

// TestCallLimits: a call left open ends at the relay's maximum length
// (the session moves on: CallEnded). A participant left alone after the
// others went is disconnected after the alone timeout, while one waiting
// for the others to arrive is not: if that participant is being recorded
// the session moves on (CallEnded), as if the clinician had ended it;
// otherwise only the call closes and the session stays open for a rejoin.
// Each time the participants are told why.
func TestCallLimits(t *testing.T) {
	t.Run("alone after the others left, nothing recorded", func(t *testing.T) {
		b := newMemBackend()
		rl, srv := startRelay(t, RelayConfig{AloneTimeout: 600 * time.Millisecond}, b)
		clin, cli := joinBoth(t, srv.URL, b)
		time.Sleep(300 * time.Millisecond)
		cli.Leave()
		clin.WaitFor(5*time.Second, "the call closed", clin.Ended)
		if r := clin.EndReason(); !strings.Contains(r, "everyone else left") || !clin.Resumable() {
			t.Errorf("end reason %q, resumable %v; want the call closed with the session still open", r, clin.Resumable())
		}
		b.waitFor(t, 5*time.Second, "the room closed", func() bool { return liveRoom(rl, "s1") == nil })
		if _, _, ended, _ := b.snapshot(); len(ended) != 0 {
			t.Errorf("CallEnded %v: a call with nothing recorded ended its session", ended)
		}
		again, refused := capturetest.Dial(t, srv.URL, "s1", "tok-clin")
		if again == nil {
			t.Fatalf("rejoin after the call closed: %s", refused)
		}
	})
	t.Run("alone after the others left, recording", func(t *testing.T) {
		_, packets := speechPackets(t)
		b := newMemBackend()
		_, srv := startRelay(t, RelayConfig{AloneTimeout: 600 * time.Millisecond, ChunkMax: SampleRate}, b)
		clin, cli := joinBoth(t, srv.URL, b)
		if refused := consent(cli, grantAIScribe()); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		a, _ := clin.JoinMedia(capturetest.LoopbackAPI(t))
		waitConnected(t, clin)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go capturetest.PublishLoop(ctx, a, nil, packets)
		b.waitFor(t, 15*time.Second, "the clinician recorded", func() bool { ch, _, _, _ := b.snapshot(); return len(ch["clinician"]) > 0 })
		cli.Leave()
		clin.WaitFor(5*time.Second, "the call ended", clin.Ended)
		if r := clin.EndReason(); !strings.Contains(r, "everyone else left") || clin.Resumable() {
			t.Errorf("end reason %q, resumable %v; want the session ended", r, clin.Resumable())
		}
		b.waitFor(t, 5*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	})
	t.Run("waiting for the others is not alone", func(t *testing.T) {
		b := newMemBackend()
		_, srv := startRelay(t, RelayConfig{AloneTimeout: 300 * time.Millisecond}, b)
		b.addToken("tok-clin", "s1", clinician, time.Hour)
		clin, refused := capturetest.Dial(t, srv.URL, "s1", "tok-clin")
		if clin == nil {
			t.Fatalf("clinician refused: %s", refused)
		}
		time.Sleep(1200 * time.Millisecond)
		if clin.Ended() {
			t.Fatalf("the call of a clinician waiting for the client ended: %s", clin.EndReason())
		}
	})
	t.Run("maximum length", func(t *testing.T) {
		b := newMemBackend()
		_, srv := startRelay(t, RelayConfig{MaxDuration: 3 * time.Second}, b)
		clin, cli := joinBoth(t, srv.URL, b)
		cli.WaitFor(5*time.Second, "a warning before the end", func() bool { return len(cli.Notices()) > 0 })
		if cli.Ended() || !strings.Contains(cli.Notices()[0], "will end in") {
			t.Errorf("notice %q (ended already: %v); want a warning before the end", cli.Notices(), cli.Ended())
		}
		clin.WaitFor(5*time.Second, "the call ended", clin.Ended)
		if r := clin.EndReason(); !strings.Contains(r, "maximum length") {
			t.Errorf("end reason %q", r)
		}
		b.waitFor(t, 5*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	})
	if _, err := NewRelay(RelayConfig{MaxDuration: -time.Second}, newMemBackend()); err == nil {
		t.Error("a negative MaxDuration was accepted")
	}
}

// TestPublicIPAnnounced: behind 1:1 NAT the relay announces the public
// address it is given (--webrtc-public-ip) in its candidates, not its own.
func TestPublicIPAnnounced(t *testing.T) {
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{PublicIPs: []string{"203.0.113.7"}}, b)
	clin, _ := joinBoth(t, srv.URL, b)
	clin.JoinMedia(capturetest.LoopbackAPI(t))
	b.waitFor(t, 10*time.Second, "the relay's answer with its candidates", func() bool {
		rm := liveRoom(rl, "s1")
		if rm == nil {
			return false
		}
		rm.mu.Lock()
		m := rm.members[clinician.ID]
		rm.mu.Unlock()
		if m == nil || m.peer() == nil || m.peer().ICEGatheringState() != webrtc.ICEGatheringStateComplete {
			return false
		}
		sdp := m.peer().LocalDescription().SDP
		if !strings.Contains(sdp, "203.0.113.7") {
			t.Fatalf("the relay's description does not announce the public IP:\n%s", sdp)
		}
		for _, line := range strings.Split(sdp, "\n") {
			if strings.HasPrefix(line, "a=candidate:") && !strings.Contains(line, "203.0.113.7") {
				t.Errorf("a candidate with the host's own address: %s", line)
			}
		}
		return true
	})
	if _, err := NewRelay(RelayConfig{PublicIPs: []string{"not-an-ip"}}, newMemBackend()); err == nil {
		t.Error("a public IP that is not an IP address was accepted")
	}
}

// TestTrackForwardedOnceToEachMember: a track that arrives while a member
// is still answering its first offer is not added to that member's
// connection then and again when its media joins (two m-sections with one
// msid: Chromium refuses the whole offer, "Duplicate a=msid lines", and the
// member never receives anyone; seen under load in the Chromium test).
func TestTrackForwardedOnceToEachMember(t *testing.T) {
	b := newMemBackend()
	rl, _ := startRelay(t, RelayConfig{}, b)
	rm := newRoom(rl, "s-once", CallInfo{})
	pc, err := rl.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	newMember := func(p Participant, pc *webrtc.PeerConnection) *member {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return &member{p: p, room: rm, pc: pc, senders: map[*fwdTrack]*webrtc.RTPSender{}, out: make(chan []byte, sendQueueLen), ctx: ctx, close: cancel}
	}
	owner, m := newMember(clinician, nil), newMember(client, pc)
	rm.members[clinician.ID], rm.members[client.ID] = owner, m
	local, err := webrtc.NewTrackLocalStaticRTP(opusCapability, "audio-once", clinician.ID)
	if err != nil {
		t.Fatal(err)
	}
	tr := &fwdTrack{room: rm, owner: owner, local: local, kind: webrtc.RTPCodecTypeAudio}

	rm.addTrack(tr) // the client is between its offer and mediaJoined
	rm.mu.Lock()
	early := len(m.senders)
	rm.mu.Unlock()
	if early != 0 {
		t.Fatalf("the track was added to a member still answering its first offer")
	}
	rm.mediaJoined(m)
	rm.mediaJoined(m) // and again: still once
	rm.mu.Lock()
	again := rm.subscribe(m, tr)
	n := len(m.senders)
	rm.mu.Unlock()
	if again || n != 1 {
		t.Fatalf("subscribed again: %v; %d senders, want 1", again, n)
	}
	var withTrack int
	for _, x := range pc.GetTransceivers() {
		if x.Sender() != nil && x.Sender().Track() != nil {
			withTrack++
		}
	}
	if withTrack != 1 {
		t.Fatalf("%d transceivers send the track, want 1", withTrack)
	}
}

// TestUnansweredOfferClosesConnection: a member that does not answer the
// server's offer (a stuck client) is told so and its connection is closed
// after answerTimeout, so that it starts afresh (the call page reconnects)
// instead of staying in the call without the others.
func TestUnansweredOfferClosesConnection(t *testing.T) {
	defer func(d time.Duration) { answerTimeout = d }(answerTimeout)
	answerTimeout = 2 * time.Second // the clinician, who answers, must not be caught by it on a loaded machine
	_, packets := speechPackets(t)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	api := capturetest.LoopbackAPI(t)
	a, v := clin.JoinMedia(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go capturetest.PublishLoop(ctx, a, v, packets[:75])
	waitConnected(t, clin)
	cli.IgnoreOffers()
	cli.JoinMedia(api)
	cli.WaitFor(10*time.Second, "the server giving up on the unanswered offer", func() bool {
		return slices.ContainsFunc(cli.Errors(), func(e string) bool { return strings.Contains(e, "did not complete the call's set-up") })
	})
	clin.WaitFor(10*time.Second, "the stuck client out of the call", func() bool {
		for _, p := range clin.State().Participants {
			if p.ID == client.ID {
				return false
			}
		}
		return true
	})
	if len(clin.Errors()) > 0 {
		t.Errorf("the clinician, who answered, got errors: %q", clin.Errors())
	}
}
