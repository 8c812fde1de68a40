package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/redaction"
)

// A two-speaker call: the clinician on the left channel, the client on the right.
var turns = []struct{ speaker, text, keyword string }{
	{"clinician", "How are you feeling about your sleep this week", "sleep"},
	{"client", "I have been walking every morning and feeling calmer", "morning"},
	{"clinician", "That is good progress. Let us talk about your goals", "progress"},
	{"client", "I want to go back to work and call my family more often", "family"},
}

func stereoCall(t testing.TB) []byte {
	var left, right []int16
	for _, tu := range turns {
		s := testenv.Concat(testenv.Speech(t, tu.text), testenv.Silence(900))
		if tu.speaker == "clinician" {
			left, right = append(left, s...), append(right, make([]int16, len(s))...)
		} else {
			right, left = append(right, s...), append(left, make([]int16, len(s))...)
		}
	}
	return testenv.Resample(t, testenv.WAV(16000, left, right), 48000)
}

func TestIngestToDraft(t *testing.T) {
	wav := stereoCall(t)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(wav, pipeline.IngestOptions{Template: "dap", Speakers: "stereo", ConsentAttestedBy: "therapist@example.org"}, 10*time.Second)
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		h.noFakeProblems()
		chunks, err := h.store.Chunks(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		trs := h.fake.Transcriptions()
		if len(chunks) < 4 || len(trs) != len(chunks) {
			t.Fatalf("%d chunks, %d transcription requests: want one request per chunk and at least 2 chunks per speaker", len(chunks), len(trs))
		}
		// Each request carried exactly one chunk's audio.
		want := map[int64]int{}
		for _, c := range chunks {
			want[c.EndMS-c.StartMS]++
			if c.EndMS-c.StartMS > 10_000 {
				t.Errorf("chunk %d is %d ms, over --chunk-max", c.ID, c.EndMS-c.StartMS)
			}
		}
		for _, tr := range trs {
			matched := false
			for d := tr.DurationMS - 1; d <= tr.DurationMS+1; d++ {
				if want[d] > 0 {
					want[d]--
					matched = true
					break
				}
			}
			if !matched {
				t.Errorf("a transcription request of %d ms matches no chunk", tr.DurationMS)
			}
		}
		segs := h.segments(id)
		var order []string
		for _, tu := range turns {
			found := 0
			for _, s := range segs {
				if strings.Contains(strings.ToLower(s.Text), tu.keyword) {
					found++
					if s.Speaker != tu.speaker {
						t.Errorf("%q attributed to %s, want %s", tu.keyword, s.Speaker, tu.speaker)
					}
					order = append(order, tu.keyword)
				}
			}
			if found != 1 {
				t.Errorf("keyword %q found in %d segments, want exactly 1 (segments: %+v)", tu.keyword, found, segs)
			}
		}
		if strings.Join(order, ",") != "sleep,morning,progress,family" {
			t.Errorf("turns out of order: %v", order)
		}
		for i := 1; i < len(segs); i++ {
			if segs[i].StartMS < segs[i-1].StartMS {
				t.Errorf("segments not in time order at %s", segs[i].ID)
			}
		}
		d, err := h.store.LatestDraft(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.DraftDraft || d.Template != "dap" || d.Model != chatModel || d.PromptVersion == "" || d.Provider != "local-llm" {
			t.Fatalf("draft: %+v", d)
		}
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Text(), drafts.Banner) {
			t.Fatal("unsigned draft rendered without the AI-draft banner")
		}
		chats := h.fake.Chats()
		if len(chats) != 1 || chats[0].ResponseFormat != "json_schema" {
			t.Fatalf("chat requests: %+v", chats)
		}
		entries := h.auditIntact()
		calls := 0
		for _, e := range entries {
			if e.Action == "provider.call" && e.Outcome == "success" {
				calls++
				for k, v := range e.Details {
					if strings.Contains(strings.ToLower(v), "sleeping") {
						t.Errorf("audit detail %s carries transcript text", k)
					}
				}
			}
		}
		if calls != len(chunks)+1 {
			t.Errorf("%d provider calls audited, want %d", calls, len(chunks)+1)
		}
	})
}

