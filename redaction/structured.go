package redaction

import (
	"strconv"
	"strings"
)

var tlds = set(`com org net edu gov io us info co biz me health care app mil ly tv`)

var faxCue = set(`fax faxed faxing fax's`)
var ssnCue = set(`social ssn security ss`)
var idCue = set(`mrn record member medicaid medicare id identification case docket account acct license licence
plate claim serial policy insurance chart patient group pin badge inmate booking permit registration vin
certificate device subscriber authorization prior-auth auth ticket citation confirmation tracking # tag plates
routing voucher receipt invoice warrant`)

// idFiller: words between an ID cue and the identifier ("plate number's
// …", "case number is …", "tag was …").
var idFiller = set(`number number's numbers is was no # it's reads read says said of the ending in on my his her
their your`)

var phoneCue = set(`phone number cell call text reach line extension ext mobile hotline landline contact dial voicemail`)

// writtenForms finds e-mail addresses, URLs and IPs written as one token.
func (d *detector) writtenForms() {
	for _, ti := range d.trig[trNonWord] {
		i := int(ti)
		t := &d.toks[i]
		if t.label || t.digits || t.alpha && !t.hasDot {
			continue
		}
		l := t.low
		switch {
		case strings.Contains(l, "@") && strings.Contains(l[strings.Index(l, "@"):], "."):
			d.add(i, i+1, TypeEmail, 90)
		case strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "www."):
			d.add(i, i+1, TypeURL, 90)
		case isIPv4(l):
			d.add(i, i+1, TypeIP, 90)
		case looksLikeDomain(l):
			d.add(i, i+1, TypeURL, 80)
		}
	}
}

func isIPv4(s string) bool {
	if strings.Count(s, ".") != 3 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !isDigits(p) || len(p) > 3 {
			return false
		}
		if v, _ := strconv.Atoi(p); v > 255 {
			return false
		}
	}
	return true
}

