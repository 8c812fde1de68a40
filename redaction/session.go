package redaction

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Span is one redacted identifier; Start and End are offsets in Unicode code
// points into the input text, End exclusive.
type Span struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Type        string `json:"type"`
	Placeholder string `json:"placeholder"`
}

// Result is the redacted text and where its identifiers were.
type Result struct {
	Text  string `json:"text"`
	Spans []Span `json:"spans"`
}

// TokenMap maps a placeholder ("[NAME_1]") to the original surface form.
type TokenMap map[string]string

// ErrInvalidUTF8 is returned for input that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("redaction: input is not valid UTF-8")

// maxRedactInput bounds one Redact call: token offsets are 32-bit. (A
// variable so that a test can lower it.)
var maxRedactInput = math.MaxInt32

// ErrInputTooLarge is returned for a text over 2 GiB; split the transcript.
var ErrInputTooLarge = errors.New("redaction: input is larger than 2 GiB; split the transcript")

// entity is one identifier (a person, a place, a phone number) in a session.
type entity struct {
	Placeholder string   `json:"placeholder"`
	Type        string   `json:"type"`
	Forms       []string `json:"forms"`           // surface forms seen, first is canonical
	Parts       []string `json:"parts,omitempty"` // NAME: lower-case name tokens
	Key         string   `json:"key"`             // normalised value
}

// Session keeps placeholder numbering consistent across calls for one
// clinical session. It is safe for concurrent use.
type Session struct {
	mu       sync.Mutex
	counters map[string]int
	entities []*entity
	byKey    map[typedKey]*entity // type + normalised value → entity
	byPart   map[string][]*entity
}

// NewSession starts an empty session.
func NewSession() *Session {
	return &Session{counters: map[string]int{}, byKey: map[typedKey]*entity{}, byPart: map[string][]*entity{}}
}

// typedKey is an identifier type and a normalised value.
type typedKey struct{ typ, key string }

type sessionJSON struct {
	Version  int            `json:"version"`
	Counters map[string]int `json:"counters"`
	Entities []*entity      `json:"entities"`
}

// MarshalMap serialises the session's map (placeholders, originals and
// numbering) so that the pipeline can store it encrypted and continue later.
func (s *Session) MarshalMap() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(sessionJSON{Version: 1, Counters: s.counters, Entities: s.entities})
	if err != nil {
		return nil, fmt.Errorf("redaction: encoding session map: %w", err)
	}
	return b, nil
}

// RestoreSession rebuilds a session from MarshalMap output; later Redact
// calls continue its numbering.
func RestoreSession(mapJSON []byte) (*Session, error) {
	var sj sessionJSON
	if err := json.Unmarshal(mapJSON, &sj); err != nil {
		return nil, fmt.Errorf("redaction: session map is not valid JSON: %w", err)
	}
	if sj.Version != 1 {
		return nil, fmt.Errorf("redaction: session map version %d is not supported (want 1)", sj.Version)
	}
	s := NewSession()
	for t, n := range sj.Counters {
		if n < 0 {
			return nil, fmt.Errorf("redaction: session map has a negative counter for type %s", t)
		}
		s.counters[t] = n
	}
	for i, e := range sj.Entities {
		if e == nil || e.Placeholder == "" || e.Type == "" || len(e.Forms) == 0 {
			return nil, fmt.Errorf("redaction: session map entity %d is incomplete", i)
		}
		typ, num, ok := parsePlaceholder(e.Placeholder)
		if !ok || typ != e.Type {
			return nil, fmt.Errorf("redaction: session map entity %d has a malformed placeholder", i)
		}
		if num > s.counters[typ] {
			s.counters[typ] = num
		}
		s.register(e)
	}
	return s, nil
}

func (s *Session) register(e *entity) {
	s.entities = append(s.entities, e)
	s.byKey[typedKey{e.Type, e.Key}] = e
	for _, p := range e.Parts {
		s.byPart[p] = append(s.byPart[p], e)
	}
}

// Map returns placeholder → original surface form (the fullest form seen).
func (s *Session) Map() TokenMap {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(TokenMap, len(s.entities))
	for _, e := range s.entities {
		m[e.Placeholder] = e.Forms[0]
	}
	return m
}

func parsePlaceholder(p string) (typ string, num int, ok bool) {
	if len(p) < 5 || p[0] != '[' || p[len(p)-1] != ']' {
		return "", 0, false
	}
	inner := p[1 : len(p)-1]
	k := strings.LastIndexByte(inner, '_')
	if k <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(inner[k+1:])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return inner[:k], n, true
}

