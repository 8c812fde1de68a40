package redaction

import (
	"errors"
	"testing"
)

// Unicode spaces split words like ASCII ones, although the capacity estimate
// counts only ASCII white space.
func TestTokenizeUnicodeSpaces(t *testing.T) {
	text := "Maria\u00a0Lopez\u2003called\u3000(412)\u00a0555-0199."
	toks := tokenize(text, nil)
	want := []string{"Maria", "Lopez", "called", "412", "555-0199"}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d", len(toks), len(want))
	}
	for i, w := range want {
		if got := text[toks[i].s:toks[i].e]; got != w {
			t.Errorf("token %d = %q, want %q", i, got, w)
		}
	}
	if !toks[3].leadParen || !toks[3].closeParen || !toks[4].period {
		t.Errorf("punctuation flags lost: %+v %+v", toks[3], toks[4])
	}
}

func TestRedactRejectsOversizedInput(t *testing.T) {
	defer func(n int) { maxRedactInput = n }(maxRedactInput)
	maxRedactInput = 30
	s := NewSession()
	if _, err := s.Redact("Maria Lopez called from Altoona."); !errors.Is(err, ErrInputTooLarge) {
		t.Fatalf("want ErrInputTooLarge, got %v", err)
	}
	if len(s.Map()) != 0 {
		t.Fatal("a rejected input changed the session")
	}
	if r, err := s.Redact("My sister Maria called."); err != nil || r.Text != "My sister [NAME_1] called." {
		t.Fatalf("input under the limit: %q, %v", r.Text, err)
	}
}
