package modelcall

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/scribe-health/scribe/internal/metrics"
)

// Provider names the provider a Caller talks to, as its messages say it.
type Provider struct {
	Name  string // the provider record's name, e.g. "azure-east"
	Use   string // what the calls are for: "transcription", "drafting"
	Model string // the model (Azure: deployment) name, shown when it is not found
}

// Policy is how a call retries. The zero value is the default policy; set a
// field to change only that.
type Policy struct {
	// MaxAttempts is how many requests one call may make; default 4.
	MaxAttempts int
	// AttemptTimeout bounds one request, from sending it to reading the
	// whole answer; default 2 minutes.
	AttemptTimeout time.Duration
	// BaseDelay is the backoff after the first failed attempt; it doubles
	// with every further attempt up to MaxDelay. Each wait is drawn
	// uniformly from [d/2, d). Defaults: 1 s and 20 s.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After waited for within a call;
	// default 60 s. A provider that asks for longer ends the call with a
	// transient error, and the job is retried later.
	MaxRetryAfter time.Duration

	// Transport sends the requests; default http.DefaultTransport.
	Transport http.RoundTripper
	// Sleep waits d or until ctx ends, returning ctx's error then; default
	// a timer. Tests inject one to check waits without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock that HTTP-date Retry-After values are read against;
	// default time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1); default math/rand/v2.Float64.
	Jitter func() float64
	// Observe, when set, is told of every attempt (metrics, tests).
	Observe func(Attempt)
	// Log gets one line per failed attempt; default slog.Default().
	Log *slog.Logger
}

// Attempt is one request of a call, as Policy.Observe sees it.
type Attempt struct {
	Provider   Provider
	N          int  // 1 for the first request of a call
	StatusCode int  // 0 when no answer arrived
	Kind       Kind // "" when the attempt succeeded
	Duration   time.Duration
	// Wait is how long the call waits before its next attempt; 0 when no
	// attempt follows.
	Wait time.Duration
}

// Defaults of Policy's fields.
const (
	DefaultMaxAttempts    = 4
	DefaultAttemptTimeout = 2 * time.Minute
	DefaultBaseDelay      = time.Second
	DefaultMaxDelay       = 20 * time.Second
	DefaultMaxRetryAfter  = time.Minute
)

// maxResponseBytes bounds an answer read into memory: transcripts and notes
// are far smaller.
const maxResponseBytes = 32 << 20

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	p.MaxDelay = max(p.MaxDelay, p.BaseDelay)
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is the jittered wait after failed attempt n (1-based): uniform in
// [d/2, d) with d = BaseDelay·2^(n-1), capped at MaxDelay.
func (p Policy) backoff(n int) time.Duration {
	d := p.MaxDelay
	if shift := n - 1; shift < 30 {
		d = min(p.BaseDelay<<shift, p.MaxDelay)
	}
	half := d / 2
	return half + time.Duration(p.Jitter()*float64(d-half))
}

// Caller sends HTTP requests to one provider under a Policy. It implements
// go-openai's HTTPDoer, so a go-openai client configured with it (see
// NewOpenAI) retries and fails by the policy. Safe for concurrent use.
type Caller struct {
	provider Provider
	policy   Policy
	client   *http.Client
}

// New returns a Caller for provider p.
func New(p Provider, pol Policy) *Caller {
	pol = pol.withDefaults()
	return &Caller{provider: p, policy: pol, client: &http.Client{Transport: pol.Transport}}
}

// Do sends req, retrying as the policy says. A 2xx answer is returned with
// its body read into memory; every other outcome is an *Error (the
// provider's error answer is read for its code and closed). A request whose
// body cannot be replayed (no GetBody) is tried once.
func (c *Caller) Do(req *http.Request) (resp *http.Response, err error) {
	ctx, span := c.startSpan(req.Context())
	req = req.WithContext(ctx)
	defer func() { endSpan(span, err) }()
	pol := c.policy
	var last *Error
	for n := 1; ; n++ {
		r := req
		if n > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, c.fill(&Error{Kind: KindConnection, Err: err}, n-1)
				}
				r.Body = body
			}
		}
		started := time.Now()
		resp, e := c.attempt(ctx, r)
		took := time.Since(started)
		if e == nil {
			c.observe(ctx, Attempt{N: n, StatusCode: resp.StatusCode, Duration: took})
			return resp, nil
		}
		c.fill(e, n)
		if ctx.Err() != nil {
			c.observe(ctx, Attempt{N: n, StatusCode: e.StatusCode, Kind: KindCanceled, Duration: took})
			return nil, c.canceled(ctx, last, n)
		}
		last = e
		wait, again := c.next(ctx, req, n, e)
		c.observe(ctx, Attempt{N: n, StatusCode: e.StatusCode, Kind: e.Kind, Duration: took, Wait: wait})
		c.log(e, n, wait, again)
		if !again {
			return nil, e
		}
		if err := pol.Sleep(ctx, wait); err != nil {
			return nil, c.canceled(ctx, last, n)
		}
	}
}

