package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/scribe-health/scribe/internal/app"
	"io"
	"io/fs"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestUserAddedWhileServingOnEmptyDatabase: the server starts with no users
// (it offers only /setup); `scribe user add` then creates one from another
// process. The app must notice: sign-in and the invitation work, and set-up
// is over — it used to keep redirecting everything to /setup, whose form
// then refused to create an admin because a user existed.
func TestUserAddedWhileServingOnEmptyDatabase(t *testing.T) {
	e := newEnv(t, "", nil)
	b := e.client()
	if r := b.get("/login"); r.status != http.StatusSeeOther || r.location != "/setup" {
		t.Fatalf("before any user: GET /login = %d → %q, want the set-up redirect", r.status, r.location)
	}
	// What `scribe user add` does, against the same database.
	svc := &app.Service{Store: e.store, Now: e.clock.Now}
	nu, err := svc.AddUser(e.ctx, app.Operator("cli:admin"), app.UserInput{Email: "dr@example.org", Role: store.RoleClinician})
	if err != nil {
		t.Fatal(err)
	}
	link := "/invite?token=" + nu.InviteToken
	if r := b.get("/login"); r.status != http.StatusOK {
		t.Fatalf("after user add: GET /login = %d → %q, want the sign-in page", r.status, r.location)
	}
	if r := b.get("/setup"); r.status != http.StatusNotFound {
		t.Fatalf("after user add: GET /setup = %d, want 404 (set-up is over)", r.status)
	}
	if r := b.get(link); r.status != http.StatusOK || !strings.Contains(r.body, "password") {
		t.Fatalf("the invitation link: %d → %q %s", r.status, r.location, errorText(r.body))
	}
	r := b.post("/invite", url.Values{"token": {strings.TrimPrefix(link, "/invite?token=")}, "password": {testPassword}, "confirm": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("accepting the invitation: %d %s", r.status, errorText(r.body))
	}
	b.login("dr@example.org", "")
}

// nothingCreated fails when a refused request left a session, a chunk, a
// job or a stored blob behind, or wrote anything to the temp dir.
func (e *env) nothingCreated(what, tmp string) {
	e.t.Helper()
	for _, table := range []string{"sessions", "chunks", "join_tokens", "river_job"} {
		if n := testenv.CountRows(e.t, "", e.dir, table); n != 0 {
			e.t.Errorf("%s: %d row(s) left in %s", what, n, table)
		}
	}
	if n := countFiles(e.t, filepath.Join(e.dir, "blobs")); n != 0 {
		e.t.Errorf("%s: %d blob(s) left behind", what, n)
	}
	if tmp != "" {
		if n := countFiles(e.t, tmp); n != 0 {
			e.t.Errorf("%s: %d file(s) written to the temp dir", what, n)
		}
	}
}

func countFiles(t testing.TB, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == root {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScheduleFormRefusesBadChoices: every field of the schedule form is
// checked before anything is stored, and the refusal names the field as
// the form labels it, the value, and what is allowed.
func TestScheduleFormRefusesBadChoices(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, true)
	secret := e.enableTOTP(admin)
	e.addUser("dr@example.org", store.RoleClinician, false)
	e.addUser("gone@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(admin.Email, secret)
	good := url.Values{"alias": {"client-17"}, "clinician": {"dr@example.org"}, "template": {"soap"}, "modality": {"general"}, "program": {"mh"}, "kind": {"individual"}}
	cases := []struct {
		field, value string
		want         []string
	}{
		{"template", "bogus", []string{`Note template &#34;bogus&#34; is not accepted`, "soap"}},
		{"modality", "astrology", []string{`Modality &#34;astrology&#34; is not accepted`, "cbt"}},
		{"program", "psych", []string{`Program &#34;psych&#34; is not accepted`, "mh or sud"}},
		{"clinician", "nobody@example.org", []string{`Clinician e-mail &#34;nobody@example.org&#34; is not accepted`, "no account"}},
		{"clinician", "admin@example.org", []string{"not a clinician"}},
		{"clinician", "", []string{"not a clinician"}}, // an admin names the clinician; their own account is not one
		{"alias", "", []string{"Client alias is required"}},
	}
	for _, c := range cases {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(c.field, c.value)
		b.get("/sessions/new")
		r := b.post("/sessions", form)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s=%q: HTTP %d, want 400", c.field, c.value, r.status)
			continue
		}
		msg := errorText(r.body)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s=%q: error %q does not say %q", c.field, c.value, msg, w)
			}
		}
		if strings.Contains(msg, "--") {
			t.Errorf("%s=%q: the page names a command-line flag: %q", c.field, c.value, msg)
		}
	}
	e.nothingCreated("refused schedule forms", "")
	if r := b.post("/sessions", good); r.status != http.StatusCreated {
		t.Fatalf("a good form: HTTP %d %s", r.status, errorText(r.body))
	}
}

