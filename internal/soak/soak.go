package soak

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// Mode is how a trial runs Scribe.
type Mode string

// The modes, in the order a run takes them.
const (
	SQLite       Mode = "sqlite"         // one server, embedded SQLite, killed and restarted
	Postgres     Mode = "postgres"       // one server on PostgreSQL, killed and restarted
	TwoProcesses Mode = "postgres-2proc" // two servers on one PostgreSQL; one is killed for good
)

// Modes lists every mode.
var Modes = []Mode{SQLite, Postgres, TwoProcesses}

// Config is one soak run.
type Config struct {
	Binary   string       // the scribe binary under test
	Trials   map[Mode]int // trials with a kill, per mode (each mode also runs one trial without)
	Sessions int          // sessions ingested per trial
	Seed     uint64       // makes the kill moments, victims, ingest times and call delays
	Deadline time.Duration
	Workers  int           // serve --workers
	ChunkMax time.Duration // ingest --chunk-max
	// MinLatency and MaxLatency bound the fake provider's delay per call.
	MinLatency, MaxLatency time.Duration
	WorkDir                string // trial directories (kept for trials with defects)
	KeepAll                bool   // keep every trial's directory
	Progress               io.Writer
}

// Names of the provider records and the environment variable with their key.
const (
	transcribeModel = "whisper-soak"
	chatModel       = "notes-soak"
	apiKeyEnv       = "SCRIBE_SOAK_PROVIDER_KEY"
)

// Report is what a run found.
type Report struct {
	Config   Config
	Postgres string // the PostgreSQL server's version, when a mode used it
	Modes    []ModeSummary
}

// ModeSummary adds up one mode's trials.
type ModeSummary struct {
	Mode       Mode
	Trials     int
	Sessions   int
	Recovered  int // ready within the deadline, transcript and draft complete and single
	Duplicates int // things stored more than once: segments, drafts, chunk rows, misplaced segments
	Lost       int // sessions never ready, chunks never transcribed, sentences missing
	Other      int // anything else wrong: a session leaving ready, jobs left at the deadline, stages not done, the audit chain, what the provider was sent, a process that failed
	// Slowest and Median are kill → every session ready, over the trials
	// whose kill found work unfinished; Unrecovered trials count as the
	// deadline.
	Slowest, Median time.Duration
	SlowestTrial    string
	Unrecovered     int           // trials with a session not ready at the deadline (their recovery counts as the deadline)
	Baseline        time.Duration // the trial without a kill: first ingest → every session ready
	MidCall         int           // kills that landed while provider calls were in flight
	MidWork         int           // kills that found sessions unfinished
	Resent          int           // provider calls beyond the no-kill trial's (work redone after a kill)
	CutOff          int           // provider requests the kill cut off while they were being sent
	Defects         []string      // one line per defect, with its trial
	deadline        time.Duration
}

type harness struct {
	cfg      Config
	recs     []recording
	wavs     []string
	fake     *fakeopenai.Server
	rec      *recogniser
	key      string
	inFlight atomic.Int64
	cutOff   atomic.Int64 // provider requests that ended before their body did
	progress io.Writer
}

