package web

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// quadraticLineDiff is the version diff as it was: a full LCS table,
// (len(a)+1)·(len(b)+1) ints. lineDiff must produce exactly its output.
func quadraticLineDiff(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"=", a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}

func randomLines(r *rand.Rand, n, alphabet int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line %c", 'A'+r.IntN(alphabet))
	}
	return out
}

// TestLineDiffMatchesTheQuadraticDiff: on 50,000 random pairs of short
// line lists — few distinct lines, so ties between equally long common
// subsequences abound — the linear-space diff equals the old one exactly.
func TestLineDiffMatchesTheQuadraticDiff(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for k := 0; k < 50_000; k++ {
		a := randomLines(r, r.IntN(14), 1+r.IntN(5))
		b := randomLines(r, r.IntN(14), 1+r.IntN(5))
		if r.IntN(3) == 0 { // edits of one note, as versions are
			b = editLines(r, a, 1+r.IntN(4))
		}
		want, got := quadraticLineDiff(a, b), lineDiff(a, b)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !slices.Equal(got, want) {
			t.Fatalf("a=%q b=%q\nlinear    %v\nquadratic %v", a, b, got, want)
		}
	}
}

// editLines changes, removes and inserts k lines of a.
func editLines(r *rand.Rand, a []string, k int) []string {
	b := slices.Clone(a)
	for ; k > 0; k-- {
		p := r.IntN(len(b) + 1)
		switch r.IntN(3) {
		case 0:
			b = slices.Insert(b, p, fmt.Sprintf("new %d", r.IntN(1000)))
		case 1:
			if p < len(b) {
				b = slices.Delete(b, p, p+1)
			}
		default:
			if p < len(b) {
				b[p] = fmt.Sprintf("edited %d", r.IntN(1000))
			}
		}
	}
	return b
}

// TestLineDiffLargeNotesInLinearSpace: two 10,000-line versions with 300
// edits (the old table would be 10⁸ ints, 800 MB) are diffed allocating a
// few megabytes; the diff rebuilds both versions and is no longer than the
// edits made.
func TestLineDiffLargeNotesInLinearSpace(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	a := make([]string, 10_000)
	for i := range a {
		a[i] = fmt.Sprintf("Statement %d: the client reports %d nights of better sleep.", i, i%7)
	}
	b := editLines(r, a, 300)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := lineDiff(a, b)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("diff of %d × %d lines: %d entries, %.1f MB allocated (the table was %.0f MB)", len(a), len(b), len(got), float64(alloc)/(1<<20), float64(len(a)+1)*float64(len(b)+1)*8/(1<<20))
	if alloc > 8<<20 {
		t.Errorf("allocated %.1f MB; want linear space (< 8 MB)", float64(alloc)/(1<<20))
	}
	var ra, rb []string
	changes := 0
	for _, d := range got {
		if d.Op != "+" {
			ra = append(ra, d.Text)
		}
		if d.Op != "-" {
			rb = append(rb, d.Text)
		}
		if d.Op != "=" {
			changes++
		}
	}
	if !slices.Equal(ra, a) || !slices.Equal(rb, b) {
		t.Fatal("the diff does not rebuild both versions")
	}
	if changes > 2*300 {
		t.Errorf("%d changed lines for 300 edits", changes)
	}
}

// BenchmarkLineDiff2000: two 2,000-line versions with 60 edits; reports
// bytes allocated per diff.
func BenchmarkLineDiff2000(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a := make([]string, 2000)
	for i := range a {
		a[i] = strings.Repeat("x", i%13) + fmt.Sprint(i)
	}
	c := editLines(r, a, 60)
	b.ReportAllocs()
	for b.Loop() {
		lineDiff(a, c)
	}
}

// BenchmarkQuadraticLineDiff2000 is the table-driven diff lineDiff
// replaced, on the same input, for comparison (33 MB per diff).
func BenchmarkQuadraticLineDiff2000(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a := make([]string, 2000)
	for i := range a {
		a[i] = strings.Repeat("x", i%13) + fmt.Sprint(i)
	}
	c := editLines(r, a, 60)
	b.ReportAllocs()
	for b.Loop() {
		quadraticLineDiff(a, c)
	}
}
