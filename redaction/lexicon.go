package redaction

import "strings"

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
	// lfExcluded is the list part of detector.excluded: clinical term, common
	// proper noun, state, title, weekday, or a month that is not also a name.
	lfExcluded
)

// lexEntry is everything the lists and gazetteers say about one form.
type lexEntry struct {
	key     string
	flags   lexFlag
	given   int32 // total US births as a given name
	surname int32 // census frequency rank as a surname (1 = most common)
	place   int32 // number of ZIP codes of a US place of this name
	numVal  int16 // value of a number word (numKind != numNone)
	level   uint8 // SCOWL level, 0 when not an English word
	month   uint8 // 1–12 for a month name or abbreviation
	numKind numKind
}

// noEntry stands for every form the lexicon does not hold.
var noEntry lexEntry

// lexicon maps a lower-case form to its entry; entries[0] is the empty entry
// so that a miss needs no special case.
type lexicon struct {
	index   map[string]uint32
	entries []lexEntry
}

func newLexicon(sizeHint int) *lexicon {
	return &lexicon{index: make(map[string]uint32, sizeHint), entries: make([]lexEntry, 1, sizeHint+1)}
}

// get returns the entry of k, or the empty entry.
func (l *lexicon) get(k string) *lexEntry {
	if l == nil {
		return &noEntry
	}
	return &l.entries[l.index[k]]
}

// add returns the entry of k, creating it. Pointers are valid only until the
// next add; the lexicon is read-only once built.
func (l *lexicon) add(k string) *lexEntry {
	if i, ok := l.index[k]; ok {
		return &l.entries[i]
	}
	l.index[k] = uint32(len(l.entries))
	l.entries = append(l.entries, lexEntry{key: k})
	return &l.entries[len(l.entries)-1]
}

// addLists adds the package's hand-written word lists and number words.
func (l *lexicon) addLists() {
	for _, s := range []struct {
		words map[string]bool
		flag  lexFlag
	}{
		{titles, lfTitle}, {relations, lfRelation}, {nameCue, lfNameCue}, {weekdays, lfWeekday},
		{streetTypes, lfStreetType}, {facilityHeads, lfFacilityHead}, {orgHeads, lfOrgHead}, {usStates, lfUSState},
		{clinicalTerms, lfClinical}, {ambiguousNames, lfAmbiguous}, {commonProper, lfCommonProper},
		{fnWords, lfFnWord}, {locPrep, lfLocPrep}, {strongFacPrep, lfStrongFacPrep}, {workCue, lfWorkCue},
		{placeHeads, lfPlaceHead}, {phraseFirst, lfPhraseFirst}, {dobCue, lfDobCue}, {monthPrep, lfMonthPrep},
		{notDayNoun, lfNotDayNoun}, {doseWords, lfDoseWord}, {scoreWords, lfScoreWord}, {faxCue, lfFaxCue},
		{ssnCue, lfSSNCue}, {idCue, lfIDCue}, {phoneCue, lfPhoneCue}, {ageCueBefore, lfAgeCueBefore},
		{ageCueNear, lfAgeCueNear}, {notAgeUnit, lfNotAgeUnit}, {zipCue, lfZipCue}, {abbrevs, lfAbbrev},
		{notIDAlnum, lfNotIDAlnum},
	} {
		for w := range s.words {
			l.add(w).flags |= s.flag
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

// finish sets the derived flags once every list is in.
func (l *lexicon) finish() {
	for i := range l.entries {
		e := &l.entries[i]
		if e.flags&(lfClinical|lfCommonProper|lfUSState|lfTitle|lfWeekday|lfWeekdayTrim) != 0 ||
			e.month > 0 && e.flags&lfAmbiguous == 0 {
			e.flags |= lfExcluded
		}
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
