package pipeline_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/testenv"
)

// streamOnly hides a file's Seek, as an upload's multipart part does.
type streamOnly struct{ r io.Reader }

func (s streamOnly) Read(p []byte) (int, error) { return s.r.Read(p) }

// memoryBound is the heap the ingest of any recording may use (issue: a
// 200 MB upload used to preallocate its whole 16 kHz output, ~32× the
// input for 8-bit low-rate files).
const memoryBound = 64 << 20

// TestIngestOf200MBKeepsHeapUnder64MB ingests a 200 MiB 48 kHz stereo WAV
// (18 minutes, two speakers) written to disk as it is generated, once as a
// file and once as a stream without Seek (an upload), and checks the peak
// heap stays under 64 MB.
func TestIngestOf200MBKeepsHeapUnder64MB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file")
	}
	if !testenv.Isolated(t) {
		return // measured in a process of its own: the heap is this test's alone
	}
	path := filepath.Join(t.TempDir(), "long.wav")
	testenv.WriteCallWAV(t, path, 1093) // 1093 s × 192,000 B/s ≥ 200 MiB
	if fi, err := os.Stat(path); err != nil || fi.Size() < 200<<20 {
		t.Fatalf("test file: %v (%d bytes)", err, fi.Size())
	}
	h := newHarness(t, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs}
	t.Logf("heap before ingest (store, River, fake provider): %.1f MB", float64(testenv.PeakHeap(func() {}))/(1<<20))
	for _, seekable := range []bool{true, false} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if !seekable {
			r = streamOnly{f}
		}
		var id string
		peak := testenv.PeakHeap(func() { id, err = in.Ingest(h.ctx, r, pipeline.IngestOptions{}) })
		f.Close()
		if err != nil {
			t.Fatalf("ingest (seekable %v): %v", seekable, err)
		}
		chunks, _ := h.store.Chunks(h.ctx, id)
		t.Logf("seekable %v: %d chunks, peak heap %.1f MB", seekable, len(chunks), float64(peak)/(1<<20))
		if peak >= memoryBound {
			t.Errorf("seekable %v: peak heap %.1f MB while ingesting a 200 MB WAV; want < 64 MB", seekable, float64(peak)/(1<<20))
		}
	}
}

// BenchmarkIngest200MBPeakHeap reports the peak heap (MB) and speed of
// ingesting a 200 MiB 48 kHz stereo WAV streamed without Seek (an upload).
// Goal: peak < 64 MB.
func BenchmarkIngest200MBPeakHeap(b *testing.B) {
	path := filepath.Join(b.TempDir(), "long.wav")
	const seconds = 1093
	testenv.WriteCallWAV(b, path, seconds)
	h := newHarness(b, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs}
	var worst uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		peak := testenv.PeakHeap(func() { _, err = in.Ingest(h.ctx, streamOnly{f}, pipeline.IngestOptions{}) })
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		worst = max(worst, peak)
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MB")
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}
