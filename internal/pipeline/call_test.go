//go:build cgo && nolibopusfile

package pipeline_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// callChunkMax is the relay's chunk length in these tests: short, so chunks
// are stored and transcribed while the call runs. Its last half (where the
// chunker looks for a pause) is longer than any test sentence.
const callChunkMax = 8 * capture.SampleRate

// callRig is a real call server on a real store: the capture relay behind an
// HTTP server, the store-backed CallBackend, River workers, and the fake
// OpenAI-compatible API as both providers.
type callRig struct {
	*harness
	backend *pipeline.CallBackend
	srv     *httptest.Server
}

func newCallRig(t *testing.T, b testenv.Backend) *callRig {
	t.Helper()
	testenv.Tool(t, "pocketsphinx_continuous")
	h := newHarness(t, b)
	h.startWorkers(store.WorkerOptions{})
	cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs, PurgeOnRevoke: true}
	return &callRig{harness: h, backend: cb, srv: serveRelay(t, cb)}
}

// serveRelay runs a call relay on backend cb behind a test HTTP server
// (one scribe process's calls); both close when the test ends.
func serveRelay(t *testing.T, cb *pipeline.CallBackend) *httptest.Server {
	t.Helper()
	relay, err := capture.NewRelay(capture.RelayConfig{Loopback: true, ChunkMax: callChunkMax}, cb)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	relay.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		relay.Close()
	})
	return srv
}

// newJoinToken is a random join token as `scribe session create` makes one.
func newJoinToken(t testing.TB) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// createCall does what `scribe session create` does for a 1:1 call: a
// scheduled call session and one join token each for the clinician and the
// client (only their hashes are stored), valid for ttl. It returns the
// session ID and the tokens by label.
func (r *callRig) createCall(ttl time.Duration) (string, map[string]string) {
	r.t.Helper()
	id := "call-" + testenv.RandomHex(8)
	tokens := map[string]string{}
	err := r.store.InTx(r.ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(r.ctx, &store.Session{ID: id, Source: "call", Status: store.StatusScheduled, Template: "dap", Modality: "general",
			Program: "mh", ClientAlias: "client-7Q", Clinician: "therapist@example.org"}); err != nil {
			return err
		}
		for _, label := range []string{capture.RoleClinician, capture.RoleClient} {
			tok := newJoinToken(r.t)
			tokens[label] = tok
			if err := tx.AddJoinToken(r.ctx, store.JoinToken{TokenHash: pipeline.HashJoinToken(tok), SessionID: id, Role: label, Label: label,
				ExpiresAt: time.Now().Add(ttl).UnixMilli()}); err != nil {
				return err
			}
		}
		return tx.Audit(r.ctx, audit.Event{Actor: "test", Action: "session.create", EntityType: "session", EntityID: id,
			Details: map[string]string{"program": "mh", "links": "2"}})
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return id, tokens
}

// join dials the call with a token and fails the test if it is refused.
func (r *callRig) join(session, token string) *capturetest.Peer {
	r.t.Helper()
	p, refused := capturetest.Dial(r.t, r.srv.URL, session, token)
	if p == nil {
		r.t.Fatalf("join refused: %s", refused)
	}
	if v := p.Welcome().ConsentInfo.Version; v != pipeline.ConsentTextVersion {
		r.t.Fatalf("welcome carries consent text version %q, want %q", v, pipeline.ConsentTextVersion)
	}
	return p
}

// connect opens the peers' media, waits until it flows and returns each
// peer's microphone track.
func connect(t *testing.T, peers ...*capturetest.Peer) []*webrtc.TrackLocalStaticSample {
	t.Helper()
	api := capturetest.LoopbackAPI(t)
	var mics []*webrtc.TrackLocalStaticSample
	for _, p := range peers {
		a, _ := p.JoinMedia(api)
		mics = append(mics, a)
	}
	for _, p := range peers {
		p.WaitFor(15*time.Second, "media connected", p.Connected)
	}
	return mics
}

// sessionBlobs lists the files the blob store holds for a session.
func (r *callRig) sessionBlobs(id string) []string {
	r.t.Helper()
	var files []string
	root := filepath.Join(r.dataDir, "blobs", "sessions", id)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, root+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.t.Fatal(err)
	}
	return files
}

