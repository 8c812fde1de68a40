package redaction

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
)

// lexFlag marks membership of a lower-case form in one of the package's word
// lists. One lexicon lookup per token form replaces a lookup per list: the
// recognizers ask the token's flags instead of each map.
type lexFlag uint64

const (
	lfTitle lexFlag = 1 << iota
	lfRelation
	lfNameCue
	lfWeekday
	lfWeekdayTrim // weekdays[strings.TrimSuffix(form, "s")]
	lfStreetType
	lfFacilityHead
	lfOrgHead
	lfUSState
	lfClinical
	lfAmbiguous
	lfCommonProper
	lfFnWord
	lfLocPrep
	lfStrongFacPrep
	lfWorkCue
	lfPlaceHead
	lfPlaceFirst  // first word of a multi-word place name
	lfPhraseFirst // first word of a clinical phrase
	lfDobCue
	lfMonthPrep
	lfNotDayNoun
	lfDoseWord
	lfScoreWord
	lfFaxCue
	lfSSNCue
	lfIDCue
	lfPhoneCue
	lfAgeCueBefore
	lfAgeCueNear
	lfNotAgeUnit
	lfZipCue
	lfAbbrev
	lfNotIDAlnum
	lfStateTail    // last word of a two-word state ("york" of "new york")
	lfNickCue      // a word that can introduce a nickname ("call", "nickname", "goes")
	lfMotion       // a verb of going before "to"/"from" a place ("went", "discharged")
	lfAtPerson     // a word before "at"/"in" that aims at a person ("mad at", "yelled at")
	lfNotPlace     // a capitalised word after a place verb that names no facility ("Iraq", "Zoom")
	lfAnd          // "and", "&"
	lfPlacePrep    // a word before a facility named after a place verb ("at", "to", "left")
	lfPersonVerb   // a verb whose subject is a person ("said", "keeps", "texted")
	lfPersonBefore // a word before a person, not a place ("with", "told", "met")
	lfDatePrep     // a word before a bare numeric date ("on 7-22")
	lfBrand        // a chain's name, whole ("walgreens", "dollar general")
	lfBrandFirst   // the first word of a chain's name
	// lfExcluded is the list part of detector.excluded: clinical term, common
	// proper noun, state, title, weekday, or a month that is not also a name.
	lfExcluded
)

// lexEntry is everything the lists and gazetteers say about one form. It
// holds no pointers, so the collector never scans the lexicon.
type lexEntry struct {
	flags   lexFlag
	given   int32  // total US births as a given name
	surname int32  // census frequency rank as a surname (1 = most common)
	place   int32  // number of ZIP codes of a US place of this name
	keyOff  uint32 // the form is lexicon.keys[keyOff : keyOff+keyLen]
	keyLen  uint16
	numVal  int16 // value of a number word (numKind != numNone)
	level   uint8 // SCOWL level, 0 when not an English word
	month   uint8 // 1–12 for a month name or abbreviation
	numKind numKind
}

// noEntry stands for every form the lexicon does not hold.
var noEntry lexEntry

// lexicon maps a lower-case form to its entry with one hash probe sequence.
// It is an open-addressing table over pointer-free slices (a Go map of
// 230,000 strings would be rescanned by every garbage collection); it is
// read-only once built.
type lexicon struct {
	keys    string     // every form, concatenated
	entries []lexEntry // entries[0] is the empty entry
	// slots hold hash<<32 | entry index; 0 is an empty slot.
	slots []uint64
	mask  uint64
	seed  maphash.Seed
}

// get returns the entry of k, or the empty entry (also for a nil lexicon).
func (l *lexicon) get(k string) *lexEntry {
	if l == nil {
		return &noEntry
	}
	return l.probe(k, maphash.String(l.seed, k))
}

// probe looks k up by its hash h (maphash with l.seed).
func (l *lexicon) probe(k string, h uint64) *lexEntry {
	for i := h & l.mask; ; i = (i + 1) & l.mask {
		v := l.slots[i]
		if v == 0 {
			return &noEntry
		}
		if uint32(v>>32) == uint32(h>>32) {
			e := &l.entries[uint32(v)]
			if l.keys[e.keyOff:e.keyOff+uint32(e.keyLen)] == k {
				return e
			}
		}
	}
}

// lexCache remembers the forms one text has already looked up: a transcript
// repeats a few thousand forms, and a hit stays in the processor cache where a
// lexicon probe goes to memory.
type lexCache struct {
	lex *lexicon
	// arena holds copies of the entries this text uses, side by side, so
	// that the recognizers' many flag tests stay in the processor cache
	arena []lexEntry
	slots [8192]struct {
		form string
		e    *lexEntry
		fid  int32 // form number in this text (1, 2, …; a form evicted and met again gets a new one)
	}
	nf   int32 // form numbers handed out
	last int32 // form number of the last get or getBytes

	// raw remembers the tokens made of each raw word (as written, without
	// the punctuation around it): a word met again takes every field that
	// follows from its text from the earlier token (see tokenizeInto)
	raw [16384]struct {
		word string
		tok  int32 // 1 + index in rawToks (0: empty slot)
	}
	rawToks []token
}