// TestChunkBoundaries cuts one speaker's speech into many chunks and shows
// that no sentence is lost or duplicated across a boundary.
func TestChunkBoundaries(t *testing.T) {
	sentences := []struct{ text, keyword string }{
		{"The weather was cold and rainy all week", "weather"},
		{"My brother came over on the weekend", "brother"},
		{"We cooked dinner together and watched a movie", "dinner"},
		{"I felt nervous before the meeting at work", "nervous"},
		{"Then I used the breathing exercise", "breathing"},
		{"After that I called my sister and we talked", "sister"},
	}
	var parts [][]int16
	for _, s := range sentences {
		parts = append(parts, testenv.Speech(t, s.text), testenv.Silence(700))
	}
	wav := testenv.WAV(16000, testenv.Concat(parts...))
	b := testenv.Backends[0]
	h := newHarness(t, b)
	h.startWorkers(store.WorkerOptions{})
	id := h.ingest(wav, pipeline.IngestOptions{}, 8*time.Second)
	if err := h.wait(id); err != nil {
		t.Fatal(err)
	}
	h.noFakeProblems()
	chunks, _ := h.store.Chunks(h.ctx, id)
	if len(chunks) < 3 {
		t.Fatalf("only %d chunks; the test needs several boundaries", len(chunks))
	}
	for i := 1; i < len(chunks); i++ {
		if chunks[i].StartMS != chunks[i-1].EndMS {
			t.Errorf("chunk %d starts at %d ms but the previous ends at %d ms", i, chunks[i].StartMS, chunks[i-1].EndMS)
		}
	}
	segs := h.segments(id)
	all := strings.ToLower(fmt.Sprint(segs))
	for _, s := range sentences {
		if n := strings.Count(all, s.keyword); n != 1 {
			t.Errorf("%q appears %d times across chunk boundaries, want 1 (chunks %+v, segments %+v)", s.keyword, n, chunks, segs)
		}
	}
}

func TestBAAGate(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Speech(t, "I have been sleeping better"))
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		// A third-party transcription provider with no BAA: nothing may be sent.
		h.addProvider(store.Provider{Name: "cloud-asr", Use: "transcription", Model: whisperModel})
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
		err := h.wait(id)
		if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "no active BAA") || !strings.Contains(err.Error(), "cloud-asr") {
			t.Fatalf("want a BAA failure naming the provider, got %v", err)
		}
		if n := h.fake.Arrived(); n != 0 {
			t.Fatalf("%d requests reached a provider without a BAA", n)
		}
		// An expired BAA for drafting: transcription runs, drafting is refused.
		h.addProvider(store.Provider{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true})
		h.addProvider(store.Provider{Name: "cloud-llm", Use: "drafting", Model: chatModel, BAASigned: "2020-01-01", BAAExpires: "2021-01-01"})
		id = h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
		err = h.wait(id)
		if err == nil || !strings.Contains(err.Error(), "BAA is not in force") || !strings.Contains(err.Error(), "stage draft") {
			t.Fatalf("want an expired-BAA failure at the draft stage, got %v", err)
		}
		if n := len(h.fake.Chats()); n != 0 {
			t.Fatalf("%d chat requests reached a provider whose BAA expired", n)
		}
		// Part 2: a BAA-covered provider not marked Part 2-allowed is refused.
		h.addProvider(store.Provider{Name: "cloud-llm", Use: "drafting", Model: chatModel, BAASigned: "2020-01-01", BAAExpires: "2099-01-01"})
		id = h.ingest(wav, pipeline.IngestOptions{Program: "sud"}, time.Minute)
		if err := h.wait(id); err == nil || !strings.Contains(err.Error(), "Part 2") {
			t.Fatalf("want a Part 2 refusal, got %v", err)
		}
		if n := len(h.fake.Chats()); n != 0 {
			t.Fatalf("a Part 2 record reached a provider not allowed to receive it")
		}
		h.auditIntact()
	})
}

// TestMalformedModelOutput: a model whose reply stays malformed after the
// one repair retry fails the draft stage with a clear reason. (Provider
// faults — statuses, timeouts, dropped connections — are in
// providerfault_test.go.)
func TestMalformedModelOutput(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Speech(t, "I have been sleeping better"))
	b := testenv.Backends[0]
	h := newHarness(t, b)
	h.startWorkers(store.WorkerOptions{})
	// Malformed model output, twice: the draft stage fails with a clear reason.
	h.fake.Answer = func(fakeopenai.ChatRequest) (string, error) { return `{"sections": "not an object"`, nil }
	id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
	err := h.wait(id)
	if err == nil || !strings.Contains(err.Error(), "stage draft") || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("want a malformed-output failure at the draft stage, got %v", err)
	}
	if n := len(draftingChats(h.fake)); n != 2 {
		t.Fatalf("%d drafting calls; want the first and one repair retry with the errors fed back", n)
	}
}

