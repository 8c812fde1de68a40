package redaction

import (
	"strings"
	"testing"
)

// TestZipAfterTown: a five-digit number right after a gazetteer town, with
// or without a comma and with no state, is a ZIP code; a count is not.
func TestZipAfterTown(t *testing.T) {
	for _, c := range []struct {
		text, zip string
		want      bool
	}{
		{"She lives in Tulsa 74103.", "74103", true},
		{"Contact: Paducah, 42001", "42001", true},
		{"i moved to tulsa 74103 last year", "74103", true},
		{"Moved to Santa Fe 87501.", "87501", true},
		{"Tulsa had 40000 people at the game.", "40000", false},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := !strings.Contains(r.Text, c.zip); got != c.want {
			t.Errorf("%q: ZIP redacted %v, want %v (%s)", c.text, got, c.want, r.Text)
		}
	}
}

// TestBareIntersection: two one-word street names without a street type
// after at/near/by, or after "the corner of", are one LOCATION with their
// "and"; everyday pairs ("at home and work") are not.
func TestBareIntersection(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"It's the corner of Hickory and Sparrow.", "It's the corner of [LOCATION_1]."},
		{"i live by maple and ninth", "i live by [LOCATION_1]"},
		{"we hang out near locust and robin", "we hang out near [LOCATION_1]"},
		{"I was at home and work all day.", "I was at home and work all day."},
		{"i was at work and school", "i was at work and school"},
		{"i was near tears and shaking", "i was near tears and shaking"},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != c.want {
			t.Errorf("%q → %q, want %q", c.text, r.Text, c.want)
		}
	}
}

// TestEverydayWordPersonContexts: an everyday word is a person's name in
// lower-case speech where only a person fits: after a relation and before
// a person's verb, as the clause-final object of a verb that takes a
// person, after "lent … to"; not after "gave it to", "called work".
func TestEverydayWordPersonContexts(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"everybody at the church knows taffy", "everybody at the church knows [NAME_1]"},
		{"i lent my truck to sparkle", "i lent my truck to [NAME_1]"},
		{"my little brother sparkle is the one", "my little brother [NAME_1] is the one"},
		{"i called work and left", "i called work and left"},
		{"he knows everything", "he knows everything"},
		{"i gave it to charity", "i gave it to charity"},
		{"i owe money to the bank", "i owe money to the bank"},
		{"she knows better", "she knows better"},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != c.want {
			t.Errorf("%q → %q, want %q", c.text, r.Text, c.want)
		}
	}
}

// TestTradeHeadEmployers: a name and a trade word after a work cue is an
// employer in lower-case speech too; everyday uses of the trade words stay.
func TestTradeHeadEmployers(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"i've been on second shift at dorrance fasteners since summer", "i've been on second shift at [ORG_1] since summer"},
		{"they hired me at kellerman fixtures", "they hired me at [ORG_1]"},
		{"i bought paint at the store", "i bought paint at the store"},
		{"i used my tools at home", "i used my tools at home"},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != c.want {
			t.Errorf("%q → %q, want %q", c.text, r.Text, c.want)
		}
	}
}

// TestFamilySurname: "the Bakers" mid-sentence in cased text is a family;
// services, ranges and teams are not.
func TestFamilySurname(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"The Bakers have three dogs.", "The [NAME_1] have three dogs."},
		{"We moved in with the Bakers for a while.", "We moved in with the [NAME_1] for a while."},
		{"I watched the Browns game.", "I watched the Browns game."},
		{"The Marines taught me discipline.", "The Marines taught me discipline."},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != c.want {
			t.Errorf("%q → %q, want %q", c.text, r.Text, c.want)
		}
	}
}
