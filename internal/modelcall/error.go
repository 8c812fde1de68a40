package modelcall

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Kind says what went wrong with a provider call. Its values are short
// identifiers, fit for a metric label or an audit detail.
type Kind string

const (
	KindUnauthorized Kind = "unauthorized" // 401: the API key was refused
	KindForbidden    Kind = "forbidden"    // 403: the key may not do this
	KindNotFound     Kind = "not_found"    // 404: no such model, deployment or route
	KindRejected     Kind = "rejected"     // any other 4xx except 408 and 429
	KindRateLimited  Kind = "rate_limited" // 429
	KindServer       Kind = "server_error" // 5xx
	KindTimeout      Kind = "timeout"      // no answer within the attempt budget, or 408
	KindConnection   Kind = "connection"   // refused, reset, dropped, host not found
	KindTLS          Kind = "tls"          // the server's certificate is not trusted
	KindBadResponse  Kind = "bad_response" // a 2xx whose body is not an API response
	KindCanceled     Kind = "canceled"     // the caller's context ended the call (its deadline, or a shutdown)
)

// Permanent reports whether retrying a call that failed this way cannot
// help until someone changes the provider's settings.
func (k Kind) Permanent() bool {
	switch k {
	case KindUnauthorized, KindForbidden, KindNotFound, KindRejected, KindTLS:
		return true
	}
	return false
}

