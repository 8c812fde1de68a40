package redaction

import "strings"

// backstop is the safe-list pass, in the spirit of Philter (Norgeot et al.,
// npj Digital Medicine 2020): instead of asking whether a word is a known
// name, it asks whether the word is known to be safe. Run after every other
// recognizer, it redacts what they left that is name-shaped and not on the
// safe list:
//
//   - in cased text, a capitalised word that no English dictionary holds
//     (SCOWL level 0) and that is not on the clinical keep-list (drugs,
//     assessment names, therapy terms), a state, a month or weekday, a title,
//     a role or relation word, or a short acronym ("IOP", "PHQ");
//   - in lower-case speech, where a capital says nothing, a word no
//     English dictionary holds that a name list does (given names, surnames,
//     places) or that no list holds at all, unless it is a compound of
//     English words ("check-in", "follow-up");
//   - in either, a word of the name lists, even an everyday word, that the
//     words around it use as a person ("so Champ texted me", "me and sky",
//     "I told royal").
//
// Context clears a word only by the keep-lists; an unknown word stays
// suspect. Spans are NAME, marked unclear so that harmonize may give a word
// that is a place elsewhere in the session its place type.
func (d *detector) backstop() {
	n := len(d.toks)
	for i := 0; i < n; i++ {
		if d.toks[i].nameBits&nbSuspect == 0 || !d.suspect(i) {
			continue
		}
		j := i + 1
		for j < n && j < i+4 && d.joined(j-1) && d.suspect(j) {
			j++
		}
		nc := len(d.cands)
		d.add(i, j, TypeName, prioBackstop)
		if len(d.cands) > nc {
			d.cands[nc].unclear = true
		}
		i = j - 1
	}
}

// prioBackstop is below every recognizer's priority: a backstop span never
// displaces a typed one.
const prioBackstop = 20

// suspect reports whether token i is name-shaped, not on the safe list and
// not yet inside an identifier.
func (d *detector) suspect(i int) bool {
	t := &d.toks[i]
	if d.used[i] || t.label || !t.alpha || t.aposStem || d.excluded(i) || d.pronounI(i) {
		return false
	}
	s := t.stem()
	// a function word that is also a common given name ("Will") is a
	// person where no function word fits: "Will and I", "me and will",
	// "i owe will forty bucks"
	if t.is(lfFnWord) && t.lx.given >= 1000 && len(s) >= 3 && d.fnWordPerson(i) {
		return true
	}
	if len(s) < 2 || t.is(lfFnWord|lfRelation|lfTitle|lfNameCue|lfStreetType|lfFacilityHead|lfOrgHead|lfPlaceHead|lfStateTail) ||
		t.lx.month != 0 || t.nk != numNone || d.inPhrase != nil && d.inPhrase[i] {
		return false
	}
	lvl := int(t.lx.level)
	if t.filler {
		return false
	}
	if d.lower {
		if lvl == 0 && len(s) >= 3 && !d.englishCompound(s) && !d.inflected(s) {
			return true
		}
	} else {
		if t.upper && len(s) <= 5 {
			return false // an acronym: "IOP", "SMART", "HIPAA"-style
		}
		if (t.cap || d.prefixedCap(i)) && (lvl == 0 && !d.englishCompound(s) || lvl >= 70) {
			return true
		}
	}
	// an everyday word used as a person's name
	e := t.lx
	// (the most common words only with a name's frequency, or between a
	// relation and a person's verb: "my buddy tank picked me up")
	if e.given >= 20 && lvl != 10 || e.given >= 1000 || e.given >= 20 && d.relationAndVerb(i) {
		if !d.lower && !t.cap {
			return false
		}
		if !d.lower && !t.sentStart {
			return d.personCue(i)
		}
		// at a sentence start a capital says nothing: only a person's verb
		// right after a name-list word ("Boots called me") or the
		// strongest contexts
		return d.personCue(i) && (d.lower || i > 0 && !d.toks[i-1].stop || d.pairedPerson(i) ||
			e.given >= 100 && d.joined(i) && d.lowIs(i+1, lfPersonVerb))
	}
	// a family by its surname in cased text: "the Bakers have three dogs",
	// "moved in with the Woods" (a capitalised plural mid-sentence after
	// "the" whose singular is a surname; not a team's game)
	if !d.lower && t.cap && !t.sentStart && !t.upper && i > 0 && d.joined(i-1) && d.low(i-1) == "the" && len(s) > 3 &&
		s[len(s)-1] == 's' && !t.is(lfClinical|lfExcluded|lfCommonProper) && !notFamily[s] && !(d.joined(i) && sportsAfter[d.low(i+1)]) {
		if e := d.g.lex.get(s[:len(s)-1]); e.surname > 0 && e.surname <= 50000 {
			return true
		}
	}
	// a rarer everyday word that no name list holds, where only a person
	// fits: "Pumpkin's mom", "moose and I", "staying with bandit"
	// (a plural is a group, not a person: "living with roommates")
	if lvl >= 35 && (d.lower || t.cap) && !t.is(lfClinical|lfExcluded|lfCommonProper) && !d.plural(s) && d.pairedPerson(i) {
		return true
	}
	return false
}

