package redaction

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word with surrounding punctuation removed.
type token struct {
	low       string    // lower-case, accents folded
	lx        *lexEntry // lexicon entry of the stem
	lxl       *lexEntry // lexicon entry of low (lx when low == stem)
	s, e      int32     // byte offsets of the core in the text
	stemEnd   int32     // byte offset where the stem ends (possessive excluded)
	stemHash  uint32    // lexCache hash of the stem (0 without a lexicon)
	fid       int32     // lexCache form number of low (0 without a lexicon)
	trig      uint16    // the trigger lists of the form (formTriggers)
	filler    bool      // the stem is a speech filler (speechFillers)
	nameBits  uint8     // what nameStart and suspect can tell from the form (formNameBits)
	nv        int32     // number(low) value, -2 when not a number
	nk        numKind   // number(low) kind
	stemCut   uint8     // bytes of low after the stem: 2 for 's, 1 for s'
	cap       bool      // first letter upper-case
	upper     bool      // every letter upper-case (acronym)
	alpha     bool      // letters (and inner ' - .) only
	digits    bool      // digits only
	hasDigit  bool
	hasDot    bool // low contains "."
	sentStart bool // first token of a line, after . ! ? or a speaker label
	lineStart bool
	label     bool // part of a speaker label ("Client:")
	leadParen bool // the core follows "("
	// punctuation right after the core: holds one of . ! ? ; : (stop), of
	// ! ? ; : (looseStop), a . (dot); is "." (period), "," (comma); starts
	// with ")" (closeParen) or ":" (colon)
	stop, looseStop, dot, period, comma, closeParen, colon bool
	// aposStem: the stem has an apostrophe and is not an O' name
	aposStem bool
}

// initial reports whether the token is a middle initial ("John I. Smith",
// "Mary-Ann K. O'Brien"): a capital letter and a period right after a
// capitalised name. Its period ends no sentence: tokenize sets period but
// not stop (nor dot) for it, which no other token has.
func (t *token) initial() bool { return t.period && !t.stop }

// stem is low without a possessive 's or s'.
func (t *token) stem() string { return t.low[:len(t.low)-int(t.stemCut)] }

// raw is token i's core as written.
func (d *detector) raw(i int) string { return d.text[d.toks[i].s:d.toks[i].e] }

// (and the compass points of a street address: "4113 N. Maple St.")
var abbrevs = set(`st dr mr mrs ms mt ft jr sr no vs prof sgt lt det rev fr n s e w ne nw se sw`)

const trimSet = "\"'“”‘’()[]{}<>,.;:!?*…—–"

// asciiTrim and asciiSpace classify single bytes below 0x80 without a rune decode.
var asciiTrim, asciiSpace [utf8.RuneSelf]bool

// byteClass classifies bytes for fillASCII.
var byteClass [256]uint8

const (
	bLetter = 1 << iota // a-z A-Z
	bUpper              // A-Z (bit 1: fillASCII counts it by shifting)
	bDigit
	bInner // ' - . inside a word
	bOther // any other ASCII
	bHigh  // not ASCII
	bDot   // .
	bApos  // '
)

// spaceByte is 1 for the bytes of ASCII white space, 0 for every other byte.
var spaceByte [256]uint8

func init() {
	for _, r := range trimSet {
		if r < utf8.RuneSelf {
			asciiTrim[r] = true
		}
	}
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			byteClass[c] = bHigh
		case 'a' <= c && c <= 'z':
			byteClass[c] = bLetter
		case 'A' <= c && c <= 'Z':
			byteClass[c] = bLetter | bUpper
		case '0' <= c && c <= '9':
			byteClass[c] = bDigit
		case c == '.':
			byteClass[c] = bInner | bDot
		case c == '\'':
			byteClass[c] = bInner | bApos
		case c == '-':
			byteClass[c] = bInner
		default:
			byteClass[c] = bOther
		}
	}
	for r := rune(0); r < utf8.RuneSelf; r++ {
		asciiSpace[r] = unicode.IsSpace(r)
		if asciiSpace[r] {
			spaceByte[r] = 1
		}
	}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func isTrim(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiTrim[r]
	}
	return strings.ContainsRune(trimSet, r)
}

// tokenize splits text into tokens and looks each form up once through lc
// (nil: no lexicon, every entry empty). A token's lower-case form is a
// substring of text, the lexicon's copy, or, for a capitalised form the
// lexicon does not hold, a new string (reused while lc remembers the form).
func tokenize(text string, lc *lexCache) []token { return tokenizeInto(nil, text, lc) }

