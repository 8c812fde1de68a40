package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// Issue 11, items 2–5: a session must never be stranded by an ordinary
// fault. These tests reproduce each reported failure.

// twoSpeakerRecording is a stereo recording of the given length; with a
// 10 s chunk limit each speaker's channel is cut into ceil(seconds/10)
// chunks.
func twoSpeakerRecording(seconds int) []byte {
	n := seconds * 16000
	left, right := make([]int16, n), make([]int16, n)
	for i := range left {
		left[i], right[i] = int16(i%200-100), int16(i%50-25)
	}
	return testenv.WAV(16000, left, right)
}

// quickTranscripts makes the fake provider answer every chunk with one
// segment at once (these tests are about the jobs, not the recogniser).
func quickTranscripts(h *harness) {
	h.fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) {
		return []fakeopenai.Segment{{Start: 0.5, End: 1.5, Text: "words of one chunk"}}, nil
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitWithin is h.wait with a shorter deadline.
func (h *harness) waitWithin(id string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(h.ctx, d)
	defer cancel()
	return pipeline.Wait(ctx, h.store, id, nil)
}

// everyChunkOnce checks that every chunk of a session was transcribed and
// that its words are in the transcript exactly once: no chunk skipped, no
// segment stored twice.
func everyChunkOnce(t testing.TB, s *store.Store, blobs blob.Store, id string) {
	t.Helper()
	ctx := context.Background()
	chunks, err := s.Chunks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if c.State != store.StateDone || c.TranscriptBlob == "" {
			t.Errorf("chunk %d (%s #%d) is %s: skipped", c.ID, c.Speaker, c.Index, c.State)
		}
	}
	segs, err := transcribe.Merge(ctx, s, blobs, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != len(chunks) {
		t.Errorf("%d segments for %d chunks (one each expected)", len(segs), len(chunks))
	}
	seen := map[string]bool{}
	for _, sg := range segs {
		key := fmt.Sprintf("%s@%d", sg.Speaker, sg.StartMS)
		if seen[key] {
			t.Errorf("segment %s stored twice", key)
		}
		seen[key] = true
	}
}

// failForLackOfProvider ingests a recording while no transcription
// provider exists and waits for the session to fail. With one worker the
// first chunk fails the session and every later chunk's job finds it
// failed (the "sibling" jobs of issue 11).
func failForLackOfProvider(t *testing.T, h *harness, wav []byte) string {
	t.Helper()
	if err := h.store.TamperForTest(h.ctx, `DELETE FROM providers WHERE use_for = 'transcription'`); err != nil {
		t.Fatal(err)
	}
	h.startWorkers(store.WorkerOptions{Concurrency: 1})
	id := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
	err := h.wait(id)
	if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "no transcription provider") {
		t.Fatalf("want the session failed for want of a transcription provider, got %v", err)
	}
	// Once the sibling jobs have run, no stage row may say pending or
	// running: no job will run it.
	waitFor(t, 60*time.Second, "a chunk's stage stays pending or running although the session failed and no job will run it", func() bool {
		stages, err := h.store.Stages(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stages {
			if st.State == store.StatePending || st.State == store.StateRunning {
				return false
			}
		}
		return true
	})
	return id
}

// TestRetryAfterProviderAdded (issue 11 item 2): a recording uploaded
// before any transcription provider exists fails; once an admin adds one,
// a single press of Retry takes the session to ready.
func TestRetryAfterProviderAdded(t *testing.T) {
	wav := twoSpeakerRecording(35)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		id := failForLackOfProvider(t, h, wav)
		h.addProvider(store.Provider{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true})
		res, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org")
		if err != nil || res.AlreadyUnderway || res.Stage != "transcribe_chunk" {
			t.Fatalf("one press of Retry after the provider was added: %+v, %v", res, err)
		}
		if err := h.waitWithin(id, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		everyChunkOnce(t, h.store, h.blobs, id)
		h.noFakeProblems()
		h.auditIntact()
	})
}