// uploadForm builds a multipart body: fields in order, then files.
func uploadForm(t testing.TB, fields [][2]string, files ...[]byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for i, b := range files {
		fw, err := mw.CreateFormFile("recording", fmt.Sprintf("part%d.wav", i))
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func (b *browserish) postUpload(contentType string, body io.Reader) resp {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+"/ingest?csrf="+url.QueryEscape(b.csrf), body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	r := b.do(req)
	var answer struct{ Error string }
	if json.Unmarshal([]byte(r.body), &answer) == nil && answer.Error != "" {
		r.body = answer.Error
	}
	return r
}

func toneWAV(seconds int) []byte {
	pcm := make([]int16, 16000*seconds)
	for i := range pcm {
		pcm[i] = int16(6000 * math.Sin(2*math.Pi*220*float64(i)/16000))
	}
	return testenv.WAV(16000, pcm)
}

var uploadFields = [][2]string{{"alias", "client-18"}, {"template", "soap"}, {"modality", "general"}, {"program", "mh"}, {"consent", "1"}}

// TestUploadRefusesBadFieldsAndSecondFile: the upload's fields are checked
// before any audio is read; a form with two files, or a field after the
// file, is refused; and none of it leaves a session, a chunk, a job, a
// blob — or a file in the temp dir (the second of two files used to be
// left there, unencrypted).
func TestUploadRefusesBadFieldsAndSecondFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, "", nil)
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/ingest")
	wav := toneWAV(45)
	with := func(k, v string) [][2]string {
		var out [][2]string
		for _, f := range uploadFields {
			if f[0] != k {
				out = append(out, f)
			}
		}
		return append(out, [2]string{k, v})
	}
	cases := []struct {
		name   string
		fields [][2]string
		files  [][]byte
		status int
		want   string
	}{
		{"bogus template", with("template", "bogus"), [][]byte{wav}, 400, `Note template "bogus" is not accepted`},
		{"unknown modality", with("modality", "astrology"), [][]byte{wav}, 400, `Modality "astrology" is not accepted`},
		{"no alias", with("alias", ""), [][]byte{wav}, 400, "Client alias is required"},
		{"no consent", with("consent", ""), [][]byte{wav}, 400, "consented"},
		{"two files", uploadFields, [][]byte{wav, wav}, 400, "Only one recording"},
		{"no file", uploadFields, nil, 400, "no recording"},
		{"empty file", uploadFields, [][]byte{{}}, 400, "empty"},
		{"not audio", uploadFields, [][]byte{[]byte("hello, not audio")}, 400, "not a recording format Scribe reads"},
		{"damaged FLAC", uploadFields, [][]byte{damagedFLAC(t)}, 400, "corrupt"},
		{"a field too long", with("alias", strings.Repeat("x", 5000)), [][]byte{wav}, 400, "longer than 4096"},
		{"too many fields", append(manyFields(40), uploadFields...), [][]byte{wav}, 400, "more than 32 fields"},
	}
	for _, c := range cases {
		ct, body := uploadForm(t, c.fields, c.files...)
		r := b.postUpload(ct, bytes.NewReader(body))
		if r.status != c.status || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: HTTP %d %s, want %d mentioning %q", c.name, r.status, r.body, c.status, c.want)
		}
		if strings.Contains(r.body, "--") {
			t.Errorf("%s: the answer names a command-line flag: %s", c.name, r.body)
		}
		e.nothingCreated(c.name, tmp)
	}
	// A field after the file is refused too (the fields are checked first).
	ct, body := uploadForm(t, uploadFields, wav)
	body = bytes.Replace(body, []byte("\r\n--"+strings.TrimPrefix(ct, "multipart/form-data; boundary=")+"--"),
		[]byte("\r\n--"+strings.TrimPrefix(ct, "multipart/form-data; boundary=")+"\r\nContent-Disposition: form-data; name=\"template\"\r\n\r\ndap\r\n--"+strings.TrimPrefix(ct, "multipart/form-data; boundary=")+"--"), 1)
	if r := b.postUpload(ct, bytes.NewReader(body)); r.status != 400 || !strings.Contains(r.body, "fields must come before") {
		t.Errorf("field after the file: HTTP %d %s", r.status, r.body)
	}
	e.nothingCreated("field after the file", tmp)
	// A bad form is refused before the audio is read: the client has sent
	// only half the recording and waits, yet is answered about the template.
	ct, body = uploadForm(t, with("template", "bogus"), wav)
	pr, pw := io.Pipe()
	go pw.Write(body[:len(body)/2])
	r := b.postUpload(ct, pr)
	pw.Close()
	if r.status != 400 || !strings.Contains(r.body, "Note template") {
		t.Errorf("bad field, half the recording sent: HTTP %d %s", r.status, r.body)
	}
	e.nothingCreated("bad field, half the recording sent", tmp)
}