// Error is a failed provider call. Its message speaks to the person who
// reads a failed session's reason; it never contains the request, the
// provider's own error text or the API key.
type Error struct {
	Provider string // the provider record's name
	Use      string // what the call was for: "transcription", "drafting"
	Model    string
	Kind     Kind
	// StatusCode is the HTTP status of the last answer; 0 when there was none.
	StatusCode int
	// Code is the provider's machine-readable error code when it sent one
	// that is a short identifier, such as "invalid_api_key".
	Code string
	// RetryAfter is the wait the provider asked for, if it did.
	RetryAfter time.Duration
	// Attempts is how many requests this call made.
	Attempts int
	// AttemptTimeout is the budget each attempt had (for timeout messages).
	AttemptTimeout time.Duration
	// Err is the transport or context error underneath, if any (errors.Is
	// finds context.Canceled, io.EOF and the like through it).
	Err error

	host   string // for connection messages
	detail string // "refused", "reset", "dropped", "dns", "too_large"
	last   *Error // for KindCanceled: the failure before the call was stopped
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether the call failed in a way retrying cannot fix.
func (e *Error) Permanent() bool { return e.Kind.Permanent() }

func (e *Error) who() string {
	use := e.Use
	if use == "" {
		use = "model"
	}
	return fmt.Sprintf("the %s provider '%s'", use, e.Provider)
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// status is "401 Unauthorized" or `400 Bad Request, code "invalid_value"`.
func (e *Error) status() string {
	s := statusText(e.StatusCode)
	if e.Code != "" {
		s += fmt.Sprintf(", code %q", e.Code)
	}
	return s
}

func (e *Error) model() string {
	if e.Model == "" {
		return "its model"
	}
	return fmt.Sprintf("model '%s'", e.Model)
}

func (e *Error) Error() string {
	p := e.who()
	kept := e.Attempts > 1
	switch e.Kind {
	case KindUnauthorized:
		return fmt.Sprintf("%s refused the API key (%s); ask an admin to check the provider's API key", p, e.status())
	case KindForbidden:
		return fmt.Sprintf("%s refused access (%s); ask an admin to check that the provider's API key may use %s", p, e.status(), e.model())
	case KindNotFound:
		return fmt.Sprintf("%s did not find %s (%s); ask an admin to check the provider's model name and base URL", p, e.model(), e.status())
	case KindRejected:
		return fmt.Sprintf("%s rejected the request (%s); ask an admin to check the provider's settings", p, e.status())
	case KindTLS:
		return fmt.Sprintf("%s%s presented a TLS certificate that is not trusted; ask an admin to check the provider's base URL and the server's certificate", p, e.at())
	case KindBadResponse:
		if e.detail == "too_large" {
			return fmt.Sprintf("%s sent an answer larger than %d MB; ask an admin to check the provider's base URL", p, maxResponseBytes>>20)
		}
		return fmt.Sprintf("%s answered with something that is not an OpenAI-compatible response; ask an admin to check the provider's base URL", p)
	case KindCanceled:
		s := fmt.Sprintf("the call to %s was stopped before it answered (the server is stopping)", p)
		if errors.Is(e.Err, context.DeadlineExceeded) {
			s = fmt.Sprintf("%s did not answer before the stage's time limit ran out", p)
		}
		if e.last != nil {
			s += "; before that it " + e.last.what()
		}
		return s
	}
	verb := "answered"
	if kept {
		verb = "kept answering"
	}
	if e.StatusCode != 0 {
		s := fmt.Sprintf("%s %s %s", p, verb, e.status())
		if e.RetryAfter > 0 {
			s += fmt.Sprintf(", asking to wait %s", e.RetryAfter)
		}
		return s
	}
	return p + " " + e.what()
}

// what is the failure as a verb phrase, for transport failures and for the
// failure before a cancel.
func (e *Error) what() string {
	if e.StatusCode != 0 {
		return "answered " + e.status()
	}
	kept := e.Attempts > 1
	switch e.Kind {
	case KindTimeout:
		if kept {
			return fmt.Sprintf("kept taking longer than %s to answer", e.AttemptTimeout)
		}
		return fmt.Sprintf("did not answer within %s", e.AttemptTimeout)
	case KindConnection:
		switch e.detail {
		case "refused":
			return "could not be reached" + e.at() + " (connection refused)"
		case "dns":
			return "could not be reached: its host name" + e.hostName() + " was not found"
		case "dropped", "reset":
			if kept {
				return "kept dropping the connection without answering"
			}
			return "dropped the connection without answering"
		}
		return "could not be reached" + e.at()
	case KindCanceled:
		return "was stopped"
	}
	return "failed (" + string(e.Kind) + ")"
}

func (e *Error) at() string {
	if e.host == "" {
		return ""
	}
	return " at " + e.host
}

func (e *Error) hostName() string {
	if e.host == "" {
		return ""
	}
	h, _, err := net.SplitHostPort(e.host)
	if err != nil {
		h = e.host
	}
	return " " + h
}

// IsPermanent reports whether err is (or wraps) an *Error that retrying
// cannot fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent()
}

// KindOf returns the Kind of the provider call's error in err, or "" when
// err is not (and does not wrap) an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// StatusCode returns the HTTP status of the provider's last answer in err,
// or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// classifyStatus turns a non-2xx answer into an *Error. body is read only
// for the provider's error code, never kept.
func classifyStatus(code int, header http.Header, body []byte, now time.Time) *Error {
	e := &Error{StatusCode: code, Code: errorCode(body)}
	switch {
	case code == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case code == http.StatusForbidden:
		e.Kind = KindForbidden
	case code == http.StatusNotFound:
		e.Kind = KindNotFound
	case code == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
	case code == http.StatusRequestTimeout:
		e.Kind = KindTimeout
	case code >= 400 && code < 500:
		e.Kind = KindRejected
	case code >= 500:
		e.Kind = KindServer
	default: // 1xx or an unfollowed 3xx
		e.Kind = KindBadResponse
	}
	if !e.Kind.Permanent() {
		e.RetryAfter = retryAfter(header, now)
	}
	return e
}

var identifier = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// errorCode reads the code of an OpenAI-style error body
// {"error":{"code":…}} when it is a short identifier ("invalid_api_key",
// "model_not_found"). The message is never read: it may quote the request.
func errorCode(body []byte) string {
	var env struct {
		Error struct {
			Code any `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	if c := codeString(env.Error.Code); identifier.MatchString(c) {
		return c
	}
	return ""
}

func codeString(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case float64:
		return fmt.Sprint(c)
	}
	return ""
}

// maxRetryAfterSecs bounds what a Retry-After can ask for (a day), so that
// no header overflows a time.Duration.
const maxRetryAfterSecs = 24 * 60 * 60

// retryAfter reads retry-after-ms (Azure OpenAI, OpenAI) or Retry-After
// (seconds or an HTTP date). Unparseable or past values mean no wait asked.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxRetryAfterSecs)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// classifyTransport turns an error from sending a request or reading its
// answer into an *Error. attemptExpired says the attempt's own budget ran
// out (while the caller's context is still live).
func classifyTransport(err error, host string, attemptExpired bool) *Error {
	e := &Error{Err: err, host: host}
	var dnsErr *net.DNSError
	var netErr net.Error
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	switch {
	case attemptExpired:
		e.Kind = KindTimeout
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		e.Kind = KindTLS
	case errors.As(err, &dnsErr):
		e.Kind, e.detail = KindConnection, "dns"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind, e.detail = KindConnection, "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Kind, e.detail = KindConnection, "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Kind, e.detail = KindConnection, "dropped"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = KindTimeout
	default:
		e.Kind = KindConnection
	}
	return e
}
