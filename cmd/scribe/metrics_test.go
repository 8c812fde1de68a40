package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/scribe-health/scribe/internal/store"
)

// e2eMetricsToken is the --metrics-token TestProductEndToEnd serves with.
const e2eMetricsToken = "e2e-metrics-token"

// scrape is one read of /metrics: every sample by family name.
type scrape map[string]*dto.MetricFamily

// scrapeMetrics GETs /metrics with the bearer token and parses it.
func scrapeMetrics(t *testing.T, base, token string) scrape {
	t.Helper()
	body, code := getMetrics(t, base, token)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics with the token: HTTP %d: %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

func getMetrics(t *testing.T, base, token string) (string, int) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

// value is the sample of family name whose labels include want (sum over
// every match; a histogram's count). found is false when none matches.
func (s scrape) value(name string, want map[string]string) (v float64, found bool) {
	fam := s[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if have[k] != w {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		}
	}
	return v, found
}

// awaitMetrics scrapes until ok holds (a generous deadline: the machine is
// shared) and returns that scrape.
func awaitMetrics(t *testing.T, base, token string, within time.Duration, what string, ok func(scrape) bool) scrape {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := scrapeMetrics(t, base, token)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics: %s did not happen within %v; last scrape:\n%s", what, within, s.summary())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (s scrape) summary() string {
	var names []string
	for n := range s {
		if strings.HasPrefix(n, "scribe_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		for _, m := range s[n].GetMetric() {
			fmt.Fprintf(&b, "%s %v\n", n, m)
		}
	}
	return b.String()
}

// series is one expected series: the family, labels it must have, and
// what it measures (for the failure message).
type series struct {
	name   string
	labels map[string]string
}

func requireNonZero(t *testing.T, s scrape, when string, want []series) {
	t.Helper()
	for _, w := range want {
		v, found := s.value(w.name, w.labels)
		if !found || v <= 0 {
			t.Errorf("%s: %s%v is %v (present: %v), want > 0", when, w.name, w.labels, v, found)
		}
	}
}

// metricsDuringCall waits, while both participants are in the call and
// recorded, for the relay's and recorder's gauges to show it.
func metricsDuringCall(t *testing.T, base string) {
	t.Helper()
	s := awaitMetrics(t, base, e2eMetricsToken, 30*time.Second, "a room with two participants and two recorded tracks", func(s scrape) bool {
		p, _ := s.value("scribe_relay_participants", nil)
		r, _ := s.value("scribe_recorder_tracks", nil)
		return p >= 2 && r >= 2
	})
	requireNonZero(t, s, "during the call", []series{
		{"scribe_relay_rooms", nil},
		{"scribe_relay_participants", nil},
		{"scribe_relay_packets_forwarded_total", nil},
		{"scribe_recorder_tracks", nil},
		{"scribe_recorder_tracks_started_total", nil},
	})
}

// metricsAfterEndToEnd checks /metrics once the session is ready: the
// bearer token is enforced; every series the issue lists is there with a
// non-zero value; no label carries the session's ID or anything the
// clinician typed. A reconciler repair is provoked the way a lost enqueue
// leaves a session (drafting, with its draft stored and no job), so the
// repair counter has something to count.
func metricsAfterEndToEnd(t *testing.T, base, dataDir, sessionID string) {
	t.Helper()
	for _, token := range []string{"", "wrong-token"} {
		if body, code := getMetrics(t, base, token); code != http.StatusUnauthorized || strings.Contains(body, "scribe_") {
			t.Errorf("GET /metrics with token %q: HTTP %d, want 401 and no series:\n%.300s", token, code, body)
		}
	}

	st, err := store.Open(context.Background(), store.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.TamperForTest(context.Background(), `UPDATE sessions SET status = 'drafting', updated_at = updated_at - 600000 WHERE id = $1`, sessionID); err != nil {
		t.Fatal(err)
	}
	s := awaitMetrics(t, base, e2eMetricsToken, 90*time.Second, "the reconciler's repair of the session left drafting", func(s scrape) bool {
		v, _ := s.value("scribe_session_repairs_total", map[string]string{"repair": "moved_to_ready"})
		return v > 0
	})
	if sess, err := st.Session(context.Background(), sessionID); err != nil || sess.Status != store.StatusReady {
		t.Errorf("after the repair the session is %q (%v), want ready", sess.Status, err)
	}
	requireNonZero(t, s, "after the session is ready", []series{
		{"scribe_jobs", map[string]string{"kind": "transcribe_chunk", "state": "completed"}},
		{"scribe_jobs", map[string]string{"kind": "draft", "state": "completed"}},
		{"scribe_stage_latency_seconds", map[string]string{"stage": "chunk_transcribed"}},
		{"scribe_stage_latency_seconds", map[string]string{"stage": "session_ready"}},
		{"scribe_provider_request_duration_seconds", map[string]string{"provider": "asr", "use": "transcription", "status": "200"}},
		{"scribe_provider_request_duration_seconds", map[string]string{"provider": "llm", "use": "drafting", "status": "200"}},
		{"scribe_provider_errors_total", map[string]string{"provider": "llm", "use": "drafting", "status": "503", "kind": "server_error"}},
		{"scribe_relay_packets_forwarded_total", nil},
		{"scribe_recorder_tracks_started_total", nil},
		{"scribe_reconciler_passes_total", map[string]string{"outcome": "ok"}},
		{"scribe_session_repairs_total", map[string]string{"repair": "moved_to_ready"}},
		{"scribe_audit_checkpoint_age_seconds", nil},
	})
	body, _ := getMetrics(t, base, e2eMetricsToken)
	for _, secret := range []string{sessionID, "client-e2e", "therapist@example.org"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics carries %q", secret)
		}
	}
}
