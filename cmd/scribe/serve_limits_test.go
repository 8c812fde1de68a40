package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/testenv"
)

// startServe runs `scribe serve` on a free port with extra flags and
// returns its base URL; it stops with the test.
func startServe(t *testing.T, dir string, flags ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--data-dir", dir, "--workers", "1"}, flags...), io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	r, err := awaitReady(base)
	if err != nil {
		t.Fatalf("serve did not come up: %v", err)
	}
	r.Body.Close()
	return base
}

// webClient is a browser-like client: cookies, and the CSRF token of the
// last page it read.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (w *webClient) send(req *http.Request) (int, string) {
	w.t.Helper()
	r, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		w.csrf = string(m[1])
	}
	return r.StatusCode, string(b)
}

func (w *webClient) get(path string) (int, string) {
	req, _ := http.NewRequest("GET", w.base+path, nil)
	return w.send(req)
}

func (w *webClient) post(path string, form url.Values) (int, string) {
	form.Set("csrf", w.csrf)
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.send(req)
}

// signedInClinician invites a clinician with `scribe user add` and signs
// them in on the running server.
func signedInClinician(t *testing.T, dir, base string) *webClient {
	t.Helper()
	out := mustCLI(t, dir, "user", "add", "--email", "dr@example.org", "--role", "clinician")
	invite := regexp.MustCompile(`/invite\?token=(\S+)`).FindStringSubmatch(out)
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	const pw = "correct horse battery staple"
	w.get(invite[0])
	if code, body := w.post("/invite", url.Values{"token": {invite[1]}, "password": {pw}, "confirm": {pw}}); code != http.StatusSeeOther {
		t.Fatalf("accept invitation: HTTP %d %.300s", code, body)
	}
	w.get("/login")
	if code, body := w.post("/login", url.Values{"email": {"dr@example.org"}, "password": {pw}, "next": {"/sessions"}}); code != http.StatusSeeOther {
		t.Fatalf("sign in: HTTP %d %.300s", code, body)
	}
	return w
}

// TestServerTimeouts: with a short --http-timeout (500 ms), a client that
// sends a form's headers and then trickles its body is cut off; a client
// that stops sending a recording upload is cut off after --upload-stall;
// and an upload that takes many times the timeout to send still succeeds,
// because the upload is paced by its rate, not timed.
func TestServerTimeouts(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	base := startServe(t, dir, "--http-timeout", "500ms", "--upload-stall", "1s")
	w := signedInClinician(t, dir, base)

	// 1. A slow body on an ordinary form: the connection is closed.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a", strings.TrimPrefix(base, "http://"))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // generous: the server must act long before
	if _, err := io.ReadAll(bufio.NewReader(conn)); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("a client trickling a form body held its connection for 30 s; --http-timeout 500ms did not cut it off")
		}
	}

	// 2. An upload that stops sending is stopped (408), nothing kept.
	w.get("/ingest")
	wav := testenv.WAV(16000, sine(240)) // 4 minutes, 7.7 MB
	fields := [][2]string{{"alias", "client-18"}, {"template", "soap"}, {"modality", "general"}, {"program", "mh"}, {"consent", "1"}}
	stalled, release := io.Pipe()
	go func() {
		writeUpload(release, fields, wav[:len(wav)/4], false) // and nothing more until the test ends
	}()
	t.Cleanup(func() { release.Close() })
	code, body := w.upload(stalled, -1)
	if code != http.StatusRequestTimeout || !strings.Contains(body, "too slowly") {
		t.Fatalf("stalled upload: HTTP %d %.300s, want 408", code, body)
	}
	if n := testenv.CountRows(t, "", dir, "sessions"); n != 0 {
		t.Fatalf("a stalled upload left %d session(s)", n)
	}

	// 3. A large upload sent over ~3 s (six times --http-timeout) succeeds.
	w.get("/ingest")
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeUpload(throttled{pw, 256 << 10, 100 * time.Millisecond}, fields, wav, true))
	}()
	start := time.Now()
	code, body = w.upload(pr, -1)
	t.Logf("a %.1f MB upload took %s with --http-timeout 500ms", float64(len(wav))/1e6, time.Since(start).Round(time.Millisecond))
	if code != http.StatusCreated {
		t.Fatalf("slow but steady upload: HTTP %d %.300s", code, body)
	}
}

func sine(seconds int) []int16 {
	pcm := make([]int16, 16000*seconds)
	for i := range pcm {
		pcm[i] = int16(5000 * math.Sin(2*math.Pi*180*float64(i)/16000))
	}
	return pcm
}

// writeUpload writes the upload form (fields, then the recording) to w;
// unless end is set it stops inside the recording, as a stalled client does.
func writeUpload(w io.Writer, fields [][2]string, wav []byte, end bool) error {
	mw := multipart.NewWriter(w)
	mw.SetBoundary("scribe-test-boundary")
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	fw, err := mw.CreateFormFile("recording", "session.wav")
	if err != nil {
		return err
	}
	if _, err := fw.Write(wav); err != nil || !end {
		return err
	}
	return mw.Close()
}

func (w *webClient) upload(body io.Reader, length int64) (int, string) {
	req, _ := http.NewRequest("POST", w.base+"/ingest?csrf="+url.QueryEscape(w.csrf), body)
	req.ContentLength = length
	req.Header.Set("Content-Type", "multipart/form-data; boundary=scribe-test-boundary")
	req.Header.Set("Accept", "application/json")
	return w.send(req)
}

// throttled writes at most n bytes per period.
type throttled struct {
	w      io.Writer
	n      int
	period time.Duration
}

func (t throttled) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		k := min(t.n, len(p)-done)
		if _, err := t.w.Write(p[done : done+k]); err != nil {
			return done, err
		}
		done += k
		if done < len(p) {
			time.Sleep(t.period)
		}
	}
	return done, nil
}
