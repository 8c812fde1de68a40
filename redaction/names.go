package redaction

import "strings"

// fnWords never begin or continue a name, place or facility in lower-case text.
var fnWords = set(`a an the my your his her their our its this that these those there here at in on to from of for
with by and or but so if then than as is was are were be been being am i you he she we they it me him us them
will would can could may might must shall should do does did done have has had not no yes yeah okay ok um uh
like just really very also too go going went get got say said says tell told called know think want
when where what who why how which while about into over after before some any all every each more most much
one two three four five six seven eight nine ten first last next new old own same other another back out up
down off again still even only ever never always`)

var locPrep = set(`in from to near outside around into toward towards visiting moved lives live living`)
var strongFacPrep = set(`at to from called named near outside into`)
var workCue = set(`work works working worked job jobs shift shifts break employed hired fired boss manager
supervisor doubles hours employer employment interview interviewed warehouse school attends attend enrolled
student teacher class classes graduate graduated clock clocked clocking quit quits quitting laid layoff paycheck
payroll coworker coworkers co-worker co-workers foreman crew forklift overtime cashier waitress waitresses
waitressing bartending bartender dishwasher`)

var placeHeads = set(`county township borough parish heights hills springs falls valley beach lake district`)

// lvl is the SCOWL level of token i's stem (0: not an English word).
func (d *detector) lvl(i int) int { return int(d.toks[i].lx.level) }

// excluded: token i is never part of a name or place (clinical term, state,
// title, weekday, month, contraction, speaker label).
func (d *detector) excluded(i int) bool {
	t := &d.toks[i]
	return t.is(lfExcluded) || t.aposStem || t.label
}

// streets: "93 Ashby Court", "delphos avenue", "Lackawanna County".
func (d *detector) streets() {
	for _, ti := range d.trig[trStreet] {
		i := int(ti)
		if i < 1 {
			continue
		}
		t := &d.toks[i]
		isStreet, isPlace := t.is(lfStreetType), t.is(lfPlaceHead)
		if d.used[i] || !(isStreet || isPlace) || t.label {
			continue
		}
		if t.stem() == "dr" || t.stem() == "st" && !t.cap {
			continue
		}
		if !d.lower && !t.cap {
			continue
		}
		k := i
		// (a number word is the house number, not part of the name: "forty-two juniper lane")
		for k-1 >= 0 && i-k < 3 && d.joined(k-1) && !d.used[k-1] && d.modifierOK(k-1) && (d.toks[k-1].nk == numNone || d.toks[k-1].nk == numOrdinal) {
			k--
		}
		if k == i {
			continue
		}
		start := k
		hasNum := false
		if start-1 >= 0 && d.joined(start-1) && (d.toks[start-1].digits || d.isRunToken(start-1)) && !d.used[start-1] {
			start--
			hasNum = true
			for start-1 >= 0 && d.joined(start-1) && (d.isRunToken(start-1) || d.toks[start-1].low == "and" && start-2 >= 0 && d.isRunToken(start-2) || d.toks[start-1].low == "a" && d.toks[start].low == "hundred") && !d.used[start-1] && k-start < 6 {
				start--
			}
		}
		if d.lower && !hasNum {
			p := d.low(k - 1)
			// "elm street and main street": the second street of a corner
			and := (p == "and" || p == "&") && k >= 2 && d.streetUsed[k-2]
			if !(and || p == "on" || p == "at" || p == "to" || p == "from" || p == "off" || p == "near" || p == "down" ||
				p == "up" || p == "onto" || p == "by" || p == "of" || p == "in" || p == "over" || p == "around" ||
				p == "through" || p == "with" || p == "for") {
				continue
			}
		}
		end := d.unitAfter(i + 1)
		d.add(start, end, TypeLocation, 55)
		for k := start; k < end; k++ {
			d.streetUsed[k] = true
		}
	}
}

// addrUnitWords introduce the unit of an address: "Apt 5B", "unit twelve".
var addrUnitWords = set(`apartment apt unit suite ste number lot room rm bldg building floor fl space trailer box`)

// unitAfter returns the end of the unit that may follow a street ending
// before token i ("Apt 5B", ", Apt. 22", "#27", "unit twelve", "apartment
// two C"), or i.
func (d *detector) unitAfter(i int) int {
	n := len(d.toks)
	if i >= n || d.toks[i].lineStart || d.toks[i].label || !d.joinedLoose(i-1) {
		return i
	}
	t := &d.toks[i]
	if t.low[0] == '#' && len(t.low) > 1 {
		return i + 1 // "#27"
	}
	if !addrUnitWords[t.low] || i+1 >= n || d.toks[i+1].lineStart {
		return i
	}
	j := i + 1
	// the unit's number: "5B", "22", "twelve", "two C", "B"
	for j < n && j < i+4 && (j == i+1 || d.joined(j-1)) {
		u := &d.toks[j]
		switch {
		case j == i+1 && u.low == "#":
		case u.hasDigit && len(u.low) <= 6, u.nk == numUnit || u.nk == numTeen || u.nk == numTens || u.nk == numCompound:
		case len(u.low) == 1 && u.alpha && u.low != "a" && u.low != "i" && j > i:
		default:
			if j == i+1 {
				return i
			}
			return j
		}
		j++
	}
	return j
}

// routes: numbered roads, "Route 9", "off route twenty-seven", "Highway 61",
// "I-80" (written with the number in the same token is left to alnumIDs).
func (d *detector) routes() {
	n := len(d.toks)
	next := 0 // a span ends before it
	for _, ti := range d.trig[trRoute] {
		i := int(ti)
		if i < next || i+1 >= n {
			continue
		}
		if d.used[i] || d.toks[i].label || !d.joined(i) || !d.lower && !d.toks[i].cap && d.toks[i].low != "route" {
			continue
		}
		j := i + 1
		for j < n && j < i+3 && (j == i+1 || d.joined(j-1)) && !d.used[j] && (d.toks[j].digits && len(d.toks[j].low) <= 3 ||
			d.toks[j].nk == numUnit || d.toks[j].nk == numTeen || d.toks[j].nk == numTens || d.toks[j].nk == numCompound) {
			j++
		}
		if j > i+1 {
			d.add(i, j, TypeLocation, 55)
			next = j
		}
	}
}

