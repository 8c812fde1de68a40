// Package metrics is the one place where Scribe's Prometheus series are
// defined and registered. The packages that count import the series they
// feed (SessionRepairs, ProviderRequestDuration …) or, for a value read at
// scrape time (jobs in the queue, rooms of the call relay), hand a function
// to Observe*; Handler serves them all at /metrics.
//
// Label values are kinds, stages, states, provider names and HTTP statuses
// — never IDs of people, session IDs or PHI.
//
// The registry is this package's own (not prometheus.DefaultRegisterer), so
// a library linked into Scribe cannot add series behind its back.
package metrics

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var registry = newRegistry()

func newRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves every series in the Prometheus text format. With a
// non-empty token, a request must carry "Authorization: Bearer <token>"
// or it is answered 401 and sees nothing.
func Handler(token string, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := promhttp.InstrumentMetricHandler(registry, promhttp.HandlerFor(registry, promhttp.HandlerOpts{
		ErrorLog:      errorLog{log},
		ErrorHandling: promhttp.ContinueOnError, // a failed database read leaves the other series
		Timeout:       20 * time.Second,
	}))
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scribe metrics"`)
			http.Error(w, "this metrics endpoint needs the bearer token it was configured with", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) {
	parts := make([]string, 0, len(v))
	for _, x := range v {
		if e, ok := x.(error); ok {
			parts = append(parts, e.Error())
		} else if s, ok := x.(string); ok {
			parts = append(parts, s)
		}
	}
	l.log.Warn("metrics: a series could not be collected", "error", strings.Join(parts, " "))
}

// Counter is a monotonically increasing count per label value, exported as
// a Prometheus counter. Unlike a CounterVec it can be read back (Get,
// Total), which the recovery tests do.
type Counter struct {
	Name, Help, Label string

	desc   *prometheus.Desc
	mu     sync.Mutex
	counts map[string]uint64
}

var (
	allMu sync.Mutex
	all   []*Counter
)

// NewCounter creates a counter and registers it. Label values given in
// initial are exported at 0 before anything is counted, so a dashboard
// shows the series from the start.
func NewCounter(name, help, label string, initial ...string) *Counter {
	c := &Counter{Name: name, Help: help, Label: label, counts: map[string]uint64{},
		desc: prometheus.NewDesc(name, help, []string{label}, nil)}
	for _, v := range initial {
		c.counts[v] = 0
	}
	registry.MustRegister(c)
	allMu.Lock()
	all = append(all, c)
	allMu.Unlock()
	return c
}

// Add adds n to the count of a label value.
func (c *Counter) Add(value string, n uint64) {
	c.mu.Lock()
	c.counts[value] += n
	c.mu.Unlock()
}

// Inc adds one to the count of a label value.
func (c *Counter) Inc(value string) { c.Add(value, 1) }

// Get returns the count of one label value.
func (c *Counter) Get(value string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[value]
}

// Total is the sum over every label value.
func (c *Counter) Total() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Each calls fn for every label value, in order.
func (c *Counter) Each(fn func(value string, n uint64)) {
	c.mu.Lock()
	counts := make(map[string]uint64, len(c.counts))
	for k, v := range c.counts {
		counts[k] = v
	}
	c.mu.Unlock()
	values := make([]string, 0, len(counts))
	for v := range counts {
		values = append(values, v)
	}
	sort.Strings(values)
	for _, v := range values {
		fn(v, counts[v])
	}
}

// Describe implements prometheus.Collector.
func (c *Counter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Counter) Collect(ch chan<- prometheus.Metric) {
	c.Each(func(v string, n uint64) {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), v)
	})
}

// All lists every Counter, in creation order.
func All() []*Counter {
	allMu.Lock()
	defer allMu.Unlock()
	return append([]*Counter(nil), all...)
}

// Recovery: the packages that repair and rescue increment these.
var (
	// SessionRepairs counts the reconciler's repairs by what it repaired.
	SessionRepairs = NewCounter("scribe_session_repairs_total", "Sessions whose state and jobs disagreed, repaired by the reconciler, by repair.", "repair",
		"lease_expired", "failed_stopped_job")
	// JobsRescued counts running jobs taken back from a worker process that
	// is gone or from an attempt past its lease, by reason.
	JobsRescued = NewCounter("scribe_jobs_rescued_total", "Running jobs moved back to the queue, by reason.", "reason", "lease_expired", "worker_gone")
	// ReconcilerPasses counts the reconciler's passes by outcome (ok,
	// error): with SessionRepairs at 0 it shows the safety net is running
	// and found nothing to repair.
	ReconcilerPasses = NewCounter("scribe_reconciler_passes_total", "Passes of the reconciler, by outcome.", "outcome")
)

// Stages whose latency StageLatency measures.
const (
	// StageChunkTranscribed: from the chunk's transcription job being
	// queued to its transcript stored.
	StageChunkTranscribed = "chunk_transcribed"
	// StageSessionReady: from the end of the recording (a call's last
	// audio, or an upload's arrival) to the draft stored and the session
	// ready for review.
	StageSessionReady = "session_ready"
)

