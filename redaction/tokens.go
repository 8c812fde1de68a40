package redaction

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word with surrounding punctuation removed.
type token struct {
	s, e      int    // byte offsets of the core in the text
	raw       string // core text as written
	low       string // lower-case, accents folded
	stem      string // low without a possessive 's
	stemEnd   int    // byte offset where the stem ends (possessive excluded)
	cap       bool   // first letter upper-case
	upper     bool   // every letter upper-case (acronym)
	alpha     bool   // letters (and inner ' - .) only
	digits    bool   // digits only
	hasDigit  bool
	sentStart bool // first token of a line, after . ! ? or a speaker label
	lineStart bool
	label     bool    // part of a speaker label ("Client:")
	nv        int     // cached number(low)
	nk        numKind // cached number kind
	lead      string
	trail     string // punctuation right after the core
}

var abbrevs = set(`st dr mr mrs ms mt ft jr sr no vs prof sgt lt det rev fr`)

const trimSet = "\"'“”‘’()[]{}<>,.;:!?*…—–"

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// tokenize splits text into tokens; it never allocates per rune.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/5)
	i := 0
	lineStart := true
	sentStart := true
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		if isSpace(r) {
			if r == '\n' {
				lineStart, sentStart = true, true
			}
			i += w
			continue
		}
		j := i
		for j < len(text) {
			r, w := utf8.DecodeRuneInString(text[j:])
			if isSpace(r) {
				break
			}
			j += w
		}
		word := text[i:j]
		// strip leading/trailing punctuation
		cs := 0
		for cs < len(word) {
			r, w := utf8.DecodeRuneInString(word[cs:])
			if !strings.ContainsRune(trimSet, r) {
				break
			}
			cs += w
		}
		ce := len(word)
		for ce > cs {
			r, w := utf8.DecodeLastRuneInString(word[:ce])
			if !strings.ContainsRune(trimSet, r) {
				break
			}
			// keep a trailing period of an inner-dotted token (e.g. "a.m.") out; fine either way
			ce -= w
		}
		if cs >= ce {
			if strings.ContainsAny(word, ".!?") {
				sentStart = true
			}
			i = j
			continue
		}
		t := token{s: i + cs, e: i + ce, raw: word[cs:ce], lead: word[:cs], trail: word[ce:]}
		t.sentStart = sentStart || strings.ContainsAny(t.lead, "\"“")
		t.lineStart = lineStart
		fillToken(&t)
		toks = append(toks, t)
		lineStart = false
		sentStart = strings.ContainsAny(t.trail, ".!?") && !(t.trail == "." && abbrevs[t.low])
		i = j
	}
	markLabels(toks)
	return toks
}

func fillToken(t *token) {
	var b strings.Builder
	b.Grow(len(t.raw))
	t.alpha, t.digits = true, true
	letters, uppers := 0, 0
	first := true
	for _, r := range t.raw {
		switch {
		case unicode.IsLetter(r):
			letters++
			t.digits = false
			if unicode.IsUpper(r) {
				uppers++
				if first {
					t.cap = true
				}
			}
			b.WriteString(foldRune(unicode.ToLower(r)))
		case r >= '0' && r <= '9':
			t.alpha = false
			t.hasDigit = true
			b.WriteRune(r)
		case r == '\'' || r == '’':
			t.digits = false
			b.WriteByte('\'')
		case r == '-' || r == '.':
			t.digits = false
			b.WriteRune(r)
		default:
			t.alpha, t.digits = false, false
			b.WriteRune(unicode.ToLower(r))
		}
		first = false
	}
	if letters == 0 {
		t.alpha = false
	}
	t.upper = letters > 1 && uppers == letters
	t.nv, t.nk = -1, numNone
	t.low = b.String()
	t.stem, t.stemEnd = t.low, t.e
	if strings.HasSuffix(t.low, "'s") && len(t.low) > 2 {
		t.stem = t.low[:len(t.low)-2]
		// the raw text ends with 's or ’s
		if strings.HasSuffix(t.raw, "’s") {
			t.stemEnd = t.e - len("’s")
		} else {
			t.stemEnd = t.e - 2
		}
	} else if strings.HasSuffix(t.low, "s'") && len(t.low) > 2 {
		t.stem = t.low[:len(t.low)-1]
		t.stemEnd = t.e - 1
	}
}

var foldTable = map[rune]string{'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'é': "e", 'è': "e",
	'ê': "e", 'ë': "e", 'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ñ': "n", 'ç': "c", 'ý': "y", 'ÿ': "y", 'ø': "o", 'ß': "ss"}

func foldRune(r rune) string {
	if r < 0x80 {
		return string(rune(r))
	}
	if f, ok := foldTable[r]; ok {
		return f
	}
	return string(r)
}

// markLabels flags speaker labels: one to three words at the start of a line
// followed by a colon ("Client:", "Group member 2:").
func markLabels(toks []token) {
	for i := 0; i < len(toks); i++ {
		if !toks[i].lineStart {
			continue
		}
		for k := 0; k < 3 && i+k < len(toks); k++ {
			if k > 0 && toks[i+k].lineStart {
				break
			}
			if strings.HasPrefix(toks[i+k].trail, ":") {
				for m := i; m <= i+k; m++ {
					toks[m].label = true
				}
				if i+k+1 < len(toks) {
					toks[i+k+1].sentStart = true
				}
				break
			}
		}
	}
}
