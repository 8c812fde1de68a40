package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// formatPhrase is what every fixture says; pocketsphinx must hear its
// keyword after each format's encoding and decoding.
const (
	formatPhrase  = "How are you feeling about your sleep this week"
	formatKeyword = "sleep"
)

// TestIngestEveryFormat: a recording in each format Scribe accepts — WAV
// in every encoding (8/16/24/32-bit PCM, 32/64-bit float, mu-law, A-law,
// plain and WAVE_FORMAT_EXTENSIBLE), FLAC, MP3, Ogg Opus, WebM Opus,
// M4A/AAC, MP4 and MOV — made in the test from synthesised speech, is
// ingested through the upload path (read forward only) and transcribed,
// and the words spoken are in the transcript; a stereo file with the same
// speech on both channels is one speaker. A damaged copy of each is
// refused with a clear, one-line error and creates nothing: no session,
// chunk, job or blob. Both backends store and refuse every format; the
// speech is recognised on the first (decoding does not depend on the
// store, and pocketsphinx on 24 recordings is the slow part).
func TestIngestEveryFormat(t *testing.T) {
	testenv.Tool(t, "pocketsphinx_continuous")
	pcm := testenv.Concat(testenv.Silence(400), testenv.Speech(t, formatPhrase), testenv.Silence(600))
	type fixture struct {
		kind      audiotest.Kind
		good, bad []byte
		damage    string
	}
	var fixtures []fixture
	for _, k := range audiotest.Kinds {
		// A subtest per fixture: one whose tool (sox, ffmpeg) is missing
		// is skipped and reported as a missing part, the rest run.
		t.Run("make/"+k.Name, func(t *testing.T) {
			good := k.Make(t, pcm)
			bad, damage := k.Corrupt(good)
			fixtures = append(fixtures, fixture{k, good, bad, damage})
		})
	}
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, ChunkMax: 30 * time.Second}

		// Damaged files first, while the store is empty.
		for _, f := range fixtures {
			_, err := in.Ingest(h.ctx, streamOnly{bytes.NewReader(f.bad)}, pipeline.IngestOptions{Template: "dap"})
			switch {
			case err == nil:
				t.Errorf("%s %s: accepted", f.kind.Name, f.damage)
			case !audio.IsInputError(err):
				t.Errorf("%s %s: %v is not an error about the recording", f.kind.Name, f.damage, err)
			case strings.ContainsAny(err.Error(), "\r\n"):
				t.Errorf("%s: error is not one line: %q", f.kind.Name, err)
			}
		}
		h.nothingCreated("damaged files")

		recognise := b.Name == testenv.Backends[0].Name
		if recognise {
			h.startWorkers(store.WorkerOptions{})
		}
		ids := map[string]string{}
		for _, f := range fixtures {
			r := streamOnly{bytes.NewReader(f.good)}
			var id string
			var err error
			if f.kind.Format == "ffmpeg" && !audiotest.FastStart(f.good) {
				// A camera's file has its index at the end: ingested from
				// disk, as `scribe ingest FILE` does.
				id, err = ingestFile(t, in, h, f.good)
			} else {
				id, err = in.Ingest(h.ctx, r, pipeline.IngestOptions{Template: "dap"})
			}
			if err != nil {
				t.Errorf("%s: %v", f.kind.Name, err)
				continue
			}
			ids[f.kind.Name] = id
		}
		for _, f := range fixtures {
			id, ok := ids[f.kind.Name]
			if !ok {
				continue
			}
			chunks, err := h.store.Chunks(h.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			speakers := map[string]bool{}
			for _, c := range chunks {
				speakers[c.Speaker] = true
			}
			if len(speakers) != 1 || !speakers[pipeline.SpeakerMixed] {
				t.Errorf("%s: speakers %v, want the one mixed track (same speech on every channel)", f.kind.Name, speakers)
			}
			if recognise {
				if err := h.wait(id); err != nil {
					t.Errorf("%s: %v", f.kind.Name, err)
					continue
				}
				var text []string
				for _, s := range h.segments(id) {
					text = append(text, s.Text)
				}
				if !strings.Contains(strings.ToLower(strings.Join(text, " ")), formatKeyword) {
					t.Errorf("%s: %q not recognised; transcript %q", f.kind.Name, formatKeyword, strings.Join(text, " "))
				}
			}
			sess := h.session(id)
			if sess.DurationMS < 2500 || sess.DurationMS > 6000 {
				t.Errorf("%s: session lasts %d ms", f.kind.Name, sess.DurationMS)
			}
			var format string
			for _, e := range h.audited(id, "session.ingest") {
				format = e.Details["source_format"]
			}
			if format != f.kind.Format {
				t.Errorf("%s: audit says source_format %q, want %q", f.kind.Name, format, f.kind.Format)
			}
		}
		h.noFakeProblems()
	})
}

// ingestFile stores the recording in a file and ingests the open file.
func ingestFile(t *testing.T, in *pipeline.Ingester, h *harness, data []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recording")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return in.Ingest(h.ctx, f, pipeline.IngestOptions{Template: "dap"})
}

// BenchmarkIngestOggOpus60MinPeakHeap ingests an hour of Ogg Opus,
// generated as it is read (an upload's stream), through decoding,
// chunking, encryption and storage, and reports the peak heap: it follows
// the chunk size, not the recording's length or format.
func BenchmarkIngestOggOpus60MinPeakHeap(b *testing.B) {
	packets := capturetest.EncodeOpus(b, testenv.Concat(testenv.Speech(b, formatPhrase), testenv.Silence(1000)))
	repeat := 3600 * 50 / len(packets)
	h := newHarness(b, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs}
	var worst uint64
	b.ResetTimer()
	for range b.N {
		var err error
		peak := testenv.PeakHeap(func() {
			_, err = in.Ingest(h.ctx, streamOnly{audiotest.LongOggOpus(packets, repeat)}, pipeline.IngestOptions{})
		})
		if err != nil {
			b.Fatal(err)
		}
		worst = max(worst, peak)
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MB")
	b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}
