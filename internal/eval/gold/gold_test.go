package gold_test

import (
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

func segments(s *gold.Session) []transcript.Segment {
	out := make([]transcript.Segment, len(s.Turns))
	for i, t := range s.Turns {
		out[i] = transcript.Segment{ID: t.ID, Speaker: t.Speaker, StartMS: t.StartMS, EndMS: t.EndMS, Text: t.Text}
	}
	return out
}

func note(c gold.Crafted, f prompts.Format) summarize.Note {
	n := summarize.Note{Format: f.ID}
	for _, fs := range f.Sections {
		sec := summarize.Section{Key: fs.Key, Title: fs.Title}
		for _, st := range c.Sections[fs.Key] {
			sec.Statements = append(sec.Statements, summarize.Statement{Text: st.Text, Citations: append([]string(nil), st.Citations...)})
		}
		n.Sections = append(n.Sections, sec)
	}
	return n
}

// TestGoldSetShape: at least 40 sessions, every one marked SYNTHETIC, the
// kinds the issue names all present, every fact matched by its own note
// text, and every distractor's leak text caught by its own match.
func TestGoldSetShape(t *testing.T) {
	sessions, err := gold.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) < 40 {
		t.Errorf("gold set has %d sessions, want at least 40", len(sessions))
	}
	kinds := map[string]int{}
	for _, s := range sessions {
		kinds[s.Kind]++
		if _, err := prompts.FormatByID(s.Template); err != nil {
			t.Errorf("%s: template %q: %v", s.ID, s.Template, err)
		}
		if _, err := prompts.ModalityByID(s.Modality); err != nil {
			t.Errorf("%s: modality %q: %v", s.ID, s.Modality, err)
		}
		for _, f := range s.Facts {
			if !f.Match.Matches(f.Note) {
				t.Errorf("%s %s: the note text %q does not match its own expression %s", s.ID, f.ID, f.Note, f.Match)
			}
		}
		for _, d := range s.AllDistractors() {
			if !d.Match.Matches(d.Leak) || d.OK.Matches(d.Leak) {
				t.Errorf("%s %s: the leak text %q is not a leak by its own expressions", s.ID, d.ID, d.Leak)
			}
		}
	}
	for _, k := range []string{"intake", "cbt", "dbt", "mi", "mat", "couples", "family", "group", "crisis", "si-passive", "si-active", "medication", "homework", "dictation", "long"} {
		if kinds[k] == 0 {
			t.Errorf("no gold session of kind %q", k)
		}
	}
	long := false
	for _, s := range sessions {
		if s.Minutes >= 90 {
			long = true
		}
	}
	if !long {
		t.Error("no 90-minute session")
	}
}

// TestCraftedGoodNotesAreGrounded: the good crafted note of every session
// passes the pipeline's own grounding (its statements are what the
// transcript says), and states no distractor.
func TestCraftedGoodNotesAreGrounded(t *testing.T) {
	sessions, err := gold.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		f, _ := prompts.FormatByID(s.Template)
		n := note(gold.Craft(s, f, gold.Good, nil), f)
		summarize.Ground(segments(s), &n)
		for _, sec := range n.Sections {
			for _, st := range sec.Statements {
				if st.Unsupported {
					t.Errorf("%s: good statement %q: %s", s.ID, st.Text, st.UnsupportedReason)
				}
				for _, d := range s.AllDistractors() {
					if d.Match.Matches(st.Text) && !d.OK.Matches(st.Text) {
						t.Errorf("%s: good statement %q leaks distractor %s", s.ID, st.Text, d.ID)
					}
				}
			}
		}
	}
	if !strings.Contains(gold.Notice, "SYNTHETIC") {
		t.Fatal("notice")
	}
}