// TestNoIdentifierReachesTheModel feeds a transcript full of synthetic
// identifiers and shows that none of them is in any request to the LLM.
func TestNoIdentifierReachesTheModel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		lines := []string{
			"My sister Rosalind Vantreese is driving me to group on Thursday.",
			"She lives at 4417 Quillmont Avenue in Harlowe Springs.",
			"You can reach her at 555-201-8834 or rosalind.vantreese@examplemail.com.",
			"My probation officer, Officer Delbert Krauskopf, wants the letter by March 3rd.",
			"My member ID is QXZ4471902 and my birthday is June 2nd.",
			"Rosalind says I should keep going to the meetings at Saint Brigid Hospital.",
		}
		h.fake.Forbid("Rosalind", "Vantreese", "Quillmont", "Harlowe", "555-201-8834", "examplemail", "Delbert", "Krauskopf", "QXZ4471902", "March 3rd", "June 2nd", "Brigid")
		h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
			var out []fakeopenai.Segment
			for i, l := range lines {
				out = append(out, fakeopenai.Segment{Start: float64(i) * 2, End: float64(i)*2 + 1.8, Text: l})
			}
			return out, nil
		}
		h.startWorkers(store.WorkerOptions{})
		wav := testenv.WAV(16000, make([]int16, 16000*13))
		id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		if len(h.fake.Chats()) == 0 {
			t.Fatal("no draft request was made")
		}
		h.noFakeProblems()
		// The token map is stored apart from the text, encrypted at rest,
		// and puts the originals back for the clinician's rendering.
		tr, _ := h.store.Transcript(h.ctx, id)
		onDisk, err := os.ReadFile(filepath.Join(h.dataDir, "blobs", tr.MapBlob))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(onDisk, []byte("Rosalind")) {
			t.Fatal("the identifier map is readable at rest")
		}
		raw, err := h.blobs.Get(h.ctx, tr.MapBlob)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := redaction.RestoreSession(raw)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := h.store.LatestDraft(h.ctx, id)
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{TokenMap: rs.Map(), Reidentify: true})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Text(), "Rosalind") || len(v.Unknown) != 0 {
			t.Fatalf("re-identified rendering lacks the originals (unknown placeholders %v)", v.Unknown)
		}
		plain, _ := drafts.BuildView(d, nil, drafts.RenderOptions{TokenMap: rs.Map()})
		if strings.Contains(plain.Text(), "Rosalind") || !strings.Contains(plain.Text(), "[NAME_") {
			t.Fatal("the default rendering must keep placeholders")
		}
	})
}

// TestBadInputLeavesNothing: each bad recording gets a clear error and no
// session, chunk or blob is left behind.
func TestBadInputLeavesNothing(t *testing.T) {
	h := newHarness(t, testenv.Backends[0])
	cases := map[string]struct {
		data []byte
		want error
	}{
		"not audio":   {[]byte("hello, this is not audio at all, just text"), audio.ErrUnknownFormat},
		"empty":       {nil, audio.ErrEmpty},
		"header only": {testenv.WAV(16000, []int16{}), audio.ErrNoAudio},
		"too long":    {testenv.WAV(8000, make([]int16, 8000*5)), audio.ErrTooLong},
	}
	for name, c := range cases {
		in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, MaxDuration: 4 * time.Second}
		_, err := in.Ingest(h.ctx, bytes.NewReader(c.data), pipeline.IngestOptions{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line", name)
		}
	}
	list, _ := h.store.ListSessions(h.ctx, "", 10)
	if len(list) != 0 {
		t.Fatalf("%d half-made sessions left behind", len(list))
	}
	entries, _ := os.ReadDir(h.dataDir + "/blobs")
	if len(entries) != 0 {
		t.Fatalf("blobs left behind: %v", entries)
	}
}

