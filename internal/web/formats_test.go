package web

import (
	"bytes"
	"math"
	"net/http"
	"testing"

	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// tonePCM is seconds of a 220 Hz tone at 16 kHz.
func tonePCM(seconds int) []int16 {
	pcm := make([]int16, 16000*seconds)
	for i := range pcm {
		pcm[i] = int16(6000 * math.Sin(2*math.Pi*220*float64(i)/16000))
	}
	return pcm
}

// damagedFLAC is a FLAC recording with bytes overwritten inside a frame.
func damagedFLAC(t testing.TB) []byte {
	bad, _ := audiotest.Kind{Format: "flac"}.Corrupt(audiotest.FLAC(t, tonePCM(5)))
	return bad
}

// TestUploadAcceptsOtherFormats: the upload form takes FLAC, Ogg Opus and
// a float WAV as it takes 16-bit WAV, streamed as they arrive, each
// becoming a session with its audio stored; the form offers them.
func TestUploadAcceptsOtherFormats(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("dr@example.org", store.RoleClinician, false)
	b := e.client()
	b.login(u.Email, "")
	page := b.get("/ingest")
	for _, want := range []string{"FLAC", "MP3", "M4A", "audio/*", ".mov"} {
		if !bytes.Contains([]byte(page.body), []byte(want)) {
			t.Errorf("the upload form does not offer %s", want)
		}
	}
	pcm := tonePCM(45)
	for _, c := range []struct {
		name string
		make func(testing.TB) []byte
	}{
		{"flac", func(t testing.TB) []byte { return audiotest.FLAC(t, pcm) }},
		{"float32 wav", func(testing.TB) []byte { return audiotest.WAV(pcm, 3, 32, false, false) }},
		{"ogg opus", func(t testing.TB) []byte { return audiotest.OggOpus(t, pcm) }}, // skipped without libopus
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.make(t)
			before := testenv.CountRows(t, "", e.dir, "chunks")
			ct, body := uploadForm(t, uploadFields, f)
			r := b.postUpload(ct, bytes.NewReader(body))
			if r.status != http.StatusCreated {
				t.Fatalf("upload: HTTP %d %s", r.status, r.body)
			}
			if n := testenv.CountRows(t, "", e.dir, "chunks") - before; n != 3 {
				t.Fatalf("%d chunks stored for 45 s at the test server's 20 s per chunk, want 3", n)
			}
		})
	}
}
