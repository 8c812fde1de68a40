package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// serverMessages are the message types the relay may send a client.
var serverMessages = map[string]bool{msgWelcome: true, msgConsentRecorded: true, msgOffer: true, msgAnswer: true,
	msgCandidate: true, msgState: true, msgError: true, msgEnded: true, msgNotice: true}

// FuzzSignaling speaks to a real relay over a real WebSocket, as anyone who
// can reach /call/{id}/ws can. The input is a role (clinician, client, or no
// join at all) and a script of frames, one per line (a line starting with a
// NUL byte is sent as a binary frame); after them the client says "leave".
// Whatever the frames:
//   - the relay does not panic, in its handler (net/http would recover and
//     log it: the test reads the server's error log) or anywhere else;
//   - without a valid join token nothing but an error comes back, and the
//     connection is closed; with one, the first message is the welcome;
//   - every reply is one well-formed signaling message of a type the relay
//     sends, and error texts are printable;
//   - after "leave" the relay closes the connection within a deadline (no
//     handler is left hanging on a malformed message).
//
// Seeds: the f.Add scripts below (and a real Pion offer), and
// testdata/fuzz/FuzzSignaling.
func FuzzSignaling(f *testing.F) {
	// The relay logs every refused join and failed negotiation to its
	// Logger, which a test does not give it: millions say nothing here.
	b := newMemBackend()
	rl, err := NewRelay(RelayConfig{Loopback: true}, b)
	if err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	rl.Routes(mux)
	srv := httptest.NewUnstartedServer(mux)
	errLog := &lockedBuffer{} // net/http logs a recovered handler panic here
	srv.Config.ErrorLog = log.New(errLog, "", 0)
	srv.Start()
	f.Cleanup(func() {
		srv.Close()
		rl.Close()
	})

	lines := func(msgs ...any) []byte {
		var out [][]byte
		for _, m := range msgs {
			switch m := m.(type) {
			case string:
				out = append(out, []byte(m))
			default:
				j, err := json.Marshal(m)
				if err != nil {
					f.Fatal(err)
				}
				out = append(out, j)
			}
		}
		return bytes.Join(out, []byte("\n"))
	}
	consent := func(scope, method, version string, granted bool) message {
		return message{Type: msgConsent, Consent: &ConsentDecision{Scope: scope, Granted: granted, Method: method, TextVersion: version}}
	}
	const (
		asClinician = 0
		asClient    = 1
		noJoin      = 2
	)
	f.Add(uint8(asClinician), lines(consent(ScopeAIScribe, MethodVerbalAttested, "test-v1", true), message{Type: msgStopScribe}, message{Type: msgEnd}))
	f.Add(uint8(asClient), lines(consent(ScopeAIScribe, MethodElectronic, "test-v1", true), consent(ScopePart2TPO, MethodElectronic, "test-v1", true),
		consent(ScopeAIScribe, MethodVerbalAttested, "test-v1", true), consent("x", "y", "", false), message{Type: msgEnd}, message{Type: msgJoin, Token: "t"}))
	f.Add(uint8(asClient), lines(message{Type: msgCandidate, Candidate: &webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"}},
		message{Type: msgAnswer, SDP: &webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: "v=0\r\n"}},
		message{Type: msgOffer, SDP: &webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"}},
		message{Type: msgOffer}, message{Type: msgConsent}, message{Type: msgCandidate}, `{"type":`, "\x00binary", `{"type":"offer","sdp":{"type":"answer","sdp":"x"}}`, `{"type":"nonsense"}`, `[]`, `null`))
	f.Add(uint8(noJoin), lines(message{Type: msgJoin, Token: "not-a-token"}))
	f.Add(uint8(noJoin), lines(message{Type: msgConsent}, message{Type: msgJoin}))
	f.Add(uint8(noJoin), lines(`{"type":"join","token":"`+strings.Repeat("A", 600)+`"}`))
	// A real offer from a Pion peer: the relay answers and starts ICE.
	pc, err := capturetest.LoopbackAPI(f).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		f.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		f.Fatal(err)
	}
	_ = pc.Close()
	f.Add(uint8(asClinician), lines(message{Type: msgOffer, SDP: &offer}, message{Type: msgOffer, SDP: &offer},
		message{Type: msgCandidate, Candidate: &webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"}}))

	var n atomic.Int64
	f.Fuzz(func(t *testing.T, role uint8, script []byte) {
		session := fmt.Sprintf("fuzz-%d", n.Add(1))
		token := "tok-" + session
		switch role % 3 {
		case asClinician:
			b.addToken(token, session, clinician, time.Hour)
		case asClient:
			b.addToken(token, session, client, time.Hour)
		}
		c := dialSignaling(t, srv.URL, session)
		if role%3 != noJoin {
			j, _ := json.Marshal(message{Type: msgJoin, Token: token})
			if !c.send(websocket.MessageText, j) {
				t.Fatalf("join: the relay closed the connection")
			}
		}
		for _, line := range bytes.Split(script, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			typ := websocket.MessageText
			if line[0] == 0 {
				typ = websocket.MessageBinary
			}
			if !c.send(typ, line) {
				break // the relay closed the connection (a refused join)
			}
		}
		r := c.leave(t)
		for _, m := range r.msgs {
			if m.Type == msgError && !printable(m.Error) {
				t.Fatalf("error text is not printable: %q", m.Error)
			}
		}
		if role%3 == noJoin {
			for _, m := range r.msgs {
				if m.Type != msgError {
					t.Fatalf("a client without a valid token got %q", m.Type)
				}
			}
		} else if len(r.msgs) > 0 && r.msgs[0].Type != msgWelcome {
			// (A client that leaves at once may get nothing: the relay
			// drops what it had queued for a participant who left.)
			t.Fatalf("a valid join got %q first, want welcome", r.msgs[0].Type)
		}
		if log := errLog.String(); strings.Contains(log, "panic") {
			t.Fatalf("the relay panicked:\n%s", log)
		}
	})
}

// sigClient is a raw signaling connection that reads everything the relay
// sends until the relay closes it.
type sigClient struct {
	ctx    context.Context
	cancel context.CancelFunc
	ws     *websocket.Conn
	got    chan message
	done   chan sigReply
}

// sigReply is what a connection received, and how it ended.
type sigReply struct {
	msgs []message
	err  error
}

func dialSignaling(t *testing.T, baseURL, session string) *sigClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/call/"+session+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	ws.SetReadLimit(maxMsgBytes)
	c := &sigClient{ctx: ctx, cancel: cancel, ws: ws, got: make(chan message, 1024), done: make(chan sigReply, 1)}
	go func() {
		var r sigReply
		for {
			typ, data, err := ws.Read(ctx)
			if err != nil {
				r.err = err
				c.done <- r
				return
			}
			var m message
			if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil || !serverMessages[m.Type] {
				r.err = fmt.Errorf("relay sent a malformed message (%v): %q", typ, data)
				c.done <- r
				return
			}
			r.msgs = append(r.msgs, m)
			select {
			case c.got <- m:
			default:
			}
		}
	}()
	return c
}

// send writes one frame; false if the relay has closed the connection.
func (c *sigClient) send(typ websocket.MessageType, frame []byte) bool {
	return c.ws.Write(c.ctx, typ, frame) == nil
}

// next waits for the next message the relay sends.
func (c *sigClient) next(t *testing.T) message {
	t.Helper()
	select {
	case m := <-c.got:
		return m
	case <-c.ctx.Done():
		t.Fatalf("no message from the relay within 20 s")
	}
	return message{}
}

// leave says "leave" and waits for the relay to close the connection, which
// it must do cleanly (a close frame, or the end of the stream; not a reset,
// which would mean it dropped the connection with frames unread).
func (c *sigClient) leave(t *testing.T) sigReply {
	t.Helper()
	leave, _ := json.Marshal(message{Type: msgLeave})
	_ = c.ws.Write(c.ctx, websocket.MessageText, leave)
	var r sigReply
	select {
	case r = <-c.done:
	case <-c.ctx.Done():
	}
	if c.ctx.Err() != nil {
		t.Fatalf("the relay did not close the connection within 20 s of leave")
	}
	if websocket.CloseStatus(r.err) == -1 && !strings.Contains(r.err.Error(), "EOF") {
		t.Fatalf("connection ended with %v", r.err)
	}
	return r
}

// TestSignalingFrameOfAnotherShape is FuzzSignaling's first finding (seeds
// afdd6153c501d711 and 244520809c292394): a frame that is JSON but not a
// message (0, [], "x", an SDP of unknown type) made the relay drop the
// connection at once, without a word and with the client's frames unread (a
// TCP reset), while a frame that is not JSON got an error and the call went
// on. All now get the same error; a first frame of the wrong shape is
// refused like any first message that is not a join.
func TestSignalingFrameOfAnotherShape(t *testing.T) {
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	b.addToken("tok-shape", "shape", client, time.Hour)
	c := dialSignaling(t, srv.URL, "shape")
	c.send(websocket.MessageText, []byte(`{"type":"join","token":"tok-shape"}`))
	if m := c.next(t); m.Type != msgWelcome {
		t.Fatalf("first message %q, want welcome", m.Type)
	}
	for _, frame := range []string{`0`, `[]`, `"x"`, `{"type":"end","sdp":5}`, `{"sdp":{"type":"n"}}`, `{`} {
		c.send(websocket.MessageText, []byte(frame))
		var m message
		for m = c.next(t); m.Type == msgState; m = c.next(t) {
		}
		if m.Type != msgError || !strings.Contains(m.Error, "not a signaling message") {
			t.Fatalf("after %s: %q %q, want an error", frame, m.Type, m.Error)
		}
	}
	c.leave(t)

	refused := dialSignaling(t, srv.URL, "shape")
	refused.send(websocket.MessageText, []byte(`[]`))
	if m := refused.next(t); m.Type != msgError || !strings.Contains(m.Error, `must be "join"`) {
		t.Fatalf("first frame [] got %q %q, want the join error", m.Type, m.Error)
	}
	r := refused.leave(t)
	if websocket.CloseStatus(r.err) != websocket.StatusPolicyViolation {
		t.Fatalf("refused connection ended with %v, want a policy-violation close", r.err)
	}
}

// printable reports whether s has no control characters but tabs and line
// breaks (an error text a page shows as it is).
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return false
		}
	}
	return true
}