// TestCrashMidJob kills a worker process (SIGKILL) while it is transcribing,
// restarts workers, and shows the session completes with no duplicate
// segments.
func TestCrashMidJob(t *testing.T) {
	wav := stereoCall(t)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		h.fake.Block()
		id := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildWorker$", "-test.v")
		cmd.Env = append(os.Environ(), "SCRIBE_CRASH_CHILD=1", "SCRIBE_CRASH_DB="+h.dbURL, "SCRIBE_CRASH_DIR="+h.dataDir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for h.fake.Arrived() == 0 {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("the child worker never called the provider:\n%s", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The child is mid-job, holding a transcription in flight: kill it.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		h.fake.Unblock()
		// A restarted worker set, with the production settings: the killed
		// process's running jobs are taken back (its heartbeat stopped).
		h.startWorkers(store.WorkerOptions{})
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		segs := h.segments(id)
		seen := map[string]bool{}
		for _, s := range segs {
			key := fmt.Sprintf("%s|%d|%s", s.Speaker, s.StartMS, s.Text)
			if seen[key] {
				t.Fatalf("duplicate segment after the crash: %s", key)
			}
			seen[key] = true
		}
		all := strings.ToLower(fmt.Sprint(segs))
		for _, tu := range turns {
			if n := strings.Count(all, tu.keyword); n != 1 {
				t.Errorf("after the crash %q appears %d times, want 1; segments: %+v", tu.keyword, n, segs)
			}
		}
		h.auditIntact()
	})
}

// TestCrashChildWorker is the worker process TestCrashMidJob kills.
func TestCrashChildWorker(t *testing.T) {
	if os.Getenv("SCRIBE_CRASH_CHILD") != "1" {
		t.Skip("helper process for TestCrashMidJob")
	}
	h := &harness{t: t, ctx: context.Background(), dbURL: os.Getenv("SCRIBE_CRASH_DB"), dataDir: os.Getenv("SCRIBE_CRASH_DIR")}
	h.open()
	if err := pipeline.Start(h.ctx, h.deps(), store.WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	<-ctx.Done() // killed long before this
}

// TestRetryAfterFix: a session failed by the BAA gate completes once an
// admin records the BAA and someone presses retry; nothing done is redone.
func TestRetryAfterFix(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Speech(t, "Tell me about your week at home"))
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		h.addProvider(store.Provider{Name: "cloud-llm", Use: "drafting", Model: chatModel})
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
		if err := h.wait(id); err == nil || !strings.Contains(err.Error(), "stage draft") {
			t.Fatalf("want a BAA failure at the draft stage, got %v", err)
		}
		// Retrying before the fix fails again at once; the session stays
		// failed.
		if _, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := h.wait(id); err == nil || !strings.Contains(err.Error(), "BAA") {
			t.Fatalf("retry before the fix: %v", err)
		}
		h.addProvider(store.Provider{Name: "cloud-llm", Use: "drafting", Model: chatModel, BAASigned: "2026-01-01", BAAExpires: "2099-12-31", JSONSchema: true})
		// The failed job ended with the failure: one press is enough.
		res, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org")
		if err != nil || res.Stage != "draft" || res.AlreadyUnderway {
			t.Fatalf("retry: %+v %v", res, err)
		}
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		if n := len(h.fake.Transcriptions()); n != 1 {
			t.Fatalf("retry re-transcribed: %d transcription requests", n)
		}
		var nr *pipeline.NotRetryableError
		if _, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org"); !errors.As(err, &nr) {
			t.Fatalf("a ready session was retried: %v", err)
		}
	})
}

// TestAzureProviders runs the chain against Azure OpenAI-style endpoints
// (deployment in the path, api-version query, api-key header), with the key
// read from the named environment variable at call time.
func TestAzureProviders(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Speech(t, "Tell me about your week at home"))
	h := newHarness(t, testenv.Backends[0])
	t.Setenv("SCRIBE_TEST_AZURE_KEY", "azure-test-key-123")
	h.fake.SetAPIKey("azure-test-key-123")
	for _, p := range []store.Provider{
		{Name: "azure-asr", Use: "transcription", Model: whisperModel, APIKeyEnv: "SCRIBE_TEST_AZURE_KEY", BAASigned: "2026-01-01", BAAExpires: "2099-01-01"},
		{Name: "azure-llm", Use: "drafting", Model: chatModel, APIKeyEnv: "SCRIBE_TEST_AZURE_KEY", BAASigned: "2026-01-01", BAAExpires: "2099-01-01", JSONSchema: true},
	} {
		p.Kind, p.BaseURL = "azure", h.fake.URL
		if err := h.store.InTx(h.ctx, func(tx *store.Tx) error { return tx.PutProvider(h.ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	h.startWorkers(store.WorkerOptions{})
	id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
	if err := h.wait(id); err != nil {
		t.Fatal(err)
	}
	h.noFakeProblems()
	if h.fake.Azure() != 3 {
		t.Fatalf("%d Azure-style requests, want 3 (transcription, the speaker roles of this one-channel recording, drafting)", h.fake.Azure())
	}
	// A missing key fails the stage with a message naming the variable.
	t.Setenv("SCRIBE_TEST_AZURE_KEY", "")
	id = h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
	if err := h.wait(id); err == nil || !strings.Contains(err.Error(), "SCRIBE_TEST_AZURE_KEY") || strings.Contains(err.Error(), "azure-test-key-123") {
		t.Fatalf("want an error naming the unset key variable, got %v", err)
	}
}

// draftingChats are the fake's drafting requests (a single-channel
// recording also has one asking the speakers' roles).
func draftingChats(f *fakeopenai.Server) []fakeopenai.Chat {
	var out []fakeopenai.Chat
	for _, c := range f.Chats() {
		if c.SchemaName != fakeopenai.RolesSchemaName {
			out = append(out, c)
		}
	}
	return out
}