// next decides whether the call goes on after failed attempt n, and after
// how long a wait.
func (c *Caller) next(ctx context.Context, req *http.Request, n int, e *Error) (time.Duration, bool) {
	pol := c.policy
	if e.Permanent() || n >= pol.MaxAttempts {
		return 0, false
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return 0, false
	}
	wait := pol.backoff(n)
	if e.RetryAfter > 0 {
		if e.RetryAfter > pol.MaxRetryAfter {
			return 0, false
		}
		wait = e.RetryAfter
	}
	// A wait that outlasts the caller's deadline would only end in a
	// cancel; give the caller the provider's answer instead.
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
		return 0, false
	}
	return wait, true
}

func (c *Caller) attempt(ctx context.Context, r *http.Request) (*http.Response, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.policy.AttemptTimeout)
	defer cancel()
	expired := func() bool { return ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) }
	// #nosec G704 -- the URL is the provider's base URL, set by the admin (checked to be http(s)), not by a request
	resp, err := c.client.Do(r.WithContext(actx))
	if err != nil {
		return nil, classifyTransport(err, r.URL.Host, expired())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, classifyTransport(err, r.URL.Host, expired())
	}
	if len(body) > maxResponseBytes {
		return nil, &Error{Kind: KindBadResponse, StatusCode: resp.StatusCode, detail: "too_large"}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		return resp, nil
	}
	return nil, classifyStatus(resp.StatusCode, resp.Header, body, c.policy.Now())
}

func (c *Caller) fill(e *Error, attempts int) *Error {
	e.Provider, e.Use, e.Model = c.provider.Name, c.provider.Use, c.provider.Model
	e.Attempts = attempts
	e.AttemptTimeout = c.policy.AttemptTimeout
	return e
}

func (c *Caller) canceled(ctx context.Context, last *Error, attempts int) *Error {
	return c.fill(&Error{Kind: KindCanceled, Err: ctx.Err(), last: last}, attempts)
}

// observe records every attempt in the provider series (internal/metrics)
// and on the call's span, then tells Policy.Observe.
func (c *Caller) observe(ctx context.Context, a Attempt) {
	a.Provider = c.provider
	status := "none"
	if a.StatusCode != 0 {
		status = strconv.Itoa(a.StatusCode)
	}
	metrics.ProviderRequestDuration.WithLabelValues(c.provider.Name, c.provider.Use, status).Observe(a.Duration.Seconds())
	if a.Kind != "" {
		metrics.ProviderErrors.WithLabelValues(c.provider.Name, c.provider.Use, status, string(a.Kind)).Inc()
	}
	attrs := []attribute.KeyValue{attribute.Int("attempt", a.N), attribute.String("http.status", status)}
	if a.Kind != "" {
		attrs = append(attrs, attribute.String("error.kind", string(a.Kind)))
	}
	trace.SpanFromContext(ctx).AddEvent("attempt", trace.WithAttributes(attrs...))
	if c.policy.Observe != nil {
		c.policy.Observe(a)
	}
}

// startSpan opens the span of one call: the provider's name, use and model
// (settings an admin chose), never the request, its answer or the key.
func (c *Caller) startSpan(ctx context.Context) (context.Context, trace.Span) {
	// The global tracer provider, looked up per call: a no-op unless
	// `scribe serve` turned on OTLP export (internal/telemetry).
	return otel.Tracer("github.com/scribe-health/scribe/internal/modelcall").Start(ctx, "provider "+c.provider.Use, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("scribe.provider", c.provider.Name), attribute.String("scribe.provider.use", c.provider.Use),
			attribute.String("scribe.provider.model", c.provider.Model)))
}

func endSpan(span trace.Span, err error) {
	var e *Error
	if errors.As(err, &e) {
		span.SetAttributes(attribute.String("error.kind", string(e.Kind)), attribute.Int("attempts", e.Attempts))
		// The policy's message names the provider and status, never the
		// provider's own text (which may echo the prompt).
		span.SetStatus(codes.Error, e.Error())
	} else if err != nil {
		span.SetStatus(codes.Error, "provider call failed")
	}
	span.End()
}

// log writes one line per failed attempt for the operator: the provider,
// the status or transport error (which names the URL, never the body or
// the key) and what happens next.
func (c *Caller) log(e *Error, n int, wait time.Duration, again bool) {
	attrs := []any{"provider", c.provider.Name, "use", c.provider.Use, "attempt", n, "max_attempts", c.policy.MaxAttempts, "kind", string(e.Kind)}
	if e.StatusCode != 0 {
		attrs = append(attrs, "status", e.StatusCode)
	}
	if e.Code != "" {
		attrs = append(attrs, "code", e.Code)
	}
	if e.RetryAfter > 0 {
		attrs = append(attrs, "retry_after", e.RetryAfter.String())
	}
	if e.Err != nil {
		attrs = append(attrs, "cause", e.Err.Error())
	}
	if again {
		c.policy.Log.Warn("model provider call failed; retrying", append(attrs, "wait", wait.String())...)
		return
	}
	c.policy.Log.Warn("model provider call failed", append(attrs, "permanent", e.Permanent())...)
}