// TestRetryTwiceOneRun: two presses of Retry (two tabs at once, then a
// third press) start one run; the later presses report that the retry is
// under way rather than fail.
func TestRetryTwiceOneRun(t *testing.T) {
	wav := twoSpeakerRecording(35)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		id := failForLackOfProvider(t, h, wav)
		h.addProvider(store.Provider{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true})
		h.fake.Block()
		t.Cleanup(h.fake.Unblock) // before the workers stop, should the test end early
		var wg sync.WaitGroup
		presses := make([]pipeline.Retried, 3)
		errs := make([]error, 3)
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				presses[i], errs[i] = pipeline.Retry(h.ctx, h.store, id, "admin@example.org")
			}()
		}
		wg.Wait()
		presses[2], errs[2] = pipeline.Retry(h.ctx, h.store, id, "admin@example.org")
		restarted := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("press %d of Retry: %v", i+1, err)
				continue
			}
			if !presses[i].AlreadyUnderway {
				restarted++
			}
			if presses[i].Stage != "transcribe_chunk" {
				t.Errorf("press %d: stage %q", i+1, presses[i].Stage)
			}
		}
		if restarted != 1 || !presses[2].AlreadyUnderway {
			t.Errorf("presses %+v: want exactly one restart, the others already under way", presses)
		}
		// One job per chunk from the ingest, one more from the retry.
		all, err := h.store.JobsOf(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		perChunk := map[int64]int{}
		for _, j := range all {
			if j.Kind == "transcribe_chunk" {
				perChunk[j.ChunkID]++
			}
		}
		for c, n := range perChunk {
			if n != 2 {
				t.Errorf("chunk %d has %d transcription jobs, want 2 (the first run and one retry)", c, n)
			}
		}
		h.fake.Unblock()
		if err := h.waitWithin(id, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		everyChunkOnce(t, h.store, h.blobs, id)
		chunks, _ := h.store.Chunks(h.ctx, id)
		if n := len(h.fake.Transcriptions()); n != len(chunks) {
			t.Errorf("%d transcription requests for %d chunks: more than one run", n, len(chunks))
		}
		retries := 0
		for _, e := range h.auditIntact() {
			if e.Action == "session.retry" {
				retries++
			}
		}
		if retries != 1 {
			t.Errorf("%d session.retry audit entries, want 1", retries)
		}
	})
}

// child is a helper process (this test binary re-executed) that runs a
// worker set until it is killed.
type child struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

// With blobStore "database" the child plays a process on another host
// (as two `scribe serve` on two machines): the survivor cannot see its
// PID and knows it is gone only when its heartbeat goes stale.
func startChild(t *testing.T, blobStore, dbURL, dataDir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecoveryChildWorker$", "-test.v")
	cmd.Env = append(os.Environ(), "SCRIBE_RECOVERY_CHILD=1", "SCRIBE_RECOVERY_DB="+dbURL, "SCRIBE_RECOVERY_DIR="+dataDir, "SCRIBE_RECOVERY_BLOBS="+blobStore)
	if blobStore == "database" {
		cmd.Env = append(cmd.Env, "SCRIBE_RECOVERY_INSTANCE=another-host")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: &out}
	t.Cleanup(func() { c.kill() })
	return c
}

