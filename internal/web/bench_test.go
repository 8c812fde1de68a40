package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

// BenchmarkReviewPage60Min serves the review page of a 60-minute session
// (720 transcript segments and its draft) through the whole handler —
// sign-in check, access rule, audit entry, token map, rendering — and
// reports server time and the bytes sent (gzip, as browsers ask) and raw.
func BenchmarkReviewPage60Min(b *testing.B) {
	e := newEnv(b, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
	e.seedDraft(sess.ID, 60)
	cl := e.client()
	cl.login("c1@example.org", "")
	cookies := cl.c.Jar.Cookies(mustURL(e.srv.URL))
	h := e.web.Handler()
	req := func() *http.Request {
		r := httptest.NewRequest("GET", "/sessions/"+sess.ID+"/review", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return r
	}
	var sent, raw int
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req())
		if w.Code != 200 {
			b.Fatalf("HTTP %d", w.Code)
		}
		sent = w.Body.Len()
		if i == 0 {
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(zr)
			raw = len(body)
			if n := strings.Count(string(body), `data-testid="transcript-segment"`); n != 720 {
				b.Fatalf("%d segments rendered, want 720", n)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/page")
	b.ReportMetric(float64(sent)/1024, "KB-sent")
	b.ReportMetric(float64(raw)/1024, "KB-raw")
}
