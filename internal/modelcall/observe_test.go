package modelcall

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/scribe-health/scribe/internal/metrics"
)

// TestCallIsMeasuredAndTraced: every attempt of a call lands in the
// provider series (latency by status, errors by status and kind) and the
// call is one span with an event per attempt; neither carries the request,
// the provider's error text or the key.
func TestCallIsMeasuredAndTraced(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	p := Provider{Name: "observe-llm", Use: "drafting", Model: "note-model-1"}
	errs := metrics.ProviderErrors.WithLabelValues(p.Name, p.Use, "503", string(KindServer))
	before := testutil.ToFloat64(errs)

	srv := newServer(t, status(503))
	if _, err := post(t, context.Background(), New(p, testPolicy(&sleeps{})), srv.URL); err != nil {
		t.Fatal(err)
	}
	if n := testutil.ToFloat64(errs) - before; n != 1 {
		t.Errorf("scribe_provider_errors_total{status=503,kind=server_error} rose by %v, want 1", n)
	}
	if n := testutil.CollectAndCount(metrics.ProviderRequestDuration, "scribe_provider_request_duration_seconds"); n < 2 {
		t.Errorf("%d latency series, want one per status (503, 200)", n)
	}

	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "provider drafting" {
		t.Fatalf("spans %v, want one named \"provider drafting\"", spans)
	}
	s := spans[0]
	if len(s.Events) != 2 {
		t.Errorf("%d attempt events, want 2", len(s.Events))
	}
	var all []string
	for _, a := range s.Attributes {
		all = append(all, string(a.Key)+"="+a.Value.Emit())
	}
	for _, e := range s.Events {
		for _, a := range e.Attributes {
			all = append(all, string(a.Key)+"="+a.Value.Emit())
		}
	}
	joined := strings.Join(all, " ")
	if !strings.Contains(joined, "scribe.provider=observe-llm") || !strings.Contains(joined, "http.status=503") {
		t.Errorf("span attributes %q: want the provider and each attempt's status", joined)
	}
	for _, leak := range []string{secretKey, "worrying", "chat/completions"} {
		if strings.Contains(joined, leak) || strings.Contains(s.Status.Description, leak) {
			t.Errorf("span carries %q: %s / %s", leak, joined, s.Status.Description)
		}
	}
}
