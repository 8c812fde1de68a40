package vocab_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

func TestParseAtTheEdge(t *testing.T) {
	if r, err := vocab.ParseRole(" Admin "); err != nil || r != vocab.RoleAdmin {
		t.Errorf("ParseRole(Admin) = %q, %v", r, err)
	}
	if s, err := vocab.ParseConsentScope("PART2_TPO"); err != nil || s != vocab.ScopePart2TPO {
		t.Errorf("ParseConsentScope = %q, %v", s, err)
	}
	if p, err := vocab.ParseProgram(""); err != nil || p != vocab.ProgramMH || p.Part2() {
		t.Errorf("ParseProgram(\"\") = %q, %v; the default is mental health", p, err)
	}
	if !vocab.IsPart2("sud") || vocab.IsPart2("mh") {
		t.Error("IsPart2")
	}
	if st, err := vocab.ParseStage("redact"); err != nil || st.Label() != "redaction" {
		t.Errorf("ParseStage(redact) = %q (%s), %v", st, st.Label(), err)
	}
	cases := []struct {
		err     error
		field   validate.Field
		allowed []string
	}{
		{func() error { _, err := vocab.ParseRole("owner"); return err }(), vocab.FieldRole, []string{"clinician", "supervisor", "admin"}},
		{func() error { _, err := vocab.ParseConsentScope("all"); return err }(), vocab.FieldConsentScope, []string{"ai_scribe", "part2_tpo", "recording"}},
		{func() error { _, err := vocab.ParseSessionStatus("lost"); return err }(), vocab.FieldSessionStatus, vocab.Strings(vocab.SessionStatuses())},
		{func() error { _, err := vocab.ParseStage("purge"); return err }(), vocab.FieldStage, []string{"transcribe_chunk", "redact", "draft"}},
		{func() error { _, err := vocab.ParseProgram("psych"); return err }(), vocab.FieldProgram, []string{"mh", "sud"}},
	}
	for _, c := range cases {
		var ve *validate.Error
		if !errors.As(c.err, &ve) || ve.Field != c.field || !slices.Equal(ve.Allowed, c.allowed) {
			t.Errorf("%v: want a validate.Error for %q allowing %v", c.err, c.field, c.allowed)
		}
	}
}
