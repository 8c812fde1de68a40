// Package telemetry sets up Scribe's OpenTelemetry traces: spans of HTTP
// requests (otelhttp), of River jobs (otelriver) and of model provider
// calls (internal/modelcall), exported over OTLP/HTTP when an endpoint is
// configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read by the OpenTelemetry SDK along
// with its other OTEL_* settings) and entirely off otherwise: no exporter,
// no wrapping, nothing sent.
//
// Spans leave the process with an allow-list of attributes (Allowed):
// method, route, status, job kind and queue, provider name and use. The
// request path (which carries session IDs), the client's IP address and
// user agent (identifiers under HIPAA), query strings and exception
// messages are dropped before export, whatever an instrumentation library
// records.
//
// Metrics are Prometheus series (internal/metrics), not OpenTelemetry.
package telemetry

import (
	"context"
	"net/http"
	"strings"

	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing is the tracing of one `scribe serve`; the zero value (tracing
// off) wraps nothing.
type Tracing struct {
	tp       *sdktrace.TracerProvider
	previous trace.TracerProvider
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Start turns tracing on when endpoint (the value of
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// not empty; the exporter reads the endpoint, headers, timeout and TLS
// settings from those OTEL_* variables itself. It installs the tracer
// provider as OpenTelemetry's global one (internal/modelcall's spans use
// it) until Shutdown.
func Start(ctx context.Context, endpoint, version string) (*Tracing, error) {
	if strings.TrimSpace(endpoint) == "" {
		return &Tracing{}, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res := resource.NewSchemaless(semconv.ServiceName("scribe"), semconv.ServiceVersion(version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(allowListExporter{exp}), sdktrace.WithResource(res))
	t := &Tracing{tp: tp, previous: otel.GetTracerProvider()}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return t, nil
}

// Shutdown sends the spans still buffered and restores the tracer
// provider that was global before Start.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	err := t.tp.Shutdown(ctx)
	otel.SetTracerProvider(t.previous)
	return err
}

// HTTP wraps the server's handler in otelhttp when tracing is on. Spans
// are named by method and route pattern ("GET /sessions/{id}"), never by
// the path.
func (t *Tracing) HTTP(h http.Handler) http.Handler {
	if !t.Enabled() {
		return h
	}
	// The mux sets the pattern while routing, after otelhttp started the
	// span: the route is added once the handler returns.
	routed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if _, route, ok := strings.Cut(r.Pattern, " "); ok {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(route))
		} else if r.Pattern != "" {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(r.Pattern))
		}
	})
	return otelhttp.NewHandler(routed, "http", otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}))
}

// RiverMiddleware is River's OpenTelemetry middleware when tracing is on:
// a span per job insert and per job worked, with the job's kind, queue
// and attempt (never its arguments).
func (t *Tracing) RiverMiddleware() []rivertype.Middleware {
	if !t.Enabled() {
		return nil
	}
	return []rivertype.Middleware{otelriver.NewMiddleware(&otelriver.MiddlewareConfig{TracerProvider: t.tp, EnableWorkSpanJobKindSuffix: true})}
}

// Allowed reports whether a span attribute may leave the process.
func Allowed(key attribute.Key) bool {
	k := string(key)
	for _, p := range allowedPrefixes {
		if k == p || (strings.HasSuffix(p, ".") && strings.HasPrefix(k, p)) {
			return true
		}
	}
	return false
}

// allowedPrefixes: exact keys, or prefixes ending in ".".
var allowedPrefixes = []string{
	// otelhttp
	"http.request.method", "http.response.status_code", "http.route", "url.scheme", "network.protocol.name", "network.protocol.version",
	"server.address", "server.port", "error.type", "http.request.body.size", "http.response.body.size",
	// otelriver: the job's kind, queue, attempt, priority and outcome
	"attempt", "kind", "priority", "queue", "status", "tag", "kinds", "skipped", "count",
	// internal/modelcall
	"scribe.", "attempts", "error.kind", "http.status",
	// recorded errors: the type, not the message
	"exception.type",
}

// allowListExporter drops every attribute Allowed refuses from spans and
// their events before they are exported.
type allowListExporter struct{ sdktrace.SpanExporter }

func (e allowListExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		stub := tracetest.SpanStubFromReadOnlySpan(s)
		stub.Attributes = filter(stub.Attributes)
		for j := range stub.Events {
			stub.Events[j].Attributes = filter(stub.Events[j].Attributes)
		}
		for j := range stub.Links {
			stub.Links[j].Attributes = filter(stub.Links[j].Attributes)
		}
		out[i] = stub.Snapshot()
	}
	return e.SpanExporter.ExportSpans(ctx, out)
}

func filter(attrs []attribute.KeyValue) []attribute.KeyValue {
	kept := attrs[:0:0]
	for _, a := range attrs {
		if Allowed(a.Key) {
			kept = append(kept, a)
		}
	}
	return kept
}
