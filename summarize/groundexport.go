package summarize

import "github.com/scribe-health/scribe/internal/transcript"

// Ground checks every statement of n against segs exactly as Draft does
// (unknown citations removed, Unsupported set with a reason, empty sections
// marked not discussed) and returns the statement and unsupported counts.
// The evaluation harness grounds hand-made notes with it.
func Ground(segs []transcript.Segment, n *Note) (total, unsupported int) {
	return newSegIndex(segs).groundNote(n)
}