// rawHash is the hash of a raw word for lexCache.raw.
func rawHash(s string) uint32 {
	h := uint32(len(s)) * 0x9E3779B1
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 0x01000193
	}
	return h ^ h>>15
}

// rawToken returns the token made earlier of the raw word w, or nil.
func (c *lexCache) rawToken(w string, h uint32) *token {
	s := &c.raw[h&uint32(len(c.raw)-1)]
	if s.tok != 0 && s.word == w {
		return &c.rawToks[s.tok-1]
	}
	return nil
}

// putRawToken remembers t as the token of the raw word w.
func (c *lexCache) putRawToken(w string, h uint32, t *token) {
	s := &c.raw[h&uint32(len(c.raw)-1)]
	c.rawToks = append(c.rawToks, *t)
	s.word, s.tok = w, int32(len(c.rawToks)) // #nosec G115 -- at most one per token of a text under maxRedactInput
}

// get returns the entry of k and k's hash (nil cache: the empty entry, 0).
func (c *lexCache) get(k string) (*lexEntry, uint64) {
	if c == nil {
		return &noEntry, 0
	}
	h := maphash.String(c.lex.seed, k)
	s := &c.slots[h&uint64(len(c.slots)-1)]
	if s.e != nil && s.form == k {
		c.last = s.fid
		return s.e, h
	}
	e := c.local(c.lex.probe(k, h))
	c.nf++
	s.form, s.e, s.fid = k, e, c.nf
	c.last = c.nf
	return e, h
}

// reset empties the cache for another text, keeping its memory (the first
// arena chunk; later chunks go to the collector).
func (c *lexCache) reset() {
	clear(c.slots[:])
	c.nf, c.last = 0, 0
	clear(c.raw[:])
	clear(c.rawToks)
	c.rawToks = c.rawToks[:0]
	if cap(c.arena) > 0 {
		c.arena = c.arena[:0]
	}
}

// local returns a copy of e in the arena (the empty entry as is).
func (c *lexCache) local(e *lexEntry) *lexEntry {
	if e == &noEntry {
		return e
	}
	if len(c.arena) == cap(c.arena) {
		c.arena = make([]lexEntry, 0, 1024) // earlier chunks stay where tokens point
	}
	c.arena = append(c.arena, *e)
	return &c.arena[len(c.arena)-1]
}

// hash is the hash get returns for k.
func (c *lexCache) hash(k string) uint64 { return maphash.String(c.lex.seed, k) }

// getBytes returns the entry of the form in b and that form as a string that
// stays valid (the lexicon's copy or one allocated once per text).
func (c *lexCache) getBytes(b []byte) (*lexEntry, string, uint64) {
	if c == nil {
		return &noEntry, string(b), 0
	}
	h := maphash.Bytes(c.lex.seed, b)
	s := &c.slots[h&uint64(len(c.slots)-1)]
	if s.e != nil && s.form == string(b) {
		c.last = s.fid
		return s.e, s.form, h
	}
	e := c.lex.probe(string(b), h)
	form := ""
	if e != &noEntry {
		form = c.lex.key(e)
	} else {
		form = string(b)
	}
	e = c.local(e)
	c.nf++
	s.form, s.e, s.fid = form, e, c.nf
	c.last = c.nf
	return e, form, h
}

// key returns the form of an entry of l (a substring of l.keys).
func (l *lexicon) key(e *lexEntry) string { return l.keys[e.keyOff : e.keyOff+uint32(e.keyLen)] }

// lexBuilder collects entries while the lists load.
type lexBuilder struct {
	index   map[string]uint32
	keys    []string
	entries []lexEntry
}

func newLexBuilder(sizeHint int) *lexBuilder {
	return &lexBuilder{index: make(map[string]uint32, sizeHint), keys: make([]string, 1, sizeHint+1),
		entries: make([]lexEntry, 1, sizeHint+1)}
}

// add returns the entry of k, creating it. Pointers are valid only until the
// next add.
func (l *lexBuilder) add(k string) *lexEntry {
	if i, ok := l.index[k]; ok {
		return &l.entries[i]
	}
	l.index[k] = uint32(len(l.entries))
	l.keys = append(l.keys, k)
	l.entries = append(l.entries, lexEntry{})
	return &l.entries[len(l.entries)-1]
}

