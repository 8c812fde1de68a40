package redaction

import "testing"

// Round 3 (docs/redaction.md): contexts that make a word an identifier,
// written from the categories of issue 13 (made-up names, none from any
// corpus).

// TestEmployerContexts: an employer ends in a trade word, in cased text and
// in lower-case speech, after a work cue or as the subject of a layoff.
func TestEmployerContexts(t *testing.T) {
	checkSpans(t, []spanCase{
		{"work at, lower-case, trade tail", "client: i work at hadley brothers excavating on the night crew", []string{"ORG hadley brothers excavating"}},
		{"manager at, lower-case", "client: my manager at ostrowski farms yells at everybody", []string{"ORG ostrowski farms"}},
		{"boss over at", "client: my boss over at pelham concrete is fair", []string{"ORG pelham concrete"}},
		{"fired from, tail after a head", "client: i got fired from quarles auto body last year", []string{"ORG quarles auto body"}},
		{"subject of a layoff", "client: dornbusch machine shop cut my hours again", []string{"ORG dornbusch machine shop"}},
		{"clock in at", "client: i clock in at vesper plastics at seven", []string{"ORG vesper plastics"}},
		{"cased", "Client: My supervisor at Larrabee Metals wrote me up.", []string{"ORG Larrabee Metals"}},
		{"everyday words ending in a head", "client: i work at the copper kettle diner on weekends", []string{"ORG copper kettle diner"}},
		{"no employer", "client: i work at home now and the farm is for sale", nil},
	})
}

// TestPersonContexts: an everyday word is a person where only a person
// fits.
func TestPersonContexts(t *testing.T) {
	checkSpans(t, []spanCase{
		{"one of a pair with the speaker", "Client: Scout and I went fishing on Sunday.", []string{"NAME Scout"}},
		{"staying with", "client: i'm living with moose until i find a place", []string{"NAME moose"}},
		{"talked to", "client: i haven't talked to peaches in a year", []string{"NAME peaches"}},
		{"whose relation", "Client: Pumpkin's mom won't let her see me.", []string{"NAME Pumpkin"}},
		{"hung out with", "client: we hung out with bandit all weekend", []string{"NAME bandit"}},
		{"a person's verb at a sentence start", "Client: Boots called me last night.", []string{"NAME Boots"}},
		{"no person", "client: i'm living with roommates and talked to my family", nil},
		{"no person, clinical", "client: i'm living with depression and talked to my sponsor about it", nil},
	})
}

// TestMultiWordPlaces: a gazetteer place of several words, at a sentence
// start or after a place word, with particles and abbreviations.
func TestMultiWordPlaces(t *testing.T) {
	checkSpans(t, []spanCase{
		{"sentence start", "Client: Walnut Creek is where it all started.", []string{"LOCATION Walnut Creek"}},
		{"St. read as Saint", "Client: My ex lives in Port St. Lucie now.", []string{"LOCATION Port St. Lucie"}},
		{"lower-case st", "client: my ex lives in port st lucie now", []string{"LOCATION port st lucie"}},
		{"particle", "Client: Back in Fond du Lac we had a house.", []string{"LOCATION Fond du Lac"}},
		{"lower-case needs a place word", "client: round rock was better for the kids", []string{"LOCATION round rock"}},
	})
}

// TestSpelledLettersAI: the letters A and I inside a spelled identifier.
func TestSpelledLettersAI(t *testing.T) {
	checkSpans(t, []spanCase{
		{"ending in A I", "Client: Her license plate reads E two nine nine A I.", []string{"ID E two nine nine A I"}},
		{"lower-case, end of line", "client: her license plate reads e two nine nine a i", []string{"ID e two nine nine a i"}},
		{"a inside, no cue", "client: it's m a six five eight one one seven", []string{"ID m a six five eight one one seven"}},
		{"the article after", "client: the plate was k l m four four seven a few days ago", []string{"ID k l m four four seven"}},
		{"the pronoun after", "client: plate is t r x four one nine i think", []string{"ID t r x four one nine"}},
	})
}

// TestCuesAroundNumbers: identifiers whose cue comes after them or is a
// possessive, and dates and addresses in shapes of their own (round 3, after
// the fresh part's one score; made-up values).
func TestCuesAroundNumbers(t *testing.T) {
	checkSpans(t, []spanCase{
		{"partial SSN, the social named after", "Client: Mine ends in four four one two, the social I mean.", []string{"SSN four four one two"}},
		{"partial SSN, ends in", "client: it ends in 6 1 1 8 for my social", []string{"SSN 6 1 1 8"}},
		{"ends in, a card: an account ID", "client: the card ends in 6 1 1 8", []string{"ID 6 1 1 8"}},
		{"a noun's number", "client: my probation number's four seven dash one two three four five", []string{"ID four seven dash one two three four five"}},
		{"my number is a phone", "Client: My number is 412 555 0199.", []string{"PHONE 412 555 0199"}},
		{"the number of days", "Client: The number of days is four now.", nil},
		{"a relation's possessive age", "Client: Nana's ninety-four now and still sharp.", []string{"AGE ninety-four"}},
		{"made it to", "client: grandpa made it to a hundred and three", []string{"AGE a hundred and three"}},
		{"made it to, no age", "client: i made it to a meeting on time", nil},
		{"ZIP after", "Client: I'm in the 44102 zip.", []string{"LOCATION 44102"}},
		{"zip's", "client: my zip's four four one oh two", []string{"LOCATION four four one oh two"}},
		{"compass abbreviation", "Client: I live off of 4113 N. Maple St. now.", []string{"LOCATION 4113 N. Maple St"}},
		{"month the day", "Client: It happened on March the fifth.", []string{"DATE March the fifth"}},
		{"march the verb", "Client: We march the whole way.", nil},
	})
}

// TestInflectedWordsAreSafe: in lower-case speech an inflection of an
// everyday word is no name, though the word lists hold only base forms.
func TestInflectedWordsAreSafe(t *testing.T) {
	checkSpans(t, []spanCase{
		{"past tense and -ing", "client: i journaled most nights and kept texting my sponsor", nil},
		{"a name-list word's inflection stays suspect only by context", "client: me and tamsins went out", []string{"NAME tamsins"}},
	})
}
