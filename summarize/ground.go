package summarize

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/scribe-health/scribe/internal/transcript"
)

// MinSupport is the share of a statement's content words that must appear
// in its cited segments. Measured on the grounding evaluation set
// (TestGroundingEvaluation); raise it and recall of invented facts rises
// while paraphrases start to be flagged.
const MinSupport = 0.6

// segIndex is the pre-tokenised transcript, built once per draft.
type segIndex struct {
	byID map[string]*segInfo
}

type segInfo struct {
	// polarity per stem: bit 1 seen affirmed, bit 2 seen negated.
	stems   map[string]uint8
	numbers map[string]bool
	lower   string
}

func newSegIndex(segs []transcript.Segment) *segIndex {
	idx := &segIndex{byID: make(map[string]*segInfo, len(segs))}
	for _, s := range segs {
		info := &segInfo{stems: map[string]uint8{}, numbers: map[string]bool{}, lower: strings.ToLower(s.Text)}
		// The model sees the speaker label ("Participant 3") with the text,
		// so a statement may rest on it.
		info.add(transcript.Label(s.Speaker), false)
		for _, sentence := range splitSentences(s.Text) {
			info.add(sentence, strings.HasSuffix(sentence, "?"))
		}
		idx.byID[s.ID] = info
	}
	return idx
}

// add indexes text. A question asserts nothing, so its words count as both
// affirmed and denied: "Any thoughts of hurting yourself?" neither supports
// nor contradicts "denies thoughts of self-harm".
func (info *segInfo) add(text string, question bool) {
	for _, t := range tokenize(text) {
		if t.number {
			info.numbers[t.stem] = true
		}
		if !t.content {
			continue
		}
		switch {
		case question:
			info.stems[t.stem] |= 3
		case t.negated:
			info.stems[t.stem] |= 2
		default:
			info.stems[t.stem] |= 1
		}
	}
}

// splitSentences cuts text after each '.', '!' or '?' that ends a sentence.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '"') {
			out = append(out, strings.TrimSpace(text[start:i+1]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(text[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

var boilerplate = regexp.MustCompile(`(?i)\b(within normal limits|wnl|unremarkable|no acute distress|grossly intact|normal (mood|affect|range|limits|findings|exam))\b`)

var boilerplateEvidence = regexp.MustCompile(`(?i)\b(normal|unremarkable|wnl|distress|intact)\b`)

// groundStatement checks one statement against the transcript and sets
// Unsupported with a reason when it fails. Unknown citations are removed.
func (idx *segIndex) groundStatement(st *Statement) {
	var reasons []string
	kept := st.Citations[:0:0]
	seen := map[string]bool{}
	for _, c := range st.Citations {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, ok := idx.byID[c]; ok {
			kept = append(kept, c)
			continue
		}
		if safeName.MatchString(c) {
			reasons = append(reasons, "cites unknown segment "+c)
		} else {
			reasons = append(reasons, "cites an unknown segment")
		}
	}
	hadCitations := len(st.Citations) > 0
	st.Citations = kept
	if len(kept) == 0 {
		if !hadCitations {
			reasons = append(reasons, "no citations")
		} else {
			reasons = append(reasons, "no valid citations remain")
		}
		st.Unsupported, st.UnsupportedReason = true, strings.Join(reasons, "; ")
		return
	}

	cited := make([]*segInfo, len(kept))
	for i, c := range kept {
		cited[i] = idx.byID[c]
	}
	lookup := func(stem string) uint8 {
		var p uint8
		for _, s := range cited {
			p |= s.stems[stem]
		}
		return p
	}

	toks := tokenize(st.Text)
	content, matched, negMismatch := 0, 0, 0
	var missingNumbers, missingPlaceholders int
	counted := map[string]bool{}
	for _, t := range toks {
		if t.number {
			found := false
			for _, s := range cited {
				if s.numbers[t.stem] {
					found = true
					break
				}
			}
			if !found {
				missingNumbers++
			}
		}
		if !t.content {
			continue
		}
		key := t.stem
		if t.negated {
			key += "\x00n"
		}
		if counted[key] {
			continue
		}
		counted[key] = true
		content++
		p := lookup(t.stem)
		if p == 0 {
			if t.placeholder {
				missingPlaceholders++
			}
			continue
		}
		matched++
		if t.number || t.placeholder {
			continue
		}
		want := uint8(1)
		if t.negated {
			want = 2
		}
		if p&want == 0 {
			negMismatch++
		}
	}

	if content == 0 {
		reasons = append(reasons, "no content words to check against the cited segments")
	} else if float64(matched) < MinSupport*float64(content) {
		reasons = append(reasons, fmt.Sprintf("little lexical support in cited segments (%d of %d content words found)", matched, content))
	}
	if missingNumbers > 0 {
		reasons = append(reasons, fmt.Sprintf("%d number(s) not found in cited segments", missingNumbers))
	}
	if missingPlaceholders > 0 {
		reasons = append(reasons, fmt.Sprintf("%d redaction placeholder(s) not found in cited segments", missingPlaceholders))
	}
	if negMismatch > 0 {
		reasons = append(reasons, "negation mismatch: the statement affirms what the cited segments deny, or denies what they report")
	}
	if boilerplate.MatchString(st.Text) {
		evidence := false
		for _, s := range cited {
			if boilerplateEvidence.MatchString(s.lower) {
				evidence = true
				break
			}
		}
		if !evidence {
			reasons = append(reasons, "boilerplate normal finding with no support in cited segments")
		}
	}
	if len(reasons) > 0 {
		st.Unsupported, st.UnsupportedReason = true, strings.Join(reasons, "; ")
	}
}

// groundNote checks every statement and marks empty sections NotDiscussed.
// It returns the statement and unsupported-statement counts.
func (idx *segIndex) groundNote(n *Note) (total, unsupported int) {
	for i := range n.Sections {
		sec := &n.Sections[i]
		for j := range sec.Statements {
			idx.groundStatement(&sec.Statements[j])
			total++
			if sec.Statements[j].Unsupported {
				unsupported++
			}
		}
		if len(sec.Statements) == 0 {
			sec.NotDiscussed = true
			sec.NotDiscussedText = NotDiscussedText
		}
	}
	return total, unsupported
}
