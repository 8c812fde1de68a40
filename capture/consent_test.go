package capture

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// countingRecorders wraps the real recorder factory and counts recorders made.
func countingRecorders(n *atomic.Int64) RecorderFactory {
	return func(start time.Time, speaker string, format TrackFormat, sink PCMSink) (TrackRecorder, error) {
		n.Add(1)
		return NewRecorder(start, speaker, format, sink)
	}
}

func waitConnected(t *testing.T, peers ...*testPeer) {
	t.Helper()
	for _, c := range peers {
		c.WaitFor(10*time.Second, "media connected", func() bool {
			return c.Connected()
		})
	}
}

// TestDeclinedConsentRecordsNothing: the call works (media is forwarded) but
// no recorder is created and nothing is stored.
func TestDeclinedConsentRecordsNothing(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	var recorders atomic.Int64
	_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate, NewRecorder: countingRecorders(&recorders)}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, ConsentDecision{Scope: ScopeAIScribe, Granted: false, Method: MethodElectronic, TextVersion: "test-v1"}); refused != "" {
		t.Fatalf("decline refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	ca, cv := clin.JoinMedia(api)
	la, lv := cli.JoinMedia(api)
	waitConnected(t, clin, cli)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go capturetest.PublishLoop(ctx, ca, cv, packets[:100])
	go capturetest.PublishLoop(ctx, la, lv, packets[:100])
	for _, c := range []*testPeer{clin, cli} {
		c.WaitFor(10*time.Second, "forwarded media", func() bool { return c.GotAudio() > 100 && c.GotVideo() > 20 })
		if c.State().Recording {
			t.Errorf("state says recording without consent")
		}
	}
	cancel()
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	chunks, _, _, _ := b.snapshot()
	if len(chunks) != 0 {
		t.Errorf("stored chunks without consent: %d speakers", len(chunks))
	}
	if n := recorders.Load(); n != 0 {
		t.Errorf("%d recorders created without consent; audio must not even be decoded", n)
	}
}

// TestStopScribeStopsEveryRecorder: mid-call revocation by the client stops
// both participants' recording at once, records the revocation and turns
// everyone's indicator off; no stored audio extends past one second after
// the request.
func TestStopScribeStopsEveryRecorder(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	relay, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	ca, cv := clin.JoinMedia(api)
	la, lv := cli.JoinMedia(api)
	waitConnected(t, clin, cli)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go capturetest.PublishLoop(ctx, ca, cv, packets)
	go capturetest.PublishLoop(ctx, la, lv, packets)

	b.waitFor(t, 15*time.Second, "chunks from both speakers", func() bool {
		c, _, _, _ := b.snapshot()
		return len(c["client"]) >= 2 && len(c["clinician"]) >= 2
	})
	relay.mu.Lock()
	start := relay.rooms["s1"].start
	relay.mu.Unlock()
	stopAt := time.Now()
	cli.StopScribe()
	for _, c := range []*testPeer{clin, cli} {
		c.WaitFor(5*time.Second, "recording off", func() bool { return !c.State().Recording })
	}
	time.Sleep(2 * time.Second) // speech keeps flowing: none of it may be stored
	cancel()
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })

	chunks, _, _, revokes := b.snapshot()
	if revokes != 1 {
		t.Errorf("RevokeConsent called %d times, want 1", revokes)
	}
	limit := int64((stopAt.Sub(start) + time.Second).Seconds() * SampleRate)
	for speaker, cs := range chunks {
		for _, c := range cs {
			if c.EndSample > limit {
				t.Errorf("%s chunk %d ends at %.2f s, after the stop request at %.2f s + 1 s",
					speaker, c.Index, float64(c.EndSample)/SampleRate, stopAt.Sub(start).Seconds())
			}
		}
	}
	if errs := cli.Errors(); len(errs) > 0 {
		t.Errorf("client got errors: %v", errs)
	}
}