// normKey normalises an identifier's value for matching within a session.
// Look-ups go through lc (nil: none); the key does not depend on them.
func normKey(typ, surface string, lc *lexCache) string {
	switch typ {
	case TypePhone, TypeFax, TypeSSN, TypeIP:
		toks := tokenize(surface, lc)
		if d := spokenDigits(toks); d != "" {
			return d
		}
	}
	t := tokenize(surface, lc)
	parts := make([]string, 0, len(t))
	for _, x := range t {
		parts = append(parts, x.stem())
	}
	return strings.Join(parts, " ")
}

// normKey is the package normKey with a fast path for the usual mention, ASCII words
// separated by single spaces ("Maria Lopez", "amazon"): its key is the mention
// in lower case, because such words have no punctuation to trim and no
// possessive.
func (d *detector) normKey(typ, surface string) string {
	switch typ {
	case TypePhone, TypeFax, TypeSSN, TypeIP:
		return normKey(typ, surface, d.lc)
	}
	upper := false
	for i := 0; i < len(surface); i++ {
		c := surface[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == ' ' && i > 0 && i+1 < len(surface) && surface[i-1] != ' ':
		default:
			return normKey(typ, surface, d.lc)
		}
	}
	if !upper {
		return surface
	}
	b := make([]byte, len(surface))
	for i := 0; i < len(surface); i++ {
		c := surface[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}

// entityFor finds or creates the entity for a detected identifier whose
// normKey is key.
func (s *Session) entityFor(typ, surface, key string, parts []string) *entity {
	if e, ok := s.byKey[typedKey{typ, key}]; ok {
		addForm(e, surface)
		return e
	}
	if typ == TypeName && len(parts) > 0 {
		// "Maria" after "Maria Lopez", or "Maria Lopez" after "Maria"
		var best *entity
		ambiguous := false
		for _, p := range parts {
			for _, e := range s.byPart[p] {
				if len(parts) == 1 || len(e.Parts) == 1 || e.Parts[0] == parts[0] && len(e.Parts) > 0 {
					if best != nil && best != e {
						ambiguous = true
					}
					best = e
				}
			}
		}
		if best != nil && !ambiguous && (len(parts) == 1 || len(best.Parts) == 1 || best.Parts[0] == parts[0]) {
			if len(parts) > len(best.Parts) {
				// the fuller form becomes canonical
				best.Forms = append([]string{surface}, best.Forms...)
				for _, p := range parts {
					if !contains(best.Parts, p) {
						best.Parts = append(best.Parts, p)
						s.byPart[p] = append(s.byPart[p], best)
					}
				}
			} else {
				addForm(best, surface)
			}
			s.byKey[typedKey{typ, key}] = best
			return best
		}
	}
	s.counters[typ]++
	e := &entity{Placeholder: "[" + typ + "_" + strconv.Itoa(s.counters[typ]) + "]", Type: typ, Forms: []string{surface}, Parts: parts, Key: key}
	s.register(e)
	return e
}

func addForm(e *entity, f string) {
	if !contains(e.Forms, f) {
		e.Forms = append(e.Forms, f)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Redact replaces every identifier in text with its session placeholder.
// Speaker labels ("Client:") are kept.
func (s *Session) Redact(text string) (Result, error) {
	if !utf8.ValidString(text) {
		return Result{}, ErrInvalidUTF8
	}
	if text == "" {
		return Result{Text: "", Spans: []Span{}}, nil
	}
	if len(text) > maxRedactInput {
		return Result{}, ErrInputTooLarge
	}
	g, err := loadGazetteers()
	if err != nil {
		return Result{}, err
	}
	return s.redactWith(g, text), nil
}

// redactWith redacts valid, non-empty text with the gazetteers and tagger
// of g (tests pass a tagger trained on part of a corpus).
func (s *Session) redactWith(g *gazetteers, text string) Result {
	return s.redactCands(g, text, nil)
}

// redactCands is redactWith with a step (nil: none) that may add to the
// resolved candidates before they are propagated.
func (s *Session) redactCands(g *gazetteers, text string, addTo func([]cand) []cand) Result {
	d := newDetector(g, text)
	defer d.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	// names known from earlier calls in this session are propagated too
	cs := resolve(d.run())
	if addTo != nil {
		cs = addTo(cs)
	}
	cs = d.propagate(cs, s)
	d.harmonize(cs, s)

	var out strings.Builder
	out.Grow(len(text))
	spans := make([]Span, 0, len(cs))
	last, cp := 0, 0
	for _, c := range cs {
		cp += utf8.RuneCountInString(text[last:c.s])
		startCP := cp
		cp += utf8.RuneCountInString(text[c.s:c.e])
		e := s.entityFor(c.typ, text[c.s:c.e], d.normKey(c.typ, text[c.s:c.e]), c.parts)
		out.WriteString(text[last:c.s])
		out.WriteString(e.Placeholder)
		spans = append(spans, Span{Start: startCP, End: cp, Type: c.typ, Placeholder: e.Placeholder})
		last = c.e
	}
	out.WriteString(text[last:])
	return Result{Text: out.String(), Spans: spans}
}

// propagate marks every later or earlier mention of an already detected name
// part or identifier phrase ("Maria" after "Maria Lopez", "amazon" again).
func (d *detector) propagate(cs []cand, s *Session) []cand {
	d.employerTypes(cs, s)
	parts := map[string]string{} // name part → type
	phrases := map[string]string{}
	// lowerSeen: name parts and phrases labelled somewhere in lower case.
	// In cased text an everyday word in lower case is not taken for a
	// mention of a capitalised identifier ("the main thing" after "Elm and
	// Main"), but one labelled in lower case is redacted wherever it recurs.
	lowerSeen := map[string]bool{}
	startsLower := func(v string) bool { r, _ := utf8.DecodeRuneInString(v); return unicode.IsLower(r) }
	for _, c := range cs {
		switch c.typ {
		case TypeName:
			for _, p := range c.parts {
				if d.propagatable(p) {
					parts[p] = TypeName
				}
				if startsLower(d.text[c.s:c.e]) {
					lowerSeen[p] = true
				}
			}
		case TypeOrg, TypeLocation:
			ph := d.normKey(c.typ, d.text[c.s:c.e])
			if !strings.ContainsAny(ph, "0123456789") && d.propagatable(ph) {
				phrases[ph] = c.typ
			}
			if startsLower(d.text[c.s:c.e]) {
				lowerSeen[ph] = true
			}
		}
	}
	for _, e := range s.entities {
		for _, f := range e.Forms {
			if !startsLower(f) {
				continue
			}
			lowerSeen[e.Key] = true
			for _, p := range e.Parts {
				lowerSeen[p] = true
			}
		}
	}
	for p := range s.byPart {
		if d.propagatable(p) {
			parts[p] = TypeName
		}
	}
	for _, e := range s.entities {
		if (e.Type == TypeOrg || e.Type == TypeLocation) && d.propagatable(e.Key) && !strings.ContainsAny(e.Key, "0123456789") {
			phrases[e.Key] = e.Type
		}
	}
	patterns := patternForms(d.text, cs, s)
	if len(parts) == 0 && len(phrases) == 0 && len(patterns) == 0 {
		return cs
	}
	covered := make([]bool, len(d.toks))
	ci := 0
	for i := range d.toks {
		for ci < len(cs) && cs[ci].e <= int(d.toks[i].s) {
			ci++
		}
		if ci < len(cs) && cs[ci].s < int(d.toks[i].e) || d.inPhrase != nil && d.inPhrase[i] {
			covered[i] = true // a therapy phrase ("Serenity Prayer") is never an identifier
		}
	}
	extra := d.patternMentions(patterns, covered)
	// mark: one lookup per token says whether its stem is a name part
	// (markPart) or begins a phrase (markFirst)
	mark := make(map[string]uint8, len(parts)+len(phrases))
	for p := range parts {
		mark[p] |= markPart
	}
	longest := 0 // words in the longest phrase
	for p := range phrases {
		f, _, _ := strings.Cut(p, " ")
		mark[f] |= markFirst
		longest = max(longest, strings.Count(p, " ")+1)
	}
	// most tokens are not marked: a 4096-bit filter over stem hashes
	// answers them without a map look-up
	var filter [64]uint64
	for k := range mark {
		h := uint32(d.lc.hash(k)) % 4096
		filter[h/64] |= 1 << (h % 64)
	}
	markOf := func(t *token) uint8 {
		if h := t.stemHash % 4096; filter[h/64]&(1<<(h%64)) == 0 {
			return 0
		}
		return mark[t.stem()]
	}
	var b []byte
	for i := 0; i < len(d.toks); i++ {
		t := &d.toks[i]
		if covered[i] || t.label {
			continue
		}
		if !t.alpha || d.text[t.s] == '-' || d.text[t.e-1] == '-' {
			// Symbols, digits or a hyphen at an end ("-maria"; the other
			// punctuation at the ends is trimmed by tokenize).
			extra = d.gluedMentions(t, markOf, phrases, lowerSeen, extra)
			continue
		}
		m := markOf(t)
		if m == 0 {
			continue
		}
		// phrases as long as the longest known one, longest first
		matched := false
		for w := longest; w >= 1 && !matched && m&markFirst != 0; w-- {
			if i+w > len(d.toks) {
				continue
			}
			if w == 1 && !d.lower && !t.cap && t.lx.level > 0 && !lowerSeen[t.stem()] {
				continue // "the main thing" after the corner of "Elm and Main"
			}
			b = b[:0]
			ok := true
			for k := i; k < i+w; k++ {
				if covered[k] || k > i && !d.joined(k-1) {
					ok = false
					break
				}
				if k > i {
					b = append(b, ' ')
				}
				b = append(b, d.toks[k].stem()...)
			}
			if !ok {
				continue
			}
			if typ, ok := phrases[string(b)]; ok {
				extra = append(extra, cand{s: int(t.s), e: int(d.toks[i+w-1].stemEnd), typ: typ, prio: prioPropagated})
				i += w - 1
				matched = true
			}
		}
		if matched {
			continue
		}
		if m&markPart != 0 {
			if !d.lower && !t.cap && t.lx.level > 0 && !lowerSeen[t.stem()] {
				continue // "will" the verb after "Will Turner"
			}
			j := i + 1
			for j < len(d.toks) && !covered[j] && d.joined(j-1) && markOf(&d.toks[j])&markPart != 0 {
				j++
			}
			c := cand{s: int(t.s), e: int(d.toks[j-1].stemEnd), typ: TypeName, prio: prioPropagated}
			for k := i; k < j; k++ {
				c.parts = append(c.parts, d.toks[k].stem())
			}
			extra = append(extra, c)
			i = j - 1
		}
	}
	if len(extra) == 0 {
		return cs
	}
	return resolveAfter(cs, extra)
}

// isPattern reports whether typ is found by its pattern (a number, an
// address) rather than by words and context.
func isPattern(typ string) bool {
	switch typ {
	case TypePhone, TypeFax, TypeEmail, TypeSSN, TypeID, TypeURL, TypeIP:
		return true
	}
	return false
}

// patternForm is the exact text of a pattern identifier and its type.
type patternForm struct{ text, typ string }

// patternForms lists the texts of the pattern identifiers found in this
// text (cs) or earlier in the session, longest first.
func patternForms(text string, cs []cand, s *Session) []patternForm {
	seen := map[string]bool{}
	var out []patternForm
	add := func(f, typ string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, patternForm{f, typ})
		}
	}
	for _, c := range cs {
		if isPattern(c.typ) {
			add(text[c.s:c.e], c.typ)
		}
	}
	for _, e := range s.entities {
		if isPattern(e.Type) {
			for _, f := range e.Forms {
				add(f, e.Type)
			}
		}
	}
	slices.SortFunc(out, func(a, b patternForm) int {
		if c := cmp.Compare(len(b.text), len(a.text)); c != 0 {
			return c
		}
		return strings.Compare(a.text, b.text)
	})
	return out
}

// patternMentions finds the other occurrences of pattern identifiers
// already found ("555-0199" said again, whatever its neighbours make of it
// there) as whole tokens outside covered ones, and marks their tokens
// covered. One map look-up per token: forms are indexed by their first word.
func (d *detector) patternMentions(forms []patternForm, covered []bool) []cand {
	if len(forms) == 0 {
		return nil
	}
	byFirst := make(map[string][]patternForm, len(forms))
	// Most tokens are answered without a look-up: by their first byte and
	// their length (a longer first word is always looked up).
	var firstByte [256]bool
	var firstLen [32]bool
	// and by a 4096-bit filter over the hashes of the first words in lower
	// case, which a token's stemHash answers when its stem is its whole
	// lower-case form (an ASCII word is that form in lower case; with a
	// first word that is not ASCII the filter is not used)
	var filter [64]uint64
	useFilter := true
	var lowBuf []byte
	for _, f := range forms { // longest first, as forms come
		w, _, _ := strings.Cut(f.text, " ")
		// A token holds its word without the punctuation after it ("A." of
		// a spelled "A. A. A" is the token "A").
		if t := strings.TrimRight(w, ".,;:!?"); t != "" {
			w = t
		}
		byFirst[w] = append(byFirst[w], f)
		firstByte[w[0]] = true
		firstLen[min(len(w), len(firstLen)-1)] = true
		lowBuf = lowBuf[:0]
		for i := 0; i < len(w); i++ {
			c := w[i]
			if c >= utf8.RuneSelf {
				useFilter = false
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lowBuf = append(lowBuf, c)
		}
		h := uint32(d.lc.hash(string(lowBuf))) % 4096
		filter[h/64] |= 1 << (h % 64)
	}
	var out []cand
	for k := 0; k < len(d.toks); k++ {
		t := &d.toks[k]
		if !firstByte[d.text[t.s]] || !firstLen[min(int(t.e-t.s), len(firstLen)-1)] {
			continue
		}
		if h := t.stemHash % 4096; useFilter && t.stemCut == 0 && filter[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		fs := byFirst[d.text[t.s:t.e]]
		if len(fs) == 0 || covered[k] || t.label {
			continue
		}
		for _, f := range fs {
			if !strings.HasPrefix(d.text[t.s:], f.text) {
				continue
			}
			end := int(t.s) + len(f.text)
			last := k // the token the form ends with
			for last < len(d.toks) && int(d.toks[last].e) < end {
				last++
			}
			if last == len(d.toks) || int(d.toks[last].e) != end || slices.Contains(covered[k:last+1], true) ||
				slices.ContainsFunc(d.toks[k:last+1], func(t token) bool { return t.label }) {
				continue
			}
			out = append(out, cand{s: int(t.s), e: end, typ: f.typ, prio: prioPropagated})
			for i := k; i <= last; i++ {
				covered[i] = true
			}
			k = last
			break
		}
	}
	return out
}

// gluedMentions appends a mention for each run of letters in the non-word
// token t that is a known name part or a known one-word place or employer:
// an identifier glued to symbols or digits ("#maria", "maria/juan",
// "maria2", "altoona!") is still that identifier. The rule for a word
// written in lower case in capitalised text applies as in propagate ("will"
// the verb is no name).
func (d *detector) gluedMentions(t *token, markOf func(*token) uint8, phrases map[string]string, lowerSeen map[string]bool, extra []cand) []cand {
	raw := d.text[t.s:t.e]
	for k := 0; k < len(raw); {
		r, w := utf8.DecodeRuneInString(raw[k:])
		if !unicode.IsLetter(r) {
			k += w
			continue
		}
		e := k + w
		for e < len(raw) {
			r, w := utf8.DecodeRuneInString(raw[e:])
			if !unicode.IsLetter(r) && r != '\'' && r != '’' {
				break
			}
			e += w
		}
		if e-k < 3 { // shorter than any part propagatable takes
			k = e
			continue
		}
		sub := token{s: t.s + int32(k), e: t.s + int32(e)} // #nosec G115 -- offsets inside a token of a text under maxRedactInput
		fillToken(&sub, raw[k:e], d.lc)
		m := markOf(&sub)
		if m != 0 && sub.alpha && (d.lower || sub.cap || sub.lx.level == 0 || lowerSeen[sub.stem()]) {
			if typ, ok := phrases[sub.stem()]; ok && m&markFirst != 0 {
				extra = append(extra, cand{s: int(sub.s), e: int(sub.stemEnd), typ: typ, prio: prioPropagated})
			} else if m&markPart != 0 {
				extra = append(extra, cand{s: int(sub.s), e: int(sub.stemEnd), typ: TypeName, prio: prioPropagated, parts: []string{sub.stem()}})
			}
		}
		k = e
	}
	return extra
}

// What propagate's look-up says of a token's stem.
const (
	markPart  = 1 // a known name part
	markFirst = 2 // the first word of a known place or employer phrase
)

// prioPropagated is the priority of a mention found by propagate.
const prioPropagated = 30

// vague reports whether a candidate's own context does not say whether it is
// a name or a place: see cand.unclear; a propagated mention has no evidence
// of its own.
func (c *cand) vague() bool { return c.unclear || c.prio == prioPropagated }

// unclearWord returns the word of a one-word name or place whose own context
// does not say which of the two it is (see vague), or "".
func (d *detector) unclearWord(c *cand) string {
	if !c.vague() {
		return ""
	}
	switch c.typ {
	case TypeName:
		if len(c.parts) == 1 {
			return c.parts[0]
		}
	case TypeLocation:
		return d.oneWordPlace(c)
	}
	return ""
}

// oneWordPlace is a LOCATION's key when it is one word, else "".
func (d *detector) oneWordPlace(c *cand) string {
	if k := d.normKey(TypeLocation, d.text[c.s:c.e]); strings.IndexByte(k, ' ') < 0 {
		return k
	}
	return ""
}

// harmonize gives a one-word name or place whose context is unclear the type
// of the nearest clear mention of the same word before it in the text, else
// in the session, else after it, so that one word keeps one placeholder: "my
// friend Jordan … I talked to Jordan" is one person, "lives in Warren …
// Warren is quiet" one town. Mentions whose contexts clearly differ ("my
// friend Jordan", "he lived in Jordan") keep their two kinds.
func (d *detector) harmonize(cs []cand, s *Session) {
	if !slices.ContainsFunc(cs, func(c cand) bool { return c.vague() }) {
		return
	}
	type mention struct {
		at  int // index in cs
		typ string
	}
	clear := map[string][]mention{}
	for i := range cs {
		c := &cs[i]
		if c.vague() {
			continue
		}
		switch c.typ {
		case TypeName:
			for _, p := range c.parts {
				clear[p] = append(clear[p], mention{i, TypeName})
			}
		case TypeLocation:
			if k := d.oneWordPlace(c); k != "" {
				clear[k] = append(clear[k], mention{i, TypeLocation})
			}
		}
	}
	first := map[string]string{} // word → type of its first unclear mention
	for i := range cs {
		c := &cs[i]
		w := d.unclearWord(c)
		if w == "" {
			continue
		}
		if _, ok := first[w]; !ok {
			first[w] = c.typ
		}
		before, after := "", ""
		for _, m := range clear[w] {
			if m.at < i {
				before = m.typ
			} else if after == "" {
				after = m.typ
			}
		}
		want := before
		if want == "" {
			_, place := s.byKey[typedKey{TypeLocation, w}]
			name := len(s.byPart[w]) > 0
			switch {
			case place && !name:
				want = TypeLocation
			case name && !place:
				want = TypeName
			case !place && !name:
				want = after
			}
		}
		if want == "" && len(clear[w]) == 0 {
			want = first[w] // no evidence: at least one placeholder for the word
		}
		if want == "" || want == c.typ {
			continue
		}
		switch want {
		case TypeLocation:
			c.typ, c.parts = TypeLocation, nil
		case TypeName:
			k, ok := slices.BinarySearchFunc(d.toks, c.s, func(t token, s int) int { return cmp.Compare(int(t.s), s) })
			if !ok {
				continue
			}
			// A name ends where its token's stem does; a mention found
			// inside a longer token (gluedMentions) ends where it ends.
			c.typ, c.e, c.parts = TypeName, min(c.e, int(d.toks[k].stemEnd)), []string{w}
		}
	}
}

// employerTypes retypes a facility found after a place verb ("everybody at
// Quillmart") as an employer when the same words are one elsewhere in the
// text or the session ("on break at Quillmart", after a work cue): one
// identifier, one placeholder.
func (d *detector) employerTypes(cs []cand, s *Session) {
	var weak []int
	for i := range cs {
		if cs[i].prio == prioPlaceVerb && cs[i].typ == TypeLocation {
			weak = append(weak, i)
		}
	}
	if len(weak) == 0 {
		return
	}
	orgs := map[string]bool{}
	for i := range cs {
		if cs[i].typ == TypeOrg {
			orgs[d.normKey(TypeOrg, d.text[cs[i].s:cs[i].e])] = true
		}
	}
	for _, e := range s.entities {
		if e.Type == TypeOrg {
			orgs[e.Key] = true
		}
	}
	for _, i := range weak {
		if orgs[d.normKey(TypeOrg, d.text[cs[i].s:cs[i].e])] {
			cs[i].typ = TypeOrg
		}
	}
}

// propagatable: a name part or phrase specific enough to redact everywhere.
func (d *detector) propagatable(p string) bool {
	if len(p) < 3 {
		return false
	}
	e := d.g.lex.get(p)
	if e.flags&(lfFnWord|lfClinical|lfTitle|lfRelation) != 0 {
		return false
	}
	if strings.Contains(p, " ") {
		return true
	}
	l := e.level
	return l == 0 || l >= 35 || !d.lower
}
