package modelcall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// server answers each request with the next step of its script; past the
// end it answers 200 {"ok":true}. It records every request body.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	steps  []http.HandlerFunc
	bodies [][]byte
}

func newServer(t *testing.T, steps ...http.HandlerFunc) *server {
	t.Helper()
	s := &server{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.bodies)
		s.bodies = append(s.bodies, body)
		var step http.HandlerFunc
		if n < len(s.steps) {
			step = s.steps[n]
		}
		s.mu.Unlock()
		if step == nil {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
			return
		}
		step(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// status answers code with an OpenAI-style error whose message quotes what
// a prompt might contain.
func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"the prompt said: I keep worrying I will get fired","type":"invalid_request_error","code":"simulated_%d"}}`, code)
	}
}

func drop(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// hang holds the request until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// sleeps records the waits a call asks for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

var testProvider = Provider{Name: "llm", Use: "drafting", Model: "note-model-1"}

const secretKey = "sk-test-secret-key-value"

func testPolicy(sl *sleeps) Policy {
	return Policy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, AttemptTimeout: 10 * time.Second, Sleep: sl.sleep}
}

func post(t *testing.T, ctx context.Context, c *Caller, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", bytes.NewBufferString(`{"model":"note-model-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secretKey)
	return c.Do(req)
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *modelcall.Error", err, err)
	}
	return e
}

func TestStatuses(t *testing.T) {
	cases := []struct {
		code      int
		kind      Kind
		permanent bool
		want      string
	}{
		{400, KindRejected, true, `the drafting provider 'llm' rejected the request (400 Bad Request, code "simulated_400"); ask an admin to check the provider's settings`},
		{401, KindUnauthorized, true, `the drafting provider 'llm' refused the API key (401 Unauthorized, code "simulated_401"); ask an admin to check the provider's API key`},
		{403, KindForbidden, true, `the drafting provider 'llm' refused access (403 Forbidden, code "simulated_403"); ask an admin to check that the provider's API key may use model 'note-model-1'`},
		{404, KindNotFound, true, `the drafting provider 'llm' did not find model 'note-model-1' (404 Not Found, code "simulated_404"); ask an admin to check the provider's model name and base URL`},
		{409, KindRejected, true, `rejected the request (409 Conflict`},
		{413, KindRejected, true, `rejected the request (413 Request Entity Too Large`},
		{422, KindRejected, true, `rejected the request (422 Unprocessable Entity`},
		{408, KindTimeout, false, `the drafting provider 'llm' kept answering 408 Request Timeout, code "simulated_408"`},
		{429, KindRateLimited, false, `the drafting provider 'llm' kept answering 429 Too Many Requests, code "simulated_429"`},
		{500, KindServer, false, `the drafting provider 'llm' kept answering 500 Internal Server Error, code "simulated_500"`},
		{502, KindServer, false, `kept answering 502 Bad Gateway`},
		{503, KindServer, false, `the drafting provider 'llm' kept answering 503 Service Unavailable, code "simulated_503"`},
		{504, KindServer, false, `kept answering 504 Gateway Timeout`},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			steps := []http.HandlerFunc{status(c.code), status(c.code), status(c.code), status(c.code)}
			srv := newServer(t, steps...)
			sl := &sleeps{}
			_, err := post(t, context.Background(), New(testProvider, testPolicy(sl)), srv.URL)
			e := asError(t, err)
			if e.Kind != c.kind || e.StatusCode != c.code || e.Permanent() != c.permanent || IsPermanent(err) != c.permanent || StatusCode(err) != c.code {
				t.Fatalf("got kind %s status %d permanent %v; want %s %d %v", e.Kind, e.StatusCode, e.Permanent(), c.kind, c.code, c.permanent)
			}
			wantRequests := 3
			if c.permanent {
				wantRequests = 1 // fails at once
			}
			if n := len(srv.requests()); n != wantRequests || e.Attempts != wantRequests {
				t.Fatalf("%d requests, error says %d attempts; want %d", n, e.Attempts, wantRequests)
			}
			if n := len(sl.all()); n != wantRequests-1 {
				t.Fatalf("%d waits for %d requests", n, wantRequests)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("message %q\nwant it to contain %q", err.Error(), c.want)
			}
			for _, leak := range []string{"fired", "prompt", secretKey} {
				if strings.Contains(err.Error(), leak) {
					t.Fatalf("message %q leaks %q", err.Error(), leak)
				}
			}
		})
	}
}