// intersections: the streets of a corner ("the corner of Elm and Main", "Elm
// and Main streets", "at Elm Street and Main", "at 5th and Main"). Each
// street becomes its own identifier; one already found as a street stays.
func (d *detector) intersections() {
	n := len(d.toks)
	next := 0 // the first token not yet inside a corner
	for _, c := range d.cues {
		i := int(c)
		if i < next || i == 0 || i+1 >= n || !d.toks[i].is(lfAnd) || !d.joined(i-1) || !d.joined(i) {
			continue
		}
		// left side: a street found before, or one to three words
		ls, leftStreet := i, false
		if d.streetUsed[i-1] {
			leftStreet = true
			for ls > 0 && d.streetUsed[ls-1] {
				ls--
			}
		} else {
			for ls > 0 && i-ls < 3 && d.cornerWord(ls-1) && (ls == i || d.joined(ls-1)) {
				ls--
			}
			if ls == i {
				continue
			}
		}
		// right side: a street found before, or one to three words and a
		// street type that closes them
		re, rightStreet := i+1, false
		if d.streetUsed[i+1] {
			rightStreet = true
			for re < n && d.streetUsed[re] {
				re++
			}
		} else {
			for re < n && re-i <= 3 && d.cornerWord(re) && (re == i+1 || d.joined(re-1)) {
				re++
			}
			if re == i+1 {
				continue
			}
			// ("Dr" may be a doctor, lower-case "st" a saint: as in streets)
			if re < n && d.joined(re-1) && !d.used[re] {
				if rt := &d.toks[re]; rt.is(lfStreetType) && rt.stem() != "dr" && (rt.stem() != "st" || rt.cap) {
					re++
					rightStreet = true
				}
			}
		}
		if leftStreet && rightStreet {
			continue // two streets, each found already
		}
		prev := d.low(ls - 1)
		corner := prev == "of" && (d.low(ls-2) == "corner" || d.low(ls-2) == "corners" || d.low(ls-2) == "intersection") ||
			prev == "corner"
		plural := false
		switch d.low(re) {
		case "streets", "avenues", "roads", "sts", "aves", "rds", "boulevards", "drives", "lanes":
			plural = d.joined(re - 1)
		}
		ok := corner || plural
		if !ok && (leftStreet || rightStreet || d.ordinalStreet(ls) || d.ordinalStreet(i+1)) {
			// "at Elm Street and Main": a street beside a plain word; a
			// person at that place would be "at Elm Street with Dana"
			if d.lower {
				ok = prev == "at"
			} else {
				ok = prev == "at" || prev == "on" || prev == "near" || prev == "by" || prev == "off" || prev == "from" || prev == "to"
			}
			ok = ok && !d.givenOnly(ls) && !d.givenOnly(i+1)
		}
		if p := d.low(i - 2); !ok && !leftStreet && !rightStreet && (p == "at" || p == "near" || p == "by") && d.joined(i-2) &&
			d.bareCornerWord(i-1) && d.bareCornerWord(i+1) && !d.cueBefore(i-2, 4, lfWorkCue) {
			// (after a work cue it is an employer: "works at Barnes and Noble")
			// "at Poplar and Vine", "near locust and robin": two one-word
			// street names without a street type after at/near/by
			ls, re, ok = i-1, i+2, true
		}
		if !ok {
			continue
		}
		if !leftStreet && !rightStreet {
			// one place: "Birch and Laurel" names one corner, and its "and"
			// is part of it
			d.add(ls, re, TypeLocation, 55)
			next = re
			continue
		}
		if !leftStreet {
			d.add(ls, i, TypeLocation, 55)
		}
		if !rightStreet || !d.streetUsed[i+1] {
			d.add(i+1, re, TypeLocation, 55)
		}
		next = re
	}
}

// cornerWord: token i can be (part of) a street's name at a corner: a
// word that can name a place ("Elm", "Main", "Martin Luther King") or a
// numbered street ("5th", "Fifth").
func (d *detector) cornerWord(i int) bool {
	t := &d.toks[i]
	if d.used[i] || t.label || t.is(lfStreetType|lfRelation|lfTitle) {
		return false
	}
	if d.ordinalStreet(i) {
		return true
	}
	return t.alpha && !d.excluded(i) && d.modifierOK(i)
}

// bareCornerWord: token i can name a street at a corner without a street
// type after at/near/by: a numbered street, or a word that is not only a
// given name, has no possessive and, in cased text, is capitalised mid-sentence, in lower-case
// speech is a less common English word or a place name (not "home",
// "work", "school").
func (d *detector) bareCornerWord(i int) bool {
	t := &d.toks[i]
	if d.ordinalStreet(i) || d.lower && t.nk == numOrdinal && t.nv <= 200 {
		return true
	}
	if !t.alpha || t.stemCut > 0 || d.givenOnly(i) || t.is(lfClinical|lfFnWord|lfBrand|lfFacilityHead|lfOrgHead|lfPlaceHead) {
		return false
	}
	if !d.lower {
		return t.cap && !t.sentStart && !t.upper
	}
	return t.lx.level >= 35 || t.lx.place > 0 && t.lx.level == 0
}

// ordinalStreet: token i is a numbered street, "5th", or "Fifth" capitalised.
func (d *detector) ordinalStreet(i int) bool {
	if i < 0 || i >= len(d.toks) {
		return false
	}
	t := &d.toks[i]
	return t.nk == numOrdinal && t.nv <= 200 && (t.hasDigit || t.cap && !d.lower && !t.sentStart)
}

// givenOnly: token i is a given name and no English word ("Dana"): after
// "at Elm Street and" it is more likely a person than a street.
func (d *detector) givenOnly(i int) bool {
	t := &d.toks[i]
	return t.lx.level == 0 && t.lx.given >= 1000
}

// modifierOK: a word that can be part of a named street, place or facility.
func (d *detector) modifierOK(i int) bool {
	t := &d.toks[i]
	// a contraction ("I'm", "don't") is no part of a name
	if t.label || t.aposStem || !(t.alpha || strings.ContainsAny(t.low, "&")) || d.lower && t.is(lfClinical) && !t.is(lfFacilityHead) {
		return false
	}
	if t.is(lfUSState) {
		return i+1 < len(d.toks) && d.toks[i+1].is(lfPlaceHead|lfStreetType)
	}
	if d.pronounI(i) {
		// the pronoun is capitalised by spelling, not because it names
		// anything: "Dana Whitfield and I" is no facility ("I Street" is a street)
		return i+1 < len(d.toks) && d.toks[i+1].is(lfStreetType)
	}
	if d.lower {
		return !t.lowIs(lfFnWord|lfWeekday) && t.lxl.month == 0
	}
	return t.cap && !t.is(lfWeekday|lfWeekdayTrim|lfCommonProper) && (t.lx.month == 0 || t.is(lfAmbiguous))
}