// TestClinicianAttestsVerbalConsent: the clinician's attestation turns
// recording on; a client cannot attest.
func TestClinicianAttestsVerbalConsent(t *testing.T) {
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	attest := ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodVerbalAttested, TextVersion: "test-v1"}
	if refused := consent(cli, attest); !strings.Contains(refused, "only the clinician can attest") {
		t.Errorf("client attesting: got %q, want a refusal naming the clinician", refused)
	}
	if refused := consent(clin, attest); refused != "" {
		t.Fatalf("attestation refused: %s", refused)
	}
	allowed, _ := b.RecordingAllowed(context.Background(), "s1")
	if !allowed {
		t.Fatal("backend does not see the attested consent")
	}
	clin.WaitFor(5*time.Second, "recording on", func() bool { return clin.State().Recording })
	cli.WaitFor(5*time.Second, "recording on", func() bool { return cli.State().Recording })
}

// TestConsentRefusesBadDecisions: every malformed decision is refused with a
// message naming the problem, and nothing reaches the backend.
func TestConsentRefusesBadDecisions(t *testing.T) {
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	_, cli := joinBoth(t, srv.URL, b)
	for _, tc := range []struct {
		name string
		d    ConsentDecision
		want string
	}{
		{"unknown scope", ConsentDecision{Scope: "everything", Granted: true, Method: MethodElectronic, TextVersion: "test-v1"}, `unknown scope "everything"`},
		{"part 2 scope outside a Part 2 session", ConsentDecision{Scope: ScopePart2TPO, Granted: true, Method: MethodElectronic, TextVersion: "test-v1"}, "only to a 42 CFR Part 2 session"},
		{"unknown method", ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: "telepathy", TextVersion: "test-v1"}, `unknown method "telepathy"`},
		{"missing text version", ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodElectronic}, "version is missing"},
		{"stale text version", ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodElectronic, TextVersion: "test-v0"}, "not the current version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if refused := consent(cli, tc.d); !strings.Contains(refused, tc.want) {
				t.Errorf("got %q, want it to contain %q", refused, tc.want)
			}
		})
	}
	cli.Send(capturetest.Message{Type: capturetest.MsgConsent})
	cli.WaitFor(5*time.Second, "error for empty consent", func() bool {
		errs := cli.Errors()
		return len(errs) > 0 && strings.Contains(errs[len(errs)-1], "no consent decision")
	})
	cli.Send(capturetest.Message{Type: "dance"})
	cli.WaitFor(5*time.Second, "error for unknown type", func() bool {
		errs := cli.Errors()
		return strings.Contains(errs[len(errs)-1], `unknown message type "dance"`)
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.consents) != 0 {
		t.Errorf("backend recorded %d consent decisions from bad input", len(b.consents))
	}
}

// TestJoinRefused: every signaling connection is authorised; a bad token
// gets a clear refusal, a closed connection and no room.
func TestJoinRefused(t *testing.T) {
	b := newMemBackend()
	relay, srv := startRelay(t, RelayConfig{MaxParticipants: 2}, b)
	b.addToken("expired", "s1", client, -time.Minute)
	b.addToken("other-session", "s2", client, time.Hour)
	for _, tc := range []struct{ name, token, want string }{
		{"unknown token", "nope", "invalid or has expired"},
		{"expired token", "expired", "invalid or has expired"},
		{"token of another session", "other-session", "invalid or has expired"},
		{"empty token", "", "must be \"join\" with a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, refused := capturetest.Dial(t, srv.URL, "s1", tc.token)
			if c != nil || !strings.Contains(refused, tc.want) {
				t.Errorf("got peer=%v refusal %q, want refusal containing %q", c != nil, refused, tc.want)
			}
		})
	}
	relay.mu.Lock()
	rooms := len(relay.rooms)
	relay.mu.Unlock()
	if rooms != 0 {
		t.Errorf("%d rooms exist after refused joins", rooms)
	}
	if _, attend, _, _ := b.snapshot(); len(attend) != 0 {
		t.Errorf("attendance recorded for refused joins: %v", attend)
	}

	// A full call refuses a third participant.
	joinBoth(t, srv.URL, b)
	b.addToken("tok-third", "s1", Participant{ID: "p3", Role: RoleParticipant, Label: "participant 3"}, time.Hour)
	if c, refused := capturetest.Dial(t, srv.URL, "s1", "tok-third"); c != nil || !strings.Contains(refused, "call is full") {
		t.Errorf("third participant: refusal %q, want \"call is full\"", refused)
	}

	// A malformed session ID never reaches the WebSocket.
	resp, err := http.Get(srv.URL + "/call/bad%20id/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed session id: status %d, want 400", resp.StatusCode)
	}
}