func TestTransientThenSuccessReplaysTheBody(t *testing.T) {
	srv := newServer(t, status(429), drop, status(503))
	sl := &sleeps{}
	var seen []Attempt
	pol := testPolicy(sl)
	pol.MaxAttempts = 4
	pol.Observe = func(a Attempt) { seen = append(seen, a) }
	resp, err := post(t, context.Background(), New(testProvider, pol), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"ok":true}` || resp.ContentLength != int64(len(body)) {
		t.Fatalf("body %q, length %d", body, resp.ContentLength)
	}
	reqs := srv.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, b := range reqs {
		if string(b) != `{"model":"note-model-1"}` {
			t.Fatalf("request %d body %q: the body was not replayed", i+1, b)
		}
	}
	wantKinds := []Kind{KindRateLimited, KindConnection, KindServer, ""}
	if len(seen) != 4 {
		t.Fatalf("observed %d attempts", len(seen))
	}
	for i, a := range seen {
		if a.N != i+1 || a.Kind != wantKinds[i] || a.Provider != testProvider {
			t.Fatalf("attempt %d observed as %+v, want kind %q", i+1, a, wantKinds[i])
		}
		if (i < 3) != (a.Wait > 0) {
			t.Fatalf("attempt %d wait %s", i+1, a.Wait)
		}
	}
	if got := sl.all(); len(got) != 3 {
		t.Fatalf("waits %v", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"seconds", []string{"Retry-After", "7"}, 7 * time.Second},
		{"http date", []string{"Retry-After", now.Add(30 * time.Second).Format(http.TimeFormat)}, 30 * time.Second},
		{"milliseconds", []string{"Retry-After-Ms", "1500", "Retry-After", "2"}, 1500 * time.Millisecond},
		{"date in the past means backoff", []string{"Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"garbage means backoff", []string{"Retry-After", "soon"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, code := range []int{429, 503} {
				srv := newServer(t, status(code, c.header...))
				sl := &sleeps{}
				pol := testPolicy(sl)
				pol.Now = func() time.Time { return now }
				pol.Jitter = func() float64 { return 0 }
				if _, err := post(t, context.Background(), New(testProvider, pol), srv.URL); err != nil {
					t.Fatal(err)
				}
				want := c.want
				if want == 0 {
					want = pol.BaseDelay / 2 // the jittered backoff with Jitter 0
				}
				if got := sl.all(); len(got) != 1 || got[0] != want {
					t.Fatalf("%d: waited %v, want [%s]", code, got, want)
				}
			}
		})
	}
}

func TestRetryAfterBeyondTheCapEndsTheCall(t *testing.T) {
	srv := newServer(t, status(429, "Retry-After", "3600"))
	sl := &sleeps{}
	_, err := post(t, context.Background(), New(testProvider, testPolicy(sl)), srv.URL)
	e := asError(t, err)
	if e.Permanent() || e.RetryAfter != time.Hour || len(sl.all()) != 0 || len(srv.requests()) != 1 {
		t.Fatalf("err %v (retry after %s), waits %v, %d requests: want a transient error at once, no wait", err, e.RetryAfter, sl.all(), len(srv.requests()))
	}
	if want := "the drafting provider 'llm' answered 429 Too Many Requests, code \"simulated_429\", asking to wait 1h0m0s"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	pol := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, c := range ceilings {
		d := c * time.Millisecond
		n := i + 1
		pol.Jitter = func() float64 { return 0 }
		if got := pol.backoff(n); got != d/2 {
			t.Errorf("attempt %d, jitter 0: %s, want %s", n, got, d/2)
		}
		pol.Jitter = func() float64 { return 0.999999 }
		if got := pol.backoff(n); got >= d || got < d-d/1000 {
			t.Errorf("attempt %d, jitter ~1: %s, want just under %s", n, got, d)
		}
	}
	pol = Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	seen := map[time.Duration]bool{}
	for range 1000 {
		got := pol.backoff(3)
		if got < 200*time.Millisecond || got >= 400*time.Millisecond {
			t.Fatalf("attempt 3 backoff %s outside [200ms, 400ms)", got)
		}
		seen[got] = true
	}
	if len(seen) < 100 {
		t.Fatalf("only %d distinct waits in 1000: not jittered", len(seen))
	}
	if got := pol.backoff(1000); got < 500*time.Millisecond || got >= time.Second {
		t.Fatalf("attempt 1000 backoff %s: the cap does not hold", got)
	}
}

func TestAttemptBudget(t *testing.T) {
	srv := newServer(t, hang, hang)
	sl := &sleeps{}
	pol := testPolicy(sl)
	pol.MaxAttempts = 2
	pol.AttemptTimeout = 50 * time.Millisecond
	_, err := post(t, context.Background(), New(testProvider, pol), srv.URL)
	e := asError(t, err)
	if e.Kind != KindTimeout || e.Permanent() || len(srv.requests()) != 2 {
		t.Fatalf("err %v (kind %s), %d requests: want a transient timeout after 2 requests", err, e.Kind, len(srv.requests()))
	}
	if want := "the drafting provider 'llm' kept taking longer than 50ms to answer"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// A slow answer within the budget is an answer.
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, `{"ok":true}`)
	})
	pol.AttemptTimeout = time.Minute
	if _, err := post(t, context.Background(), New(testProvider, pol), srv.URL); err != nil || len(srv.requests()) != 1 {
		t.Fatalf("slow answer within budget: %v, %d requests", err, len(srv.requests()))
	}
}

func TestAttemptsRunOut(t *testing.T) {
	srv := newServer(t, drop, drop, drop, drop)
	sl := &sleeps{}
	_, err := post(t, context.Background(), New(testProvider, testPolicy(sl)), srv.URL)
	e := asError(t, err)
	if e.Kind != KindConnection || e.Attempts != 3 || len(srv.requests()) != 3 || !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err %v (kind %s, attempts %d), %d requests", err, e.Kind, e.Attempts, len(srv.requests()))
	}
	if want := "the drafting provider 'llm' kept dropping the connection without answering"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// Nobody listening: refused, with the address an admin can check.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = post(t, context.Background(), New(testProvider, testPolicy(&sleeps{})), "http://"+addr)
	if e := asError(t, err); e.Kind != KindConnection || e.Attempts != 3 {
		t.Fatalf("refused: %v", err)
	}
	if want := fmt.Sprintf("the drafting provider 'llm' could not be reached at %s (connection refused)", addr); err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDeadlineEndsTheCallWithTheProvidersAnswer(t *testing.T) {
	srv := newServer(t, status(503), status(503))
	sl := &sleeps{}
	pol := testPolicy(sl)
	pol.BaseDelay, pol.MaxDelay = time.Hour, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := post(t, ctx, New(testProvider, pol), srv.URL)
	e := asError(t, err)
	if e.Kind != KindServer || len(sl.all()) != 0 || len(srv.requests()) != 1 {
		t.Fatalf("err %v, waits %v, %d requests: a wait past the deadline must end the call with the 503", err, sl.all(), len(srv.requests()))
	}
}

func TestContextCancel(t *testing.T) {
	// Cancelled while waiting to retry.
	srv := newServer(t, status(503))
	ctx, cancel := context.WithCancel(context.Background())
	pol := testPolicy(&sleeps{})
	pol.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := post(t, ctx, New(testProvider, pol), srv.URL)
	e := asError(t, err)
	if e.Kind != KindCanceled || !errors.Is(err, context.Canceled) || e.Permanent() || len(srv.requests()) != 1 {
		t.Fatalf("err %v (kind %s), %d requests", err, e.Kind, len(srv.requests()))
	}
	if want := "the call to the drafting provider 'llm' was stopped before it answered (the server is stopping); before that it answered 503 Service Unavailable, code \"simulated_503\""; err.Error() != want {
		t.Fatalf("message %q\nwant %q", err, want)
	}

	// Cancelled while the provider is thinking: the call returns at once.
	arrived := make(chan struct{})
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) { close(arrived); <-r.Context().Done() })
	ctx, cancel = context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err = post(t, ctx, New(testProvider, testPolicy(&sleeps{})), srv.URL)
	if e := asError(t, err); e.Kind != KindCanceled || !errors.Is(err, context.Canceled) || len(srv.requests()) != 1 {
		t.Fatalf("err %v, %d requests", err, len(srv.requests()))
	}

	// The caller's deadline (a job's time limit) passes while the provider
	// is thinking.
	srv = newServer(t, hang)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = post(t, ctx, New(testProvider, testPolicy(&sleeps{})), srv.URL)
	if e := asError(t, err); e.Kind != KindCanceled || !errors.Is(err, context.DeadlineExceeded) || e.Permanent() {
		t.Fatalf("err %v", err)
	}
	if want := "the drafting provider 'llm' did not answer before the stage's time limit ran out"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestUnreplayableBodyIsSentOnce(t *testing.T) {
	srv := newServer(t, status(503), status(503))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(strings.NewReader("{}")))
	_, err := New(testProvider, testPolicy(&sleeps{})).Do(req)
	if e := asError(t, err); e.Kind != KindServer || len(srv.requests()) != 1 {
		t.Fatalf("err %v, %d requests", err, len(srv.requests()))
	}
}

// Through go-openai, as the stages call it: the policy's errors come back
// typed, and the key and the provider's message stay out of them.
func TestThroughGoOpenAI(t *testing.T) {
	var auth []string
	var mu sync.Mutex
	record := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auth = append(auth, r.Header.Get("Authorization")+r.Header.Get("api-key"))
			mu.Unlock()
			next(w, r)
		}
	}
	garbage := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>a login page</html>") }
	srv := newServer(t, record(status(429, "Retry-After", "2")), record(status(401)), record(garbage))
	sl := &sleeps{}
	o, err := NewOpenAI(testProvider, Endpoint{BaseURL: srv.URL + "/v1/", APIKey: secretKey}, testPolicy(sl))
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "note-model-1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}}})
	err = o.Classify(err)
	e := asError(t, err)
	if e.Kind != KindUnauthorized || e.Attempts != 2 || len(srv.requests()) != 2 {
		t.Fatalf("err %v (kind %s, attempts %d)", err, e.Kind, e.Attempts)
	}
	if got := sl.all(); len(got) != 1 || got[0] != 2*time.Second {
		t.Fatalf("waits %v, want [2s] from Retry-After", got)
	}
	if strings.Contains(err.Error(), secretKey) || strings.Contains(err.Error(), "fired") {
		t.Fatalf("message leaks: %v", err)
	}
	if auth[0] != "Bearer "+secretKey {
		t.Fatalf("the key was not sent: %q", auth[0])
	}
	_, err = o.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "note-model-1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}}})
	err = o.Classify(err)
	if e := asError(t, err); e.Kind != KindBadResponse || e.Permanent() {
		t.Fatalf("garbage answer: %v", err)
	}
	if want := "the drafting provider 'llm' answered with something that is not an OpenAI-compatible response; ask an admin to check the provider's base URL"; err.Error() != want {
		t.Fatalf("message %q", err)
	}

	// Azure: the key goes in api-key and the deployment in the path.
	var path, key string
	az := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		path, key = r.URL.Path, r.Header.Get("api-key")
		status(404)(w, r)
	})
	o, err = NewOpenAI(testProvider, Endpoint{Kind: "azure", BaseURL: az.URL, APIKey: secretKey, AzureAPIVersion: "2024-06-01"}, testPolicy(&sleeps{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "note-model-1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}}})
	if e := asError(t, o.Classify(err)); e.Kind != KindNotFound || path != "/openai/deployments/note-model-1/chat/completions" || key != secretKey {
		t.Fatalf("azure: %v, path %q", err, path)
	}

	for _, bad := range []Endpoint{{Kind: "azure"}, {Kind: "anthropic", BaseURL: "http://x"}} {
		if _, err := NewOpenAI(testProvider, bad, Policy{}); err == nil || !strings.Contains(err.Error(), "the drafting provider 'llm'") {
			t.Errorf("endpoint %+v: %v", bad, err)
		}
	}
}

// A certificate the server does not trust is a setting to fix, not an
// outage: one request, a permanent error.
func TestUntrustedCertificateFailsAtOnce(t *testing.T) {
	var n int
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
	}))
	defer srv.Close()
	sl := &sleeps{}
	_, err := post(t, context.Background(), New(testProvider, testPolicy(sl)), srv.URL)
	e := asError(t, err)
	mu.Lock()
	defer mu.Unlock()
	if e.Kind != KindTLS || !e.Permanent() || e.Attempts != 1 || len(sl.all()) != 0 || n != 0 {
		t.Fatalf("err %v (kind %s, attempts %d), %d waits", err, e.Kind, e.Attempts, len(sl.all()))
	}
	if want := "the drafting provider 'llm' at " + srv.Listener.Addr().String() + " presented a TLS certificate that is not trusted; ask an admin to check the provider's base URL and the server's certificate"; err.Error() != want {
		t.Fatalf("message %q\nwant %q", err, want)
	}
}
