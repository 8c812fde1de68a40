package redaction

import "testing"

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