// kill sends SIGKILL (kill -9) and reaps the process.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// TestRecoveryChildWorker is the worker process the crash tests kill.
func TestRecoveryChildWorker(t *testing.T) {
	if os.Getenv("SCRIBE_RECOVERY_CHILD") != "1" {
		t.Skip("helper process for the crash-recovery tests")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DatabaseURL: os.Getenv("SCRIBE_RECOVERY_DB"), DataDir: os.Getenv("SCRIBE_RECOVERY_DIR")})
	if err != nil {
		t.Fatal(err)
	}
	kek := bytes.Repeat([]byte{42}, 32)
	var blobs blob.Store
	if os.Getenv("SCRIBE_RECOVERY_BLOBS") == "database" {
		blobs, err = blob.NewTable(s, kek)
	} else {
		blobs, err = blob.NewDir(os.Getenv("SCRIBE_RECOVERY_DIR")+"/blobs", kek)
	}
	if err != nil {
		t.Fatal(err)
	}
	// A process on another host: its exit is known only by its heartbeat
	// going stale.
	if err := pipeline.Start(ctx, pipeline.Deps{Store: s, Blobs: blobs}, store.WorkerOptions{Instance: os.Getenv("SCRIBE_RECOVERY_INSTANCE")}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	<-wctx.Done() // killed long before this
}

// runningChunks lists the chunks whose transcription is running.
func runningChunks(t testing.TB, s *store.Store, ids ...string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		stages, err := s.Stages(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stages {
			if st.State == store.StateRunning {
				n++
			}
		}
	}
	return n
}

// TestKillRestartResumesWithin30s (issue 11 item 3): the worker process is
// killed with SIGKILL in the middle of transcription and a new one starts
// with the production settings; the session finishes within 30 s of the
// kill plus the time the same work takes without a crash (measured in the
// same test, on the same machine, right after).
func TestKillRestartResumesWithin30s(t *testing.T) {
	wav := twoSpeakerRecording(35)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		h.fake.Block()
		t.Cleanup(h.fake.Unblock) // before the workers stop, should the test end early
		id := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		c := startChild(t, "dir", h.dbURL, h.dataDir)
		waitFor(t, 90*time.Second, "the child worker never started a transcription", func() bool {
			return h.fake.Arrived() > 0 && runningChunks(t, h.store, id) > 0
		})
		c.kill()
		killedAt := time.Now()
		orphans := runningChunks(t, h.store, id)
		h.fake.Unblock()
		h.startWorkers(store.WorkerOptions{})
		if err := h.waitWithin(id, 2*time.Minute); err != nil {
			t.Fatalf("after kill -9 and a restart: %v\nchild output:\n%s", err, c.out)
		}
		recovery := time.Since(killedAt)
		everyChunkOnce(t, h.store, h.blobs, id)

		// The same work again, with no crash: what processing alone takes.
		start := time.Now()
		control := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		if err := h.waitWithin(control, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		work := time.Since(start)
		t.Logf("%s: %d chunk(s) orphaned by kill -9; kill → ready %v; the same session without a crash %v", b.Name, orphans, recovery.Round(time.Millisecond), work.Round(time.Millisecond))
		if recovery > 30*time.Second+work {
			t.Errorf("recovery took %v, over 30 s + %v of processing", recovery, work)
		}
		h.noFakeProblems()
		h.auditIntact()
	})
}