// plural reports whether s is the plural of an English word.
func (d *detector) plural(s string) bool {
	return len(s) > 3 && s[len(s)-1] == 's' && (d.g.lex.get(s[:len(s)-1]).level > 0 ||
		strings.HasSuffix(s, "es") && d.g.lex.get(s[:len(s)-2]).level > 0)
}

// pairedPerson: the strongest person contexts, where a common noun would
// not fit: a possessive before a relation ("Pumpkin's mom"), one of a pair
// with the speaker ("Scout and I"), or the company of a verb that takes a
// person ("staying with Moose", "talked to Peaches").
func (d *detector) pairedPerson(i int) bool {
	if d.joined(i) && d.joined(i+1) && d.low(i+1) == "and" && (d.low(i+2) == "i" || d.low(i+2) == "me") {
		return true
	}
	if d.toks[i].stemCut > 0 && d.joined(i) && d.lowIs(i+1, lfRelation) {
		return true
	}
	// a relation right before and a person's verb or "is"/"was" right
	// after: "my little brother Sparkle is", "my cousin taffy was"
	if i >= 1 && d.joined(i-1) && (d.lowIs(i-1, lfRelation) || friendWords[d.low(i-1)]) && d.joined(i) &&
		(d.lowIs(i+1, lfPersonVerb) || relationThen[d.low(i+1)] || d.lowIs(i+1, lfPersonBefore) && d.low(i+1) != "with") {
		return true
	}
	// a word that someone is: "Storm is my daughter", "rocky was her
	// boyfriend"
	// (the word starts its clause: "my biggest trigger is my ex" is none)
	if d.joined(i) && d.joined(i+1) && d.joined(i+2) && (d.low(i+1) == "is" || d.low(i+1) == "was") &&
		possessives[d.low(i+2)] && (d.lowIs(i+3, lfRelation) || friendWords[d.low(i+3)]) &&
		(d.toks[i].sentStart || i == 0 || !d.joined(i-1) || clauseOpeners[d.low(i-1)]) {
		return true
	}
	if i >= 2 && d.joined(i-1) && d.joined(i-2) {
		p, pp := d.low(i-1), d.low(i-2)
		if p == "with" && (companyWith[pp] || pp == "out" || pp == "in" || pp == "up") || p == "to" && talkTo[pp] {
			return true
		}
	}
	// the object of a verb that takes a person, ending its clause: "knows
	// Taffy.", "I lent my truck to sparkle", "called sparkle and"
	if i >= 1 && d.joined(i-1) && d.clauseEnd(i) {
		if p := d.low(i - 1); personObject[p] {
			return true
		} else if p == "to" {
			for k := i - 2; k >= 0 && k >= i-5 && d.joined(k); k-- {
				if giveTo[d.low(k)] {
					return true
				}
			}
		}
	}
	return false
}

// relationAndVerb: token i stands between a relation or friend word and a
// person's verb ("my brother tank picked me up").
func (d *detector) relationAndVerb(i int) bool {
	return i >= 1 && d.joined(i-1) && d.joined(i) && (d.lowIs(i-1, lfRelation) || friendWords[d.low(i-1)]) &&
		d.lowIs(i+1, lfPersonVerb)
}

// fnWordPerson reports whether token i, a function word, stands where only
// a person fits: before "and I"/"and me", after "me and", or right after a
// verb whose object is a person and never a clause ("owe", "lent",
// "texted", "thanked").
func (d *detector) fnWordPerson(i int) bool {
	if d.joined(i) && d.joined(i+1) && d.low(i+1) == "and" && (d.low(i+2) == "i" || d.low(i+2) == "me") {
		return true
	}
	if i >= 2 && d.joined(i-1) && d.joined(i-2) && d.low(i-1) == "and" && d.low(i-2) == "me" {
		return true
	}
	return i >= 1 && d.joined(i-1) && personOnlyObject[d.low(i-1)]
}

