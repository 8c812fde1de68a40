package redaction

import (
	"testing"
	"unicode/utf8"
)

// FuzzRedactWithTagger: whatever the text, Redact (rules, backstop and the
// statistical layer) does not fail on valid UTF-8, returns spans in order,
// inside the text and apart, gives valid UTF-8, and gives the same result
// twice. Seeds are made up and exercise the tagger's shapes.
func FuzzRedactWithTagger(f *testing.F) {
	for _, s := range []string{
		"client: they took me to saint wendeline er that night",
		"Client: The plate was K I four four seven.\nTherapist: okay",
		"client: i grew up in east harlow a small place",
		"client: i did detox at silver lake hospital back then",
		"Client: I told Sparrow I wasn't going to Brackenridge Recovery.",
		"saint", "St.", "er er er", "K L M", "I a I a", "\n\n:", "Client:", "x: saint saint saint saint",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) || len(text) > maxRedactInput {
			return
		}
		r1, err := NewSession().Redact(text)
		if err != nil {
			t.Fatalf("Redact failed on valid input: %v", err)
		}
		n := utf8.RuneCountInString(text)
		last := 0
		for _, s := range r1.Spans {
			if s.Start < last || s.End <= s.Start || s.End > n {
				t.Fatalf("span %d-%d out of order, empty or outside the text (%d code points, previous end %d)", s.Start, s.End, n, last)
			}
			last = s.End
		}
		if !utf8.ValidString(r1.Text) {
			t.Fatal("output is not valid UTF-8")
		}
		r2, err := NewSession().Redact(text)
		if err != nil || r2.Text != r1.Text || len(r2.Spans) != len(r1.Spans) {
			t.Fatal("two runs over the same text differ")
		}
	})
}
