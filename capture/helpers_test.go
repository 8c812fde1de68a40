package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// requireTool skips (or fails under SCRIBE_REQUIRE_ALL=1) when an external
// tool is not installed.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, fmt.Sprintf("%s is not installed (apt-get install -y %s)", name, name))
	}
	return path
}

// missing skips, or fails under SCRIBE_REQUIRE_ALL=1, with reason.
func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("SCRIBE_REQUIRE_ALL") == "1" {
		t.Fatalf("required for this test: %s", reason)
	}
	t.Skip(reason)
}

// speechText is synthetic session-like speech (no real person).
const speechText = "Over the last week I slept a little better. " +
	"I practised the breathing exercise twice a day, mostly in the morning."

// synthSpeech renders text with flite and converts it to 16 kHz mono; it
// returns the WAV path and its samples.
func synthSpeech(t testing.TB, text string) (string, []int16) {
	t.Helper()
	flite := requireTool(t, "flite")
	sox := requireTool(t, "sox")
	dir := t.TempDir()
	raw := filepath.Join(dir, "flite.wav")
	if out, err := exec.Command(flite, "-voice", "rms", "-t", text, "-o", raw).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	wav := filepath.Join(dir, "speech16k.wav")
	if out, err := exec.Command(sox, raw, "-r", "16000", "-c", "1", "-b", "16", wav).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	pcmPath := filepath.Join(dir, "speech16k.raw")
	if out, err := exec.Command(sox, wav, "-t", "raw", "-e", "signed", "-b", "16", "-L", pcmPath).CombinedOutput(); err != nil {
		t.Fatalf("sox raw: %v: %s", err, out)
	}
	b, err := os.ReadFile(pcmPath)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return wav, pcm
}

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
	b.attend = append(b.attend, p.Label+":"+event)
	b.changed()
	return nil
}

func (b *memBackend) CallEnded(_ context.Context, sessionID string) error {
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
