package redaction

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Identifier types, as the command-line contract names them.
const (
	TypeName     = "NAME"
	TypeLocation = "LOCATION"
	TypeDate     = "DATE"
	TypeAge      = "AGE"
	TypePhone    = "PHONE"
	TypeFax      = "FAX"
	TypeEmail    = "EMAIL"
	TypeSSN      = "SSN"
	TypeID       = "ID"
	TypeURL      = "URL"
	TypeIP       = "IP"
	TypeOrg      = "ORG"
)

// cand is a detected identifier in byte offsets of the text.
type cand struct {
	s, e  int
	typ   string
	prio  int
	parts []string // NAME: the name's tokens (lower-case), for propagation and merging
	// unclear: a one-word NAME or LOCATION whose context does not say which
	// of the two it is ("Tyler is five", "talked to Jordan"); harmonize may
	// give it the type of the same word's clear mentions
	unclear bool
}

type detector struct {
	streetUsed []bool // token inside a street span (a facility name may contain it)
	g          *gazetteers
	text       string
	toks       []token
	lower      bool   // lower-case ASR output: capitalisation carries no signal
	nameMode   uint8  // nbLower or nbCased, as lower says
	used       []bool // token already inside a structured identifier
	cands      []cand
	lc         *lexCache // lexicon look-ups of this text

	// inPhrase: token inside a therapy-skill phrase or a two-word state, never
	// an identifier nor part of one (nil: none in the text)
	inPhrase []bool
	// cues holds, in order, the tokens that can start an intersection, a
	// spoken ZIP code or a facility after a place verb: "and", a state, a
	// two-letter capital word, a place preposition (see markPhrases)
	cues []int32
	// trig lists, in order, the tokens that can start the recognizers that
	// look for one word or one list's words (see markPhrases): they visit
	// those tokens instead of every token
	trig [nTrig][]int32

	// candsByLen indexes cands[:candsIndexed] by byte length (mentionsFound)
	candsByLen   map[int][]int32
	candsIndexed int

	bufs *detBufs // nil once released
	// slowTagger: the tagger computes every feature of every token (tests
	// compare it with the form sums)
	slowTagger bool
}

// release hands the detector's buffers back for the next call; d must not
// be used after it (its tokens point into the look-up cache).
func (d *detector) release() {
	b := d.bufs
	if b == nil {
		return
	}
	d.bufs = nil
	b.lc.reset()
	clear(d.toks) // drop the references to this text's strings
	b.toks, b.used, b.streetUsed, b.cues = d.toks[:0], d.used[:0], d.streetUsed[:0], d.cues[:0]
	for k := range d.trig {
		b.trig[k] = d.trig[k][:0]
	}
	d.toks, d.used, d.streetUsed, d.cues = nil, nil, nil, nil
	detPool.Put(b)
}

