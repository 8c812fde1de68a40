package drafts

import (
	"strings"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// NoteText is the note's statements, one a line, section by section: the
// text a clinician reads and changes (headings and citations are not part
// of it).
func NoteText(n summarize.Note) string {
	var b strings.Builder
	for _, sec := range n.Sections {
		for _, st := range sec.Statements {
			b.WriteString(st.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// MeasureEdits measures how much of drafted became signed, in words (split
// on spaces; case and punctuation count, so "Client" → "client." is one
// change): ChangedWords is the word-level edit distance, the fewest words
// inserted, deleted or replaced to turn one into the other.
func MeasureEdits(drafted, signed string) store.EditMeasure {
	a, b := strings.Fields(drafted), strings.Fields(signed)
	return store.EditMeasure{DraftedWords: len(a), SignedWords: len(b), ChangedWords: wordDistance(a, b)}
}

// wordDistance is the Levenshtein distance over words: the common start
// and end are cut off first (an edit is usually local), the rest compared
// as small integers, in two rows of memory.
func wordDistance(a, b []string) int {
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) == 0 {
		return len(a)
	}
	ids := map[string]int32{}
	intern := func(ws []string) []int32 {
		out := make([]int32, len(ws))
		for i, w := range ws {
			id, ok := ids[w]
			if !ok {
				id = int32(len(ids))
				ids[w] = id
			}
			out[i] = id
		}
		return out
	}
	x, y := intern(a), intern(b)
	prev, cur := make([]int, len(y)+1), make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		xi := x[i-1]
		for j := 1; j <= len(y); j++ {
			cost := 1
			if xi == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
