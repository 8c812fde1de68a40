package redaction

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fixedSuggester suggests spans found by searching for strings (code-point
// offsets computed here), plus raw spans; it records what it was sent.
type fixedSuggester struct {
	words []string // each occurrence becomes a NAME suggestion
	raw   []Span
	err   error
	sent  []string
}

func (f *fixedSuggester) Suggest(_ context.Context, text string) ([]Span, error) {
	f.sent = append(f.sent, text)
	if f.err != nil {
		return nil, f.err
	}
	rs := []rune(text)
	var out []Span
	for _, w := range f.words {
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(rs); i++ {
			if string(rs[i:i+len(wr)]) == w {
				out = append(out, Span{Start: i, End: i + len(wr), Type: TypeName})
			}
		}
	}
	return append(out, f.raw...), nil
}

func covered(res Result, text, part string) bool {
	rs := []rune(text)
	i := strings.Index(text, part)
	if i < 0 {
		return false
	}
	s := len([]rune(text[:i]))
	e := s + len([]rune(part))
	for k := s; k < e; k++ {
		if rs[k] == ' ' {
			continue
		}
		in := false
		for _, sp := range res.Spans {
			if sp.Start <= k && k < sp.End {
				in = true
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// TestSuggesterOnlyAdds: the second opinion adds spans and widens spans, and
// never removes or shrinks one the engine found (made-up text).
func TestSuggesterOnlyAdds(t *testing.T) {
	text := "client: i stayed with quillon at 41 bexley road, call 614-555-0182. we drink at the green door.\ntherapist: is the green door still there?"
	base, err := NewSession().Redact(text)
	if err != nil {
		t.Fatal(err)
	}
	if covered(base, text, "green door") {
		t.Fatal("the engine alone redacts the word the suggester is to add: the example tests nothing")
	}
	sug := &fixedSuggester{
		// a word cut short, one overlapping the street and the phone, and
		// words the engine leaves (both mentions)
		words: []string{"quill", "road, call", "green door"},
		raw: []Span{
			{Start: -1, End: 3, Type: TypeName},                                           // out of range: ignored
			{Start: 2, End: 1, Type: TypeName},                                            // empty: ignored
			{Start: 0, End: 10_000, Type: TypeURL},                                        // out of range: ignored
			{Start: len([]rune(text)) - 6, End: len([]rune(text)) - 1, Type: "PERSONISH"}, // "there": unknown type, read as NAME
		},
	}
	res, added, err := NewSession().RedactWithSuggester(context.Background(), text, sug)
	if err != nil {
		t.Fatal(err)
	}
	if len(sug.sent) != 1 || sug.sent[0] != text {
		t.Fatalf("the suggester was sent %q, want the text once", sug.sent)
	}
	rs := []rune(text)
	for _, b := range base.Spans {
		for k := b.Start; k < b.End; k++ {
			in := false
			for _, sp := range res.Spans {
				if sp.Start <= k && k < sp.End {
					in = true
				}
			}
			if !in {
				t.Fatalf("the engine's %s span %q lost code point %d with a suggester", b.Type, string(rs[b.Start:b.End]), k)
			}
		}
	}
	for _, part := range []string{"quillon", "road, call", "green door", "there"} {
		if !covered(res, text, part) {
			t.Errorf("%q is not redacted with the suggestion; spans %+v", part, res.Spans)
		}
	}
	if added == 0 {
		t.Error("no suggestion was counted as added")
	}
	for i := 1; i < len(res.Spans); i++ {
		if res.Spans[i].Start < res.Spans[i-1].End {
			t.Fatalf("spans overlap after the merge: %+v", res.Spans)
		}
	}
	if strings.Contains(res.Text, "uillon") || strings.Contains(res.Text, "0182") || strings.Contains(res.Text, "green") {
		t.Fatalf("redacted text still holds an identifier: %q", res.Text)
	}
}

// TestSuggesterNothingSuggested: with no suggestion the result is Redact's.
func TestSuggesterNothingSuggested(t *testing.T) {
	text := "Client: My sponsor Odalys Kettering moved to Tonopah last spring."
	base, err := NewSession().Redact(text)
	if err != nil {
		t.Fatal(err)
	}
	res, added, err := NewSession().RedactWithSuggester(context.Background(), text, &fixedSuggester{})
	if err != nil {
		t.Fatal(err)
	}
	if added != 0 || res.Text != base.Text || len(res.Spans) != len(base.Spans) {
		t.Fatalf("got %q (%d added), want %q", res.Text, added, base.Text)
	}
}

// TestSuggesterFailure: a failing second opinion fails the redaction with
// ErrSuggester and returns no text (a configured pass is never skipped
// silently).
func TestSuggesterFailure(t *testing.T) {
	boom := errors.New("connection refused")
	res, _, err := NewSession().RedactWithSuggester(context.Background(), "Client: hello", &fixedSuggester{err: boom})
	if !errors.Is(err, ErrSuggester) || !errors.Is(err, boom) {
		t.Fatalf("err = %v, want ErrSuggester wrapping the cause", err)
	}
	if res.Text != "" || res.Spans != nil {
		t.Fatalf("a failed redaction returned text %q", res.Text)
	}
}
