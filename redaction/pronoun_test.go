package redaction

import (
	"fmt"
	"slices"
	"testing"
)

// TestPronounIEndsIdentifiers: the pronoun "I" (and "I'm", "I'll") is
// capitalised by spelling, not because it names anything, so it never
// continues a name, place or facility across "and" or a comma; and people's
// names joined by "and" stay separate names. Each case lists every span the
// text must produce, as "TYPE text", in order.
func TestPronounIEndsIdentifiers(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		// the reported bug: one LOCATION "Dana Whitfield and I"
		{"name is … and I", "My name is Dana Whitfield and I moved here last spring.", []string{"NAME Dana Whitfield"}},
		{"live with … and I", "I live with Dana Whitfield and I help her", []string{"NAME Dana Whitfield"}},
		{"given name and I", "Dana and I went to Lakeview Park", []string{"NAME Dana", "LOCATION Lakeview Park"}},
		{"relation cue and I", "my sponsor Tom Reyes and I talked", []string{"NAME Tom Reyes"}},
		{"relation cue, given name and I", "My wife Dana and I argued.", []string{"NAME Dana"}},
		{"comma and I'm", "Hi, my name is Dana Whitfield, and I'm her sponsor.", []string{"NAME Dana Whitfield"}},
		{"place, I", "I grew up in Scranton, I think.", []string{"LOCATION Scranton"}},
		{"stuttered I, I'm", "Yeah, I, I'm at Amber's, in Kokomo.", []string{"NAME Amber", "LOCATION Kokomo"}},
		{"employer and I", "I was at Brennan Logistics and I quit.", []string{"ORG Brennan Logistics"}},
		{"two people joined by and", "I saw Dana Whitfield and Sam Lee yesterday.", []string{"NAME Dana Whitfield", "NAME Sam Lee"}},
		// lower-case ASR output
		{"asr name is … and i", "my name is dana whitfield and i moved here", []string{"NAME dana whitfield"}},
		{"asr live with … and i", "i live with dana whitfield and i help her", []string{"NAME dana whitfield"}},
		{"asr given name and i", "dana and i went to lakeview park", []string{"NAME dana", "LOCATION lakeview park"}},
		{"asr relation cue and i", "my sponsor tom reyes and i talked", []string{"NAME tom reyes"}},
		// identifiers that really are joined by "and" stay whole
		{"employer of two surnames", "I work at Johnson and Johnson now.", []string{"ORG Johnson and Johnson"}},
		{"employer with ampersand", "She works at Johnson & Johnson now.", []string{"ORG Johnson & Johnson"}},
		{"store of two surnames", "He works at Barnes and Noble on weekends.", []string{"ORG Barnes and Noble"}},
		{"two streets", "We met at the corner of Elm Street and Main Street.", []string{"LOCATION Elm Street", "LOCATION Main Street"}},
		// "I" before a street type is a street name
		{"I Street", "The office is at 1200 I Street.", []string{"LOCATION 1200 I Street"}},
		// nothing to redact
		{"no identifier", "The client and I reviewed the plan.", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := redact(t, NewSession(), c.text)
			var got []string
			for i, s := range spanTexts(c.text, r) {
				got = append(got, fmt.Sprintf("%s %s", r.Spans[i].Type, s))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%q:\n got spans %q\nwant spans %q", c.text, got, c.want)
			}
		})
	}
}
