package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"time"
)

// Body limits. Every route reads at most its limit (route.maxBody, else
// formBodyLimit); only the recording upload takes more, and it streams.
const (
	// formBodyLimit bounds every form and API body: the longest is a note
	// template or an edited section, far below it. Under it, nothing a
	// form parser reads can spill to a temporary file.
	formBodyLimit = 1 << 20
	// DefaultMaxUpload bounds an uploaded recording: two hours of 48 kHz
	// 16-bit stereo WAV is 1.4 GB.
	DefaultMaxUpload = 2 << 30
	// DefaultUploadMinRate and DefaultUploadStall pace an upload: it may
	// wait at most DefaultUploadStall for its next bytes, and must average
	// DefaultUploadMinRate over the time spent waiting for them (64 KiB/s
	// is half a megabit: 1.4 GB in six hours).
	DefaultUploadMinRate = 64 << 10
	DefaultUploadStall   = 30 * time.Second
)

var (
	errUploadTooSlow = errors.New("the upload arrived too slowly")
	errSecondFile    = errors.New("only one recording can be uploaded at a time")
	errFieldAfter    = errors.New("the form's fields must come before the recording")
)

// limitBody applies a route's body limit before anything reads the body.
// It answers (and returns false) when the request cannot be served: a body
// declared larger than the limit, or a multipart body on a route that takes
// none (only the upload streams a file; anywhere else a form parser would
// buffer it, possibly on disk).
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request, rt route) bool {
	limit := rt.maxBody
	if limit == 0 {
		limit = formBodyLimit
	}
	if r.ContentLength > limit {
		s.fail(w, r, http.StatusRequestEntityTooLarge, tooLarge(limit))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" && !rt.upload {
		s.fail(w, r, http.StatusUnsupportedMediaType, "this form takes no files; only a recording upload does")
		return false
	}
	if r.Method == http.MethodPost && !rt.upload {
		// Parse here so that a body over the limit is refused as such,
		// not read as an empty form.
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.fail(w, r, http.StatusRequestEntityTooLarge, tooLarge(limit))
			} else {
				s.fail(w, r, http.StatusBadRequest, "the form could not be read; reload the page and try again")
			}
			return false
		}
	}
	return true
}

func tooLarge(limit int64) string {
	if limit >= 1<<20 {
		return "the request is larger than " + strconv.FormatInt(limit>>20, 10) + " MB; nothing was stored"
	}
	return "the request is larger than " + strconv.FormatInt(limit>>10, 10) + " KB; nothing was stored"
}

// pacedBody reads an upload under per-read deadlines instead of the
// server's ReadTimeout, which would cut off any upload longer than it: the
// client may keep the server waiting at most stall for its next bytes, and
// over the time the server spent waiting must average minRate. Time the
// server spends working (decoding, encrypting) does not count, so a busy
// server never blames the client.
type pacedBody struct {
	r       io.Reader
	rc      *http.ResponseController
	minRate float64 // bytes per second
	stall   time.Duration
	got     int64
	waited  time.Duration
}

func (s *Server) pace(w http.ResponseWriter, r *http.Request) *pacedBody {
	rc := http.NewResponseController(w)
	// The response is written when the upload ends, however long it took.
	_ = rc.SetWriteDeadline(time.Time{})
	return &pacedBody{r: r.Body, rc: rc, minRate: float64(s.cfg.UploadMinRate), stall: s.cfg.UploadStall}
}

func (p *pacedBody) Read(b []byte) (int, error) {
	allowed := p.stall + time.Duration(float64(p.got)/p.minRate*float64(time.Second)) - p.waited
	if allowed <= 0 {
		return 0, errUploadTooSlow
	}
	start := time.Now()
	_ = p.rc.SetReadDeadline(start.Add(min(allowed, p.stall)))
	n, err := p.r.Read(b)
	p.waited += time.Since(start)
	p.got += int64(n)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = errUploadTooSlow
	}
	return n, err
}

// done bounds what is left once the handler answers: whatever remains of
// the body is drained within stall, and the answer written within a minute.
func (p *pacedBody) done() {
	_ = p.rc.SetReadDeadline(time.Now().Add(p.stall))
	_ = p.rc.SetWriteDeadline(time.Now().Add(time.Minute))
}