// TestUploadStreamsEncryptedWithoutTempFiles: while a recording is still
// arriving, its first chunks are already stored encrypted and nothing has
// been written to the temp dir (the upload used to be copied there,
// unencrypted, before being read back).
func TestUploadStreamsEncryptedWithoutTempFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, "", nil)
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/ingest")
	wav := toneWAV(150) // 20 s chunks (the test server's setting): 8 chunks
	ct, body := uploadForm(t, uploadFields, wav)
	pr, pw := io.Pipe()
	done := make(chan resp, 1)
	go func() { done <- b.postUpload(ct, pr) }()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	blobs := filepath.Join(e.dir, "blobs")
	deadline := time.Now().Add(30 * time.Second)
	for countFiles(t, blobs) == 0 {
		if n := countFiles(t, tmp); n > 0 {
			t.Fatalf("the upload was written to the temp dir (%d file(s)) before it was encrypted", n)
		}
		if time.Now().After(deadline) {
			t.Fatal("no chunk was stored while the first half of the recording was in: the upload is not streamed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := countFiles(t, tmp); n > 0 {
		t.Fatalf("the upload was written to the temp dir (%d file(s))", n)
	}
	// Stored chunks are ciphertext: no run of the WAV's PCM is in them.
	filepath.WalkDir(blobs, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, wav[1000:1064]) {
				t.Errorf("blob %s holds plaintext audio", d.Name())
			}
		}
		return nil
	})
	pw.Write(body[half:])
	pw.Close()
	r := <-done
	if r.status != http.StatusCreated {
		t.Fatalf("upload: HTTP %d %s", r.status, r.body)
	}
	if n := countFiles(t, tmp); n > 0 {
		t.Fatalf("%d file(s) left in the temp dir", n)
	}
	if n := testenv.CountRows(t, "", e.dir, "chunks"); n != 8 {
		t.Fatalf("%d chunks stored for 150 s at 20 s per chunk, want 8", n)
	}
}

// TestBodyLimits: every route reads at most its limit — 1 MiB for forms,
// the configured maximum for the upload — and a multipart body is refused
// everywhere but the upload; nothing is stored by a refused request.
func TestBodyLimits(t *testing.T) {
	e := newEnv(t, "", func(c *Config) { c.MaxUpload = 2 << 20 })
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/sessions/new")
	big := url.Values{"alias": {"client-1"}, "template": {"soap"}, "program": {"mh"}, "note": {strings.Repeat("x", 2<<20)}}
	if r := b.post("/sessions", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB form: HTTP %d, want 413", r.status)
	}
	// Without a Content-Length the limit still holds (chunked body).
	req, _ := http.NewRequest("POST", e.srv.URL+"/sessions", io.MultiReader(strings.NewReader("csrf="+url.QueryEscape(b.csrf)+"&alias=c&note="), strings.NewReader(strings.Repeat("y", 2<<20))))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1
	if r := b.do(req); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB chunked form: HTTP %d, want 413", r.status)
	}
	ct, body := uploadForm(t, [][2]string{{"csrf", b.csrf}, {"alias", "client-1"}}, []byte("RIFF"))
	req, _ = http.NewRequest("POST", e.srv.URL+"/sessions?csrf="+url.QueryEscape(b.csrf), bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if r := b.do(req); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("multipart to the schedule form: HTTP %d, want 415", r.status)
	}
	b.get("/ingest")
	ct, body = uploadForm(t, uploadFields, toneWAV(90)) // 2.9 MB > the 2 MB limit set above
	if r := b.postUpload(ct, bytes.NewReader(body)); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("3 MB upload over a 2 MB limit: HTTP %d %s, want 413", r.status, r.body)
	}
	r := b.postUpload(ct, io.MultiReader(bytes.NewReader(body))) // chunked: found while streaming
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "larger than 2 MB") {
		t.Errorf("3 MB chunked upload over a 2 MB limit: HTTP %d %s, want 413", r.status, r.body)
	}
	e.nothingCreated("over the limits", "")
	for _, rt := range e.web.routes {
		if rt.upload && rt.maxBody != e.web.cfg.MaxUpload {
			t.Errorf("%s %s: the upload route's limit is %d, not MaxUpload", rt.method, rt.path, rt.maxBody)
		}
		if !rt.upload && rt.maxBody != 0 && rt.maxBody > formBodyLimit {
			t.Errorf("%s %s takes %d bytes; only the upload may take more than %d", rt.method, rt.path, rt.maxBody, formBodyLimit)
		}
	}
}