var (
	// StageLatency is how long the pipeline took to reach a stage.
	StageLatency = register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "scribe_stage_latency_seconds",
		Help:    "Time for the pipeline to reach a stage: chunk_transcribed (chunk queued to transcript stored), session_ready (recording ended to draft ready).",
		Buckets: []float64{0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600},
	}, []string{"stage"}))

	// ProviderRequestDuration is the latency of each HTTP request to a
	// model provider (one attempt of a call), by the provider's name as
	// the admin recorded it, what it is used for, and the HTTP status
	// ("none" when no answer arrived).
	ProviderRequestDuration = register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "scribe_provider_request_duration_seconds",
		Help:    "Latency of one request to a model provider, by provider, use and HTTP status (none: no answer).",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120},
	}, []string{"provider", "use", "status"}))

	// ProviderErrors counts failed provider requests by provider, use,
	// HTTP status ("none" when no answer arrived) and the policy's kind of
	// failure (rate_limited, timeout, auth …).
	ProviderErrors = register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scribe_provider_errors_total",
		Help: "Failed requests to a model provider, by provider, use, HTTP status (none: no answer) and kind of failure.",
	}, []string{"provider", "use", "status", "kind"}))
)

func register[C prometheus.Collector](c C) C {
	registry.MustRegister(c)
	return c
}

// RelayStats is what the call relay reports at each scrape.
type RelayStats struct {
	Rooms, Participants, RecordingTracks int
	PacketsForwarded, TracksRecorded     uint64
}

// JobCount is the number of River jobs of one kind in one state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// Scrape-time sources, set by `scribe serve` (cmd/scribe/observe.go).
var (
	sourcesMu       sync.Mutex
	relayStats      func() RelayStats
	jobCounts       func(context.Context) ([]JobCount, error)
	lastCheckpoint  time.Time
	checkpointKnown bool
)

// ObserveRelay sets the function the relay series are read from.
func ObserveRelay(fn func() RelayStats) {
	sourcesMu.Lock()
	relayStats = fn
	sourcesMu.Unlock()
}

// ObserveJobs sets the function that counts River's jobs by kind and
// state; it is called at each scrape (one grouped query).
func ObserveJobs(fn func(context.Context) ([]JobCount, error)) {
	sourcesMu.Lock()
	jobCounts = fn
	sourcesMu.Unlock()
}

// AuditCheckpointed records when the audit chain head was last signed;
// the checkpointer calls it at start (the last checkpoint on record) and
// after each checkpoint.
func AuditCheckpointed(at time.Time) {
	sourcesMu.Lock()
	if !checkpointKnown || at.After(lastCheckpoint) {
		lastCheckpoint, checkpointKnown = at, true
	}
	sourcesMu.Unlock()
}

var (
	descRooms        = prometheus.NewDesc("scribe_relay_rooms", "Calls open on this node's relay.", nil, nil)
	descParticipants = prometheus.NewDesc("scribe_relay_participants", "Participants connected to this node's relay.", nil, nil)
	descPackets      = prometheus.NewDesc("scribe_relay_packets_forwarded_total", "RTP packets the relay received and forwarded to the other participants.", nil, nil)
	descRecording    = prometheus.NewDesc("scribe_recorder_tracks", "Audio tracks being recorded now.", nil, nil)
	descRecorded     = prometheus.NewDesc("scribe_recorder_tracks_started_total", "Audio tracks whose recording started.", nil, nil)
	descJobs         = prometheus.NewDesc("scribe_jobs", "River jobs in the database, by kind and state (all nodes).", []string{"kind", "state"}, nil)
	descCheckpoint   = prometheus.NewDesc("scribe_audit_checkpoint_age_seconds", "Time since the audit chain head was last signed (as this node saw it).", nil, nil)
)

type sources struct{}

func (sources) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRooms, descParticipants, descPackets, descRecording, descRecorded, descJobs, descCheckpoint} {
		ch <- d
	}
}

func (sources) Collect(ch chan<- prometheus.Metric) {
	sourcesMu.Lock()
	relay, jobs, cp, cpKnown := relayStats, jobCounts, lastCheckpoint, checkpointKnown
	sourcesMu.Unlock()
	if relay != nil {
		s := relay()
		ch <- prometheus.MustNewConstMetric(descRooms, prometheus.GaugeValue, float64(s.Rooms))
		ch <- prometheus.MustNewConstMetric(descParticipants, prometheus.GaugeValue, float64(s.Participants))
		ch <- prometheus.MustNewConstMetric(descPackets, prometheus.CounterValue, float64(s.PacketsForwarded))
		ch <- prometheus.MustNewConstMetric(descRecording, prometheus.GaugeValue, float64(s.RecordingTracks))
		ch <- prometheus.MustNewConstMetric(descRecorded, prometheus.CounterValue, float64(s.TracksRecorded))
	}
	if cpKnown {
		ch <- prometheus.MustNewConstMetric(descCheckpoint, prometheus.GaugeValue, time.Since(cp).Seconds())
	}
	if jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		counts, err := jobs(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(descJobs, err)
			return
		}
		for _, c := range counts {
			ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(c.Count), c.Kind, c.State)
		}
	}
}

var _ = register(sources{})
