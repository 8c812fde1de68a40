package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestAllowList: whatever an instrumentation records, only allowed
// attributes reach the exporter — on the span, its events and its links.
func TestAllowList(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(allowListExporter{mem}))
	defer tp.Shutdown(context.Background())
	_, span := tp.Tracer("test").Start(context.Background(), "GET /sessions/{id}",
		trace.WithLinks(trace.Link{Attributes: []attribute.KeyValue{attribute.String("client.address", "198.51.100.7"), attribute.String("kind", "draft")}}))
	span.SetAttributes(
		attribute.String("http.route", "/sessions/{id}"), attribute.Int("http.response.status_code", 200),
		attribute.String("url.path", "/sessions/0b1c-session-id"), attribute.String("client.address", "198.51.100.7"),
		attribute.String("user_agent.original", "Mozilla/5.0"), attribute.String("url.query", "token=secret"),
		attribute.String("scribe.provider", "llm"), attribute.String("kind", "draft"))
	span.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", "*errors.errorString"), attribute.String("exception.message", "client said something")))
	span.End()

	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	got := map[string]bool{}
	for _, a := range s.Attributes {
		got[string(a.Key)] = true
	}
	for _, k := range []string{"http.route", "http.response.status_code", "scribe.provider", "kind"} {
		if !got[k] {
			t.Errorf("allowed attribute %s was dropped", k)
		}
	}
	for _, k := range []string{"url.path", "client.address", "user_agent.original", "url.query"} {
		if got[k] {
			t.Errorf("attribute %s was exported", k)
		}
	}
	if ev := s.Events[0].Attributes; len(ev) != 1 || ev[0].Key != "exception.type" {
		t.Errorf("event attributes %v, want only exception.type", ev)
	}
	if l := s.Links[0].Attributes; len(l) != 1 || l[0].Key != "kind" {
		t.Errorf("link attributes %v, want only kind", l)
	}
}

// TestOffWithoutEndpoint: no endpoint, no tracing and nothing wrapped.
func TestOffWithoutEndpoint(t *testing.T) {
	tr, err := Start(context.Background(), " ", "test")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() || tr.RiverMiddleware() != nil {
		t.Error("tracing is on with no endpoint")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}
