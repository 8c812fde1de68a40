package redaction

import (
	"fmt"
	"sync"
	"testing"
)

// TestRound5Contexts: round 5's context rules, written from the weak
// categories of round 4 and probes of this round (not from held-out text):
// a function word that is a common given name where only a person fits, a
// word between a friend word and a person's verb, "X is my <relation>" at a
// clause start, an ordinal birthday over 89, an age set off by commas after
// a relation; and the everyday readings they must leave alone.
func TestRound5Contexts(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Will and I broke up.", "[NAME_1] and I broke up."},
		{"me and will went fishing", "me and [NAME_1] went fishing"},
		{"i owe will forty bucks", "i owe [NAME_1] forty bucks"},
		{"my buddy tank picked me up", "my buddy [NAME_1] picked me up"},
		{"Storm is my daughter.", "[NAME_1] is my daughter."},
		{"and rocky was her boyfriend", "and [NAME_1] was her boyfriend"},
		{"My uncle celebrated his 96th birthday.", "My uncle celebrated his [AGE_1] birthday."},
		{"for her ninety-first birthday we went out", "for her [AGE_1] birthday we went out"},
		{"her mother, 97, fell last week", "her mother, [AGE_1], fell last week"},
		{"Pop died at 93.", "Pop died at [AGE_1]."},
		{"she passed away at ninety-one", "she passed away at [AGE_1]"},
		{"i used with domino behind the laundromat", "i used with [NAME_1] behind the laundromat"},
		// everyday readings
		{"He died at 45.", "He died at 45."},
		{"I used with needles before.", "I used with needles before."},
		{"I will call you and I will come.", "I will call you and I will come."},
		{"my biggest trigger is my ex", "my biggest trigger is my ex"},
		{"my friend group texted me", "my friend group texted me"},
		{"His 21st birthday was fun.", "His 21st birthday was fun."},
		{"We had 97, 98, 99 people.", "We had 97, 98, 99 people."},
		{"the people I told will be there", "the people I told will be there"},
	} {
		r, err := NewSession().Redact(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != c.want {
			t.Errorf("%q: got %q, want %q", c.text, r.Text, c.want)
		}
	}
}

// TestConcurrentRedactSameOutputs: the per-call buffers come from a pool
// (detBufs); calls running at the same time, in their own sessions, give
// the outputs they give one after the other.
func TestConcurrentRedactSameOutputs(t *testing.T) {
	docs := loadCorpus(t)
	want := make([]string, len(docs))
	for i, d := range docs {
		r, err := NewSession().Redact(d.Text)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r.Text
	}
	const workers = 4
	errs := make(chan string, workers*len(docs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := range docs {
				i := (k + w*7) % len(docs) // each worker in another order
				r, err := NewSession().Redact(docs[i].Text)
				if err != nil {
					errs <- err.Error()
					continue
				}
				if r.Text != want[i] {
					errs <- fmt.Sprintf("document %d differs when redacted concurrently", i)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