// slowReader hands out its bytes, then stalls until closed.
type slowReader struct {
	head  []byte
	close chan struct{}
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.head) > 0 {
		n := copy(p, s.head)
		s.head = s.head[n:]
		return n, nil
	}
	<-s.close
	return 0, io.ErrUnexpectedEOF
}

// TestSlowUploadIsCutOff: an upload that stops sending is cut off once it
// has kept the server waiting longer than UploadStall (here 300 ms), with
// 408 and nothing kept; the server's own ReadTimeout does not govern it.
func TestSlowUploadIsCutOff(t *testing.T) {
	e := newEnv(t, "", func(c *Config) { c.UploadStall = 300 * time.Millisecond })
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/ingest")
	ct, body := uploadForm(t, uploadFields, toneWAV(60))
	slow := &slowReader{head: body[:len(body)/3], close: make(chan struct{})}
	defer close(slow.close)
	req, _ := http.NewRequest("POST", e.srv.URL+"/ingest?csrf="+url.QueryEscape(b.csrf), slow)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	req.ContentLength = int64(len(body))
	got := make(chan resp, 1)
	go func() {
		r, err := b.c.Do(req)
		if err != nil {
			got <- resp{status: -1, body: err.Error()}
			return
		}
		defer r.Body.Close()
		bb, _ := io.ReadAll(r.Body)
		got <- resp{status: r.StatusCode, body: string(bb)}
	}()
	select {
	case r := <-got:
		if r.status != http.StatusRequestTimeout || !strings.Contains(r.body, "too slowly") {
			t.Fatalf("stalled upload: HTTP %d %s, want 408", r.status, r.body)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a stalled upload was never cut off")
	}
	e.nothingCreated("stalled upload", "")
}

// TestUpload200MBKeepsHeapUnder64MB: a 200 MiB 48 kHz stereo WAV uploaded
// through the web app (multipart, streamed from disk by the client in this
// same process) keeps the process's heap under 64 MB, and becomes a
// session of two speakers.
func TestUpload200MBKeepsHeapUnder64MB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and uploads a 200 MB file")
	}
	if !testenv.Isolated(t) {
		return // measured in a process of its own: the heap is this test's alone
	}
	path := filepath.Join(t.TempDir(), "call.wav")
	testenv.WriteCallWAV(t, path, 1093)
	e := newEnv(t, "", func(c *Config) { c.Ingester.ChunkMax = 0 }) // the default chunk length
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	b.get("/ingest")
	var r resp
	peak := testenv.PeakHeap(func() {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			for _, f := range uploadFields {
				mw.WriteField(f[0], f[1])
			}
			fw, _ := mw.CreateFormFile("recording", "call.wav")
			f, err := os.Open(path)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			defer f.Close()
			if _, err := io.Copy(fw, f); err != nil {
				pw.CloseWithError(err)
				return
			}
			pw.CloseWithError(mw.Close())
		}()
		r = b.postUpload(mw.FormDataContentType(), pr)
	})
	t.Logf("peak heap %.1f MB while uploading a 200 MiB WAV", float64(peak)/(1<<20))
	if r.status != http.StatusCreated {
		t.Fatalf("upload: HTTP %d %s", r.status, r.body)
	}
	if peak >= 64<<20 {
		t.Errorf("peak heap %.1f MB; want < 64 MB", float64(peak)/(1<<20))
	}
	var speakers []string
	list, _ := e.store.ListSessions(e.ctx, "", 1)
	chunks, _ := e.store.Chunks(e.ctx, list[0].ID)
	for _, c := range chunks {
		if !slices.Contains(speakers, c.Speaker) {
			speakers = append(speakers, c.Speaker)
		}
	}
	if len(speakers) != 2 || list[0].DurationMS != 1093_000 {
		t.Fatalf("session of %d ms with speakers %v, want 1093 s of two speakers", list[0].DurationMS, speakers)
	}
}