// Run runs the soak: for each mode, a trial without a kill (the baseline
// and a check of the harness itself), then cfg.Trials[mode] trials with
// one.
func Run(t *testing.T, cfg Config) Report {
	t.Helper()
	if cfg.Sessions <= 0 {
		cfg.Sessions = 3
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.ChunkMax <= 0 {
		cfg.ChunkMax = 4 * time.Second
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 2 * time.Minute
	}
	if cfg.MaxLatency < cfg.MinLatency {
		cfg.MaxLatency = cfg.MinLatency
	}
	h := &harness{cfg: cfg, progress: cfg.Progress}
	if h.progress == nil {
		h.progress = io.Discard
	}
	testenv.Tool(t, "flite")
	h.recs = makeRecordings(t)
	for _, r := range h.recs {
		p := filepath.Join(cfg.WorkDir, fmt.Sprintf("script-%d.wav", r.script))
		if err := os.WriteFile(p, r.wav, 0o600); err != nil {
			t.Fatal(err)
		}
		h.wavs = append(h.wavs, p)
	}
	h.rec = &recogniser{recs: h.recs}
	h.fake = fakeopenai.New(transcribeModel, chatModel)
	defer h.fake.Close()
	h.key = testenv.RandomHex(16)
	h.fake.SetAPIKey(h.key)
	var latMu sync.Mutex
	latRNG := mrand.New(mrand.NewPCG(cfg.Seed, 0x1a7e))
	delay := func() time.Duration {
		latMu.Lock()
		defer latMu.Unlock()
		return cfg.MinLatency + time.Duration(latRNG.Int64N(int64(cfg.MaxLatency-cfg.MinLatency)+1))
	}
	h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
		time.Sleep(delay())
		return h.rec.transcribe(pcm)
	}
	h.fake.Answer = func(req fakeopenai.ChatRequest) (string, error) {
		time.Sleep(delay())
		return fakeopenai.BuildNote(req)
	}
	// Set before the first request, so the server reads the new handler.
	h.fake.Config.Handler = h.wholeRequests(h.fake.Config.Handler)
	fmt.Fprintf(h.progress, "soak: seed %d, %d sessions per trial, deadline %s, provider delay %s–%s, chunks ≤ %s, %d workers per server, work dir %s\n",
		cfg.Seed, cfg.Sessions, cfg.Deadline, cfg.MinLatency, cfg.MaxLatency, cfg.ChunkMax, cfg.Workers, cfg.WorkDir)
	rep := Report{Config: cfg}
	if cfg.Trials[Postgres] > 0 || cfg.Trials[TwoProcesses] > 0 {
		rep.Postgres = postgresVersion()
	}
	for mi, m := range Modes {
		n := cfg.Trials[m]
		if n <= 0 {
			continue
		}
		t.Run(string(m), func(t *testing.T) {
			rep.Modes = append(rep.Modes, h.runMode(t, mi, m, n))
		})
	}
	return rep
}