// pronounI reports whether token i is the word "I" (or "i" in lower-case
// speech): the first-person pronoun, a function word however it is written.
func (d *detector) pronounI(i int) bool {
	t := &d.toks[i]
	return t.e-t.s == 1 && t.low == "i"
}

// personalRun reports whether the capitalised run i..j-1 reads as people's
// names: one name ("Dana Whitfield") or names joined by "and"/"&" ("Dana
// Whitfield and Sam Lee"). Joined names after "at"/"by" or a work cue are
// instead a business ("works at Johnson and Johnson").
func (d *detector) personalRun(i, j int) (personal, business bool) {
	joined := false
	for k := i; k < j; k++ {
		if k == i || d.toks[k-1].low == "and" || d.toks[k-1].low == "&" {
			if !d.nameStart(k, false) {
				return false, false
			}
			continue
		}
		if l := d.toks[k].low; (l == "and" || l == "&") && k+1 < j {
			joined = true
			continue
		}
		if !d.nameNext(k) {
			return false, false
		}
	}
	if !joined {
		return true, false
	}
	prev := d.low(i - 1)
	business = prev == "at" || prev == "by" || d.cueBefore(i, 6, lfWorkCue)
	return !business, business
}

// facilities: named treatment centres, clinics, employers and schools.
func (d *detector) facilities() {
	n := len(d.toks)
	if !d.lower {
		for i := 0; i < n; i++ {
			if d.used[i] && !d.streetUsed[i] || d.toks[i].is(lfTitle) || !d.toks[i].cap || !d.modifierOK(i) || d.toks[i].upper && len(d.toks[i].stem()) <= 4 {
				continue
			}
			j := i + 1
			for j < n && d.joined(j-1) && (!d.used[j] || d.streetUsed[j]) {
				if d.modifierOK(j) {
					j++
					continue
				}
				c := d.toks[j].low
				if (c == "of" || c == "&" || c == "and" || c == "for" || c == "the" || c == "at") && j+1 < n && !d.used[j+1] && d.modifierOK(j+1) && d.joined(j) {
					j += 2
					continue
				}
				break
			}
			if j-i < 2 {
				continue
			}
			head, org, generic, business := false, false, true, false
			for k := i; k < j; k++ {
				t := &d.toks[k]
				if t.is(lfFacilityHead | lfOrgHead) {
					head = true
				}
				if t.is(lfOrgHead) {
					org = true
				}
				if !t.is(lfClinical | lfFacilityHead | lfCommonProper) {
					generic = false
				}
			}
			if generic {
				i = j - 1
				continue
			}
			if !head {
				// "Pathways at Ridgeview", "Five Oaks": a capitalised run that is not a person's name
				rare := false
				for k := i; k < j; k++ {
					if l := d.lvl(k); l == 0 || l >= 50 {
						rare = true
					}
				}
				var personal bool
				personal, business = d.personalRun(i, j)
				prev := d.low(i - 1)
				if personal || d.toks[i].sentStart || !(rare || i > 0 && d.toks[i-1].lowIs(lfLocPrep) || prev == "at" || prev == "by") {
					i = j - 1
					continue
				}
			}
			typ := TypeLocation
			if org || business {
				typ = TypeOrg
			}
			// a sentence-initial common word is not part of the name: "The Maple Center" keeps "The" out by fnWords
			allStreet := true
			for k := i; k < j; k++ {
				allStreet = allStreet && d.streetUsed[k]
			}
			if allStreet {
				i = j - 1
				continue
			}
			for i > 0 && d.streetUsed[i-1] && d.streetUsed[i] {
				i--
			}
			for j < n && d.streetUsed[j] && d.streetUsed[j-1] {
				j++
			}
			s := i
			if l := d.lvl(s); d.toks[s].sentStart && l > 0 && l <= 35 && !d.toks[s].is(lfFacilityHead) && j-s > 2 {
				s++
			}
			d.add(s, j, typ, 56)
			i = j - 1
		}
		return
	}
	for i := 1; i < n; i++ {
		if d.used[i] || !d.toks[i].is(lfFacilityHead|lfOrgHead) {
			continue
		}
		// extend right over further heads: "kinetic rehab associates"
		j := i + 1
		for j < n && j < i+3 && d.joined(j-1) && !d.used[j] && (d.toks[j].is(lfFacilityHead|lfOrgHead) || orgTails[d.toks[j].low]) {
			j++
		}
		k := i
		for k-1 >= 0 && i-k < 4 && d.joined(k-1) && !d.used[k-1] && d.modifierOK(k-1) {
			k--
		}
		if k == i {
			i = j - 1
			continue
		}
		rare := false
		for m := k; m < i; m++ {
			if l := d.lvl(m); l == 0 || l >= 50 {
				rare = true
			}
		}
		prev := d.low(k - 1)
		weakPrep := prev == "of" || prev == "through" || prev == "with" || prev == "for" || prev == "in" || prev == "on"
		if !rare && !(k > 0 && d.toks[k-1].lowIs(lfStrongFacPrep)) && !(weakPrep && j-k >= 3) {
			i = j - 1
			continue
		}
		typ := TypeLocation
		for m := k; m < j; m++ {
			if d.toks[m].is(lfOrgHead) {
				typ = TypeOrg
			}
		}
		d.add(k, j, typ, 50)
		i = j - 1
	}
}

