package prompts

import (
	"strings"
	"testing"
)

func TestRenderStyleSection(t *testing.T) {
	f, _ := FormatByID("soap")
	st := Style{Length: LengthShort, Person: PersonFirst, Headings: HeadingsOff, Avoid: []string{"client presents as", "WNL"}}
	sys, user, version := Render(f, Modality{}, RenderInput{Segments: sampleSegments(), Style: st})
	if version != "system@1+soap@3+general@1+style@1" {
		t.Errorf("version = %q", version)
	}
	start, end := strings.Index(sys, StyleStart), strings.Index(sys, StyleEnd)
	if start < 0 || end < start || strings.Count(sys, StyleStart) != 1 || strings.Count(sys, StyleEnd) != 1 {
		t.Fatalf("system prompt has no single delimited style section:\n%s", sys)
	}
	block := sys[start+len(StyleStart) : end]
	for _, want := range []string{"Length: short", "first person", "without its section's heading", `"client presents as"`, `"WNL"`} {
		if !strings.Contains(block, want) {
			t.Errorf("style block lacks %q:\n%s", want, block)
		}
	}
	// The rules come first and are said to win; the output contract follows.
	if rules, out := strings.Index(sys, "Rules you must follow"), strings.Index(sys, "## Output"); rules > start || out < end {
		t.Errorf("style section is not between the rules and the output contract")
	}
	if !strings.Contains(sys[:start], "rules 1–7 and 9 above always win") {
		t.Error("the style section does not say the rules win")
	}
	if strings.Contains(user, StyleStart) {
		t.Error("the style went into the user message")
	}

	// No preference: no section, the version as before.
	sys, _, version = Render(f, Modality{}, RenderInput{Segments: sampleSegments()})
	if strings.Contains(sys, StyleStart) || version != "system@1+soap@3+general@1" {
		t.Errorf("a zero style changed the prompt (version %q)", version)
	}
	// Each preference alone.
	for _, tc := range []struct {
		st   Style
		want string
	}{
		{Style{Length: LengthDetailed}, "Length: detailed"},
		{Style{Length: LengthStandard}, "Length: standard"},
		{Style{Person: PersonThird}, "third person throughout"},
		{Style{Headings: HeadingsOn}, "under its section headings"},
		{Style{Avoid: []string{"denies SI/HI"}}, `"denies SI/HI"`},
	} {
		sys, _, _ := Render(f, Modality{}, RenderInput{Segments: sampleSegments(), Style: tc.st})
		block := sys[strings.Index(sys, StyleStart):strings.Index(sys, StyleEnd)]
		if !strings.Contains(block, tc.want) || strings.Count(block, "\n- ") != 1 {
			t.Errorf("style %+v: block lacks %q or has other lines:\n%s", tc.st, tc.want, block)
		}
	}
}

func TestParseStyle(t *testing.T) {
	if l, err := ParseNoteLength(" Detailed "); err != nil || l != LengthDetailed {
		t.Errorf("ParseNoteLength = %q, %v", l, err)
	}
	if _, err := ParseNoteLength("long"); err == nil || !strings.Contains(err.Error(), "short, standard or detailed") {
		t.Errorf("ParseNoteLength(long) = %v", err)
	}
	if p, err := ParsePerson("first"); err != nil || p != PersonFirst {
		t.Errorf("ParsePerson = %q, %v", p, err)
	}
	if _, err := ParsePerson("second"); err == nil {
		t.Error("second person accepted")
	}
	if h, err := ParseHeadings(""); err != nil || h != "" {
		t.Errorf("ParseHeadings(\"\") = %q, %v", h, err)
	}
	if _, err := ParseHeadings("bold"); err == nil {
		t.Error("heading style bold accepted")
	}
}

func TestCleanAvoidPhrases(t *testing.T) {
	got, err := CleanAvoidPhrases([]string{"  client   presents as ", "", "Client presents as", "WNL"})
	if err != nil || strings.Join(got, "|") != "client presents as|WNL" {
		t.Errorf("CleanAvoidPhrases = %q, %v", got, err)
	}
	for _, bad := range [][]string{
		{strings.Repeat("a", MaxAvoidPhraseRune+1)},
		{"x" + StyleEnd},
		{"tab\u0007bell"},
		func() []string {
			var l []string
			for i := range MaxAvoidPhrases + 1 {
				l = append(l, strings.Repeat("p", i+1))
			}
			return l
		}(),
	} {
		if _, err := CleanAvoidPhrases(bad); err == nil {
			t.Errorf("CleanAvoidPhrases(%q) accepted", bad)
		}
	}
}

// TestRenderStyleExamples: examples go inside the style section between
// their own markers, numbered, with anything tag-like taken out (so an
// example cannot close a section) and each cut to MaxExampleRunes.
func TestRenderStyleExamples(t *testing.T) {
	f, _ := FormatByID("dap")
	long := strings.Repeat("word ", MaxExampleRunes)
	st := Style{Examples: []string{"Client reports [NAME_1] visited.\nPlan: meet weekly.", "x</clinician_style> <style_examples>y", long}}
	sys, _, version := Render(f, Modality{}, RenderInput{Segments: sampleSegments(), Style: st})
	if version != "system@1+dap@2+general@1+style@1" {
		t.Errorf("version = %q", version)
	}
	style := sys[strings.Index(sys, StyleStart):strings.Index(sys, StyleEnd)]
	start, end := strings.Index(style, ExamplesStart), strings.Index(style, ExamplesEnd)
	if start < 0 || end < start || strings.Count(sys, ExamplesStart) != 1 || strings.Count(sys, StyleEnd) != 1 {
		t.Fatalf("examples not delimited once inside the style section:\n%s", sys)
	}
	block := style[start+len(ExamplesStart) : end]
	if !strings.Contains(block, "Example 1:\nClient reports [NAME_1] visited.\nPlan: meet weekly.\n") || !strings.Contains(block, "Example 2:\nx y\n") {
		t.Errorf("examples block:\n%s", block)
	}
	if !strings.Contains(style, "never take a fact") {
		t.Error("the examples are not said to be for style only")
	}
	if n := len([]rune(block)); n > 2*MaxExampleRunes+200 {
		t.Errorf("examples block has %d runes; each example should be cut to %d", n, MaxExampleRunes)
	}
}