// build sets the derived flags and freezes the table.
func (l *lexBuilder) build() (*lexicon, error) {
	if len(l.entries) >= 1<<31 {
		return nil, fmt.Errorf("redaction: lexicon has %d entries, too many", len(l.entries))
	}
	n := uint64(1)
	for n < 2*uint64(len(l.entries)) {
		n <<= 1
	}
	// Everyday words first: their entries and forms then share a few
	// hundred kilobytes that stay in the processor cache between texts.
	order := make([]int, 0, len(l.entries)-1)
	for i := 1; i < len(l.entries); i++ {
		order = append(order, i)
	}
	hot := func(e *lexEntry) int {
		switch {
		case e.flags != 0 || e.numKind != numNone || e.month != 0 || e.level == 10:
			return 0
		case e.level == 20:
			return 1
		case e.level == 35:
			return 2
		}
		return 3
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(hot(&l.entries[a]), hot(&l.entries[b])) })
	lex := &lexicon{entries: make([]lexEntry, len(l.entries)), slots: make([]uint64, n), mask: n - 1, seed: maphash.MakeSeed()}
	var keys strings.Builder
	for i, old := range order {
		i++ // entries[0] stays the empty entry
		k := l.keys[old]
		if len(k) > math.MaxUint16 || keys.Len()+len(k) > math.MaxUint32 {
			return nil, fmt.Errorf("redaction: lexicon form %d is too long", i)
		}
		e := &lex.entries[i]
		*e = l.entries[old]
		e.keyOff, e.keyLen = uint32(keys.Len()), uint16(len(k))
		keys.WriteString(k)
		if e.flags&(lfClinical|lfCommonProper|lfUSState|lfTitle|lfWeekday|lfWeekdayTrim) != 0 ||
			e.month > 0 && e.flags&lfAmbiguous == 0 {
			e.flags |= lfExcluded
		}
		h := maphash.String(lex.seed, k)
		j := h & lex.mask
		for lex.slots[j] != 0 {
			j = (j + 1) & lex.mask
		}
		lex.slots[j] = h>>32<<32 | uint64(i)
	}
	lex.keys = keys.String()
	return lex, nil
}

// addLists adds the package's hand-written word lists and number words.
func (l *lexBuilder) addLists() {
	for _, s := range []struct {
		words map[string]bool
		flag  lexFlag
	}{
		{titles, lfTitle}, {relations, lfRelation}, {nameCue, lfNameCue}, {weekdays, lfWeekday},
		{streetTypes, lfStreetType}, {facilityHeads, lfFacilityHead}, {orgHeads, lfOrgHead}, {tradeHeads, lfOrgHead}, {usStates, lfUSState},
		{clinicalTerms, lfClinical}, {ambiguousNames, lfAmbiguous}, {commonProper, lfCommonProper},
		{fnWords, lfFnWord}, {locPrep, lfLocPrep}, {strongFacPrep, lfStrongFacPrep}, {workCue, lfWorkCue},
		{placeHeads, lfPlaceHead}, {phraseFirst, lfPhraseFirst}, {dobCue, lfDobCue}, {monthPrep, lfMonthPrep},
		{notDayNoun, lfNotDayNoun}, {doseWords, lfDoseWord}, {scoreWords, lfScoreWord}, {faxCue, lfFaxCue},
		{ssnCue, lfSSNCue}, {idCue, lfIDCue}, {phoneCue, lfPhoneCue}, {ageCueBefore, lfAgeCueBefore},
		{ageCueNear, lfAgeCueNear}, {notAgeUnit, lfNotAgeUnit}, {zipCue, lfZipCue}, {abbrevs, lfAbbrev},
		{notIDAlnum, lfNotIDAlnum}, {nickCue, lfNickCue}, {motionVerbs, lfMotion}, {atPerson, lfAtPerson},
		{notPlace, lfNotPlace}, {andWords, lfAnd}, {placePreps, lfPlacePrep}, {personVerbs, lfPersonVerb},
		{personBefore, lfPersonBefore}, {datePrep, lfDatePrep},
	} {
		for w := range s.words {
			l.add(w).flags |= s.flag
		}
	}
	for w := range brands {
		l.add(w).flags |= lfBrand
		f, _, _ := strings.Cut(w, " ")
		l.add(f).flags |= lfBrandFirst
	}
	for w := range usStates {
		if _, last, ok := strings.Cut(w, " "); ok {
			l.add(last).flags |= lfStateTail
		}
	}
	for w := range weekdays {
		l.add(w + "s").flags |= lfWeekdayTrim
		if weekdays[strings.TrimSuffix(w, "s")] {
			l.add(w).flags |= lfWeekdayTrim
		}
	}
	for w, m := range months {
		l.add(w).month = uint8(m)
	}
	for w, n := range numWords {
		e := l.add(w)
		e.numVal, e.numKind = int16(n.val), n.kind
	}
}

// is reports whether the token's stem is in the list flagged f.
func (t *token) is(f lexFlag) bool { return t.lx.flags&f != 0 }

// lowIs reports whether the token's lower-case form (possessive kept) is in
// the list flagged f.
func (t *token) lowIs(f lexFlag) bool { return t.lxl.flags&f != 0 }

// lowIs reports whether token i exists and its lower-case form is in the
// list flagged f.
func (d *detector) lowIs(i int, f lexFlag) bool {
	return i >= 0 && i < len(d.toks) && d.toks[i].lxl.flags&f != 0
}