// tokenizeInto is tokenize reusing buf's memory (its elements past len are
// zero, as release leaves them).
func tokenizeInto(buf []token, text string, lc *lexCache) []token {
	toks := buf[:0]
	if cap(toks) == 0 {
		// a reused buffer grows by append, which zeroes the new elements too
		toks = make([]token, 0, countWords(text))
	}
	i := 0
	lineStart := true
	sentStart := true
	// speaker labels: one to three words at the start of a line followed
	// by a colon ("Client:", "Group member 2:"); the word after one starts
	// a sentence (the colon already says so)
	lineFirst, labelDone := 0, false
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				if c == '\n' {
					lineStart, sentStart = true, true
				}
				i++
				continue
			}
		} else if r, w := utf8.DecodeRuneInString(text[i:]); isSpace(r) {
			i += w
			continue
		}
		j := i
		for j < len(text) {
			if c := text[j]; c < utf8.RuneSelf {
				if asciiSpace[c] {
					break
				}
				j++
				continue
			}
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
			r, w := rune(word[cs]), 1
			if r >= utf8.RuneSelf {
				r, w = utf8.DecodeRuneInString(word[cs:])
			}
			if !isTrim(r) {
				break
			}
			cs += w
		}
		ce := len(word)
		for ce > cs {
			r, w := rune(word[ce-1]), 1
			if r >= utf8.RuneSelf {
				r, w = utf8.DecodeLastRuneInString(word[:ce])
			}
			if !isTrim(r) {
				break
			}
			ce -= w
		}
		if cs >= ce {
			if strings.ContainsAny(word, ".!?") {
				sentStart = true
			}
			i = j
			continue
		}
		// the slice is zeroed up to its capacity: take the next element as is
		if len(toks) < cap(toks) {
			toks = toks[:len(toks)+1]
		} else {
			toks = append(toks, token{})
		}
		t := &toks[len(toks)-1]
		t.s, t.e = int32(i+cs), int32(i+ce)
		t.leadParen = cs > 0 && word[cs-1] == '('
		trail := word[ce:]
		sentEnd := false // trail holds . ! or ?
		if trail != "" {
			// ASCII bytes never occur inside a multi-byte rune
			for k := 0; k < len(trail); k++ {
				switch trail[k] {
				case '.':
					t.stop, t.dot, sentEnd = true, true, true
				case '!', '?':
					t.stop, t.looseStop, sentEnd = true, true, true
				case ';':
					t.stop, t.looseStop = true, true
				case ':':
					// "Plan: Continue", "Client reports: My cell is …"
					t.stop, t.looseStop, sentEnd = true, true, true
				}
			}
			t.period, t.comma = trail == ".", trail == ","
			t.closeParen, t.colon = trail[0] == ')', trail[0] == ':'
		}
		t.sentStart = sentStart || cs > 0 && strings.ContainsAny(word[:cs], "\"“")
		t.lineStart = lineStart
		if core := word[cs:ce]; lc == nil {
			fillToken(t, core, lc)
		} else if h := rawHash(core); true {
			if tm := lc.rawToken(core, h); tm != nil {
				t.copyForm(tm)
			} else {
				fillToken(t, core, lc)
				lc.putRawToken(core, h, t)
			}
		}
		if t.period && ce-cs == 1 && t.cap && cs == 0 && !lineStart && len(toks) > 1 && middleInitialAfter(&toks[len(toks)-2], t) {
			t.stop, t.dot, sentEnd = false, false, false
		}
		n := len(toks) - 1
		if lineStart {
			lineFirst, labelDone = n, false
		}
		if t.colon && !labelDone && n-lineFirst < 3 {
			for m := lineFirst; m <= n; m++ {
				toks[m].label = true
			}
			labelDone = true
		}
		lineStart = false
		sentStart = sentEnd && !(t.period && t.isAbbrev(lc))
		i = j
	}
	return toks
}

// middleInitialAfter reports whether the one-letter token t, written with a
// period, follows prev as a middle initial follows a given name: prev is a
// capitalised name or rare word (or another initial) written just one space
// before t. "Hepatitis C." and "Plan B." end sentences.
func middleInitialAfter(prev, t *token) bool {
	if prev.initial() {
		return prev.e+2 == t.s // "J. R. Smith"
	}
	e := prev.lx
	return prev.cap && prev.alpha && prev.e+1 == t.s && prev.e-prev.s >= 2 && !prev.aposStem && e.flags&lfExcluded == 0 &&
		(e.given >= 1000 || e.level == 0 || e.level >= 50)
}

// countWords estimates the number of tokens: runs of bytes other than ASCII
// white space (exact unless the text has Unicode spaces).
func countWords(text string) int {
	n := 0
	prev := uint8(1) // 1 after white space
	for i := 0; i < len(text); i++ {
		sp := spaceByte[text[i]]
		n += int(prev &^ sp)
		prev = sp
	}
	return n
}

// isAbbrev: "Dr." and the like do not end a sentence.
func (t *token) isAbbrev(lc *lexCache) bool {
	if lc == nil {
		return abbrevs[t.low]
	}
	return t.lxl.flags&lfAbbrev != 0
}

