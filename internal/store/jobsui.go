package store

import (
	"context"
	"fmt"
	"net/http"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// JobsDashboard returns River's job dashboard (riverui) for this database,
// served under prefix (e.g. "/admin/jobs"). Access control is the caller's.
func (s *Store) JobsDashboard(ctx context.Context, prefix string) (http.Handler, error) {
	opts := &riverui.HandlerOpts{Logger: s.log, Prefix: prefix, JobListHideArgsByDefault: true}
	c, err := s.newJobClient(&river.Config{})
	if err != nil {
		return nil, err
	}
	opts.Endpoints = c.endpoints()
	h, err := riverui.NewHandler(opts)
	if err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	return h, nil
}