func looksLikeDomain(s string) bool {
	host := s
	if k := strings.IndexByte(host, '/'); k >= 0 {
		host = host[:k]
	}
	k := strings.LastIndexByte(host, '.')
	if k <= 0 || k == len(host)-1 {
		return false
	}
	if !tlds[host[k+1:]] {
		return false
	}
	for i := 0; i < k; i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// localPartToken: a word that can be spoken inside an e-mail local part or a
// domain ("priya dot okafor", "t brandt eighty nine").
func (d *detector) localPartToken(i int) bool {
	t := &d.toks[i]
	if t.label || strings.HasSuffix(t.low, "'s") {
		return false
	}
	switch t.low {
	case "dot", "underscore", "dash", "hyphen", "period":
		return true
	case "is", "was", "it's", "email", "e-mail", "address", "at", "me", "to", "and", "my", "her", "his", "their",
		"your", "the", "send", "it", "or", "use", "try", "from", "of", "by", "on", "in", "that", "this", "i", "you":
		return false
	}
	if _, k := t.num(); k != numNone {
		return true
	}
	if len(t.low) == 1 && t.alpha {
		return true
	}
	if !t.alpha && !t.hasDigit {
		return false
	}
	return t.lxl.level != 10 || t.hasDigit
}

// spokenEmailURL finds "john dot smith at gmail dot com", "w w w dot x dot org"
// and spoken IP addresses.
func (d *detector) spokenEmailURL() {
	n := len(d.toks)
	next := 0 // a span ends before it
	for _, ti := range d.trig[trDot] {
		i := int(ti)
		if i < next || d.used[i] || d.toks[i].low != "dot" {
			continue
		}
		// find the end of a dotted chain: X dot Y dot Z
		if i+1 >= n || !d.joinedLoose(i) || i == 0 || !d.joinedLoose(i-1) {
			continue
		}
		last := i + 1
		for last+2 < n && d.toks[last+1].low == "dot" && d.joinedLoose(last) && d.joinedLoose(last+1) {
			last += 2
		}
		// spoken IP: number dot number dot number dot number
		if d.dottedNumbers(i-1, last) {
			d.add(i-1, last+1, TypeIP, 85)
			next = last + 1
			continue
		}
		// is the chain's last word a top-level domain?
		tldEnd := -1
		for k := i; k <= last; k++ {
			if d.toks[k].low == "dot" && k+1 <= last && tlds[d.toks[k+1].low] {
				tldEnd = k + 1
			}
		}
		if tldEnd < 0 {
			continue
		}
		// walk left over the domain and, through "at", the local part
		start := i - 1
		for start-1 >= 0 && d.toks[start-1].low != "at" && d.localPartToken(start-1) && d.joinedLoose(start-1) && i-start < 4 {
			start--
		}
		typ := TypeURL
		if start-1 >= 0 && d.toks[start-1].low == "at" && d.joinedLoose(start-1) {
			at := start - 1
			ls := at
			for ls-1 >= 0 && d.localPartToken(ls-1) && d.joinedLoose(ls-1) && at-ls < 8 {
				ls--
			}
			if ls < at {
				start, typ = ls, TypeEmail
			}
		}
		end := tldEnd + 1
		// "slash resources" after a URL
		for end+1 < n && d.toks[end].low == "slash" && d.toks[end+1].alpha {
			end += 2
		}
		if start < 0 {
			start = 0
		}
		d.add(start, end, typ, 85)
		next = end
	}
}

// joinedLoose: tokens i and i+1 are adjacent without sentence punctuation
// (commas are allowed: ASR inserts them inside spelled addresses).
func (d *detector) joinedLoose(i int) bool {
	if i < 0 || i+1 >= len(d.toks) {
		return false
	}
	return !d.toks[i].looseStop && !d.toks[i+1].lineStart && !(d.toks[i].dot && d.toks[i+1].cap)
}

func (d *detector) dottedNumbers(a, b int) bool {
	if a < 0 {
		return false
	}
	groups := 0
	k := a
	for k <= b {
		m := k
		for m <= b && d.toks[m].low != "dot" {
			if !isNumberToken(&d.toks[m]) {
				return false
			}
			m++
		}
		if m == k {
			return false
		}
		groups++
		k = m + 1
	}
	return groups == 4
}

// numberRuns classifies runs of number tokens: phone and fax numbers written
// or spoken digit by digit, SSNs, and numbers after an ID cue.
func (d *detector) numberRuns() {
	n := len(d.toks)
	next := 0 // a run ends before it
	for _, ti := range d.trig[trNumeric] {
		i := int(ti)
		if i < next || d.used[i] || !d.isRunToken(i) {
			continue
		}
		j := i + 1
		for j < n && !d.used[j] && d.isRunToken(j) && d.joinedLoose(j-1) {
			j++
		}
		// trim leading spoken "one"/"oh" that are likely words when the run is long anyway
		digits := spokenDigits(d.toks[i:j])
		nd := len(digits)
		written := j-i <= 3 && digitGroup(d.toks[i].low)
		fax := d.cueBefore(i, 6, lfFaxCue)
		ssn := d.cueBefore(i, 5, lfSSNCue)
		idc := d.cueBefore(i, 4, lfIDCue)
		phone := d.cueBefore(i, 6, lfPhoneCue)
		spokenCount := 0
		for k := i; k < j; k++ {
			if _, kd := d.toks[k].num(); kd != numDigits {
				spokenCount++
			}
		}
		// "the last four of my social are 6 1 1 8", "last four of the
		// card: eight two two one" (a partial SSN or account number)
		lastFour, ssnNear := false, ssn
		for k := i - 1; k >= 0 && k >= i-14; k-- {
			if d.toks[k].low == "four" && k > 0 && d.toks[k-1].low == "last" {
				lastFour = true
			}
			// "mine ends in 4 4 1 2", "the one ending in six one one eight"
			if k == i-1 && d.toks[k].low == "in" && k > 0 && (d.toks[k-1].low == "ends" || d.toks[k-1].low == "ending" || d.toks[k-1].low == "end") {
				lastFour = true
			}
			if d.toks[k].is(lfSSNCue) {
				ssnNear = true
			}
		}
		// the social named after the digits: "… ends in 4 4 1 2, the social I mean"
		for k := j; lastFour && !ssnNear && k < n && k < j+6 && !d.toks[k].lineStart; k++ {
			if d.toks[k].is(lfSSNCue) {
				ssnNear = true
			}
		}
		plus := strings.HasPrefix(d.toks[i].low, "+")
		typ := ""
		switch {
		case nd == 4 && lastFour && ssnNear:
			typ = TypeSSN
		case nd == 4 && lastFour && !(j-i == 1 && (digits[:2] == "19" || digits[:2] == "20")):
			typ = TypeID
		case plus && nd >= 8 && nd <= 15:
			typ = TypePhone // international: "+44 20 7946 0958", "+1 (412) 555-0193"
		case nd == 9 && (ssn || ssnShape(d.toks[i:j])):
			typ = TypeSSN
		case idc && !phone && !fax && nd >= 4:
			typ = TypeID
		case nd == 10 || (nd == 11 && digits[0] == '1'):
			typ = TypePhone
		case nd == 7 && (written && phoneShape(d.toks[i:j]) || spokenCount >= 5 || phone || fax):
			typ = TypePhone
		case nd >= 5 && idc:
			typ = TypeID
		case nd >= 6 && j-i == 1 && d.toks[i].digits:
			typ = TypeID
		case nd >= 7 && (j-i >= 5 || written) && !strings.ContainsAny(d.toks[i].low, "."):
			typ = TypeID
		}
		if typ == TypeID && j-i == 1 && nd == 4 {
			typ = ""
		}
		if typ == TypePhone && fax {
			typ = TypeFax
		}
		if typ != "" {
			// leading words such as "one" in "one eight hundred": keep them, they are part of the number
			d.add(i, j, typ, 70)
		}
		next = j
	}
}

func (d *detector) isRunToken(i int) bool {
	t := &d.toks[i]
	if t.label {
		return false
	}
	v, k := t.num()
	switch k {
	case numDigits, numUnit, numTeen, numTens, numCompound:
		return true
	case numHundred:
		return i > 0 && (isNumberToken(&d.toks[i-1]) || d.toks[i-1].low == "a")
	}
	_ = v
	if len(t.low) > 1 && t.low[0] == '+' && isDigits(t.low[1:]) {
		return true // a country code, "+1", "+44"
	}
	return digitGroup(t.low) && digitCount(t.low) >= 3
}

func phoneShape(ts []token) bool {
	s := ""
	for _, t := range ts {
		s += t.low + " "
	}
	return digitCount(s) == 7 && (strings.Contains(s, "-") || strings.Contains(s, "."))
}

func ssnShape(ts []token) bool {
	if len(ts) == 1 {
		p := strings.Split(ts[0].low, "-")
		return len(p) == 3 && len(p[0]) == 3 && len(p[1]) == 2 && len(p[2]) == 4
	}
	return len(ts) == 3 && len(ts[0].low) == 3 && len(ts[1].low) == 2 && len(ts[2].low) == 4 && isDigits(ts[0].low+ts[1].low+ts[2].low)
}

var notIDAlnum = set(`phq-9 phq9 gad-7 gad7 covid-19 covid19 pcl-5 dsm-5 dsm5 dsm-iv icd-10 icd10 b12 a1c k2 h2o 24/7 9/11 co2 c-ssrs 12-step
3.1 3.5 3.7 2.1 2.5 1.0 4.0 3.3 3.2 1-on-1 one-on-one mp3 mp4 4g 5g 401k f-150 sp02 spo2 ciwa-ar t4 t3 vitamin-d3 d3`)

// alnumIDs finds tokens that mix letters and digits ("CR-23-7503", "WC-23-168924")
// and spelled identifiers after an ID cue.
func (d *detector) alnumIDs() {
	for _, ti := range d.trig[trNumeric] {
		i := int(ti)
		t := &d.toks[i]
		if d.used[i] || t.label || !t.hasDigit || t.alpha || t.lowIs(lfNotIDAlnum) {
			continue
		}
		if _, k := t.num(); k != numNone {
			continue
		}
		letters := 0
		for _, r := range t.low {
			if r >= 'a' && r <= 'z' {
				letters++
			}
		}
		nd := digitCount(t.low)
		if letters == 0 || isUnitSuffixed(t.low) {
			continue
		}
		if nd >= 3 || (nd >= 1 && d.cueBefore(i, 4, lfIDCue)) {
			j := i + 1
			// "ABC 1234" plates: letters token then digits
			if j < len(d.toks) && !d.used[j] && d.toks[j].digits && d.joined(i) {
				j++
			}
			d.add(i, j, TypeID, 70)
		}
	}
	// letters and digits spelled out: "r f f nine nine seven eight five four"
	for i := 0; i < len(d.toks); i++ {
		if d.used[i] || !(len(d.toks[i].low) == 1 && d.toks[i].alpha) || d.toks[i].label {
			continue
		}
		j, letters, digits := i, 0, 0
		for j < len(d.toks) && !d.used[j] && (j == i || d.joinedLoose(j-1)) {
			t := &d.toks[j]
			if len(t.low) == 1 && t.alpha {
				if (t.low == "a" || t.low == "i") && j > i && !d.spelledAI(j, 0) {
					break
				}
				letters++
			} else if _, kd := t.num(); kd == numUnit || kd == numDigits && len(t.low) <= 4 {
				digits++
			} else {
				break
			}
			j++
		}
		// "r f f nine nine seven eight", "K L M four four seven"
		if (letters >= 1 && digits >= 4 || letters >= 2 && digits >= 3) && j-i >= 5 {
			d.add(i, j, TypeID, 65)
		}
		i = j
	}
	// letters and digits spelled after a cue: "plate is k l m four four two"
	for _, ti := range d.trig[trIDCue] {
		i := int(ti)
		if !d.toks[i].is(lfIDCue) && !d.numberOfSomething(i) || d.toks[i].low == "#" {
			continue
		}
		k := i + 1
		for k < len(d.toks) && k < i+5 && d.joinedLoose(k-1) && idFiller[d.toks[k].low] {
			k++
		}
		if k >= len(d.toks) || !d.joinedLoose(k-1) {
			continue
		}
		// (spans of other recognizers inside are absorbed: "two two seven
		// dash oh one" is one case number, not a run and a rest)
		j := k
		letters, digits := 0, 0
		for j < len(d.toks) && (j == k || d.joinedLoose(j-1)) && !d.toks[j].label {
			t := &d.toks[j]
			if len(t.low) == 1 && t.alpha && (!(t.low == "a" || t.low == "i") || d.spelledAI(j, 0)) {
				letters++
			} else if _, kd := t.num(); kd == numUnit || kd == numDigits || kd == numTeen || kd == numTens || kd == numCompound {
				digits += max(1, digitCount(t.low))
			} else if (t.low == "dash" || t.low == "hyphen") && j > k {
			} else if t.hasDigit && !t.alpha && !t.lowIs(lfNotIDAlnum) && d.toks[j].nk == numNone {
				digits += digitCount(t.low)
			} else {
				break
			}
			j++
		}
		for j > k && (d.toks[j-1].low == "dash" || d.toks[j-1].low == "hyphen") {
			j--
		}
		if letters >= 1 && digits >= 2 && j-k >= 3 || digits >= 4 && j-k >= 2 {
			d.add(k, j, TypeID, 72)
		}
	}
}

// spelledAI reports whether the word "a" or "i" at token i is a spelled
// letter of an identifier rather than the article or the pronoun: the next
// token continues the spelling (a single letter or a digit read out: "m a
// six five", "P K seven A I") or the run ends there ("… two nine A.", "… a i"
// at the end of a line). "K L M four four seven a few days ago" and "… two
// i think" keep the word.
func (d *detector) spelledAI(i, depth int) bool {
	if !d.joinedLoose(i) {
		return true
	}
	if !d.joined(i) {
		return true // a comma ends the spelling: "four four A, a gray van"
	}
	t := &d.toks[i+1]
	if len(t.low) == 1 && t.alpha {
		if t.low == "a" || t.low == "i" {
			return depth < 3 && d.spelledAI(i+1, depth+1)
		}
		return true
	}
	_, kd := t.num()
	return kd == numUnit || kd == numDigits && len(t.low) <= 4
}

// numberOfSomething: "number" after a noun that is no phone or fax cue
// ("probation number's four seven dash …", "the PO box number is …"), an
// identifier's cue; "my number", "her number" and "phone number" are not.
func (d *detector) numberOfSomething(i int) bool {
	t := &d.toks[i]
	if t.low != "number" && t.low != "number's" || i == 0 || !d.joined(i-1) {
		return false
	}
	p := &d.toks[i-1]
	return p.alpha && !p.label && !p.is(lfFnWord|lfRelation) && !p.lowIs(lfPhoneCue|lfFaxCue) && p.stemCut == 0
}

func isUnitSuffixed(s string) bool {
	k := 0
	for k < len(s) && (s[k] >= '0' && s[k] <= '9' || s[k] == '.') {
		k++
	}
	if k == 0 {
		return false
	}
	switch strings.TrimPrefix(s[k:], "-") {
	case "mg", "mcg", "ml", "g", "kg", "lb", "lbs", "am", "pm", "a.m", "p.m", "x", "s", "k", "th", "st", "nd", "rd",
		"min", "mins", "hr", "hrs", "h", "mgs", "day", "days", "year", "week", "mo", "yr", "yo", "ish", "something", "year-old":
		return true
	}
	return false
}

var ageCueBefore = set(`age aged turned turning turns turn`)
var ageCueNear = set(`she's he's who's is was been be like about almost nearly i'm she he`)
var notAgeUnit = set(`days day minutes minute mg milligrams milligram percent % dollars bucks pounds lbs meetings
times hours seconds degrees points calls people miles ml units mcg weeks months years_sober`)

// ages finds ages over 89: "age ninety-three", "she's 91 years old", "a 94-year-old".
func (d *detector) ages() {
	n := len(d.toks)
	next := 0 // a number ends before it
	for _, ti := range d.trig[trNumeric] {
		i := int(ti)
		if i < next || d.used[i] || !d.isRunToken(i) && !strings.HasSuffix(d.toks[i].low, "-year-old") {
			continue
		}
		j := i + 1
		for j < n && j < i+3 && !d.used[j] && d.isRunToken(j) && d.joined(j-1) {
			j++
		}
		low := d.toks[i].low
		v := -1
		yearOld := false
		if strings.HasSuffix(low, "-year-old") || strings.HasSuffix(low, "-years-old") {
			num := strings.TrimSuffix(strings.TrimSuffix(low, "-year-old"), "-years-old")
			v = numberValue([]token{{low: num}})
			if v < 0 {
				v = numberValue(tokensOf(strings.Split(num, "-")))
			}
			yearOld = true
			j = i + 1
		} else {
			v = numberValue(d.toks[i:j])
			if d.toks[i].low == "hundred" && i > 0 && d.toks[i-1].low == "a" {
				v, i = 100, i-1
			}
		}
		// "a hundred and four"
		if j+1 < n && d.toks[j-1].low == "hundred" && d.low(j) == "and" && d.joined(j-1) && d.joined(j) {
			k := j + 1
			for k < n && k < j+3 && d.isRunToken(k) && (k == j+1 || d.joined(k-1)) {
				k++
			}
			if x := numberValue(d.toks[j+1 : k]); x > 0 && x < 100 && v >= 100 {
				v, j = v+x, k
			}
		}
		if v < 90 || v > 125 {
			next = j
			continue
		}
		after := d.low(j)
		if !yearOld && (after == "years" || after == "year" || after == "yo" || strings.HasPrefix(after, "year-old")) {
			yearOld = true
		}
		if !yearOld && d.lowIs(j, lfNotAgeUnit) {
			next = j
			continue
		}
		near := d.lowIs(i-1, lfAgeCueNear) || i > 1 && d.lowIs(i-2, lfAgeCueNear) && (d.toks[i-1].low == "like" || d.toks[i-1].low == "about") ||
			// "Nana's ninety-four now": a relation's or title's possessive
			i > 0 && d.joined(i-1) && d.toks[i-1].stemCut > 0 && d.toks[i-1].is(lfTitle|lfRelation) ||
			// "made it to a hundred and three", "lived to be ninety-seven"
			i > 1 && (d.low(i-1) == "to" || d.low(i-1) == "be") && d.lifeSpanBefore(i-1) ||
			// "died at 93", "passed away at ninety-one"
			i > 1 && d.low(i-1) == "at" && d.joined(i-1) && d.diedBefore(i-1)
		// set off by commas after a relation or a name: "her mother, 97,
		// fell", "Mr. Pfluger, ninety-three, lives alone"
		apposed := i > 0 && d.toks[i-1].comma && (d.toks[j-1].comma || d.toks[j-1].stop) &&
			(d.toks[i-1].is(lfRelation|lfTitle) || !d.lower && d.used[i-1] && d.toks[i-1].cap && d.toks[i-1].alpha)
		if yearOld || d.cueBefore(i, 2, lfAgeCueBefore) || near || apposed {
			d.add(i, j, TypeAge, 60)
		}
		next = j
	}
}

// ordinalBirthdays finds an ordinal birthday over 89: "his 96th
// birthday", "her ninety-first birthday party".
func (d *detector) ordinalBirthdays() {
	for _, ti := range d.trig[trNumeric] {
		i := int(ti)
		t := &d.toks[i]
		if d.used[i] || t.label || t.nk != numOrdinal || t.nv < 90 || t.nv > 125 || !d.joined(i) {
			continue
		}
		if nx := d.low(i + 1); nx == "birthday" || nx == "birthdays" || nx == "bday" {
			d.add(i, i+1, TypeAge, 60)
		}
	}
}

// lifeSpanBefore: a verb of living to an age just before token i ("lived
// to", "made it to", "lived to be").
func (d *detector) lifeSpanBefore(i int) bool {
	for k := i - 1; k >= 0 && k >= i-3 && d.joined(k); k-- {
		switch d.toks[k].low {
		case "lived", "live", "lives", "living", "made", "make", "makes", "reached", "reach", "reaches":
			return true
		}
	}
	return false
}

// diedBefore: a verb of dying just before token i ("died at", "passed away
// at", "passed on at").
func (d *detector) diedBefore(i int) bool {
	if i < 1 || !d.joined(i-1) {
		return false
	}
	switch d.low(i - 1) {
	case "died", "dies", "passed", "perished":
		return true
	case "away", "on":
		return i >= 2 && d.joined(i-2) && (d.low(i-2) == "passed" || d.low(i-2) == "passes")
	}
	return false
}

func tokensOf(ws []string) []token {
	ts := make([]token, len(ws))
	for i, w := range ws {
		ts[i].low = w
	}
	return ts
}

// zips: a five-digit number after a state name or abbreviation, or after
// "zip"; and a ZIP code spoken or spaced digit by digit after a state
// ("Illinois six two seven oh one", "Ohio 4 3 2 1 5").
func (d *detector) zips() {
	d.cuedZips()
	for _, i := range d.cues {
		if t := &d.toks[i]; t.is(lfUSState|lfStateTail) || t.upper && t.e-t.s == 2 {
			d.spokenZip(int(i))
		}
	}
	for _, ti := range d.trig[trNumeric] {
		i := int(ti)
		t := &d.toks[i]
		if d.used[i] || !(len(t.low) == 5 && t.digits || len(t.low) == 10 && t.low[5] == '-' && isDigits(t.low[:5])) {
			continue
		}
		prev := ""
		if i > 0 {
			prev = d.toks[i-1].low
		}
		prev2 := ""
		if i > 1 {
			prev2 = d.toks[i-2].low + " " + prev
		}
		if usStates[prev] || usStates[prev2] || (i > 0 && stateAbbr[d.raw(i-1)]) || d.cueBefore(i, 3, lfZipCue) || d.townBefore(i) {
			d.add(i, i+1, TypeLocation, 60)
		}
	}
}

// townBefore: a five-digit number right after a town of the place
// gazetteer, with or without a comma and with no state between ("Dayton
// 45402", "moved to tulsa, 74103"), is its ZIP code, unless a count noun
// follows ("Dayton 45000 people").
func (d *detector) townBefore(i int) bool {
	if i == 0 || len(d.toks[i].low) != 5 || !d.joined(i-1) {
		return false
	}
	p := &d.toks[i-1]
	if p.label || !p.alpha || !(p.cap || d.lower) {
		return false
	}
	town := p.lx.place > 0 && p.lx.given < 1000
	if !town && i > 1 && d.joined(i-2) {
		q := &d.toks[i-2]
		e := d.g.lex.get(q.low + " " + p.low)
		town = e.place > 0 && (q.cap || d.lower)
	}
	if !town {
		return false
	}
	if i+1 < len(d.toks) && d.joined(i) && countNouns[d.toks[i+1].stem()] {
		return false
	}
	return true
}

var countNouns = set(`people residents dollars miles feet acres students voters votes population homes jobs`)

var zipCue = set(`zip zip's zipcode postal`)

// spokenZip marks the ZIP code spoken or spaced after token i when i ends a
// state's name or is its abbreviation: a run of two or more number words or
// short digit groups that spells five digits (or nine, ZIP+4).
func (d *detector) spokenZip(i int) {
	t := &d.toks[i]
	switch {
	case t.is(lfUSState):
	case t.is(lfStateTail):
		if i == 0 || !usStates[d.toks[i-1].low+" "+t.stem()] {
			return
		}
	default:
		if !stateAbbr[d.raw(i)] {
			return
		}
	}
	j := i + 1
	if j >= len(d.toks) || !d.joinedLoose(i) {
		return
	}
	k := j
	for k < len(d.toks) && k-j < 10 && !d.used[k] && (k == j || d.joinedLoose(k-1)) {
		u := &d.toks[k]
		// (a four-digit group is more likely a year)
		if u.label || !(u.nk == numUnit || u.nk == numTeen || u.nk == numTens || u.nk == numCompound || u.digits && len(u.low) <= 3) {
			break
		}
		k++
	}
	if k-j < 2 {
		return
	}
	if nd := len(spokenDigits(d.toks[j:k])); nd == 5 || nd == 9 {
		d.add(j, k, TypeLocation, 60)
	}
}

// cuedZips: a ZIP code said or written after "zip" ("zip code is one five
// two one three", "ZIP: 15213") or before "area" ("the 15213 area").
func (d *detector) cuedZips() {
	n := len(d.toks)
	for _, ti := range d.trig[trZipCue] {
		i := int(ti)
		t := &d.toks[i]
		if t.label {
			continue
		}
		if len(t.low) == 5 && t.digits && !d.used[i] && (d.low(i+1) == "area" || d.low(i+1) == "zip") && d.joined(i) {
			d.add(i, i+1, TypeLocation, 60)
			continue
		}
		if !t.lowIs(lfZipCue) {
			continue
		}
		k := i + 1
		for k < n && k < i+4 && d.joinedLoose(k-1) && zipFiller[d.toks[k].low] {
			k++
		}
		j := k
		for j < n && j < k+10 && !d.used[j] && (j == k || d.joinedLoose(j-1)) && d.isRunToken(j) {
			j++
		}
		if j > k {
			if nd := len(spokenDigits(d.toks[k:j])); nd == 5 || nd == 9 {
				d.add(k, j, TypeLocation, 60)
			}
		}
	}
}

var zipFiller = set(`code codes is was it's number of`)
