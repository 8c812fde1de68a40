package redaction

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Suggester is a second opinion on a text's identifiers: a self-hosted
// model, for instance. It is given the text before redaction, so it must run
// where that text may go (the pipeline calls one only when an admin has
// configured a self-hosted provider for it). Its spans are in code points,
// like Result's; Placeholder is ignored.
type Suggester interface {
	Suggest(ctx context.Context, text string) ([]Span, error)
}

// ErrSuggester wraps a Suggester's failure; nothing is redacted then, so
// that a configured second opinion is never skipped silently.
var ErrSuggester = errors.New("the redaction second opinion failed")

// suggestedTypes are the types a suggestion may carry; any other type is
// taken as NAME (the safe reading of "something identifying").
var suggestedTypes = map[string]bool{TypeName: true, TypeLocation: true, TypeDate: true, TypeAge: true, TypePhone: true,
	TypeFax: true, TypeEmail: true, TypeSSN: true, TypeID: true, TypeURL: true, TypeIP: true, TypeOrg: true}

// RedactWithSuggester redacts text as Redact does, and adds the spans sug
// suggests. The merge only adds: every span the engine finds is kept as it
// is; a suggestion overlapping one widens it to cover both (more text hidden,
// never less); a suggestion elsewhere becomes a span of its own and is
// propagated through the session like the engine's. A suggestion is widened
// to whole words, and one out of the text's range is ignored. Suggestions
// counts the suggestions that changed the result.
func (s *Session) RedactWithSuggester(ctx context.Context, text string, sug Suggester) (res Result, added int, err error) {
	if !utf8.ValidString(text) {
		return Result{}, 0, ErrInvalidUTF8
	}
	if text == "" {
		return Result{Text: "", Spans: []Span{}}, 0, nil
	}
	if len(text) > maxRedactInput {
		return Result{}, 0, ErrInputTooLarge
	}
	g, err := loadGazetteers()
	if err != nil {
		return Result{}, 0, err
	}
	spans, err := sug.Suggest(ctx, text)
	if err != nil {
		return Result{}, 0, fmt.Errorf("%w: %w", ErrSuggester, err)
	}
	extra := suggestedCands(text, spans)
	var n int
	res = s.redactCands(g, text, func(cs []cand) []cand {
		cs, n = mergeSuggestions(cs, extra)
		return cs
	})
	return res, n, nil
}

// suggestedCands turns suggestions (code points) into candidates (bytes),
// widened to whole words; out-of-range or empty ones are dropped.
func suggestedCands(text string, spans []Span) []cand {
	// code point index → byte offset
	off := make([]int, 0, len(text)+1)
	for b := range text {
		off = append(off, b)
	}
	off = append(off, len(text))
	var out []cand
	for _, sp := range spans {
		if sp.Start < 0 || sp.End > len(off)-1 || sp.Start >= sp.End {
			continue
		}
		st, en := off[sp.Start], off[sp.End]
		for st > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:st])
			if !wordRune(r) {
				break
			}
			st -= size
		}
		for en < len(text) {
			r, size := utf8.DecodeRuneInString(text[en:])
			if !wordRune(r) {
				break
			}
			en += size
		}
		typ := sp.Type
		if !suggestedTypes[typ] {
			typ = TypeName
		}
		c := cand{s: st, e: en, typ: typ, prio: prioBackstop}
		if typ == TypeName {
			for _, w := range strings.Fields(strings.ToLower(text[st:en])) {
				w = strings.Trim(strings.TrimSuffix(w, "'s"), ".-")
				if len(w) > 1 || len(c.parts) == 0 {
					c.parts = append(c.parts, w)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-' }

// mergeSuggestions adds extra to the engine's resolved candidates cs, never
// removing or shrinking one: an overlapping suggestion widens the span it
// overlaps (and any it bridges), another is added. It returns the merged
// list, sorted and without overlaps, and how many suggestions changed it.
func mergeSuggestions(cs, extra []cand) ([]cand, int) {
	changed := 0
	for _, x := range extra {
		first, last := -1, -1
		for i := range cs {
			if cs[i].s < x.e && x.s < cs[i].e {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			// insert in order
			i := 0
			for i < len(cs) && cs[i].s < x.s {
				i++
			}
			cs = append(cs, cand{})
			copy(cs[i+1:], cs[i:])
			cs[i] = x
			changed++
			continue
		}
		c := cs[first]
		s, e := min(c.s, x.s), max(cs[last].e, x.e)
		if s == c.s && e == c.e && first == last {
			continue // inside a span already found
		}
		c.s, c.e = s, e
		if first != last {
			c.parts = nil // spans bridged into one: no longer one name's parts
		}
		cs = append(cs[:first], append([]cand{c}, cs[last+1:]...)...)
		changed++
	}
	return cs, changed
}
