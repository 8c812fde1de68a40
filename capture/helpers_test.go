package capture

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/testenv"
)

// requireTool skips (or fails under SCRIBE_REQUIRE_ALL=1) when an external
// tool is not installed.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

// speechText is synthetic session-like speech (no real person).
const speechText = "Over the last week I slept a little better. " +
	"I practised the breathing exercise twice a day, mostly in the morning."

// memBackend is the in-memory host the tests run the relay against.
type memBackend struct {
	mu         sync.Mutex
	tokens     map[string]grant
	info       ConsentInfo
	consents   []consentEvent
	revokes    int
	chunks     map[string][]Chunk // by speaker
	attend     []string
	ended      []string
	notify     chan struct{} // signalled on every change
	failStores int           // the next failStores StoreChunk calls fail
	failAttend int           // the next failAttend Attendance calls fail
}

type grant struct {
	session string
	p       Participant
	expires time.Time
}

type consentEvent struct {
	by      Participant
	d       ConsentDecision
	revoked bool
}

func newMemBackend() *memBackend {
	return &memBackend{
		tokens: map[string]grant{},
		info: ConsentInfo{
			AIScribeText: "This session may be recorded by an AI scribe to draft a note. (SIMULATED test text)",
			Part2Text:    "42 CFR Part 2 consent to use for treatment, payment and operations. (SIMULATED test text)",
			Version:      "test-v1",
		},
		chunks: map[string][]Chunk{},
		notify: make(chan struct{}, 1),
	}
}

func (b *memBackend) changed() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *memBackend) addToken(token, session string, p Participant, ttl time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens[token] = grant{session, p, time.Now().Add(ttl)}
}

var errBadToken = errors.New("join token unknown, expired or for another session")

func (b *memBackend) Authorize(_ context.Context, sessionID, token string) (Participant, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.tokens[token]
	if !ok || g.session != sessionID || time.Now().After(g.expires) {
		return Participant{}, errBadToken
	}
	return g.p, nil
}

func (b *memBackend) ConsentText(context.Context, string) (ConsentInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info, nil
}

func (b *memBackend) RecordConsent(_ context.Context, _ string, by Participant, c ConsentDecision) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consents = append(b.consents, consentEvent{by: by, d: c})
	b.changed()
	return nil
}

// RecordingAllowed: the latest AI-scribe decision of the client (or the
// clinician's attestation of it) is a grant, with no revocation after it.
func (b *memBackend) RecordingAllowed(context.Context, string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	allowed := false
	for _, e := range b.consents {
		switch {
		case e.revoked:
			allowed = false
		case e.d.Scope != ScopeAIScribe:
		case e.by.Role == RoleClient && e.d.Method == MethodElectronic,
			e.by.Role == RoleClinician && e.d.Method == MethodVerbalAttested:
			allowed = e.d.Granted
		}
	}
	return allowed, nil
}

func (b *memBackend) RevokeConsent(_ context.Context, _ string, by Participant) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consents = append(b.consents, consentEvent{by: by, revoked: true})
	b.revokes++
	b.changed()
	return nil
}

func (b *memBackend) StoreChunk(_ context.Context, _ string, speaker string, c Chunk) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failStores > 0 {
		b.failStores--
		return errors.New("blob store unavailable")
	}
	if int64(len(c.Samples)) != c.EndSample-c.StartSample {
		return fmt.Errorf("chunk %d has %d samples for span %d", c.Index, len(c.Samples), c.EndSample-c.StartSample)
	}
	b.chunks[speaker] = append(b.chunks[speaker], c)
	b.changed()
	return nil
}

func (b *memBackend) Attendance(_ context.Context, _ string, p Participant, event string, _ time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failAttend > 0 {
		b.failAttend--
		return errors.New("SIMULATED attendance store outage")
	}
	b.attend = append(b.attend, p.Label+":"+event)
	b.changed()
	return nil
}

func (b *memBackend) CallEnded(_ context.Context, sessionID, _ string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ended = append(b.ended, sessionID)
	b.changed()
	return nil
}

// snapshot returns copies safe to inspect.
func (b *memBackend) snapshot() (chunks map[string][]Chunk, attend, ended []string, revokes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	chunks = map[string][]Chunk{}
	for k, v := range b.chunks {
		chunks[k] = append([]Chunk(nil), v...)
	}
	return chunks, append([]string(nil), b.attend...), append([]string(nil), b.ended...), b.revokes
}

// waitFor polls cond on every backend change until it holds or d passes.
func (b *memBackend) waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-b.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

var (
	clinician = Participant{ID: "p-clin", Role: RoleClinician, Label: "clinician"}
	client    = Participant{ID: "p-client", Role: RoleClient, Label: "client"}
)

// startRelay runs a loopback relay behind a real HTTP server.
func startRelay(t testing.TB, cfg RelayConfig, b Backend) (*Relay, *httptest.Server) {
	t.Helper()
	cfg.Loopback = true
	r, err := NewRelay(cfg, b)
	if err != nil {
		t.Fatalf("NewRelay: %v", err)
	}
	mux := http.NewServeMux()
	r.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		r.Close()
	})
	return r, srv
}

// liveRoom is the relay's room for a session, nil when no call is running.
func liveRoom(rl *Relay, session string) *room {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.rooms[session]
}

// clinicianFirst gives session a browser client token ("tok-browser") and
// puts a Go clinician in its call with media connected, the way the
// browser tests start.
func clinicianFirst(t *testing.T, srvURL string, b *memBackend, session string) (clin *testPeer, audio, video *webrtc.TrackLocalStaticSample) {
	t.Helper()
	b.addToken("tok-browser", session, client, time.Hour)
	b.addToken("tok-clin", session, clinician, time.Hour)
	clin, refused := capturetest.Dial(t, srvURL, session, "tok-clin")
	if clin == nil {
		t.Fatalf("clinician refused: %s", refused)
	}
	audio, video = clin.JoinMedia(capturetest.LoopbackAPI(t))
	waitConnected(t, clin)
	return clin, audio, video
}
