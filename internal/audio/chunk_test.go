package audio

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// checkTiling fails unless chunks cover samples exactly, in order, each at
// most max long.
func checkTiling(t testing.TB, samples []int16, chunks []Chunk, max int) {
	t.Helper()
	var pos int64
	for i, c := range chunks {
		if c.Index != i {
			t.Fatalf("chunk %d has Index %d", i, c.Index)
		}
		if c.StartSample != pos {
			t.Fatalf("chunk %d starts at %d, previous ended at %d (gap or overlap)", i, c.StartSample, pos)
		}
		n := c.EndSample - c.StartSample
		if n <= 0 || n > int64(max) {
			t.Fatalf("chunk %d has %d samples, want 1..%d", i, n, max)
		}
		if int64(len(c.Samples)) != n {
			t.Fatalf("chunk %d: %d samples for range %d..%d", i, len(c.Samples), c.StartSample, c.EndSample)
		}
		if !slices.Equal(c.Samples, samples[c.StartSample:c.EndSample]) {
			t.Fatalf("chunk %d content differs from the input at %d..%d", i, c.StartSample, c.EndSample)
		}
		pos = c.EndSample
	}
	if pos != int64(len(samples)) {
		t.Fatalf("chunks end at %d, input has %d samples", pos, len(samples))
	}
}

// noisyWithGaps is loud noise with silent gaps at random places.
func noisyWithGaps(rng *rand.Rand, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(rng.NormFloat64() * 6000)
	}
	for g := 0; g < n/4000; g++ {
		at := rng.IntN(n)
		for i := at; i < min(n, at+rng.IntN(3000)); i++ {
			s[i] = int16(rng.IntN(21) - 10)
		}
	}
	return s
}

func TestSplitTilesRandomInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 300; iter++ {
		n := rng.IntN(60000)
		rate := []int{8000, 16000, 1000, 3}[rng.IntN(4)]
		max := 1 + rng.IntN(20000)
		if iter%10 == 0 {
			max = 1 + rng.IntN(5) // degenerate limits
		}
		s := noisyWithGaps(rng, n)
		chunks := Split(s, rate, max)
		checkTiling(t, s, chunks, max)
		if n > 0 && len(chunks) < (n+max-1)/max {
			t.Fatalf("%d chunks for %d samples at max %d: impossible", len(chunks), n, max)
		}
	}
}

func TestChunkerMatchesSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for iter := 0; iter < 200; iter++ {
		n := rng.IntN(80000)
		max := 1 + rng.IntN(16000)
		s := noisyWithGaps(rng, n)
		want := Split(s, Rate, max)

		var got []Chunk
		c := NewChunker(Rate, max, func(ch Chunk) error {
			got = append(got, ch)
			return nil
		})
		for rest := s; len(rest) > 0; {
			k := min(len(rest), rng.IntN(5000)) // includes empty writes
			if err := c.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		checkTiling(t, s, got, max)
		if len(got) != len(want) {
			t.Fatalf("streaming gave %d chunks, Split %d", len(got), len(want))
		}
		for i := range got {
			if got[i].StartSample != want[i].StartSample || got[i].EndSample != want[i].EndSample {
				t.Fatalf("chunk %d: streaming %d..%d, Split %d..%d", i, got[i].StartSample, got[i].EndSample, want[i].StartSample, want[i].EndSample)
			}
		}
	}
}

func TestSplitCutsInTheGap(t *testing.T) {
	// 10 s of noise with a 400 ms silent gap at 8.5..8.9 s; max 10 s puts
	// the gap inside the search region (the last 2 s), so the cut must land
	// in it, and not at the hard limit.
	rng := rand.New(rand.NewPCG(11, 12))
	s := make([]int16, 12*Rate)
	for i := range s {
		s[i] = int16(rng.NormFloat64() * 5000)
	}
	gapFrom, gapTo := 8500*Rate/1000, 8900*Rate/1000
	for i := gapFrom; i < gapTo; i++ {
		s[i] = 0
	}
	chunks := Split(s, Rate, 10*Rate)
	checkTiling(t, s, chunks, 10*Rate)
	cut := int(chunks[0].EndSample)
	// The quiet 300 ms window fits in the 400 ms gap; its centre is at
	// least 150 ms from either edge.
	if cut < gapFrom+150*Rate/1000 || cut > gapTo-150*Rate/1000 {
		t.Fatalf("cut at %.3f s, want inside the gap 8.65..8.75 s", float64(cut)/Rate)
	}
}