// TestProviderFormRefusesBadValues: the admin page checks a provider as the
// command line does (one rule), names the field as the form labels it, never
// echoes what may be a pasted API key, and saves nothing when it refuses.
func TestProviderFormRefusesBadValues(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	secret := e.enableTOTP(admin)
	b := e.client()
	b.login(admin.Email, secret)
	good := url.Values{"name": {"asr"}, "kind": {"openai"}, "base_url": {"http://gpu-box:8000/v1"}, "model": {"whisper-large-v3"}, "use": {"transcription"}, "self_hosted": {"1"}}
	cases := []struct{ field, value, want string }{
		{"kind", "bogus", `Kind &#34;bogus&#34; is not accepted: use openai or azure`},
		{"use", "summaries", `Use &#34;summaries&#34; is not accepted: use transcription, drafting or redaction`},
		{"base_url", "ftp://x", `Base URL &#34;ftp://x&#34; is not accepted`},
		{"name", "a b/c", `Name &#34;a b/c&#34; is not accepted`},
		{"model", "", `Model is required`},
		{"api_key_env", "sk-live-abc123", `Environment variable holding the API key is not accepted: give the NAME`},
		{"context_tokens", "12", `Context budget (tokens) &#34;12&#34; is not accepted`},
		{"baa_signed", "2026-13-01", `BAA`},
	}
	for _, c := range cases {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(c.field, c.value)
		if c.field == "baa_signed" {
			form.Set("baa_expires", "2027-01-01")
		}
		b.get("/admin/providers")
		r := b.post("/admin/providers", form)
		msg := errorText(r.body)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
			t.Errorf("%s=%q: HTTP %d %q, want 400 saying %q", c.field, c.value, r.status, msg, c.want)
		}
		if strings.Contains(r.body, "sk-live-abc123") || strings.Contains(msg, "--") {
			t.Errorf("%s=%q: the refusal echoes a key or names a flag: %q", c.field, c.value, msg)
		}
	}
	if ps, _ := e.store.Providers(e.ctx, ""); len(ps) != 0 {
		t.Fatalf("refused forms saved %d provider(s)", len(ps))
	}
	good.Set("context_tokens", "32000")
	b.get("/admin/providers")
	if r := b.post("/admin/providers", good); r.status != http.StatusSeeOther {
		t.Fatalf("a good provider: HTTP %d %s", r.status, errorText(r.body))
	}
	if ps, _ := e.store.Providers(e.ctx, ""); len(ps) != 1 || ps[0].ContextTokens != 32000 {
		t.Fatalf("saved %+v, want one provider with a 32000-token budget", ps)
	}
}

// TestRegenerateRefusesUnknownTemplate: asking for a draft in a template
// that does not exist is refused before anything changes (it used to be
// stored on the session, and the draft stage then failed).
func TestRegenerateRefusesUnknownTemplate(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	sess := e.seedSession(u.Email, "mh", store.StatusReady)
	e.seedDraft(sess.ID, 1)
	b := e.client()
	b.login(u.Email, "")
	b.get("/sessions/" + sess.ID + "/review")
	r := b.post("/sessions/"+sess.ID+"/draft/regenerate", url.Values{"template": {"bogus"}})
	if msg := errorText(r.body); r.status != http.StatusBadRequest || !strings.Contains(msg, "Note template &#34;bogus&#34; is not accepted: use birp, dap") || strings.Contains(msg, ".;") {
		t.Fatalf("regenerate with template bogus: HTTP %d %q", r.status, msg)
	}
	after, _ := e.store.Session(e.ctx, sess.ID)
	if after.Template != sess.Template || after.Status != store.StatusReady {
		t.Fatalf("the refused request changed the session: template %q, status %q", after.Template, after.Status)
	}
}

func manyFields(n int) [][2]string {
	var out [][2]string
	for i := range n {
		out = append(out, [2]string{fmt.Sprintf("x%d", i), "y"})
	}
	return out
}
