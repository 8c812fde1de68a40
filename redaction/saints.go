package redaction

import "sort"

// saintPlaces: a place or facility named after a saint ("Saint Agnes ER",
// "saint brigid medical center", "St. Vincent's", "saint paul"): "saint" (or
// a capitalised "St." before a capitalised word) and one or two words that
// are not function words, and then the facility heads that follow, with the
// hospital abbreviations "ER", "ED" and "ICU" (in lower-case speech "er" is
// otherwise a filler). Whether or not a head follows, a saint's name is a
// place here: a person is not called "saint" in a session.
func (d *detector) saintPlaces() {
	n := len(d.toks)
	next := 0 // a span ends before it
	for _, ti := range d.trig[trSaint] {
		i := int(ti)
		if i < next || i+1 >= n {
			continue
		}
		t := &d.toks[i]
		if d.used[i] || t.label || !(t.low == "saint" || !d.lower && t.cap && t.stem() == "st" && t.period && d.toks[i+1].cap) {
			continue
		}
		j := i + 1
		for j < n && j < i+3 && d.joined(j-1) && !d.used[j] && d.saintWord(j) {
			j++
		}
		if j == i+1 {
			continue
		}
		for j < n && j < i+7 && d.joined(j-1) && !d.used[j] && (d.toks[j].is(lfFacilityHead|lfOrgHead) || hospitalAbbrev[d.toks[j].low]) {
			j++
		}
		d.add(i, j, TypeLocation, 58)
		next = j
	}
}

// saintWord: a word of a saint's name: letters, no function word, no head,
// not clinical, capitalised in cased text.
func (d *detector) saintWord(i int) bool {
	t := &d.toks[i]
	if !t.alpha || t.label || len(t.stem()) < 2 || t.is(lfFnWord|lfFacilityHead|lfOrgHead|lfClinical) || t.lx.month != 0 || hospitalAbbrev[t.low] {
		return false
	}
	return d.lower || t.cap
}

var hospitalAbbrev = set(`er ed icu ccu nicu picu`)

// placePrefixes: words that begin a town's name before another word ("east
// harlow", "port jervis", "mount vernon").
var placePrefixes = set(`north south east west northeast northwest southeast southwest new old port fort mount mt
lake glen upper lower little big grand great`)

// extendPlaces widens a place found by a recognizer:
//   - over the word just before it when that word starts the place's name: a
//     direction or place-prefix word ("in east harlow", where "harlow" alone
//     read as a person's name, becomes a place), or a word that with the
//     span's first word is a place of the gazetteer;
//   - over the facility heads right after it ("silver lake hospital",
//     "fairview medical center").
func (d *detector) extendPlaces() {
	if len(d.cands) == 0 {
		return
	}
	// tokens are in text order: find a span's first and last by binary search
	tokAt := func(off int32, end bool) (int, bool) {
		i := sort.Search(len(d.toks), func(k int) bool { return d.toks[k].s >= off || end && d.toks[k].e >= off })
		if i == len(d.toks) || !end && d.toks[i].s != off || end && d.toks[i].e != off {
			return 0, false
		}
		return i, true
	}
	n := len(d.toks)
	for ci := range d.cands {
		c := &d.cands[ci]
		if c.typ != TypeLocation && c.typ != TypeName {
			continue
		}
		if i, ok := tokAt(int32(c.s), false); ok && i > 0 && !d.used[i-1] && d.joined(i-1) {
			p := &d.toks[i-1]
			if p.alpha && !p.label && p.stemCut == 0 && !d.excluded(i-1) && (d.lower || p.cap) {
				switch {
				case c.typ == TypeLocation && (placePrefixes[p.low] || d.g.lex.get(p.low+" "+d.toks[i].low).place > 0):
					c.s = int(p.s)
					d.used[i-1] = true
				case c.typ == TypeName && len(c.parts) == 1 && placePrefixes[p.low] && !p.is(lfFnWord) && i > 1 && d.toks[i-2].lowIs(lfLocPrep):
					c.s, c.typ, c.unclear, c.parts = int(p.s), TypeLocation, false, nil
					d.used[i-1] = true
				}
			}
		}
		if c.typ != TypeLocation {
			continue
		}
		if j, ok := tokAt(int32(c.e), true); ok {
			k := j + 1
			for k < n && k < j+4 && d.joined(k-1) && !d.used[k] && facilityTails[d.toks[k].low] {
				k++
			}
			if k > j+1 {
				c.e = int(d.toks[k-1].e)
				for m := j + 1; m < k; m++ {
					d.used[m] = true
				}
			}
		}
	}
}

// facilityTails: heads that turn a place into a facility after it.
var facilityTails = set(`hospital clinic center centre recovery rehab medical behavioral health treatment detox memorial
regional er ed icu counseling wellness shelter jail prison`)