// personOnlyObject: verbs whose object is a person, never a clause or a
// verb ("i owe will forty bucks"; not "told", "asked": "what I told will
// happen").
var personOnlyObject = set(`owe owes owed lend lends lent texted thanked hugged`)

// friendWords are words for a friend or a peer that the relation list
// leaves out (it is a feature of the tagger, trained without them): "my
// buddy Tank picked me up".
var friendWords = set(`buddy homie homeboy bestie pal bff cellmate bunkmate classmate teammate`)

// clauseEnd: token i ends its clause (punctuation, a line's end, or "and"
// / "but" after it).
func (d *detector) clauseEnd(i int) bool {
	t := &d.toks[i]
	if t.stop || t.comma || i+1 >= len(d.toks) || d.toks[i+1].lineStart {
		return true
	}
	n := d.low(i + 1)
	return n == "and" || n == "but" || n == "so"
}

// notFamily: capitalised plurals after "the" that are no family (services,
// mountain ranges, teams).
var notFamily = set(`marines rangers rockies smokies ozarks catskills adirondacks poconos berkshires cowboys giants
packers steelers browns bears lions eagles saints chiefs patriots cardinals twins royals mariners`)

// sportsAfter: words after "the Browns" that make it a team.
var sportsAfter = set(`game games fan fans play played won lost win lose beat season score`)

// relationThen: words after "my brother X" that make X a name.
// clauseOpeners: words after which a new clause starts ("and Storm is my
// daughter").
var clauseOpeners = set(`and but so because cause cuz plus then`)

// possessives: determiners before a relation ("is my daughter").
var possessives = set(`my his her our their your`)

var relationThen = set(`is was has had never always still just`)

// personObject: verbs whose object at a clause's end is a person.
var personObject = set(`knows knew texted called asked told met visited blocked hugged thanked`)

// giveTo: verbs of "… to X" whose X is a person ("lent my truck to X").
var giveTo = set(`lent loaned lend lends sold owe owed owes showed handed`)

// inflected reports whether s is an inflection of an English word that is
// no name ("journaled", "texting", "relapses", "worrier"): word lists hold the
// base forms. A name-list word's inflection stays suspect.
func (d *detector) inflected(s string) bool {
	base := func(b string) bool {
		if len(b) < 3 {
			return false
		}
		e := d.g.lex.get(b)
		return e.level > 0 && e.given < 1000 && e.surname == 0 && e.place == 0
	}
	for _, suf := range []string{"ing", "ed", "es", "s", "er", "ers", "ly", "ness", "ment"} {
		b, ok := strings.CutSuffix(s, suf)
		if !ok || len(b) < 3 {
			continue
		}
		// "journal-ed", "hope-d", "stopp-ed", "worri-er"
		if base(b) || base(b+"e") || len(b) > 3 && b[len(b)-1] == b[len(b)-2] && base(b[:len(b)-1]) ||
			strings.HasSuffix(b, "i") && base(b[:len(b)-1]+"y") {
			return true
		}
	}
	return false
}

// englishCompound: a hyphenated word whose parts are all English words or
// numbers ("check-in", "follow-up", "sixty-day", "re-entry").
func (d *detector) englishCompound(s string) bool {
	if len(s) < 3 {
		return false
	}
	parts := 0
	for p := range splitHyphen(s) {
		parts++
		if p == "" {
			continue
		}
		e := d.g.lex.get(p)
		if e.level == 0 && e.numKind == numNone && e.flags&lfClinical == 0 && !prefixes[p] {
			return false
		}
	}
	return parts > 1
}

// prefixes that make words with a hyphen ("re-entry", "co-parent").
var prefixes = set(`re co pre post non anti un ex self semi sub mid multi over under inter intra tele`)

// speechFillers: sounds and spoken forms that no dictionary lists.
var speechFillers = set(`mm-hm mm-hmm mhm mmhm uh-huh uh-uh huh hmm hm mm um umm uh erm er ah oh eh yep nope nah gonna
wanna gotta kinda sorta lemme gimme dunno ya y'know yknow ok okay alright ain't cuz 'cause tho`)