// placeAfterVerb: a program or facility named by one or two capitalised
// words after a verb of place ("I went to Pathways", "she's at Serenity",
// "back at Harbor House", "discharged from Brightwater", "I left Serenity
// Ridge"). Cased text only: the capital carries the evidence. A person's
// name ("at Marisol's", "mad at Dana"), an employer after a work cue, a
// common word, a generic program ("AA", "IOP") or a country is left to the
// other recognizers.
func (d *detector) placeAfterVerb() {
	if d.lower {
		d.placeAfterVerbLower()
		return
	}
	n := len(d.toks)
	next := 0 // the first token not yet inside a facility
	for _, c := range d.cues {
		i := int(c) + 1 // the word after the preposition
		if i < next || i >= n || !d.toks[i-1].is(lfPlacePrep) || !d.placeWord(i) || !d.joined(i-1) {
			continue
		}
		p := &d.toks[i-1]
		v := i - 2 // the word before the preposition
		switch p.low {
		case "at", "in":
			if v >= 0 && d.joined(v) && d.toks[v].lowIs(lfAtPerson) {
				continue
			}
		case "to", "into", "from":
			if v < 0 || !d.joined(v) || !d.toks[v].lowIs(lfMotion) && !(p.low == "from" && d.beForm(v)) {
				continue
			}
		case "left", "leaving", "leave", "leaves":
		default:
			continue
		}
		t := &d.toks[i]
		// a person's name is left to names(): "at Marisol's", "from Dana"
		if t.stemCut > 0 || d.givenOnly(i) || t.lx.level == 0 && t.lx.surname > 0 && t.lx.surname < 20000 {
			continue
		}
		if d.cueBefore(i, 6, lfWorkCue) {
			continue // an employer: names() types it
		}
		j := i + 1
		if j < n && d.joined(i) && d.placeWord(j) && d.toks[j].stemCut == 0 {
			j++
		}
		// "Phase 2", "Level 3": a numbered stage, no place
		if j < n && d.joined(j-1) && isNumberToken(&d.toks[j]) {
			continue
		}
		if j-i == 1 && t.is(lfFacilityHead|lfOrgHead|lfPlaceHead) {
			continue // "went to Church", "in Group"
		}
		d.add(i, j, TypeLocation, prioPlaceVerb)
		next = j
	}
}

// placeAfterVerbLower is placeAfterVerb for lower-case speech, where no
// capital marks the name: "we went to pathways", "she's staying at
// riverside", "discharged from gaudenzia". The verb must be one of going
// (before "to", "from") or of staying or treatment (before "at"), and the
// word no common English word, no name or list word, and a facility-like
// entry: a town's name (facilities are named after them), a word of
// treatment-centre names, or a word no dictionary or name list holds. A
// word followed by a facility head ("pathways recovery") is facilities'.
// "went to work", "went to bed", "staying at home" stay.
func (d *detector) placeAfterVerbLower() {
	n := len(d.toks)
	for _, c := range d.cues {
		i := int(c) + 1
		if i >= n || !d.toks[i-1].is(lfPlacePrep) || !d.joined(i-1) || d.used[i] {
			continue
		}
		p := d.toks[i-1].low
		verb := false
		for k := i - 2; k >= 0 && k >= i-4 && d.joined(k) && !verb; k-- {
			switch p {
			case "to", "into":
				verb = d.toks[k].lowIs(lfMotion)
			case "from":
				verb = d.toks[k].lowIs(lfMotion) || d.beForm(k)
			case "at":
				verb = stayWords[d.toks[k].low]
			}
		}
		if !verb {
			continue
		}
		t := &d.toks[i]
		if !t.alpha || t.label || t.stemCut > 0 || t.aposStem || len(t.low) < 4 || t.nk != numNone || t.lx.month != 0 ||
			t.is(lfFnWord|lfExcluded|lfRelation|lfTitle|lfNotPlace|lfFacilityHead|lfOrgHead|lfPlaceHead|lfStreetType|lfWeekday) {
			continue
		}
		if l := t.lx.level; l == 10 || l == 20 || d.givenOnly(i) {
			continue
		}
		if i+1 < n && d.joined(i) && d.toks[i+1].is(lfFacilityHead|lfOrgHead|lfStreetType) {
			continue
		}
		unknown := t.lx.level == 0 && t.lx.given == 0 && t.lx.surname == 0
		if !(t.lx.place > 0 || facilityWords[t.low] || unknown) || d.cueBefore(i, 6, lfWorkCue) {
			continue
		}
		d.add(i, i+1, TypeLocation, prioPlaceVerb)
	}
}

// prioPlaceVerb is the priority of placeAfterVerb's candidates, which only it
// uses: propagate may retype them as employers.
const prioPlaceVerb = 44

// placeWord: token i can be a word of a facility's name after a place verb:
// capitalised inside a sentence, not a common word, and none of the words
// that are capitalised for another reason (a day, a month, a drug, a
// therapy, a state, a title, "I", an acronym such as AA or IOP).
func (d *detector) placeWord(i int) bool {
	t := &d.toks[i]
	if d.used[i] || !t.cap || !t.alpha || t.sentStart || t.label || t.aposStem || t.upper && len(t.low) <= 4 {
		return false
	}
	if t.is(lfExcluded|lfFnWord|lfRelation|lfNotPlace) || t.lx.month != 0 || d.pronounI(i) || t.lx.level == 10 {
		return false
	}
	return t.nk == numNone
}

// beForm: token i is a form of "be" ("is", "I'm", "she's").
func (d *detector) beForm(i int) bool {
	switch d.toks[i].low {
	case "is", "was", "were", "am", "are", "be", "been", "being", "i'm", "he's", "she's", "we're", "they're",
		"you're", "it's", "who's":
		return true
	}
	return false
}

// multiWordPlaces: a place of two to four words from the gazetteer, before
// the name recognizers can take its last word for a surname ("Walnut Creek
// is where", "Black River Falls", "Port St. Lucie"). In cased text every word
// is capitalised, which with the gazetteer is evidence enough even at a
// sentence start; in lower-case speech a place word must come before it
// ("in round rock", "moved back to sugar land"). "St."/"Ste."/"Ft."/"Mt." are
// read as the words they abbreviate.
func (d *detector) multiWordPlaces() {
	n := len(d.toks)
	var b []byte
	for _, ti := range d.trig[trPlaceFirst] {
		i := int(ti)
		if d.used[i] || !d.toks[i].alpha || d.toks[i].label || !d.toks[i].is(lfPlaceFirst) || !d.lower && !d.toks[i].cap {
			continue
		}
		if d.lower && !(i > 0 && d.joined(i-1) && d.toks[i-1].lowIs(lfLocPrep)) {
			continue
		}
		for w := min(4, n-i); w >= 2; w-- {
			b = b[:0]
			ok := true
			for k := i; k < i+w; k++ {
				t := &d.toks[k]
				if d.used[k] || !t.alpha || t.label || !d.lower && !t.cap && !(k > i && k < i+w-1 && placeParticles[t.low]) ||
					k > i && !d.joined(k-1) && !(t.s > 0 && d.toks[k-1].period) {
					ok = false
					break
				}
				if k > i {
					b = append(b, ' ')
				}
				s := t.stem()
				if k > i {
					if full, ok := placeAbbrev[s]; ok {
						s = full
					}
				}
				b = append(b, s...)
			}
			if !ok {
				continue
			}
			e := d.g.lex.get(string(b))
			if e.place == 0 || e.flags&lfUSState != 0 {
				continue
			}
			if d.headWithin(i+w, 2) {
				break // a facility named after the place ("Red Oak Nursing Home"): the facility rules take it whole
			}
			d.add(i, i+w, TypeLocation, 45)
			i += w - 1
			break
		}
	}
}

