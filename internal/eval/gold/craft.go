package gold

import (
	"encoding/json"
	"strings"

	"github.com/scribe-health/scribe/prompts"
)

// Quality is the kind of crafted note.
type Quality int

const (
	// Good states every fact that must appear, in its section, cited to its
	// evidence, and nothing else.
	Good Quality = iota
	// Degraded leaves out every second key fact, the first risk fact and
	// every medication after the first; invents a medication; cites one
	// fact to the wrong segment; states each distractor as fact; puts the
	// plan in the wrong section; and, as a first reply, leaves out a
	// required section (so drafting needs its repair retry).
	Degraded
)

func (q Quality) String() string {
	if q == Degraded {
		return "degraded"
	}
	return "good"
}

// Statement is one crafted statement, in the model's reply shape.
type Statement struct {
	Text      string   `json:"text"`
	Citations []string `json:"citations"`
}

// Crafted is a crafted note: statements by section key, every section of
// the format present.
type Crafted struct {
	Sections map[string][]Statement
}

// inventedMeds are medications the degraded note invents; the first one
// the session never mentions is used.
var inventedMeds = []string{"lorazepam", "quetiapine", "clonazepam", "hydroxyzine", "trazodone"}

// Craft writes a note for s in format f. present, when not nil, limits it
// to the facts with evidence among those segment IDs (a pass-1 window of a
// long session) and cites only those.
func Craft(s *Session, f prompts.Format, q Quality, present map[string]bool) Crafted {
	c := Crafted{Sections: map[string][]Statement{}}
	for _, sec := range f.Sections {
		c.Sections[sec.Key] = []Statement{}
	}
	first := f.Sections[0].Key
	sectionFor := func(role string) string {
		if role == "" {
			return first
		}
		if sec, ok := f.SectionByRole(role); ok {
			return sec.Key
		}
		return first
	}
	avail := func(turns []string) []string {
		var out []string
		for _, t := range turns {
			if present == nil || present[t] {
				out = append(out, t)
			}
		}
		return out
	}
	lastPresent := ""
	for _, t := range s.Turns {
		if present[t.ID] {
			lastPresent = t.ID
		}
	}
	kindSeen := map[string]int{}
	wrongCited := false
	for _, fact := range s.MustAppear() {
		n := kindSeen[fact.Kind]
		kindSeen[fact.Kind]++
		cites := avail(fact.Turns)
		// In a window, a fact is stated where all its evidence is; one
		// whose evidence spans windows is stated in the window where it
		// begins, unless it begins on that window's last segment (which
		// the next window repeats).
		if len(cites) == 0 || len(cites) < len(fact.Turns) && (cites[0] != fact.Turns[0] || cites[0] == lastPresent) {
			continue
		}
		sec := sectionFor(fact.Role)
		if q == Degraded {
			switch {
			case fact.Kind == KindKey && n%2 == 1,
				fact.Kind == KindRisk && n == 0,
				fact.Kind == KindMed && n >= 1:
				continue
			case fact.Kind == KindPlan:
				sec = first
			case fact.Kind == KindKey && !wrongCited:
				if w := s.wrongTurn(fact.Turns, present); w != "" {
					cites = []string{w}
					wrongCited = true
				}
			}
		}
		c.Sections[sec] = append(c.Sections[sec], Statement{Text: fact.Note, Citations: cites})
	}
	if q == Degraded {
		if t := s.firstClientTurn(); t != "" && (present == nil || present[t]) {
			if med := s.inventedMed(); med != "" {
				sec := sectionFor("medication")
				c.Sections[sec] = append(c.Sections[sec], Statement{Text: "Client takes " + med + " 1 mg at night.", Citations: []string{t}})
			}
		}
		for _, d := range s.AllDistractors() {
			if cites := avail(d.Turns); len(cites) > 0 {
				c.Sections[first] = append(c.Sections[first], Statement{Text: d.Leak, Citations: cites})
			}
		}
	}
	return c
}

// wrongTurn is a segment two turns away from the evidence that is not
// evidence itself (and is in present).
func (s *Session) wrongTurn(evidence []string, present map[string]bool) string {
	isEvidence := map[string]bool{}
	for _, e := range evidence {
		isEvidence[e] = true
	}
	for i, t := range s.Turns {
		if t.ID != evidence[0] {
			continue
		}
		for _, j := range []int{i + 2, i - 2, i + 3, i - 3} {
			if j >= 0 && j < len(s.Turns) && !isEvidence[s.Turns[j].ID] && (present == nil || present[s.Turns[j].ID]) {
				return s.Turns[j].ID
			}
		}
	}
	return ""
}

func (s *Session) firstClientTurn() string {
	for _, t := range s.Turns {
		if t.Speaker != "clinician" {
			return t.ID
		}
	}
	return ""
}

func (s *Session) inventedMed() string {
	var all strings.Builder
	for _, t := range s.Turns {
		all.WriteString(strings.ToLower(t.Text))
		all.WriteByte(' ')
	}
	for _, m := range inventedMeds {
		if !strings.Contains(all.String(), m) {
			return m
		}
	}
	return ""
}

// JSON is the crafted note as a model's reply; the sections named in omit
// are left out (a malformed reply).
func (c Crafted) JSON(omit ...string) string {
	secs := map[string]any{}
	for k, st := range c.Sections {
		skip := false
		for _, o := range omit {
			if o == k {
				skip = true
			}
		}
		if !skip {
			secs[k] = map[string]any{"statements": st}
		}
	}
	b, _ := json.Marshal(map[string]any{"sections": secs})
	return string(b)
}