// waitStatus polls the session until it has one of the statuses.
func (r *callRig) waitStatus(id string, d time.Duration, statuses ...string) store.Session {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := r.store.Session(r.ctx, id)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, want := range statuses {
			if s.Status == want {
				return s
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("session status %q after %v, want one of %v", s.Status, d, statuses)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *callRig) chunks(id string) []store.Chunk {
	r.t.Helper()
	cs, err := r.store.Chunks(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

// auditActions counts a session's audit entries by action.
func (r *callRig) auditActions(id string) map[string]int {
	r.t.Helper()
	n := map[string]int{}
	for _, e := range r.auditIntact() {
		if e.EntityID == id {
			a := e.Action
			if a == "audio.purge" && e.Details["reason"] != "consent_revoked" {
				a = "audio.purge." + e.Details["reason"] // the retention job's purges after transcription
			}
			n[a]++
		}
	}
	return n
}

// callScript is what each participant says, turn by turn, with the other
// one quiet (room noise) meanwhile: 20 ms Opus packets per speaker, both the
// same length.
func callScript(t *testing.T) map[string][][]byte {
	t.Helper()
	pcm := map[string][]int16{"clinician": testenv.Silence(500), "client": testenv.Silence(500)}
	for _, tu := range turns {
		s := testenv.Concat(testenv.Speech(t, tu.text), testenv.Silence(1500))
		for who := range pcm {
			if who == tu.speaker {
				pcm[who] = append(pcm[who], s...)
			} else {
				pcm[who] = append(pcm[who], testenv.Silence(len(s)/16)...)
			}
		}
	}
	out := map[string][][]byte{}
	for who, p := range pcm {
		out[who] = capturetest.EncodeOpus(t, p)
	}
	return out
}

// TestCallToDraft is a whole telehealth session on the real store: the
// clinician and the client join with their links, the client consents,
// both speak (real flite speech, Opus over Pion); chunks are stored and
// transcribed while the call runs; the client leaves, the clinician ends
// the call, and the session moves on by itself to a ready draft whose
// transcript has each sentence under the right speaker, in order.
func TestCallToDraft(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		script := callScript(t)
		id, tokens := r.createCall(time.Hour)
		clin := r.join(id, tokens["clinician"])
		cli := r.join(id, tokens["client"])
		if refused := cli.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		tracks := connect(t, clin, cli)
		for _, p := range []*capturetest.Peer{clin, cli} {
			p.WaitFor(10*time.Second, "recording on", func() bool { return p.State().Recording })
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 2)
		for i, who := range []string{"clinician", "client"} {
			go func() { done <- capturetest.Publish(ctx, tracks[i], nil, script[who]) }()
		}
		// Watch the store while both are still speaking.
		var duringCall, transcribedDuringCall int
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for finished := 0; finished < 2; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				finished++
			case <-tick.C:
				cs := r.chunks(id)
				duringCall = max(duringCall, len(cs))
				n := 0
				for _, c := range cs {
					if c.State == "done" {
						n++
					}
				}
				transcribedDuringCall = max(transcribedDuringCall, n)
			}
		}
		if duringCall == 0 {
			t.Fatal("no chunk was stored while the call was going")
		}
		t.Logf("during the call: %d chunks stored, %d transcribed", duringCall, transcribedDuringCall)
		if s, _ := r.store.Session(r.ctx, id); s.Status != store.StatusRecording || s.CaptureEnded {
			t.Errorf("session during the call: status %q, capture ended %v; want recording", s.Status, s.CaptureEnded)
		}

		cli.Leave()
		clin.End()
		if err := r.wait(id); err != nil {
			t.Fatal(err)
		}
		r.noFakeProblems()

		sess, _ := r.store.Session(r.ctx, id)
		if !sess.CaptureEnded || sess.DurationMS < 15_000 {
			t.Errorf("session after the call: capture ended %v, duration %d ms", sess.CaptureEnded, sess.DurationMS)
		}
		chunks := r.chunks(id)
		per := map[string]int{}
		for _, c := range chunks {
			per[c.Speaker]++
			if c.State != "done" {
				t.Errorf("chunk %d of %s is %q", c.Index, c.Speaker, c.State)
			}
			if c.EndMS-c.StartMS > callChunkMax*1000/capture.SampleRate {
				t.Errorf("chunk %d of %s is %d ms, over the relay's ChunkMax", c.Index, c.Speaker, c.EndMS-c.StartMS)
			}
		}
		if per["clinician"] < 2 || per["client"] < 2 || len(per) != 2 {
			t.Errorf("chunks per speaker %v, want at least 2 each for clinician and client only", per)
		}
		if n := len(r.fake.Transcriptions()); n != len(chunks) {
			t.Errorf("%d transcription requests for %d chunks", n, len(chunks))
		}

		segs := r.segments(id)
		var order []string
		for _, s := range segs {
			text := strings.ToLower(s.Text)
			for _, tu := range turns {
				if strings.Contains(text, tu.keyword) {
					order = append(order, tu.keyword)
					if s.Speaker != tu.speaker {
						t.Errorf("%q attributed to %q, want %q", tu.keyword, s.Speaker, tu.speaker)
					}
				}
			}
		}
		if got := strings.Join(order, ","); got != "sleep,morning,progress,family" {
			t.Errorf("keywords in the merged transcript: %s, want sleep,morning,progress,family (segments %+v)", got, segs)
		}

		att, err := r.store.AttendanceOf(r.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range att {
			seen[a.Participant+":"+a.Event] = true
			if a.Role != a.Participant {
				t.Errorf("attendance row %+v: role and label differ", a)
			}
		}
		for _, want := range []string{"clinician:join", "clinician:leave", "client:join", "client:leave"} {
			if !seen[want] {
				t.Errorf("no attendance row %s (rows %+v)", want, att)
			}
		}

		d, err := r.store.LatestDraft(r.ctx, id)
		if err != nil {
			t.Fatalf("no draft: %v", err)
		}
		if d.Status != store.DraftDraft || d.Template != "dap" || d.Model != chatModel {
			t.Errorf("draft %+v", d)
		}
		if n := len(r.fake.Chats()); n != 1 {
			t.Errorf("%d chat requests, want 1", n)
		}
		acts := r.auditActions(id)
		if acts["consent.record"] != 1 || acts["call.end"] != 1 || acts["consent.revoke"] != 0 {
			t.Errorf("audit actions for the session: %v", acts)
		}
		// Whatever the blob store keeps of the session is encrypted at rest.
		for _, f := range r.sessionBlobs(id) {
			raw, err := os.ReadFile(filepath.Join(r.dataDir, "blobs", "sessions", id, f))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(strings.ToLower(string(raw)), "sleep") {
				t.Errorf("blob %s is readable at rest", f)
			}
		}
	})
}

// TestCallWithoutConsent: the client declines; the call runs (media flows)
// but nothing is stored and the session ends as "no recording".
func TestCallWithoutConsent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		packets := capturetest.EncodeOpus(t, testenv.Concat(testenv.Speech(t, turns[1].text), testenv.Silence(500)))
		id, tokens := r.createCall(time.Hour)
		clin := r.join(id, tokens["clinician"])
		cli := r.join(id, tokens["client"])
		if refused := cli.Consent(capturetest.Decline(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("declining was refused: %s", refused)
		}
		tracks := connect(t, clin, cli)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := range tracks {
			go capturetest.PublishLoop(ctx, tracks[i], nil, packets)
		}
		clin.WaitFor(15*time.Second, "the client's audio", func() bool { return clin.GotAudio() > 150 })
		cli.WaitFor(15*time.Second, "the clinician's audio", func() bool { return cli.GotAudio() > 150 })
		for _, p := range []*capturetest.Peer{clin, cli} {
			if p.State().Recording {
				t.Error("the call says it is recording without consent")
			}
		}
		cancel()
		clin.End()
		r.waitStatus(id, 15*time.Second, store.StatusNoRecording)

		if cs := r.chunks(id); len(cs) != 0 {
			t.Errorf("%d chunk rows without consent", len(cs))
		}
		if files := r.sessionBlobs(id); len(files) != 0 {
			t.Errorf("blobs stored without consent: %v", files)
		}
		if n := r.fake.Arrived(); n != 0 {
			t.Errorf("%d transcription requests without consent", n)
		}
		if ok, err := r.store.ConsentInForce(r.ctx, id, capture.ScopeAIScribe); err != nil || ok {
			t.Errorf("consent in force %v (%v) after a refusal", ok, err)
		}
		acts := r.auditActions(id)
		if acts["consent.record"] != 1 || acts["call.end"] != 1 {
			t.Errorf("audit actions for the session: %v", acts)
		}
		// The session is over: its links no longer open it, and say so.
		if p, refused := capturetest.Dial(t, r.srv.URL, id, tokens["client"]); p != nil || !strings.Contains(refused, "This session has ended") {
			t.Errorf("rejoining an ended session: refusal %q, want one saying the session has ended", refused)
		}
	})
}