// copyForm sets the fields of t that fillToken derives from the core's
// text to those of tm, a token of the same text.
func (t *token) copyForm(tm *token) {
	t.low, t.lx, t.lxl = tm.low, tm.lx, tm.lxl
	t.stemEnd = t.e - (tm.e - tm.stemEnd)
	t.stemHash, t.fid, t.nv, t.nk, t.stemCut = tm.stemHash, tm.fid, tm.nv, tm.nk, tm.stemCut
	t.cap, t.upper, t.alpha, t.digits, t.hasDigit, t.hasDot = tm.cap, tm.upper, tm.alpha, tm.digits, tm.hasDigit, tm.hasDot
	t.aposStem, t.trig, t.filler, t.nameBits = tm.aposStem, tm.trig, tm.filler, tm.nameBits
}

// fillToken sets everything a token derives from its core raw.
func fillToken(t *token, raw string, lex *lexCache) {
	fillForm(t, raw, lex)
	t.trig = formTriggers(t)
	t.filler = speechFillers[t.stem()]
	t.nameBits = formNameBits(t, raw)
}

// fillForm is fillToken but for the trigger lists.
func fillForm(t *token, raw string, lex *lexCache) {
	ok, apos, h := fillASCII(t, raw, lex)
	if !ok {
		fillUnicode(t, raw)
		t.lxl, h = lex.get(t.low)
		apos = true // not known: look
	}
	if lex != nil {
		t.fid = lex.last
	}
	if t.lxl.numKind != numNone {
		t.nv, t.nk = int32(t.lxl.numVal), t.lxl.numKind
	} else if lex == nil || t.hasDigit {
		v, k := number(t.low)
		t.nv, t.nk = int32(v), k
	} else {
		t.nv, t.nk = 0, numNone
	}
	if t.nk == numNone {
		t.nv = -2
	}
	t.stemEnd = t.e
	t.lx = t.lxl
	t.stemHash = uint32(h)
	if !apos { // no possessive, no apostrophe in the stem
		return
	}
	if strings.HasSuffix(t.low, "'s") && len(t.low) > 2 {
		t.stemCut = 2
		// the raw text ends with 's or ’s
		if strings.HasSuffix(raw, "’s") {
			t.stemEnd = t.e - int32(len("’s"))
		} else {
			t.stemEnd = t.e - 2
		}
		t.lx, h = lex.get(t.stem())
	} else if strings.HasSuffix(t.low, "s'") && len(t.low) > 2 {
		t.stemCut = 1
		t.stemEnd = t.e - 1
		t.lx, h = lex.get(t.stem())
	}
	t.stemHash = uint32(h)
	stem := t.stem()
	t.aposStem = strings.IndexByte(stem, '\'') >= 0 && !apostropheName(stem)
}

// fillASCII classifies an ASCII core and sets low and lxl, reporting whether
// the core has an apostrophe and the hash of low; it reports false, doing
// nothing, for any other core.
func fillASCII(t *token, raw string, lex *lexCache) (ok, apos bool, h uint64) {
	var or uint8
	letters, uppers := 0, 0
	for i := 0; i < len(raw); i++ {
		k := byteClass[raw[i]]
		or |= k
		letters += int(k & bLetter)
		uppers += int(k >> 1 & 1)
	}
	if or&bHigh != 0 {
		return false, false, 0
	}
	apos = or&bApos != 0
	t.cap = byteClass[raw[0]]&bUpper != 0
	t.alpha = or&(bDigit|bOther) == 0 && letters > 0
	t.digits = or&(bLetter|bInner|bOther) == 0
	t.hasDigit = or&bDigit != 0
	t.hasDot = or&bDot != 0
	t.upper = letters > 1 && uppers == letters
	hasUpper := uppers > 0
	if !hasUpper {
		t.low = raw
		t.lxl, h = lex.get(raw)
		return true, apos, h
	}
	var buf [32]byte
	var b []byte
	if len(raw) <= len(buf) {
		b = buf[:len(raw)]
	} else {
		b = make([]byte, len(raw))
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	t.lxl, t.low, h = lex.getBytes(b)
	return true, apos, h
}

// fillUnicode classifies a core with non-ASCII letters or punctuation and
// sets low (lower-case, accents folded, ’ as ').
func fillUnicode(t *token, raw string) {
	var b strings.Builder
	b.Grow(len(raw))
	t.alpha, t.digits = true, true
	letters, uppers := 0, 0
	first := true
	for _, r := range raw {
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
	t.low = b.String()
	t.hasDot = strings.IndexByte(t.low, '.') >= 0
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

// apostropheName: a name with an elided particle, "o'brien", "d'angelo",
// "l'heureux" (with a hyphenated tail, "o'donnell-price"); a contraction
// ("don't", "y'all", "i'd") is none.
func apostropheName(stem string) bool {
	return len(stem) >= 5 && stem[1] == '\'' && (stem[0] == 'o' || stem[0] == 'd' || stem[0] == 'l') &&
		strings.IndexByte(stem[2:], '\'') < 0
}

// splitHyphen yields the parts of a hyphenated word.
func splitHyphen(s string) func(func(string) bool) {
	return strings.SplitSeq(s, "-")
}
