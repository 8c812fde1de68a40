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

// wordDistance is the Levenshtein distance over words, in two rows of
// memory.
func wordDistance(a, b []string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