// TestFailoverSurvivorFinishesEverySession (issue 11 item 4): two worker
// processes on one PostgreSQL (database blob store, one master key) share
// four sessions; one is killed with SIGKILL mid-transcription and never
// comes back. The survivor finishes every session within 30 s of the kill
// plus the time the same work takes it without a crash.
func TestFailoverSurvivorFinishesEverySession(t *testing.T) {
	wav := twoSpeakerRecording(25)
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	h := &harness{t: t, ctx: ctx, dbURL: url, dataDir: t.TempDir()}
	h.open()
	h.fake = fakeopenai.New(whisperModel, chatModel)
	t.Cleanup(h.fake.Close)
	h.addProvider(store.Provider{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true})
	h.addProvider(store.Provider{Name: "local-llm", Use: "drafting", Model: chatModel, SelfHosted: true, JSONSchema: true, Part2Allowed: true})
	quickTranscripts(h)
	tb, err := blob.NewTable(h.store, bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ingest := func() []string {
		var ids []string
		for i := 0; i < 4; i++ {
			in := &pipeline.Ingester{Store: h.store, Blobs: tb, ChunkMax: 10 * time.Second}
			id, err := in.Ingest(ctx, bytes.NewReader(wav), pipeline.IngestOptions{Speakers: "stereo"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	waitAll := func(ids []string) error {
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		for _, id := range ids {
			if err := pipeline.Wait(wctx, h.store, id, nil); err != nil {
				return fmt.Errorf("session %s: %w", id, err)
			}
		}
		return nil
	}
	h.fake.Block()
	t.Cleanup(h.fake.Unblock) // before the workers stop, should the test end early
	ids := ingest()
	// The doomed process starts first and takes jobs; then the survivor.
	doomed := startChild(t, "database", url, t.TempDir())
	waitFor(t, 90*time.Second, "the doomed process never started a transcription", func() bool { return runningChunks(t, h.store, ids...) > 0 })
	if err := pipeline.Start(ctx, pipeline.Deps{Store: h.store, Blobs: tb}, store.WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.store.StopWorkers(sctx)
	})
	before := h.fake.Arrived()
	waitFor(t, 60*time.Second, "the survivor never started a transcription", func() bool { return h.fake.Arrived() > before })
	orphans := runningChunks(t, h.store, ids...)
	doomed.kill()
	killedAt := time.Now()
	h.fake.Unblock()
	if err := waitAll(ids); err != nil {
		t.Fatalf("with one process killed for good: %v\nits output:\n%s", err, doomed.out)
	}
	recovery := time.Since(killedAt)
	for _, id := range ids {
		everyChunkOnce(t, h.store, tb, id)
	}
	start := time.Now()
	if err := waitAll(ingest()); err != nil {
		t.Fatal(err)
	}
	work := time.Since(start)
	t.Logf("%d chunk(s) running on both processes at the kill; kill → every session ready %v; the same four sessions on the survivor alone %v", orphans, recovery.Round(time.Millisecond), work.Round(time.Millisecond))
	if recovery > 30*time.Second+work {
		t.Errorf("failover took %v, over 30 s + %v of processing", recovery, work)
	}
	h.noFakeProblems()
	h.auditIntact()
}

// TestReconcilerRepairsLostWork (issue 11 item 5): sessions whose state
// and jobs disagree — a chunk pending with no job, every chunk transcribed
// but the move to redaction lost, drafting with the draft job lost — are
// repaired and reach ready.
func TestReconcilerRepairsLostWork(t *testing.T) {
	wav := twoSpeakerRecording(15)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		tamper := func(q string, args ...any) {
			t.Helper()
			if err := h.store.TamperForTest(h.ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// A session that is progressing, only slowly: its provider calls
		// take longer than the reconciler's minimum age and interval. It
		// must be left alone.
		release := make(chan struct{})
		released := false
		defer func() {
			if !released {
				close(release)
			}
		}()
		h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
			if len(pcm) > 0 && pcm[0] == 1234 {
				<-release
			}
			return []fakeopenai.Segment{{Start: 0.5, End: 1.5, Text: "words of one chunk"}}, nil
		}
		slowPCM := make([]int16, 5*16000)
		for i := range slowPCM {
			slowPCM[i] = 1234
		}
		repairsBefore := metrics.SessionRepairs.Total()
		// A chunk whose job was lost before any worker ran.
		lostChunk := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		tamper(`DELETE FROM river_job WHERE id = (SELECT MIN(id) FROM river_job WHERE kind = 'transcribe_chunk')`)
		// A chunk whose job was discarded after its attempts were used up
		// (a process crashing on it each time): queuing it again could
		// crash-loop, so the session fails with a reason and waits for a
		// person's Retry.
		crashLoop := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		tamper(`UPDATE river_job SET state = 'discarded', attempt = max_attempts, finalized_at = CURRENT_TIMESTAMP WHERE id = (SELECT MAX(id) FROM river_job WHERE kind = 'transcribe_chunk')`)
		tamper(`UPDATE stages SET updated_at = 0 WHERE session_id = $1`, crashLoop)
		h.startWorkers(store.WorkerOptions{Concurrency: 6})
		slowStart := time.Now()
		slow := h.ingest(testenv.WAV(16000, slowPCM, slowPCM), pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)

		lostRedact := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		lostDraft := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		for _, id := range []string{lostRedact, lostDraft} {
			if err := h.waitWithin(id, 2*time.Minute); err != nil {
				t.Fatal(err)
			}
			tamper(`DELETE FROM drafts WHERE session_id = $1`, id)
		}
		// Every chunk transcribed, the move to redaction lost.
		tamper(`UPDATE sessions SET status = 'transcribing' WHERE id = $1`, lostRedact)
		tamper(`DELETE FROM stages WHERE session_id = $1 AND stage IN ('redact', 'draft')`, lostRedact)
		tamper(`DELETE FROM transcripts WHERE session_id = $1`, lostRedact)
		// Drafting, with the draft job lost.
		tamper(`UPDATE sessions SET status = 'drafting' WHERE id = $1`, lostDraft)
		tamper(`UPDATE stages SET state = 'pending' WHERE session_id = $1 AND stage = 'draft'`, lostDraft)

		for name, id := range map[string]string{"chunk job lost": lostChunk, "move to redaction lost": lostRedact, "draft job lost": lostDraft} {
			if err := h.waitWithin(id, 2*time.Minute); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			everyChunkOnce(t, h.store, h.blobs, id)
			if _, err := h.store.LatestDraft(h.ctx, id); err != nil {
				t.Errorf("%s: no draft: %v", name, err)
			}
		}
		err := h.waitWithin(crashLoop, 2*time.Minute)
		if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "stopped after 5 attempt(s)") || !strings.Contains(err.Error(), "press Retry") {
			t.Fatalf("a crash-looping chunk: want the session failed with a reason, got %v", err)
		}
		if _, err := pipeline.Retry(h.ctx, h.store, crashLoop, "admin@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := h.waitWithin(crashLoop, 2*time.Minute); err != nil {
			t.Fatalf("a crash-looping chunk, after Retry: %v", err)
		}
		everyChunkOnce(t, h.store, h.blobs, crashLoop)
		// The slow session was never touched, however long it took.
		waitFor(t, 2*time.Minute, "time passing", func() bool {
			return time.Since(slowStart) > pipeline.ReconcileMinAge+2*pipeline.ReconcileEvery
		})
		repaired := map[string]string{}
		for _, e := range h.auditIntact() {
			if e.Action == "session.repaired" {
				repaired[e.EntityID] = e.Details["repair"]
				if e.Actor != "system" {
					t.Errorf("repair audited as %q, want system", e.Actor)
				}
			}
		}
		if w, ok := repaired[slow]; ok {
			t.Errorf("a progressing session was repaired (%s)", w)
		}
		for name, id := range map[string]string{"chunk job lost": lostChunk, "move to redaction lost": lostRedact, "draft job lost": lostDraft, "crash loop": crashLoop} {
			if repaired[id] == "" {
				t.Errorf("%s: the repair was not audited", name)
			}
		}
		t.Logf("repairs: %v", repaired)
		if n := metrics.SessionRepairs.Total() - repairsBefore; n < 4 {
			t.Errorf("repairs counted: %d, want at least 4", n)
		}
		close(release)
		released = true
		if err := h.waitWithin(slow, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		everyChunkOnce(t, h.store, h.blobs, slow)
		all, _ := h.store.JobsOf(h.ctx, slow)
		for _, j := range all {
			if j.Kind == "transcribe_chunk" && j.Attempt != 1 {
				t.Errorf("the slow session's chunk %d was attempted %d times", j.ChunkID, j.Attempt)
			}
		}
	})
}