func TestSplitNoCutWhenItFits(t *testing.T) {
	s := make([]int16, 1000)
	if c := Split(s, Rate, 1000); len(c) != 1 || c[0].EndSample != 1000 {
		t.Fatalf("input exactly max long was split: %+v", c)
	}
	if c := Split(nil, Rate, 1000); len(c) != 0 {
		t.Fatalf("empty input gave %d chunks", len(c))
	}
}

func TestSplitPanicsOnBadParams(t *testing.T) {
	for _, p := range [][2]int{{0, 100}, {Rate, 0}, {-5, 10}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(rate %d, max %d) did not panic", p[0], p[1])
				}
			}()
			Split(make([]int16, 10), p[0], p[1])
		}()
	}
}

func TestChunkerEmitErrorLosesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	s := noisyWithGaps(rng, 50000)
	const max = 8000
	fail := true
	var got []Chunk
	c := NewChunker(Rate, max, func(ch Chunk) error {
		if fail && ch.Index == 2 {
			return errors.New("storage unavailable")
		}
		got = append(got, ch)
		return nil
	})
	err := c.Write(s)
	if err == nil {
		t.Fatal("emit error was not returned")
	}
	if want := "audio: emitting chunk 2: storage unavailable"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	fail = false
	if err := c.Write(nil); err != nil { // retry emits what is pending
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	checkTiling(t, s, got, max)
	if err := c.Write([]int16{1}); !errors.Is(err, ErrChunkerClosed) {
		t.Errorf("Write after Flush: %v, want ErrChunkerClosed", err)
	}
}

func TestChunkerOwnsEmittedSamples(t *testing.T) {
	var got []Chunk
	c := NewChunker(Rate, 100, func(ch Chunk) error { got = append(got, ch); return nil })
	in := make([]int16, 350)
	for i := range in {
		in[i] = int16(i)
	}
	if err := c.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	checkTiling(t, in, got, 100)
	// Emitted samples must not alias the chunker's buffer or the input.
	for i := range in {
		in[i] = -1
	}
	for _, ch := range got {
		for j, v := range ch.Samples {
			if v != int16(ch.StartSample)+int16(j) {
				t.Fatalf("chunk %d sample %d changed to %d after the input was reused", ch.Index, j, v)
			}
		}
	}
}

func TestMaxChunkSamples(t *testing.T) {
	cases := []struct {
		rate int
		dur  time.Duration
		want int
	}{
		{Rate, 10 * time.Minute, 9_600_000},
		{Rate, 12*time.Minute + 30*time.Second, 12_000_000},
		{Rate, 15 * time.Minute, 12_000_000}, // clamped
		{Rate, 0, 12_000_000},
		{8000, 20 * time.Minute, 9_600_000},
		{Rate, time.Nanosecond, 1},
	}
	for _, c := range cases {
		if got := MaxChunkSamples(c.rate, c.dur); got != c.want {
			t.Errorf("MaxChunkSamples(%d, %s) = %d, want %d", c.rate, c.dur, got, c.want)
		}
	}
	// The clamp really fits: the encoded WAV stays under 25 MB.
	n := MaxChunkSamples(Rate, time.Hour)
	if size := len(EncodeWAV(make([]int16, n), Rate)); size >= 25_000_000 {
		t.Errorf("largest chunk encodes to %d bytes, not under 25 MB", size)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint16(2), uint16(16000))
	f.Add(make([]byte, 3000), uint16(100), uint16(8000))
	f.Fuzz(func(t *testing.T, b []byte, max, rate uint16) {
		if max == 0 || rate == 0 {
			return
		}
		s := make([]int16, len(b)/2)
		for i := range s {
			s[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
		}
		checkTiling(t, s, Split(s, int(rate), int(max)), int(max))
	})
}

func BenchmarkSplit(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := noisyWithGaps(rng, 10*60*Rate)
	b.SetBytes(int64(2 * len(s)))
	for b.Loop() {
		Split(s, Rate, MaxChunkSamples(Rate, 2*time.Minute))
	}
	b.ReportMetric(float64(b.N)*600/b.Elapsed().Seconds(), "x-realtime")
}