// resetBools returns a zeroed slice of n, reusing b's memory when it can.
func resetBools(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// detBufs are the per-call buffers of a detector that Session.redactCands
// hands back (release) for the next call: the look-up cache and the token
// slices are the largest allocations of a call, and reusing them spares
// both the zeroing of fresh memory and the collector's work.
type detBufs struct {
	lc         *lexCache
	toks       []token
	used       []bool
	streetUsed []bool
	cues       []int32
	trig       [nTrig][]int32
	// the tagger's form sums (tokForms), valid where their gen is gen
	forms      []formSums
	formsModel *taggerModel
	gen        uint32
	tf         []tokFeat
}

var detPool = sync.Pool{New: func() any { return new(detBufs) }}

func newDetector(g *gazetteers, text string) *detector {
	b := detPool.Get().(*detBufs)
	if b.lc == nil || b.lc.lex != g.lex {
		b.lc = &lexCache{lex: g.lex}
	}
	lc := b.lc
	d := &detector{g: g, text: text, lc: lc, bufs: b}
	d.toks = tokenizeInto(b.toks, text, lc)
	d.used = resetBools(b.used, len(d.toks))
	d.streetUsed = resetBools(b.streetUsed, len(d.toks))
	d.cues = b.cues[:0]
	for k := range d.trig {
		d.trig[k] = b.trig[k][:0]
	}
	if b.gen++; b.gen == 0 { // form numbers start again: every form sum is stale
		b.gen = 1 // (0 is the generation of a sum never computed)
	}
	d.markPhrases()
	caps, alpha := 0, 0
	for i := range d.toks {
		t := &d.toks[i]
		if t.alpha && !t.label {
			alpha++
			if t.cap {
				caps++
			}
		}
	}
	d.lower = alpha > 0 && caps*40 < alpha
	d.nameMode = nbCased
	if d.lower {
		d.nameMode = nbLower
	}
	return d
}

func (d *detector) add(i, j int, typ string, prio int) {
	if i >= j {
		return
	}
	for k := i; k < j; k++ {
		if d.toks[k].label {
			return
		}
	}
	e := int(d.toks[j-1].e)
	if typ == TypeName {
		e = int(d.toks[j-1].stemEnd)
	}
	s := int(d.toks[i].s)
	if (typ == TypePhone || typ == TypeFax) && d.toks[i].leadParen {
		s--
		if d.toks[i].closeParen && i+1 == j {
			e++
		}
	}
	c := cand{s: s, e: e, typ: typ, prio: prio}
	if typ == TypeName {
		for k := i; k < j; k++ {
			if p := d.toks[k].stem(); len(p) > 1 || k == i {
				c.parts = append(c.parts, strings.Trim(p, ".-"))
			}
		}
	}
	d.cands = append(d.cands, c)
	for k := i; k < j; k++ {
		d.used[k] = true
	}
}

func (d *detector) low(i int) string {
	if i < 0 || i >= len(d.toks) {
		return ""
	}
	return d.toks[i].low
}

// sameClause reports whether tokens i and i+1 are not separated by sentence punctuation.
func (d *detector) joined(i int) bool {
	if i < 0 || i+1 >= len(d.toks) {
		return false
	}
	t := &d.toks[i]
	if t.period && t.lxl.flags&lfAbbrev != 0 {
		return !d.toks[i+1].lineStart
	}
	return !t.stop && !d.toks[i+1].lineStart
}

// cueBefore looks back up to n tokens on the same line for any word of the
// list flagged cue.
func (d *detector) cueBefore(i, n int, cue lexFlag) bool {
	for k := i - 1; k >= 0 && k >= i-n; k-- {
		if (d.toks[k].lx.flags|d.toks[k].lxl.flags)&cue != 0 {
			return true
		}
		if d.toks[k].lineStart {
			break
		}
	}
	return false
}

func (d *detector) run() []cand {
	d.writtenForms()
	d.spokenEmailURL()
	d.dates()
	d.numberRuns()
	d.alnumIDs()
	d.ages()
	d.ordinalBirthdays()
	d.zips()
	d.streets()
	d.routes()
	d.intersections()
	d.brandNames()
	d.saintPlaces()
	d.multiWordPlaces()
	d.facilities()
	d.placeAfterVerb()
	d.names()
	d.places()
	d.extendPlaces()
	d.backstop()
	d.statTagger(d.g.tag)
	return d.cands
}

// resolve sorts candidates and drops overlaps, keeping higher priority and
// then longer spans.
func resolve(cs []cand) []cand {
	// sort positions, not the candidates themselves (they are large)
	order := make([]int32, len(cs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		a, b := &cs[x], &cs[y]
		if a.prio != b.prio {
			return cmp.Compare(b.prio, a.prio)
		}
		if la, lb := a.e-a.s, b.e-b.s; la != lb {
			return cmp.Compare(lb, la)
		}
		return cmp.Compare(a.s, b.s)
	})
	taken := newByteSet(cs)
	keptIdx := order[:0]
	for _, x := range order {
		if taken.take(&cs[x]) {
			keptIdx = append(keptIdx, x)
		}
	}
	slices.SortFunc(keptIdx, func(x, y int32) int { return cmp.Compare(cs[x].s, cs[y].s) })
	kept := make([]cand, len(keptIdx))
	for i, x := range keptIdx {
		kept[i] = cs[x]
	}
	return kept
}

// resolveAfter is resolve(append(kept, extra...)) for kept, the output of
// resolve, and extra, candidates of a lower priority than any in kept that
// start at distinct offsets: kept stays whole, and each extra that overlaps
// nothing kept so far (longest first) joins it.
func resolveAfter(kept, extra []cand) []cand {
	slices.SortFunc(extra, func(a, b cand) int {
		if la, lb := a.e-a.s, b.e-b.s; la != lb {
			return cmp.Compare(lb, la)
		}
		return cmp.Compare(a.s, b.s)
	})
	taken := newByteSet(kept, extra)
	for i := range kept {
		taken.take(&kept[i])
	}
	added := extra[:0]
	for i := range extra {
		if taken.take(&extra[i]) {
			added = append(added, extra[i])
		}
	}
	slices.SortFunc(added, func(a, b cand) int { return cmp.Compare(a.s, b.s) })
	// merge two lists sorted by start
	out := make([]cand, 0, len(kept)+len(added))
	i, j := 0, 0
	for i < len(kept) || j < len(added) {
		if j == len(added) || i < len(kept) && kept[i].s < added[j].s {
			out = append(out, kept[i])
			i++
		} else {
			out = append(out, added[j])
			j++
		}
	}
	return out
}

// byteSet marks the text bytes that kept spans cover. Every candidate span is
// non-empty, so a candidate overlaps a kept span exactly when one of its bytes
// is marked: an overlap test costs the span's length, not the number kept.
type byteSet []uint64

// newByteSet is sized for the candidates of lists.
func newByteSet(lists ...[]cand) byteSet {
	end := 0
	for _, cs := range lists {
		for i := range cs {
			end = max(end, cs[i].e)
		}
	}
	return make(byteSet, end/64+1)
}

// take marks c's bytes and reports true, or reports false when c overlaps a
// span taken before.
func (b byteSet) take(c *cand) bool {
	for p := c.s; p < c.e; p++ {
		if b[p/64]&(1<<(p%64)) != 0 {
			return false
		}
	}
	for p := c.s; p < c.e; p++ {
		b[p/64] |= 1 << (p % 64)
	}
	return true
}

// cueFlags are the lexicon flags of the words markPhrases notes in d.cues.
const cueFlags = lfAnd | lfUSState | lfStateTail | lfPlacePrep

// The recognizers with a trigger list (detector.trig).
const (
	trSaint      = iota // "saint", "st" (saintPlaces)
	trRoute             // "route", "highway", … (routes)
	trDot               // "dot" (spokenEmailURL)
	trStreet            // a street type or place head (streets)
	trBrand             // the first word of a chain's name (brandNames)
	trPlaceFirst        // the first word of a multi-word place (multiWordPlaces)
	trPlace             // a one-word place or the first word of one (places)
	trAtForFrom         // "at", "for", "from" (employers in names)
	trNumeric           // a number word, a token with a digit, "…-year-old" (numberRuns, ages, alnumIDs, zips)
	trNonWord           // neither digits only nor a word without a dot (writtenForms)
	trZipCue            // a ZIP cue word, five digits (cuedZips)
	trIDCue             // an ID cue word, "number" (spelled identifiers in alnumIDs)
	trDate              // a month, "the", digits with / - or . (dates)
	trDobCue            // a date-of-birth cue word (spoken dates of birth in dates)
	nTrig
)

// token.trig holds one bit per trigger list.
var _ [16 - nTrig]struct{}

// noteTriggers appends token i to the trigger lists it belongs to (see
// formTriggers).
func (d *detector) noteTriggers(i int) {
	m := d.toks[i].trig
	for m != 0 {
		k := bits.TrailingZeros16(m)
		d.trig[k] = append(d.trig[k], int32(i)) // #nosec G115 -- a token index of a text under maxRedactInput
		m &^= 1 << k
	}
}

// formTriggers is the set of trigger lists (1<<trX) a token of t's form
// belongs to: a superset of the tokens each recognizer's first test lets
// through. It follows from the form alone, so tokenize computes it once
// per form.
func formTriggers(t *token) uint16 {
	var m uint16
	f := t.lx.flags
	if t.nk != numNone || t.hasDigit || strings.HasSuffix(t.low, "-year-old") {
		m |= 1 << trNumeric
	}
	if !(t.digits || t.alpha && !t.hasDot) {
		m |= 1 << trNonWord
	}
	if t.lx.month != 0 || t.low == "the" || t.hasDigit && strings.ContainsAny(t.low, "/-.") {
		m |= 1 << trDate
	}
	if f&lfDobCue != 0 {
		m |= 1 << trDobCue
	}
	if f&lfIDCue != 0 || t.low == "number" || t.low == "number's" {
		m |= 1 << trIDCue
	}
	if t.lxl.flags&lfZipCue != 0 || len(t.low) == 5 && t.digits {
		m |= 1 << trZipCue
	}
	if f&(lfStreetType|lfPlaceHead) != 0 {
		m |= 1 << trStreet
	}
	if (f|t.lxl.flags)&lfBrandFirst != 0 {
		m |= 1 << trBrand
	}
	if f&lfPlaceFirst != 0 {
		m |= 1 << trPlaceFirst
	}
	if (f&lfPlaceFirst != 0 || t.lx.place > 0) && t.alpha {
		m |= 1 << trPlace
	}
	switch t.low {
	case "saint":
		m |= 1 << trSaint
	case "route", "rt", "highway", "hwy", "interstate", "county road", "state route":
		m |= 1 << trRoute
	case "dot":
		m |= 1 << trDot
	case "at", "for", "from":
		m |= 1 << trAtForFrom
	default:
		if t.stem() == "st" {
			m |= 1 << trSaint
		}
	}
	return m
}

// markPhrases marks therapy-skill phrases ("Wise Mind") as used so that no
// recognizer takes them for a name or a place. In the same pass over the
// tokens it notes the few that start the rarer recognizers in d.cues, which
// then need no pass of their own.
func (d *detector) markPhrases() {
	for i := range d.toks {
		d.noteTriggers(i)
		t := &d.toks[i]
		f := t.lx.flags
		if f&cueFlags != 0 || t.upper && t.e-t.s == 2 {
			d.cues = append(d.cues, int32(i))
			if f&lfStateTail != 0 && i > 0 {
				d.twoWordState(i)
			}
		}
		if f&lfPhraseFirst == 0 {
			continue
		}
		var b strings.Builder
		for w := 0; w < 5 && i+w < len(d.toks); w++ {
			if w > 0 {
				if !d.joined(i + w - 1) {
					break
				}
				b.WriteByte(' ')
			}
			b.WriteString(d.toks[i+w].stem())
			if w > 0 && clinicalPhrases[b.String()] {
				if d.inPhrase == nil {
					d.inPhrase = make([]bool, len(d.toks))
				}
				for k := i; k <= i+w; k++ {
					d.used[k] = true
					d.inPhrase[k] = true
				}
			}
		}
	}
}

// twoWordState keeps a two-word state whole when token i ends one ("West
// Virginia", "new mexico", "Rhode Island"). Like a one-word state it is no
// identifier (the corpus does not label states; Safe Harbor keeps them), so
// neither word may be taken on its own for a name or a place ("West",
// "Mexico", "carolina"). "New York City" is a city. A state before a facility,
// employer or street head ("Rhode Island Hospital", "West Virginia Avenue")
// is left to the recognizers of those.
func (d *detector) twoWordState(i int) {
	p, t := &d.toks[i-1], &d.toks[i]
	switch p.low {
	case "new", "north", "south", "west", "rhode":
	default:
		return
	}
	if !d.joined(i-1) || p.label || t.label || !usStates[p.low+" "+t.stem()] {
		return
	}
	if t.stemCut == 0 && d.joined(i) {
		nx := &d.toks[i+1]
		if nx.low == "city" && !nx.label {
			d.add(i-1, i+2, TypeLocation, 55)
			return
		}
		if nx.is(lfStreetType | lfPlaceHead) {
			return
		}
		// "West Virginia University", "New Mexico Behavioral Health"; "New
		// York State" is the state
		j, org := i+1, false
		for j < len(d.toks) && j < i+4 && (j == i+1 || d.joined(j-1)) && d.toks[j].is(lfFacilityHead|lfOrgHead) && !d.toks[j].label {
			org = org || d.toks[j].is(lfOrgHead)
			j++
		}
		if j > i+1 && !(j == i+2 && nx.low == "state") {
			typ := TypeLocation
			if org {
				typ = TypeOrg
			}
			d.add(i-1, j, typ, 56)
			return
		}
	}
	if d.inPhrase == nil {
		d.inPhrase = make([]bool, len(d.toks))
	}
	for k := i - 1; k <= i; k++ {
		d.used[k] = true
		d.inPhrase[k] = true
	}
}

// phraseFirst holds the first word of every clinical phrase.
var phraseFirst = func() map[string]bool {
	m := map[string]bool{}
	for p := range clinicalPhrases {
		m[strings.Fields(p)[0]] = true
	}
	return m
}()