// TestCallStopScribePurges: the client presses "Stop AI scribe" after
// chunks were stored and transcribed: recording stops for both, the
// revocation and the purge are audited, and no chunk row, audio or
// transcript is left; the session ends as "no recording" with no draft.
func TestCallStopScribePurges(t *testing.T) { testStopScribe(t, false) }

// TestCallStopScribeDuringTranscription: as TestCallStopScribePurges, with a
// transcription at the provider when the scribe is stopped; its answer must
// not be kept (no transcript blob, no chunk row) once it returns.
func TestCallStopScribeDuringTranscription(t *testing.T) { testStopScribe(t, true) }

// testStopScribe runs the Stop AI scribe scenario; with holdAtProvider, one
// transcription is held at the provider (its audio already read) at the
// moment the scribe is stopped.
func testStopScribe(t *testing.T, holdAtProvider bool) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		script := callScript(t)
		id, tokens := r.createCall(time.Hour)
		clin := r.join(id, tokens["clinician"])
		cli := r.join(id, tokens["client"])
		if refused := cli.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		tracks := connect(t, clin, cli)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i, who := range []string{"clinician", "client"} {
			go capturetest.PublishLoop(ctx, tracks[i], nil, script[who])
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			done := 0
			for _, c := range r.chunks(id) {
				if c.State == "done" {
					done++
				}
			}
			if done >= 1 && (holdAtProvider || done >= 2) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d chunks transcribed 30 s into the call", done)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if holdAtProvider {
			r.fake.Block()
			arrived := r.fake.Arrived()
			for r.fake.Arrived() == arrived {
				if time.Now().After(deadline) {
					t.Fatal("no further chunk reached the provider 30 s into the call")
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		if len(r.sessionBlobs(id)) == 0 {
			t.Fatal("no blobs stored before the revocation; the test would prove nothing")
		}
		cli.StopScribe()
		for _, p := range []*capturetest.Peer{clin, cli} {
			p.WaitFor(5*time.Second, "recording off", func() bool { return !p.State().Recording })
		}
		r.fake.Unblock()
		// Speech keeps flowing for longer than a chunk: none of it may be stored.
		time.Sleep(time.Duration(callChunkMax/capture.SampleRate+1) * time.Second)
		cancel()
		clin.End()
		sess := r.waitStatus(id, 30*time.Second, store.StatusNoRecording, store.StatusFailed, store.StatusReady)
		if sess.Status != store.StatusNoRecording {
			t.Errorf("session after revocation ends %q (%s: %s), want %q", sess.Status, sess.FailedStage, sess.FailedReason, store.StatusNoRecording)
		}
		// Transcription jobs of purged chunks may still be in flight: let the queue settle.
		if err := r.store.StopWorkers(r.ctx); err != nil {
			t.Fatal(err)
		}
		if cs := r.chunks(id); len(cs) != 0 {
			t.Errorf("%d chunk rows left after the purge", len(cs))
		}
		if files := r.sessionBlobs(id); len(files) != 0 {
			t.Errorf("blobs left after the purge: %v", files)
		}
		if ok, err := r.store.ConsentInForce(r.ctx, id, capture.ScopeAIScribe); err != nil || ok {
			t.Errorf("consent in force %v (%v) after Stop AI scribe", ok, err)
		}
		if _, err := r.store.LatestDraft(r.ctx, id); err == nil {
			t.Error("a draft exists for a session whose consent was revoked")
		}
		if s, _ := r.store.Session(r.ctx, id); s.Status != store.StatusNoRecording {
			t.Errorf("after the queue settled the session is %q, want %q", s.Status, store.StatusNoRecording)
		}
		acts := r.auditActions(id)
		if acts["consent.revoke"] != 1 || acts["audio.purge"] != 1 {
			t.Errorf("audit actions for the session: %v; want one consent.revoke and one audio.purge", acts)
		}
		if errs := cli.Errors(); len(errs) > 0 {
			t.Errorf("the client was told: %v", errs)
		}
		r.noFakeProblems()
	})
}

