package store_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestJobsDashboard(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			h, err := s.JobsDashboard(ctx, "/admin/jobs")
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/admin/jobs/", "/admin/jobs/api/jobs?state=available&limit=20", "/admin/jobs/api/queues"} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				body, _ := io.ReadAll(rec.Body)
				if rec.Code != 200 {
					t.Fatalf("GET %s: %d %s", path, rec.Code, body)
				}
				if path == "/admin/jobs/" && !strings.Contains(string(body), "<html") {
					t.Fatalf("dashboard page is not HTML: %.200s", body)
				}
			}
		})
	}
}
