package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerToken: with a token, /metrics answers only a request that
// carries it as a bearer token; without one, anyone.
func TestHandlerToken(t *testing.T) {
	get := func(h http.Handler, auth string) (int, string) {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		b, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(b)
	}
	h := Handler("s3cret-token", nil)
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Basic s3cret-token", "Bearer s3cret-tokenx"} {
		if code, body := get(h, auth); code != http.StatusUnauthorized || strings.Contains(body, "scribe_") {
			t.Errorf("Authorization %q: HTTP %d, want 401 and no series", auth, code)
		}
	}
	for _, h := range []http.Handler{h, Handler("", nil)} {
		auth := "Bearer s3cret-token"
		code, body := get(h, auth)
		if code != http.StatusOK || !strings.Contains(body, `scribe_session_repairs_total{repair="lease_expired"} 0`) || !strings.Contains(body, "go_goroutines") {
			t.Errorf("HTTP %d, want 200 with the series:\n%.500s", code, body)
		}
	}
}

// TestCounterReadsBack: the Counter API the recovery code uses still reads
// back what it counted, and exports it.
func TestCounterReadsBack(t *testing.T) {
	c := NewCounter("scribe_test_things_total", "Things, by colour.", "colour", "red")
	c.Inc("blue")
	c.Add("blue", 2)
	if c.Get("blue") != 3 || c.Get("red") != 0 || c.Total() != 3 {
		t.Fatalf("blue %d red %d total %d", c.Get("blue"), c.Get("red"), c.Total())
	}
	w := httptest.NewRecorder()
	Handler("", nil).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{`scribe_test_things_total{colour="blue"} 3`, `scribe_test_things_total{colour="red"} 0`, "# HELP scribe_test_things_total Things, by colour."} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
