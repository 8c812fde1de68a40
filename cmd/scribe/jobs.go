package main

import (
	"context"
	"net/http"
)

// The River job dashboard under /admin/jobs (the web app allows admins only).
func init() {
	jobsUI = func(ctx context.Context, a *app) (http.Handler, error) {
		return a.store.JobsDashboard(ctx, "/admin/jobs")
	}
}