// headWithin reports whether a facility or organisation head is among the
// n tokens from i, in the same clause.
func (d *detector) headWithin(i, n int) bool {
	for k := i; k < len(d.toks) && k < i+n && d.joined(k-1); k++ {
		if d.toks[k].is(lfFacilityHead|lfOrgHead) || facilityWords[d.toks[k].low] {
			return true
		}
	}
	return false
}

// placeParticles: lower-case words inside a capitalised place name ("Fond du
// Lac", "Truth or Consequences").
var placeParticles = set(`du de la le des of on the or in upon by`)

// placeAbbrev: abbreviations inside place names.
var placeAbbrev = map[string]string{"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}

// places: towns and cities from the shipped gazetteer.
func (d *detector) places() {
	n := len(d.toks)
	var b []byte
	next := 0 // a span ends before it
	for _, ti := range d.trig[trPlace] {
		i := int(ti)
		if i < next || d.used[i] || !d.toks[i].alpha || d.excluded(i) {
			continue
		}
		for w := 3; w >= 1; w-- {
			if i+w > n || w > 1 && !d.toks[i].is(lfPlaceFirst) {
				continue
			}
			ok := true
			for k := i; k < i+w; k++ {
				t := &d.toks[k]
				if d.used[k] || !t.alpha || (!d.lower && !t.cap) || (k > i && !d.joined(k-1)) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			e := d.toks[i].lx
			if w > 1 {
				b = b[:0]
				for k := i; k < i+w; k++ {
					if k > i {
						b = append(b, ' ')
					}
					b = append(b, d.toks[k].stem()...)
				}
				e = d.g.lex.get(string(b))
			}
			if e.place == 0 || e.flags&lfUSState != 0 {
				continue
			}
			prevLoc := i > 0 && d.toks[i-1].lowIs(lfLocPrep)
			l := int(e.level)
			common := w == 1 && l > 0 && l < 50
			plain := w == 1 && e.given < 50 && e.surname == 0 && l == 0
			if common && !(!d.lower && !d.toks[i].sentStart && prevLoc) {
				continue
			}
			if !d.lower && d.toks[i].sentStart && !prevLoc && w == 1 && !plain {
				continue
			}
			if prevLoc || plain || w > 1 || i+w < n && (d.toks[i+w].is(lfUSState) || stateAbbr[d.raw(i+w)]) {
				d.add(i, i+w, TypeLocation, 45)
				next = i + w
				break
			}
		}
	}
}

// nameStart reports whether token i can begin a person's name. cued is true
// after "my sister", "Dr.", "named" and the like.
func (d *detector) nameStart(i int, cued bool) bool {
	if i >= len(d.toks) || d.used[i] || d.excluded(i) {
		return false
	}
	t := &d.toks[i]
	if !t.alpha || len(t.stem()) < 2 {
		return false
	}
	s := t.stem()
	lvl, given, sur := int(t.lx.level), int(t.lx.given), int(t.lx.surname)
	if !d.lower {
		if !t.cap && !d.prefixedCap(i) || t.upper && len(s) <= 4 {
			return false
		}
		if cued || !t.cap {
			return true
		}
		if !t.sentStart {
			return lvl == 0 || lvl >= 50 || given >= 200 || sur > 0 && sur < 20000
		}
		// sentence-initial: only clear names
		return (lvl == 0 || lvl >= 60) && (given >= 50 || sur > 0)
	}
	if t.is(lfFnWord) || lvl == 10 && !(cued && given >= 20000) {
		return false
	}
	if lvl > 0 && lvl <= 35 {
		return cued && (given >= 2000 || sur > 0 && sur < 3000)
	}
	if lvl == 0 || lvl >= 50 {
		return given >= 30 || sur > 0 && sur < 40000 || cued && len(s) >= 3 || d.hyphenName(i)
	}
	return cued && (given >= 30 || sur > 0)
}

// Bits of token.nameBits: what nameStart(i, false) can answer from the
// token's form alone, in cased text and in lower-case speech; when a bit is
// clear, nameStart(i, false) is false in that mode.
const (
	nbCased uint8 = 1 << iota
	nbLower
	nbSuspect // suspect (backstop.go) can hold: clear, it is false
)

// formNameBits computes token.nameBits of t, whose core as written is raw.
func formNameBits(t *token, raw string) uint8 {
	s := t.stem()
	var b uint8
	// the tests of suspect that its form answers, in its order
	if t.alpha && !t.aposStem && !t.is(lfExcluded) && !(len(raw) == 1 && t.low == "i") {
		if t.is(lfFnWord) && t.lx.given >= 1000 && len(s) >= 3 ||
			!(len(s) < 2 || t.is(lfFnWord|lfRelation|lfTitle|lfNameCue|lfStreetType|lfFacilityHead|lfOrgHead|lfPlaceHead|lfStateTail) ||
				t.lx.month != 0 || t.nk != numNone || t.filler) {
			b |= nbSuspect
		}
	}
	if t.is(lfExcluded) || t.aposStem || !t.alpha || len(s) < 2 {
		return b
	}
	if (t.cap || prefixedCapRaw(raw)) && !(t.upper && len(s) <= 4) {
		b |= nbCased
	}
	if lvl := t.lx.level; !t.is(lfFnWord) && (lvl == 0 || lvl >= 50) {
		b |= nbLower
	}
	return b
}

// particles are the lower-case words inside surnames ("von Ahn", "de la Cruz").
var particles = set(`de la le da das dos di del della van von der den ter ten du st al el bin ibn ben mac`)

// particlesAt returns how many particle words start at token i when a
// surname follows them ("von Ahn", "de la Cruz"), or 0.
func (d *detector) particlesAt(i int) int {
	k := i
	for k < len(d.toks) && k < i+2 && !d.used[k] && particles[d.toks[k].low] && (!d.toks[k].cap || d.toks[k].low == "st") && d.joined(k) {
		k++
	}
	if k == i || k >= len(d.toks) || d.used[k] || !d.toks[k].alpha || d.excluded(k) || d.toks[k].is(lfFnWord) {
		return 0
	}
	if d.lower && !d.nameNext(k) || !d.lower && !d.toks[k].cap {
		return 0
	}
	return k - i
}

// prefixedCap: a name written with a lower-case particle fused to it, "al-Rashid", "el-Amin", "d'Angelo".
func (d *detector) prefixedCap(i int) bool { return prefixedCapRaw(d.raw(i)) }

// prefixedCapRaw is prefixedCap of the word r as written.
func prefixedCapRaw(r string) bool {
	// every prefix starts with a, b, d or e and is three letters or more
	// with the capital: most words are answered by their first two bytes
	if len(r) < 3 || r[0] != 'a' && r[0] != 'b' && r[0] != 'd' && r[0] != 'e' || r[1] != 'l' && r[1] != '\'' && r[1] != 'a' && r[1] != 'e' && r[1] != 'i' {
		return false
	}
	for _, p := range prefixedCapHeads {
		if len(r) > len(p)+1 && r[:len(p)] == p && r[len(p)] >= 'A' && r[len(p)] <= 'Z' {
			return true
		}
	}
	return false
}

var prefixedCapHeads = [...]string{"al-", "el-", "d'", "da-", "de-", "ben-", "bin-"}

// hyphenName: a hyphenated token each part of which is a name ("mary-kate",
// "o'donnell-price", "al-rashid", "garcia-ortiz").
func (d *detector) hyphenName(i int) bool {
	s := d.toks[i].stem()
	if strings.IndexByte(s, '-') < 0 {
		return false
	}
	for p := range strings.SplitSeq(s, "-") {
		e := d.g.lex.get(p)
		if !(e.given >= 30 || e.surname > 0 || particles[p] || apostropheName(p)) || e.flags&(lfFnWord|lfClinical) != 0 {
			return false
		}
	}
	return true
}

// nameNext reports whether token i continues a name ("Lopez" after "Maria").
func (d *detector) nameNext(i int) bool {
	if i >= len(d.toks) || d.used[i] || d.excluded(i) {
		return false
	}
	t := &d.toks[i]
	s := t.stem()
	if t.is(lfFacilityHead | lfOrgHead | lfStreetType) {
		return false
	}
	if !d.lower {
		if t.e-t.s == 1 && t.cap { // middle initial
			// "I" is the pronoun unless written "I." before the surname,
			// or "I" before a word that is a surname and no common word
			// ("John I Smith", not "Dana I Think")
			return !d.pronounI(i) || t.period && i+1 < len(d.toks) && d.toks[i+1].cap && d.toks[i+1].alpha ||
				d.joined(i) && d.surnameAfterInitial(i+1)
		}
		return (t.cap || d.prefixedCap(i)) && t.alpha && !(t.upper && len(s) <= 4)
	}
	if !t.alpha || t.is(lfFnWord) || len(s) < 2 {
		return false
	}
	lvl := d.lvl(i)
	return (lvl == 0 || lvl >= 50) && (t.lx.surname > 0 || t.lx.given > 0 || lvl == 0 && len(s) >= 3)
}

// personCue reports whether the words around token i say that it names a
// person: "so Champ texted me", "me and sky", "I told royal": a person's
// verb after it or a word that aims at a person before it.
func (d *detector) personCue(i int) bool {
	if d.joined(i) && d.lowIs(i+1, lfPersonVerb) && !d.toks[i+1].cap {
		return true
	}
	if i >= 2 && d.low(i-1) == "and" && d.low(i-2) == "me" && d.joined(i-1) {
		return true
	}
	if d.pairedPerson(i) {
		return true
	}
	return i > 0 && d.joined(i-1) && d.lowIs(i-1, lfPersonBefore) && d.low(i-1) != "with" && d.low(i-1) != "see"
}

func (d *detector) names() {
	n := len(d.toks)
	for i := 0; i < n; i++ {
		if d.used[i] || d.toks[i].label {
			continue
		}
		t := &d.toks[i]
		cueAt := -1
		if t.lowIs(lfNickCue) {
			cueAt = d.nickname(i)
		}
		// cue words: titles, relations, "named", "name is", "this is"
		if cueAt < 0 && (t.is(lfTitle|lfRelation) || t.lowIs(lfNameCue) || t.low == "name" && d.low(i+1) == "is" || t.low == "this" && d.low(i+1) == "is") {
			j := i + 1
			if d.low(j) == "is" || d.low(j) == "named" {
				j++
			}
			if j < n && (d.joinedLoose(j - 1)) && d.nameStart(j, true) {
				cueAt = j
			} else if p := d.particlesAt(j); p > 0 && j+p < n && d.joinedLoose(j-1) && d.nameStart(j+p, true) {
				cueAt = j // a surname with a particle after a title: "Ms. da Silva", "Officer von Ahn"
			}
			if cueAt < 0 {
				continue
			}
		}
		// group check-ins: "Participant 3: Amber. Opiates."
		if cueAt < 0 && i > 0 && d.toks[i-1].label && d.groupLabel(i-1) && t.lx.given >= 1000 && !t.is(lfFnWord) && t.lx.month == 0 && t.alpha {
			cueAt = i
		}
		st := i
		if cueAt >= 0 {
			st = cueAt
		} else if !(t.nameBits&d.nameMode != 0 && d.nameStart(i, false)) && !(i+2 < n && d.toks[i+1].e-d.toks[i+1].s == 1 && d.middleInitialAt(i)) {
			continue // (middleInitial written out: this runs for most tokens)
		}
		end := st + 1
		if d.middleInitial(st) {
			end = st + 3
		}
		for end < n && end < st+3 && d.joined(end-1) && d.nameNext(end) && !(particles[d.toks[end].low] && !d.toks[end].cap) {
			end++
		}
		// a surname with particles: "Evander von Ahn", "Ana de la Cruz"
		if p := d.particlesAt(end); p > 0 && end > st && d.joined(end-1) {
			end += p + 1
			for end < n && end < st+6 && d.joined(end-1) && d.nameNext(end) {
				end++
			}
		}
		// a two-word state ("New York") is no name
		if end == st+2 && d.toks[st+1].is(lfStateTail) && usStates[d.toks[st].stem()+" "+d.toks[st+1].stem()] {
			i = end - 1
			continue
		}
		// a sentence-initial single common word is not a name without a cue
		if cueAt < 0 && end == st+1 && !d.lower && d.toks[st].sentStart {
			if l := d.lvl(st); l > 0 && l < 60 {
				continue
			}
		}
		// a common given name before a surname: "frank haskins", "Grace Whitcomb"
		if cueAt < 0 && st > 0 && end-st == 1 && d.joined(st-1) && !d.used[st-1] && d.toks[st-1].alpha &&
			!d.toks[st-1].is(lfFnWord) && d.toks[st-1].lx.given >= 1000 && d.toks[st].lx.surname > 0 &&
			d.toks[st].lx.given < d.toks[st-1].lx.given && (d.lower || d.toks[st-1].cap) && !d.excluded(st-1) {
			st--
		}
		// "in west chester", "to New Brunswick": the first word of a
		// multi-word place is no common word here
		if cueAt < 0 && st >= 2 && !d.used[st-1] && d.toks[st-1].is(lfPlaceFirst) && (d.lower || d.toks[st-1].cap) &&
			d.joined(st-1) && d.joined(st-2) && d.toks[st-2].lowIs(lfLocPrep) && d.placeRun(st-1, end) {
			st--
		}
		typ := TypeName
		prev := d.low(st - 1)
		if cueAt < 0 && (prev == "at" || prev == "for") && d.cueBefore(st, 6, lfWorkCue) {
			typ = TypeOrg
		} else if cueAt < 0 && d.toks[end-1].stemCut == 0 && (d.strongPlacePrep(st) || end-st > 1 && d.lowIs(st-1, lfLocPrep) || d.stateAt(end)) && d.placeRun(st, end) {
			// a town after "in", "moved to", "is from" or before its state;
			// after "to" or "from" alone it may be a person ("talked to
			// Jordan"): harmonize decides from the word's other mentions;
			// a possessive is a person's ("went over to Hector's place")
			typ = TypeLocation
		}
		// one firm, not two people: "Johnson and Johnson", "works at
		// barnes and noble"
		if c := d.low(end); (c == "and" || c == "&") && end+1 < n && !d.used[end+1] && d.joined(end-1) && d.joined(end) {
			if end-st == 1 && d.toks[end+1].alpha && d.toks[end+1].stem() == d.toks[st].stem() {
				end += 2
				typ = TypeOrg
			} else if typ == TypeOrg && d.nameNext(end+1) {
				end += 2
				for end < n && end < st+5 && d.joined(end-1) && d.nameNext(end) {
					end++
				}
			}
		}
		nc := len(d.cands)
		d.add(st, end, typ, 40)
		if len(d.cands) > nc && end-st == 1 && cueAt < 0 {
			d.cands[nc].unclear = typ == TypeName && !d.personContext(st)
		}
		i = end - 1
	}
	// employers in lower-case speech: "works at amazon", "on break at amazon"
	for _, ti := range d.trig[trAtForFrom] {
		i := int(ti)
		if i < 1 || i+1 >= n || !d.cueBefore(i, 5, lfWorkCue) {
			continue
		}
		j := i + 1
		if d.headedEmployer(j) {
			continue
		}
		if d.used[j] || !d.modifierOK(j) {
			continue
		}
		if l := d.lvl(j); l != 0 && l < 40 {
			continue
		}
		end := j + 1
		for end < n && end < j+3 && d.joined(end-1) && !d.used[end] && d.modifierOK(end) && (d.lvl(end) == 0 || d.lvl(end) >= 40 || d.toks[end].is(lfOrgHead)) {
			end++
		}
		d.add(j, end, TypeOrg, 40)
	}
}

// headedEmployer: after a work cue and "at"/"for"/"from", everyday words
// that end in an organisation head are an employer ("i work at the copper
// kettle diner", "fired from blue ridge roofing"); it adds the span and
// reports whether it did.
func (d *detector) headedEmployer(j int) bool {
	n := len(d.toks)
	if j < n && d.low(j) == "the" && d.joined(j) {
		j++
	}
	for k := j; k < n && k < j+4 && (k == j || d.joined(k-1)) && !d.used[k] && d.modifierOK(k); k++ {
		if k > j && d.toks[k].is(lfOrgHead) {
			e := k + 1
			for e < n && e < k+3 && d.joined(e-1) && !d.used[e] && (d.toks[e].is(lfFacilityHead|lfOrgHead) || orgTails[d.toks[e].low]) {
				e++
			}
			d.add(j, e, TypeOrg, 40)
			return true
		}
	}
	return false
}

// personContext reports whether the context of the one-word name at token i
// says that it is a person: a possessive ("Tyler's"), a person's verb after
// it ("Jordan said") or a word that aims at a person before it ("with
// Austin", "told Jordan").
func (d *detector) personContext(i int) bool {
	return d.toks[i].stemCut > 0 || d.joined(i) && d.lowIs(i+1, lfPersonVerb) ||
		i > 0 && d.joined(i-1) && d.lowIs(i-1, lfPersonBefore)
}

// strongPlacePrep reports whether the words before token i make it a place
// beyond doubt: "in", "near", "lives", "moved to", "is from"; "to" and
// "from" alone also go with people ("talked to Jordan", "a text from Tyler").
func (d *detector) strongPlacePrep(i int) bool {
	if i <= 0 || !d.joined(i-1) {
		return false
	}
	p := &d.toks[i-1]
	switch p.low {
	case "to", "into", "toward", "towards", "from":
		// a verb of going a few words before: "drove all the way from",
		// "went back to"; "from" also after "is" ("she's from")
		for k := i - 2; k >= 0 && k >= i-5 && d.joined(k); k-- {
			if d.toks[k].lowIs(lfMotion) || p.low == "from" && d.beForm(k) {
				return true
			}
		}
		return false
	case "visiting":
		return false
	}
	return p.lowIs(lfLocPrep)
}

// placeRun reports whether tokens i..j-1 (j > i) are the name of a place in
// the gazetteer: one word ("Tyler") or several ("South Bend", "west chester").
func (d *detector) placeRun(i, j int) bool {
	if j-i == 1 {
		return d.toks[i].lx.place > 0
	}
	var b strings.Builder
	for k := i; k < j; k++ {
		if k > i {
			b.WriteByte(' ')
		}
		b.WriteString(d.toks[k].stem())
	}
	return d.g.lex.get(b.String()).place > 0
}

// stateAt reports whether a state's name or abbreviation starts at token i,
// right after the words before it ("Huntington, West Virginia", "Utica, NY").
func (d *detector) stateAt(i int) bool {
	if i <= 0 || i >= len(d.toks) || !d.joined(i-1) {
		return false
	}
	t := &d.toks[i]
	return t.is(lfUSState) || !d.lower && t.upper && stateAbbr[d.raw(i)] ||
		i+1 < len(d.toks) && d.toks[i+1].is(lfStateTail) && usStates[t.low+" "+d.toks[i+1].stem()]
}

// middleInitial reports whether tokens i, i+1 and i+2 read as a given name, a
// middle initial and a surname: "John I. Smith", "Mary-Ann K. O'Brien",
// "john k. smith". The initial is evidence enough for a name where the given
// name alone is not (a sentence start, a common word in lower-case speech).
func (d *detector) middleInitial(i int) bool {
	return i+2 < len(d.toks) && d.toks[i+1].e-d.toks[i+1].s == 1 && d.middleInitialAt(i)
}

// middleInitialAt is middleInitial for a one-letter token i+1 (i+2 < len(d.toks)).
func (d *detector) middleInitialAt(i int) bool {
	f, m, l := &d.toks[i], &d.toks[i+1], &d.toks[i+2]
	if !m.alpha || d.used[i+1] || m.lineStart || l.lineStart {
		return false
	}
	// the given name, written right before the initial
	if !f.alpha || f.label || f.stemCut > 0 || f.aposStem || d.used[i] || len(f.low) < 2 || f.e+1 != m.s ||
		f.is(lfFnWord|lfExcluded|lfRelation) {
		return false
	}
	// the initial: "K." or "K" before the surname; in lower-case speech "a"
	// is the article and "i" the pronoun unless written "i."
	spaced := m.e+1 == l.s
	if d.lower {
		if m.low == "a" || !(spaced && m.low != "i" || m.period && m.e+2 == l.s) {
			return false
		}
	} else if !f.cap || f.upper && len(f.low) <= 4 || !m.cap || !(m.initial() || spaced) {
		return false
	}
	if !d.surnameAfterInitial(i + 2) {
		return false
	}
	// the given name: a name that is no common word, or (in cased text) a
	// word no dictionary holds
	lvl := d.lvl(i)
	if g := f.lx.given; g >= 20000 || g >= 1000 && lvl != 10 || !d.lower && (lvl == 0 || lvl >= 50) {
		return true
	}
	return d.hyphenGiven(i)
}

// surnameAfterInitial reports whether token i can be the surname after a
// middle initial: a surname or a word no dictionary holds, capitalised in
// cased text, and no common word.
func (d *detector) surnameAfterInitial(i int) bool {
	if i >= len(d.toks) || d.used[i] {
		return false
	}
	t := &d.toks[i]
	if !t.alpha || t.label || t.aposStem || len(t.stem()) < 2 || t.is(lfFnWord|lfExcluded|lfFacilityHead|lfOrgHead|lfStreetType) {
		return false
	}
	if !d.lower && (!t.cap || t.upper && len(t.stem()) <= 4) {
		return false
	}
	lvl := d.lvl(i)
	return lvl != 10 && (t.lx.surname > 0 || lvl == 0 || lvl >= 50)
}

// hyphenGiven reports whether token i is a hyphenated given name whose
// parts are given names ("Mary-Ann", "jean-luc").
func (d *detector) hyphenGiven(i int) bool {
	s := d.toks[i].stem()
	if strings.IndexByte(s, '-') < 0 {
		return false
	}
	for p := range strings.SplitSeq(s, "-") {
		if d.g.lex.get(p).given < 1000 {
			return false
		}
	}
	return true
}

// nickname returns the token a nickname cue introduces ("they call me Slim",
// "everyone calls him Red", "my nickname is Tiny", "he goes by Ace"), or -1.
// Token i is flagged lfNickCue.
func (d *detector) nickname(i int) int {
	j := i + 1
	// frame: the cue itself says that a name follows; without it, a common
	// word after the cue in lower-case speech is no name ("call me later")
	frame := false
	switch d.toks[i].low {
	case "call", "calls", "called", "calling":
		switch d.low(j) {
		case "me", "him", "her", "them", "us":
		default:
			return -1
		}
		j++
		switch d.low(i - 1) {
		case "they", "everyone", "everybody", "people", "friends", "guys", "folks", "y'all", "we", "kids":
			frame = true
		}
		// "call me" alone is mostly a request for a phone call
		if d.lower && d.toks[i].low == "call" && !frame {
			return -1
		}
	case "nickname", "nickname's", "nicknamed":
		if c := d.low(j); c == "is" || c == "was" {
			j++
		}
		frame = true
	default: // go, goes, went, going
		if d.low(j) != "by" {
			return -1
		}
		j++
		// a person goes by a name; time goes by
		if d.lower {
			switch d.low(i - 1) {
			case "he", "she", "they", "who", "i", "also", "just", "now", "still":
			default:
				return -1
			}
		}
	}
	if j >= len(d.toks) || d.used[j] || !d.joinedLoose(j-1) || d.toks[j].is(lfRelation|lfTitle) {
		return -1
	}
	if !d.lower {
		if d.nameStart(j, true) {
			return j
		}
		return -1
	}
	// lower-case speech: a word that is also a name ("slim", "ace"), not an
	// insult ("they call me crazy", "called me paranoid"); an everyday word
	// ("red") only where the cue says a name follows
	t := &d.toks[j]
	if !t.alpha || t.label || t.aposStem || len(t.stem()) < 3 || t.is(lfFnWord|lfExcluded) || t.nk != numNone ||
		t.lx.month != 0 || d.lvl(j) == 10 && !frame {
		return -1
	}
	if t.lx.given < 30 && t.lx.surname == 0 && d.lvl(j) != 0 {
		return -1
	}
	return j
}

// groupLabel: the speaker label ending at token i names a group member
// ("Participant 3:", "Member 2:").
func (d *detector) groupLabel(i int) bool {
	for k := i; k >= 0 && d.toks[k].label; k-- {
		switch d.toks[k].stem() {
		case "participant", "member", "p", "group":
			return true
		}
		if d.toks[k].lineStart {
			break
		}
	}
	return false
}