// TestCallJoinRefused: an expired link, a link of another session and a
// made-up token are refused with the same plain message, and leave no trace
// in the session.
func TestCallJoinRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		id, _ := r.createCall(time.Hour)
		_, expired := r.createCall(-time.Minute)
		_, foreign := r.createCall(time.Hour)
		for _, tc := range []struct{ name, token string }{
			{"expired link", expired["client"]},
			{"link of another session", foreign["client"]},
			{"made-up token", newJoinToken(t)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, refused := capturetest.Dial(t, r.srv.URL, id, tc.token)
				if p != nil || !strings.Contains(refused, "invalid or has expired") {
					t.Errorf("joined=%v refusal %q, want a refusal saying the link is invalid or expired", p != nil, refused)
				}
			})
		}
		att, _ := r.store.AttendanceOf(r.ctx, id)
		if s, _ := r.store.Session(r.ctx, id); s.Status != store.StatusScheduled || len(att) != 0 {
			t.Errorf("after refused joins: status %q, attendance %v", s.Status, att)
		}
		_, err := r.backend.Authorize(r.ctx, id, expired["client"])
		if !errors.Is(err, pipeline.ErrJoinRefused) {
			t.Errorf("Authorize(expired) = %v, want ErrJoinRefused", err)
		} else if strings.Contains(err.Error(), expired["client"]) {
			t.Error("the refusal names the token")
		}
	})
}

