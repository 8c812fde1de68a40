package redaction

// saintPlaces: a place or facility named after a saint ("Saint Agnes ER",
// "saint brigid medical center", "St. Vincent's", "saint paul"): "saint" (or
// a capitalised "St." before a capitalised word) and one or two words that
// are not function words, and then the facility heads that follow, with the
// hospital abbreviations "ER", "ED" and "ICU" (in lower-case speech "er" is
// otherwise a filler). Whether or not a head follows, a saint's name is a
// place here: a person is not called "saint" in a session.
func (d *detector) saintPlaces() {
	n := len(d.toks)
	for i := 0; i+1 < n; i++ {
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
		i = j - 1
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
