package main

import (
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/scribe-health/scribe/internal/metrics"
)

// otlpReceiver is an OTLP/HTTP trace endpoint (POST /v1/traces, protobuf)
// that keeps every span it is sent.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
	posts atomic.Int64
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.posts.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.Error(w, "not an OTLP trace export", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			o.spans = append(o.spans, ss.GetSpans()...)
		}
	}
	o.mu.Unlock()
	resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(resp)
}

func (o *otlpReceiver) byName(name string) []*tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range o.spans {
		if s.GetName() == name {
			out = append(out, s)
		}
	}
	return out
}

func (o *otlpReceiver) all() []*tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*tracepb.Span(nil), o.spans...)
}

func serveEnv(t *testing.T) {
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
}

// TestTracesExportedOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, `scribe
// serve` sends its spans there over OTLP/HTTP: the HTTP request (named by
// its route, not its path) and River's job spans (the reconciler's first
// pass). No span carries the request path (with the session's ID), the
// client's address or user agent.
func TestTracesExportedOverOTLP(t *testing.T) {
	serveEnv(t)
	rcv := &otlpReceiver{}
	collector := httptest.NewServer(rcv)
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100") // ms: export soon, not every 5 s
	base := startServe(t, t.TempDir())

	sessionID := uuid.NewString()
	for _, path := range []string{"/healthz", "/sessions/" + sessionID} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("User-Agent", "tracing-test-agent")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(rcv.byName("GET /healthz")) == 0 || len(rcv.byName("river.work/reconcile")) == 0 {
		if time.Now().After(deadline) {
			names := []string{}
			for _, s := range rcv.all() {
				names = append(names, s.GetName())
			}
			t.Fatalf("spans at the OTLP endpoint after 60 s: %q; want GET /healthz and river.work/reconcile", names)
		}
		time.Sleep(100 * time.Millisecond)
	}
	h := rcv.byName("GET /healthz")[0]
	attrs := map[string]string{}
	for _, a := range h.GetAttributes() {
		attrs[a.GetKey()] = a.GetValue().String()
	}
	if !strings.Contains(attrs["http.route"], "/healthz") || !strings.Contains(attrs["http.response.status_code"], "200") {
		t.Errorf("GET /healthz span attributes %v: want its route and status 200", attrs)
	}
	for _, s := range rcv.all() {
		if strings.Contains(s.GetName(), sessionID) {
			t.Errorf("span named with the session's ID: %q", s.GetName())
		}
		for _, a := range s.GetAttributes() {
			switch a.GetKey() {
			case "url.path", "url.full", "url.query", "client.address", "network.peer.address", "user_agent.original":
				t.Errorf("span %q exports %s", s.GetName(), a.GetKey())
			}
			if v := a.GetValue().String(); strings.Contains(v, sessionID) || strings.Contains(v, "tracing-test-agent") {
				t.Errorf("span %q attribute %s carries %q", s.GetName(), a.GetKey(), v)
			}
		}
	}
}

// TestNoTracesWithoutEndpoint: with no OTLP endpoint set, nothing is
// traced or sent — not even to the SDK's default endpoint
// (localhost:4318), which this test listens on.
func TestNoTracesWithoutEndpoint(t *testing.T) {
	serveEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	var arrived atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:4318")
	if err != nil {
		t.Skipf("the default OTLP port 4318 is in use, so what reaches it cannot be told apart: %v", err)
	}
	defaultCollector := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { arrived.Add(1) })}
	go defaultCollector.Serve(l)
	// Runs after serve has stopped (cleanups run last-registered first),
	// when anything buffered would have been flushed.
	t.Cleanup(func() {
		defaultCollector.Close()
		if n := arrived.Load(); n > 0 {
			t.Errorf("%d requests reached the default OTLP endpoint with no endpoint set", n)
		}
	})
	passes := metrics.ReconcilerPasses.Total()
	base := startServe(t, t.TempDir())
	if _, span := otel.Tracer("test").Start(context.Background(), "probe"); span.IsRecording() {
		t.Error("serve installed a recording tracer provider with no OTLP endpoint set")
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A job has run too (the reconciler's first pass); /metrics is open
	// with no token set.
	awaitMetrics(t, base, "", 60*time.Second, "the reconciler's first pass", func(s scrape) bool {
		v, _ := s.value("scribe_reconciler_passes_total", nil)
		return v > float64(passes)
	})
}