// TestAttendanceConcurrentJoins: the clinician and the client join at the
// same moment, again and again; every join is recorded (on PostgreSQL two
// such transactions once deadlocked and a join row was lost).
func TestAttendanceConcurrentJoins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		r := &callRig{harness: h, backend: &pipeline.CallBackend{Store: h.store, Blobs: h.blobs, PurgeOnRevoke: true}}
		id, _ := r.createCall(time.Hour)
		people := []capture.Participant{
			{ID: "p-clin", Role: capture.RoleClinician, Label: "clinician"},
			{ID: "p-client", Role: capture.RoleClient, Label: "client"},
		}
		const rounds = 25
		for range rounds {
			start := make(chan struct{})
			errs := make(chan error, len(people))
			for _, p := range people {
				go func() {
					<-start
					errs <- r.backend.Attendance(r.ctx, id, p, capture.EventJoin, time.Now())
				}()
			}
			close(start)
			for range people {
				if err := <-errs; err != nil {
					t.Fatalf("concurrent join: %v", err)
				}
			}
		}
		att, err := r.store.AttendanceOf(r.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(att) != rounds*len(people) {
			t.Errorf("%d attendance rows, want %d", len(att), rounds*len(people))
		}
		if s, _ := r.store.Session(r.ctx, id); s.Status != store.StatusInCall {
			t.Errorf("status after joins %q, want %q", s.Status, store.StatusInCall)
		}
	})
}