// TestLastChunkSurvivesBriefStorageOutage: at hang-up the final chunk is
// offered again until the backend takes it, and only then is CallEnded
// reported.
func TestLastChunkSurvivesBriefStorageOutage(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b) // default ChunkMax: one chunk, stored at hang-up
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	clin.JoinMedia(api)
	a, v := cli.JoinMedia(api)
	waitConnected(t, clin, cli)
	if err := capturetest.Publish(context.Background(), a, v, packets[:50]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	b.mu.Lock()
	b.failStores = 2
	b.mu.Unlock()
	clin.End()
	b.waitFor(t, 15*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	chunks, _, _, _ := b.snapshot()
	if len(chunks["client"]) != 1 {
		t.Fatalf("client has %d chunks, want the one final chunk", len(chunks["client"]))
	}
	_, pcm := timeline(t, chunks["client"])
	if d := float64(len(pcm)) / SampleRate; d < 0.99 || d > 1.01 {
		t.Errorf("final chunk holds %.3f s, want 1.000 s ±1%%", d)
	}
}

// TestPart2ConsentAccepted: in a Part 2 session the part2_tpo scope is
// accepted and passed to the backend with who gave it.
func TestPart2ConsentAccepted(t *testing.T) {
	b := newMemBackend()
	b.info.Part2 = true
	_, srv := startRelay(t, RelayConfig{}, b)
	_, cli := joinBoth(t, srv.URL, b)
	if !cli.Welcome().ConsentInfo.Part2 || cli.Welcome().ConsentInfo.Part2Text == "" {
		t.Fatal("welcome does not carry the Part 2 consent text")
	}
	d := ConsentDecision{Scope: ScopePart2TPO, Granted: true, Method: MethodElectronic, TextVersion: "test-v1"}
	if refused := consent(cli, d); refused != "" {
		t.Fatalf("Part 2 consent refused: %s", refused)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.consents) != 1 || b.consents[0].d != d || b.consents[0].by != client {
		t.Errorf("backend got %+v, want the client's Part 2 grant", b.consents)
	}
}

// TestAttendanceSurvivesBriefOutage: attendance writes that fail are
// retried in order, and the call is reported ended only once they are in.
func TestAttendanceSurvivesBriefOutage(t *testing.T) {
	b := newMemBackend()
	b.failAttend = 3 // the clinician's join fails three times
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	clin.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec)
	waitConnected(t, clin)
	cli.JoinAudioRTP(capturetest.LoopbackAPI(t), capturetest.OpusCodec)
	waitConnected(t, cli)
	b.waitFor(t, 10*time.Second, "both joins", func() bool { _, attend, _, _ := b.snapshot(); return len(attend) == 2 })
	b.mu.Lock()
	b.failAttend = 2 // and the first leave fails twice
	b.mu.Unlock()
	clin.End()
	b.waitFor(t, 15*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	_, attend, _, _ := b.snapshot()
	if len(attend) != 4 {
		t.Fatalf("attendance %v when the call was reported ended, want 4 events", attend)
	}
	if attend[0] != "clinician:join" || attend[1] != "client:join" {
		t.Errorf("attendance %v: joins out of order after retrying", attend)
	}
	for _, e := range attend[2:] {
		if !strings.HasSuffix(e, ":leave") {
			t.Errorf("attendance %v: want the two leaves last", attend)
		}
	}
}
