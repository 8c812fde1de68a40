package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/telemetry"
	"github.com/scribe-health/scribe/internal/version"
)

// observability is what `scribe serve` reports about itself: the
// Prometheus series at /metrics (internal/metrics) and, when an OTLP
// endpoint is set, OpenTelemetry traces (internal/telemetry).
type observability struct {
	tracing *telemetry.Tracing
	log     *slog.Logger
}

// startObservability turns tracing on when OTEL_EXPORTER_OTLP_ENDPOINT
// (or its traces-only variant) is set, and points the scrape-time series at
// this process's relay and the job table.
func startObservability(ctx context.Context, a *app) (*observability, error) {
	endpoint := a.settings.OTLPTracesEndpoint
	if endpoint == "" {
		endpoint = a.settings.OTLPEndpoint
	}
	tr, err := telemetry.Start(ctx, endpoint, version.Version)
	if err != nil {
		return nil, err
	}
	metrics.ObserveRelay(func() metrics.RelayStats {
		s := capture.ReadStats()
		return metrics.RelayStats{Rooms: s.Rooms, Participants: s.Participants, RecordingTracks: s.RecordingTracks,
			PacketsForwarded: s.PacketsIn, TracksRecorded: s.TracksRecorded}
	})
	metrics.ObserveJobs(func(ctx context.Context) ([]metrics.JobCount, error) {
		counts, err := a.store.JobCounts(ctx)
		out := make([]metrics.JobCount, len(counts))
		for i, c := range counts {
			out[i] = metrics.JobCount{Kind: c.Kind, State: c.State, Count: c.Count}
		}
		return out, err
	})
	return &observability{tracing: tr, log: a.store.Logger()}, nil
}

// mount adds GET /metrics, behind the bearer token when one is set.
func (o *observability) mount(mux *http.ServeMux, token string) {
	mux.Handle("GET /metrics", metrics.Handler(token, o.log))
}

// stop sends the last spans and detaches the scrape-time series from the
// app, which is about to close.
func (o *observability) stop(ctx context.Context) {
	metrics.ObserveJobs(nil)
	_ = o.tracing.Shutdown(ctx)
}