// wholeRequests counts the requests in flight and passes on only those
// that arrived whole. A request whose sender was killed while sending it
// ends early; the fake would rightly call it malformed, but it is the kill
// the soak made, not something Scribe sent, so it is counted as cut off.
func (h *harness) wholeRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.inFlight.Add(1)
		defer h.inFlight.Add(-1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			h.cutOff.Add(1)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// A plan is what a trial's seed decides.
type plan struct {
	ingestAt []time.Duration // after the trial's start
	killAt   time.Duration
	victim   int // which server is killed (two-process mode)
}

func (h *harness) plan(rng *mrand.Rand, m Mode, baseline time.Duration) plan {
	p := plan{ingestAt: make([]time.Duration, h.cfg.Sessions)}
	window := max(baseline, time.Second)
	for i := 1; i < len(p.ingestAt); i++ {
		p.ingestAt[i] = time.Duration(rng.Int64N(int64(window / 2)))
	}
	slices.Sort(p.ingestAt)
	p.killAt = time.Duration(rng.Int64N(int64(window)))
	if m == TwoProcesses {
		p.victim = rng.IntN(2)
	}
	return p
}

// modeBaseline is what the trial without a kill measured.
type modeBaseline struct {
	elapsed time.Duration
	calls   int
	chunks  map[int]int // chunk rows per script
}

func (h *harness) runMode(t *testing.T, mi int, m Mode, trials int) ModeSummary {
	sum := ModeSummary{Mode: m, deadline: h.cfg.Deadline}
	if m != SQLite && os.Getenv("SCRIBE_TEST_DATABASE_URL") == "" {
		testenv.Missing(t, "SCRIBE_TEST_DATABASE_URL is not set (no PostgreSQL server for the "+string(m)+" soak)")
	}
	var base modeBaseline
	ok := t.Run("no-kill", func(t *testing.T) {
		r := h.trial(t, m, 0, nil, nil)
		fmt.Fprintln(h.progress, r.line())
		if !r.ok() {
			t.Fatalf("%s: the trial without a kill already fails, so the soak's findings would mean nothing:\n  %s", m, strings.Join(r.defects, "\n  "))
		}
		base = modeBaseline{elapsed: r.elapsed, calls: r.calls, chunks: r.chunks}
	})
	if !ok {
		sum.Defects = append(sum.Defects, string(m)+" no-kill trial failed")
		return sum
	}
	sum.Baseline = base.elapsed
	var recoveries []time.Duration
	for i := 1; i <= trials; i++ {
		rng := mrand.New(mrand.NewPCG(h.cfg.Seed, uint64(mi)<<32|uint64(i)))
		p := h.plan(rng, m, base.elapsed)
		name := fmt.Sprintf("trial-%02d", i)
		t.Run(name, func(t *testing.T) {
			r := h.trial(t, m, i, &p, &base)
			fmt.Fprintln(h.progress, r.line())
			sum.Trials++
			sum.Sessions += r.sessions
			sum.Recovered += r.recovered
			sum.Duplicates += r.duplicates
			sum.Lost += r.lost
			sum.Other += r.other
			sum.Resent += max(0, r.calls-base.calls)
			sum.CutOff += r.cutOff
			if r.inFlight > 0 {
				sum.MidCall++
			}
			if r.unfinished > 0 {
				sum.MidWork++
				rec := r.recovery
				if !r.allReady {
					rec = h.cfg.Deadline
					sum.Unrecovered++
				}
				recoveries = append(recoveries, rec)
				if rec >= sum.Slowest {
					sum.Slowest, sum.SlowestTrial = rec, string(m)+"/"+name
				}
			}
			for _, d := range r.defects {
				sum.Defects = append(sum.Defects, fmt.Sprintf("%s/%s: %s", m, name, d))
			}
			if !r.ok() {
				t.Errorf("%d defect(s), listed above", len(r.defects))
			}
		})
	}
	if len(recoveries) > 0 {
		slices.Sort(recoveries)
		sum.Median = recoveries[len(recoveries)/2]
	}
	return sum
}

// trialResult is what one trial found.
type trialResult struct {
	name                    string
	sessions, recovered     int
	duplicates, lost, other int
	defects                 []string
	killed                  bool
	killAt                  time.Duration // after the trial's start
	victim                  string
	inFlight                int64  // provider calls in flight at the kill
	unfinished              int    // sessions not ready at the kill
	atKill                  string // their states
	allReady                bool
	recovery                time.Duration // kill → every session ready (0 if all were ready before)
	elapsed                 time.Duration // start → every session ready
	calls                   int           // provider calls made during the trial
	cutOff                  int           // provider requests cut off by the kill
	chunks                  map[int]int   // chunk rows per script
	dir                     string
	kept                    bool
	restartTook, took       time.Duration
}

func (r *trialResult) ok() bool {
	return r.duplicates == 0 && r.lost == 0 && r.other == 0 && r.recovered == r.sessions
}

func (r *trialResult) defect(kind *int, format string, args ...any) {
	*kind++
	r.defects = append(r.defects, fmt.Sprintf(format, args...))
}

func (r *trialResult) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s", r.name)
	if r.killed {
		fmt.Fprintf(&b, " kill %s at %5.2fs (%d calls in flight, %d cut off; unfinished: %s)", r.victim, r.killAt.Seconds(), r.inFlight, r.cutOff, orNone(r.atKill))
	} else {
		fmt.Fprintf(&b, " no kill")
	}
	status := "recovered"
	if !r.allReady {
		status = "NOT recovered"
	}
	fmt.Fprintf(&b, "; %s %d/%d", status, r.recovered, r.sessions)
	if r.killed {
		fmt.Fprintf(&b, " %.2fs after the kill", r.recovery.Seconds())
		if r.restartTook > 0 {
			fmt.Fprintf(&b, " (restart took %.2fs)", r.restartTook.Seconds())
		}
	} else {
		fmt.Fprintf(&b, " in %.2fs", r.elapsed.Seconds())
	}
	fmt.Fprintf(&b, "; duplicates %d, lost %d, other %d; trial %.1fs", r.duplicates, r.lost, r.other, r.took.Seconds())
	for _, d := range r.defects {
		fmt.Fprintf(&b, "\n    %s", d)
	}
	if r.kept {
		fmt.Fprintf(&b, "\n    logs and data kept in %s", r.dir)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// A trial is one trial in progress.
type trial struct {
	h      *harness
	mode   Mode
	plan   *plan         // nil: no kill
	base   *modeBaseline // nil: this is the baseline
	r      *trialResult
	d      deployment
	cliDir string // the data dir of the CLI commands (and on SQLite of the servers)
	st     *store.Store
	blobs  blob.Store
	jobs   *jobQueue
	nodes  []*node

	ids      []string // by session number; "" until ingested
	pending  int      // ingests not finished
	ingests  chan ingested
	status   map[string]string
	readyAt  map[string]time.Time // the last time each session became ready
	left     map[string]bool      // sessions seen leaving ready
	start    time.Time
	killTime time.Time
	queued   map[string]int // the sessions' pipeline jobs not yet finished, by kind and state (last look)
}

type ingested struct {
	i   int
	id  string
	err error
}

// trial runs one trial; p nil means no kill (the baseline, base nil too).
func (h *harness) trial(t *testing.T, m Mode, n int, p *plan, base *modeBaseline) *trialResult {
	began := time.Now()
	r := &trialResult{name: fmt.Sprintf("%s/%02d", m, n), sessions: h.cfg.Sessions, chunks: map[int]int{}}
	r.dir = filepath.Join(h.cfg.WorkDir, fmt.Sprintf("%s-%02d", m, n))
	defer func() {
		r.took = time.Since(began)
		if r.ok() && !h.cfg.KeepAll {
			os.RemoveAll(r.dir)
		} else {
			r.kept = true
		}
	}()
	tr := &trial{h: h, mode: m, plan: p, base: base, r: r, status: map[string]string{}, readyAt: map[string]time.Time{}, left: map[string]bool{}}
	tr.setUp(t)
	defer tr.st.Close()
	defer tr.jobs.Close()
	defer tr.killAll()
	callsBefore := len(h.fake.Transcriptions()) + len(h.fake.Chats())
	cutBefore := h.cutOff.Load()
	fakeBefore, recBefore := len(h.fake.Problems()), len(h.rec.Problems())
	tr.run()
	r.calls = len(h.fake.Transcriptions()) + len(h.fake.Chats()) - callsBefore
	r.cutOff = int(h.cutOff.Load() - cutBefore)
	for _, nd := range tr.nodes {
		if err := nd.stop(30 * time.Second); err != nil {
			r.defect(&r.other, "%v", err)
		}
	}
	tr.verify()
	for _, pr := range h.fake.Problems()[fakeBefore:] {
		r.defect(&r.other, "the fake provider found: %s", pr)
	}
	for _, pr := range h.rec.Problems()[recBefore:] {
		r.defect(&r.other, "the fake provider found: %s", pr)
	}
	return r
}

// setUp makes the trial's database, adds the providers with the CLI,
// opens the store the soak reads and starts the servers.
func (tr *trial) setUp(t *testing.T) {
	ctx := context.Background()
	h, r := tr.h, tr.r
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	kek := make([]byte, 32)
	rand.Read(kek)
	tr.d = deployment{bin: h.cfg.Binary, vars: []string{"SCRIBE_MASTER_KEY=" + base64.StdEncoding.EncodeToString(kek), apiKeyEnv + "=" + h.key}}
	dbURL := ""
	tr.cliDir = filepath.Join(r.dir, "data")
	if tr.mode != SQLite {
		dbURL = testenv.PostgresURL(t)
		// Every node appends its audit checkpoints to one witness, as a
		// deployment points them at one WORM store; verify reads it.
		tr.d.vars = append(tr.d.vars, "DATABASE_URL="+dbURL, "SCRIBE_BLOB_STORE=database", "SCRIBE_AUDIT_WITNESS="+filepath.Join(r.dir, "audit-witness.jsonl"))
		tr.cliDir = filepath.Join(r.dir, "cli")
	}
	for _, args := range [][]string{
		{"provider", "add", "--data-dir", tr.cliDir, "--name", "asr", "--base-url", h.fake.BaseURL(), "--model", transcribeModel, "--use", "transcription", "--self-hosted", "--api-key-env", apiKeyEnv},
		{"provider", "add", "--data-dir", tr.cliDir, "--name", "llm", "--base-url", h.fake.BaseURL(), "--model", chatModel, "--use", "drafting", "--self-hosted", "--api-key-env", apiKeyEnv},
	} {
		if _, err := tr.d.cli(ctx, args...); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if tr.st, err = store.Open(ctx, store.Options{DatabaseURL: dbURL, DataDir: tr.cliDir}); err != nil {
		t.Fatal(err)
	}
	if tr.mode == SQLite {
		tr.blobs, err = blob.NewDir(filepath.Join(tr.cliDir, "blobs"), kek)
	} else {
		tr.blobs, err = blob.NewTable(tr.st, kek)
	}
	if err == nil {
		tr.jobs, err = openJobQueue(dbURL, tr.cliDir)
	}
	if err != nil {
		tr.st.Close()
		t.Fatal(err)
	}
	// The script's ingests attest the client's consent, which is done in a
	// person's name with that person's own credential: an API token.
	sealer, _ := tr.blobs.(auth.Sealer) // blob.Dir and blob.Table both seal
	tok, err := therapistToken(ctx, tr.st, sealer)
	if err != nil {
		tr.jobs.Close()
		tr.st.Close()
		t.Fatal(err)
	}
	tr.d.vars = append(tr.d.vars, "SCRIBE_TOKEN="+tok)
	names := []string{"A"}
	if tr.mode == TwoProcesses {
		names = append(names, "B")
	}
	for _, name := range names {
		dataDir := tr.cliDir // SQLite: the database is in the data dir
		if tr.mode != SQLite {
			dataDir = filepath.Join(r.dir, "node-"+name)
			// Nodes on one database sign audit checkpoints with one key, as
			// they share one master key (README: PostgreSQL).
			if err := shareCheckpointKey(tr.cliDir, dataDir); err != nil {
				t.Fatal(err)
			}
		}
		nd, err := tr.d.start(name, dataDir, filepath.Join(r.dir, "serve-"+name+".log"), h.cfg.Workers)
		if err != nil {
			tr.killAll()
			tr.jobs.Close()
			tr.st.Close()
			t.Fatal(err)
		}
		tr.nodes = append(tr.nodes, nd)
	}
}

// killAll kills whatever server is still running (a trial that stopped early).
func (tr *trial) killAll() {
	for _, nd := range tr.nodes {
		select {
		case <-nd.exited:
		default:
			nd.kill()
		}
	}
}

// run ingests the sessions, kills a server when the plan says, restarts it
// (except in the two-process mode), and follows the sessions until all
// are ready or failed, or the deadline.
func (tr *trial) run() {
	h, r, p := tr.h, tr.r, tr.plan
	tr.ids = make([]string, h.cfg.Sessions)
	tr.pending = h.cfg.Sessions
	tr.ingests = make(chan ingested, h.cfg.Sessions)
	tr.start = time.Now()
	go tr.ingestAll()
	deadline := tr.start.Add(h.cfg.Deadline)
	for {
		tr.collectIngests(false)
		if p != nil && !r.killed && time.Since(tr.start) >= p.killAt {
			if !tr.kill() {
				break
			}
			deadline = tr.killTime.Add(h.cfg.Deadline)
		}
		tr.poll()
		if tr.finished() || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	tr.collectIngests(true)
	if len(tr.queued) > 0 {
		r.defect(&r.other, "pipeline jobs of the trial's sessions still queued or running at the deadline: %s", fmtCounts(tr.queued))
	}
	r.allReady = true
	var last time.Time
	for _, id := range tr.ids {
		if id == "" {
			continue
		}
		at, ok := tr.readyAt[id]
		if !ok {
			r.allReady = false
		} else if at.After(last) {
			last = at
		}
	}
	switch {
	case r.allReady:
		r.elapsed = last.Sub(tr.start)
		if r.killed && last.After(tr.killTime) {
			r.recovery = last.Sub(tr.killTime)
		}
	case r.killed:
		r.recovery = time.Since(tr.killTime)
	}
}

// ingestAll ingests the sessions at their planned times, each from a
// process of its own, as an admin's script would.
func (tr *trial) ingestAll() {
	h := tr.h
	for i := 0; i < h.cfg.Sessions; i++ {
		if tr.plan != nil {
			time.Sleep(time.Until(tr.start.Add(tr.plan.ingestAt[i])))
		}
		out, err := tr.d.cli(context.Background(), "ingest", "--data-dir", tr.cliDir, "--template", "soap", "--speakers", "stereo",
			"--consent-attested", "--client-alias", fmt.Sprintf("soak-client-%d", i+1),
			"--chunk-max", h.cfg.ChunkMax.String(), h.wavs[i%len(h.wavs)])
		tr.ingests <- ingested{i: i, id: strings.TrimSpace(strings.SplitN(out, "\n", 2)[0]), err: err}
	}
}

// collectIngests takes the finished ingests (all of them, waiting, if wait).
func (tr *trial) collectIngests(wait bool) {
	for tr.pending > 0 {
		var in ingested
		if wait {
			in = <-tr.ingests
		} else {
			select {
			case in = <-tr.ingests:
			default:
				return
			}
		}
		tr.pending--
		if in.err != nil {
			tr.r.defect(&tr.r.other, "session %d: ingest failed: %v", in.i+1, in.err)
			continue
		}
		tr.ids[in.i] = in.id
	}
}

// kill sends SIGKILL to the planned victim, notes what was unfinished, and
// outside the two-process mode starts a new server on the same data. It
// reports false if that restart failed.
func (tr *trial) kill() bool {
	h, r := tr.h, tr.r
	victim := tr.nodes[tr.plan.victim]
	r.inFlight = h.inFlight.Load()
	victim.kill()
	tr.killTime = time.Now()
	r.killed, r.killAt, r.victim = true, tr.killTime.Sub(tr.start), victim.name
	tr.poll()
	states := map[string]int{}
	for _, id := range tr.ids {
		if id != "" && tr.status[id] != store.StatusReady {
			states[tr.status[id]]++
		}
	}
	if tr.pending > 0 {
		states["not yet ingested"] = tr.pending
	}
	r.unfinished, r.atKill = countStates(states)
	if tr.mode == TwoProcesses {
		return true
	}
	restarted := time.Now()
	nd, err := tr.d.start(victim.name+"'", victim.dataDir, filepath.Join(r.dir, "serve-"+victim.name+".log"), h.cfg.Workers)
	if err != nil {
		r.defect(&r.other, "restart after the kill: %v", err)
		return false
	}
	tr.nodes[tr.plan.victim] = nd
	r.restartTook = time.Since(restarted)
	return true
}

// poll reads the status of every session, notes when each became ready,
// and reports a session that leaves ready (work re-run after it was
// finished) once. Once every session is ready or failed it also looks at
// the queue: the trial is over only when none of their jobs is left.
func (tr *trial) poll() {
	ctx := context.Background()
	for i, id := range tr.ids {
		if id == "" || tr.status[id] == store.StatusFailed {
			continue
		}
		s, err := tr.st.Session(ctx, id)
		if err != nil {
			continue // the next poll tries again; a session that never shows is reported by verify
		}
		was := tr.status[id]
		tr.status[id] = s.Status
		switch {
		case s.Status == store.StatusReady && was != store.StatusReady:
			tr.readyAt[id] = time.Now()
		case was == store.StatusReady && s.Status != store.StatusReady:
			delete(tr.readyAt, id)
			if !tr.left[id] {
				tr.left[id] = true
				tr.r.defect(&tr.r.other, "session %d went back from ready to %s at %.2fs (a stage ran again after the session was finished)", i+1, s.Status, time.Since(tr.start).Seconds())
			}
		}
	}
	tr.queued = nil
	if tr.settled() {
		q, err := tr.jobs.unfinished(ctx, tr.ids)
		if err != nil {
			q = map[string]int{"unknown (" + err.Error() + ")": 1}
		}
		tr.queued = q
	}
}

// settled: everything ingested, the kill (if planned) done, every session
// ready or failed.
func (tr *trial) settled() bool {
	if tr.pending > 0 || (tr.plan != nil && !tr.r.killed) {
		return false
	}
	for _, id := range tr.ids {
		if id != "" && tr.status[id] != store.StatusReady && tr.status[id] != store.StatusFailed {
			return false
		}
	}
	return true
}

// finished: settled, and no job of the trial's sessions left to run.
func (tr *trial) finished() bool { return tr.settled() && len(tr.queued) == 0 }

// verify checks every session and the audit chain, with the servers stopped.
func (tr *trial) verify() {
	for i, id := range tr.ids {
		if id == "" {
			continue
		}
		script := i % len(tr.h.recs)
		want := 0
		if tr.base != nil {
			want = tr.base.chunks[script]
		}
		tr.h.check(context.Background(), tr.r, tr.st, tr.blobs, i+1, id, script, want)
	}
	if _, err := tr.d.cli(context.Background(), "audit", "verify", "--data-dir", tr.cliDir); err != nil {
		tr.r.defect(&tr.r.other, "audit chain: %v", err)
	}
}

func fmtCounts(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func countStates(states map[string]int) (int, string) {
	var parts []string
	n := 0
	for _, k := range sortedKeys(states) {
		n += states[k]
		parts = append(parts, fmt.Sprintf("%d %s", states[k], k))
	}
	return n, strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// check compares what the store holds for one session with what its
// recording says: the session ready, every chunk row there once and
// transcribed, each sentence of its script in the transcript exactly once
// and no sentence of another, one draft, a redacted transcript of the same
// length, every stage done. Sentences are named by number, never quoted.
func (h *harness) check(ctx context.Context, r *trialResult, st *store.Store, blobs blob.Store, num int, id string, script, wantChunks int) {
	sess, err := st.Session(ctx, id)
	if err != nil {
		r.defect(&r.lost, "session %d (%s) is not in the database: %v", num, id, err)
		return
	}
	ready := sess.Status == store.StatusReady
	if ready {
		r.recovered++ // taken back below if anything is missing or doubled
	} else {
		reason := ""
		if sess.Status == store.StatusFailed {
			reason = fmt.Sprintf(" (failed at %s: %s)", sess.FailedStage, sess.FailedReason)
		}
		r.defect(&r.lost, "session %d (%s) is %s, not ready, at the deadline (%s)%s", num, id, sess.Status, h.cfg.Deadline, reason)
	}
	dup0, lost0, other0 := r.duplicates, r.lost, r.other
	defer func() {
		if ready && (r.duplicates != dup0 || r.lost != lost0 || r.other != other0) {
			r.recovered--
		}
	}()
	chunks, err := st.Chunks(ctx, id)
	if err != nil {
		r.defect(&r.other, "session %d: read chunks: %v", num, err)
		return
	}
	if r.chunks[script] == 0 {
		r.chunks[script] = len(chunks)
	}
	if wantChunks > 0 && len(chunks) > wantChunks {
		r.defect(&r.duplicates, "session %d: %d chunk rows, the same recording made %d without a kill", num, len(chunks), wantChunks)
	}
	if wantChunks > 0 && len(chunks) < wantChunks {
		r.defect(&r.lost, "session %d: %d chunk rows, the same recording made %d without a kill", num, len(chunks), wantChunks)
	}
	var untranscribed []string
	for _, c := range chunks {
		if c.State != store.StateDone || c.TranscriptBlob == "" {
			untranscribed = append(untranscribed, fmt.Sprintf("%d (%s #%d, %s)", c.ID, c.Speaker, c.Index, c.State))
		}
	}
	if len(untranscribed) > 0 {
		// A session that is not ready is counted lost once, above; a ready
		// one with a chunk untranscribed has lost that chunk.
		lost := &r.lost
		if !ready {
			lost = new(int)
		}
		r.defect(lost, "session %d: chunk(s) never transcribed: %s", num, strings.Join(untranscribed, ", "))
	}
	segs, err := transcribe.MergeAvailable(ctx, st, blobs, id)
	if err != nil {
		r.defect(&r.other, "session %d: read the transcript: %v", num, err)
		return
	}
	count := map[string]int{}
	for _, s := range segs {
		count[s.Text]++
	}
	own := map[string]bool{}
	for i := 0; i < turnsPerScript; i++ {
		text := sentences[script*turnsPerScript+i]
		own[text] = true
		switch n := count[text]; {
		case n == 0 && ready:
			r.defect(&r.lost, "session %d: sentence %d of its recording is missing from the transcript", num, i+1)
		case n > 1:
			r.defect(&r.duplicates, "session %d: sentence %d of its recording is in the transcript %d times", num, i+1, n)
		}
	}
	for text, n := range count {
		if !own[text] {
			r.defect(&r.duplicates, "session %d: the transcript holds %d segment(s) of another recording (sentence %d of the list)", num, n, slices.Index(sentences, text)+1)
		}
	}
	drafts, err := st.Drafts(ctx, id)
	if err != nil {
		r.defect(&r.other, "session %d: read drafts: %v", num, err)
		return
	}
	if len(drafts) > 1 {
		r.defect(&r.duplicates, "session %d: %d drafts, want 1", num, len(drafts))
	}
	if len(drafts) == 0 && ready {
		r.defect(&r.lost, "session %d is ready without a draft", num)
	}
	if ready {
		tr, err := st.Transcript(ctx, id)
		switch {
		case err != nil:
			r.defect(&r.lost, "session %d is ready without a redacted transcript: %v", num, err)
		case tr.Segments > len(segs):
			r.defect(&r.duplicates, "session %d: the redacted transcript has %d segments, the transcript %d", num, tr.Segments, len(segs))
		case tr.Segments < len(segs):
			r.defect(&r.lost, "session %d: the redacted transcript has %d segments, the transcript %d", num, tr.Segments, len(segs))
		}
		stages, err := st.Stages(ctx, id)
		if err != nil {
			r.defect(&r.other, "session %d: read stages: %v", num, err)
			return
		}
		for _, sg := range stages {
			switch sg.Stage {
			case jobs.StageTranscribe, jobs.StageRedact, jobs.StageDraft:
				if sg.State != store.StateDone {
					r.defect(&r.other, "session %d is ready but its stage %s (chunk %d) is %s", num, sg.Stage, sg.ChunkID, sg.State)
				}
			}
		}
	}
}

// Goals are what the issue asks of the soak.
const (
	GoalRecovery = 30 * time.Second
)

// Met reports whether a mode met the goals: every session recovered,
// nothing duplicated or lost or otherwise wrong, the slowest recovery
// within GoalRecovery.
func (s ModeSummary) Met() bool {
	return s.Trials > 0 && s.Recovered == s.Sessions && s.Duplicates == 0 && s.Lost == 0 && s.Other == 0 && s.Slowest <= GoalRecovery
}

// postgresVersion asks the server named by SCRIBE_TEST_DATABASE_URL for its
// version ("" when there is none to ask).
func postgresVersion() string {
	admin := os.Getenv("SCRIBE_TEST_DATABASE_URL")
	if admin == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return ""
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return ""
	}
	return v
}

// WriteTable prints the summary table.
func (rep Report) WriteTable(w io.Writer) {
	c := rep.Config
	if rep.Postgres != "" {
		fmt.Fprintf(w, "PostgreSQL %s; ", rep.Postgres)
	}
	fmt.Fprintf(w, "seed %d; %d sessions per trial (stereo, %d sentences each, chunks ≤ %s); %d workers per server; provider delay %s–%s per call; deadline %s after the kill\n",
		c.Seed, c.Sessions, turnsPerScript, c.ChunkMax, c.Workers, c.MinLatency, c.MaxLatency, c.Deadline)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\ttrials\tsessions\trecovered\tduplicates\tlost\tother\tslowest recovery\tmedian\tkills mid-call\tkills mid-work\tcalls redone\tcalls cut off\tno-kill run\t")
	for _, s := range rep.Modes {
		pct := 0.0
		if s.Sessions > 0 {
			pct = 100 * float64(s.Recovered) / float64(s.Sessions)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d (%.0f%%)\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t\n", s.Mode, s.Trials, s.Sessions, s.Recovered, pct, s.Duplicates, s.Lost, s.Other,
			s.fmtRecovery(s.Slowest), s.fmtRecovery(s.Median), s.MidCall, s.MidWork, s.Resent, s.CutOff, fmtDur(s.Baseline))
	}
	tw.Flush()
	fmt.Fprintf(w, "recovery = SIGKILL → every session of the trial ready (restart included; work left at the kill included); goal: 100%% recovered, 0 duplicates, 0 lost, slowest ≤ %s\n", GoalRecovery)
	for _, s := range rep.Modes {
		verdict := "goal met"
		if !s.Met() {
			verdict = "goal NOT met"
		}
		fmt.Fprintf(w, "%s: %s", s.Mode, verdict)
		if s.SlowestTrial != "" {
			fmt.Fprintf(w, " (slowest: %s)", s.SlowestTrial)
		}
		fmt.Fprintln(w)
		const show = 20
		for i, d := range s.Defects {
			if i == show {
				fmt.Fprintf(w, "  … and %d more\n", len(s.Defects)-show)
				break
			}
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
}

// fmtRecovery shows a recovery time, or "> deadline" when a trial did not
// recover at all and so reached the deadline.
func (s ModeSummary) fmtRecovery(d time.Duration) string {
	if s.Unrecovered > 0 && d >= s.deadline {
		return "> " + fmtDur(s.deadline)
	}
	return fmtDur(d)
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// shareCheckpointKey gives a node's data dir the audit checkpoint key of
// from (made there on first use).
func shareCheckpointKey(from, to string) error {
	if _, _, err := audit.LoadOrCreateCheckpointKey(from); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(from, audit.CheckpointKeyFile))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(to, audit.CheckpointKeyFile), b, 0o600)
}

// therapistToken adds the therapist who attests consents, with a password,
// and makes them a personal API token as their account page would.
func therapistToken(ctx context.Context, st *store.Store, sealer auth.Sealer) (string, error) {
	const password = "soak synthetic password 1"
	h, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	u := store.User{ID: uuid.NewString(), Email: "therapist@example.org", Role: store.RoleClinician, PasswordHash: h}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		return "", err
	}
	svc := &auth.Service{Store: st, Sealer: sealer, Now: time.Now}
	tok, _, err := svc.CreateToken(ctx, u, "soak script", password)
	return tok, err
}
