package eval

import (
	"strings"

	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// Finding is one problem the scorer found in a note, for the per-session
// detail: the statement (SYNTHETIC text), the gold item and why.
type Finding struct {
	Item      string `json:"item,omitempty"` // gold fact or distractor ID
	Statement string `json:"statement,omitempty"`
	Why       string `json:"why"`
}

// FormatCheck is how well the note kept to its template.
type FormatCheck struct {
	// Repaired: the first reply did not match the template's JSON shape
	// and drafting needed its repair retry.
	Repaired bool `json:"repaired"`
	// Uncited statements carry no valid citation.
	Uncited int `json:"uncited"`
	// Misplaced statements state a medication, risk or plan fact outside
	// the section the template gives it.
	Misplaced int  `json:"misplaced"`
	Compliant bool `json:"compliant"`
}

// SessionScore is one note, scored.
type SessionScore struct {
	Session  string `json:"session"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	Run      int    `json:"run"`
	Template string `json:"template"`
	// Skipped says why the session was not sent to this provider (the
	// BAA gate: a Part 2 session and a provider not allowed Part 2).
	Skipped string `json:"skipped,omitempty"`
	// Error is why drafting failed; the note's facts count as omitted.
	Error string `json:"error,omitempty"`

	Facts   int       `json:"facts"` // facts that must appear
	Missing []Finding `json:"missing"`

	Statements    int       `json:"statements"`
	Unsupported   int       `json:"unsupported"`   // no supporting segment
	Contradicting int       `json:"contradicting"` // contradicts a segment or names a medication never discussed
	Hallucinated  []Finding `json:"hallucinated"`

	Citations      int       `json:"citations"`
	Supporting     int       `json:"supporting"` // cited segments that support their statement
	WrongCitations []Finding `json:"wrong_citations"`

	RiskFacts      int `json:"risk_facts"`
	RiskFound      int `json:"risk_found"` // in the risk assessment section
	RiskStatements int `json:"risk_statements"`
	RiskCorrect    int `json:"risk_correct"` // risk statements that state a gold risk fact

	Meds        int       `json:"meds"` // medications the note must name
	MedsFound   int       `json:"meds_found"`
	MedMentions int       `json:"med_mentions"`
	MedCorrect  int       `json:"med_correct"`
	MedErrors   []Finding `json:"med_errors"`

	Distractors int       `json:"distractors"`
	Leaks       []Finding `json:"leaks"`

	Format FormatCheck `json:"format"`

	// Passes is 1, or 2 and more for a session drafted in windows.
	Passes           int      `json:"passes"`
	LatencyMS        int64    `json:"latency_ms"`
	PromptTokens     int      `json:"prompt_tokens"`
	CompletionTokens int      `json:"completion_tokens"`
	Flags            []string `json:"flags"`

	// Judge is the model-as-judge reading, when one was asked for.
	Judge *JudgeVerdict `json:"judge,omitempty"`
}

// Score scores one drafting result for a gold session. segs are the
// segments the note was drafted from (the redacted transcript); res is
// summarize.Draft's result, already grounded. A failed draft is scored
// with Failed.
func Score(s *gold.Session, f prompts.Format, segs []transcript.Segment, res summarize.Result) SessionScore {
	sc := blank(s, f)
	sc.LatencyMS = res.Latency.Milliseconds()
	sc.Passes = res.Passes
	sc.PromptTokens, sc.CompletionTokens = res.Usage.Prompt, res.Usage.Completion
	for _, fl := range res.Flags {
		sc.Flags = append(sc.Flags, fl.Code)
	}
	sc.Format.Repaired = res.Passes == 1 && res.Attempts > 1

	roleOf := map[string]string{}
	for _, fs := range f.Sections {
		roleOf[fs.Key] = fs.Role
	}
	type placed struct {
		st   summarize.Statement
		role string
	}
	var all []placed
	for _, sec := range res.Note.Sections {
		for _, st := range sec.Statements {
			all = append(all, placed{st, roleOf[sec.Key]})
		}
	}
	medsByName := map[string]gold.Fact{}
	for _, m := range s.FactsOf(gold.KindMed) {
		medsByName[m.Med] = m
	}
	riskFacts := s.FactsOf(gold.KindRisk)

	for _, p := range all {
		st := p.st
		sc.Statements++
		matched := matchingFacts(s, st.Text)

		// Medications named.
		invented := false
		for _, m := range medicationsIn(st.Text) {
			sc.MedMentions++
			g, ok := medsByName[m]
			switch {
			case !ok:
				invented = true
				sc.MedErrors = append(sc.MedErrors, Finding{Statement: st.Text, Why: "names " + m + ", never discussed in the session"})
			case g.Status == gold.MedRefused && !gold.RefusalWords.Matches(st.Text):
				sc.MedErrors = append(sc.MedErrors, Finding{Item: g.ID, Statement: st.Text, Why: "states " + m + " as taken; the client declined it"})
			default:
				sc.MedCorrect++
			}
		}

		// Hallucination: the pipeline's grounding, and the scorer's own
		// check for an invented medication.
		negation := strings.Contains(st.UnsupportedReason, "negation mismatch")
		switch {
		case negation || invented:
			sc.Contradicting++
			why := "contradicts its cited segment"
			if invented {
				why = "names a medication the session never mentions"
			}
			sc.Hallucinated = append(sc.Hallucinated, Finding{Statement: st.Text, Why: why})
		case st.Unsupported:
			sc.Unsupported++
			sc.Hallucinated = append(sc.Hallucinated, Finding{Statement: st.Text, Why: "no supporting segment: " + st.UnsupportedReason})
		}

		// Citations: each cited segment must support the statement (be a
		// gold fact's evidence, or support it on its own).
		unknown := strings.Count(st.UnsupportedReason, "cites unknown segment") + strings.Count(st.UnsupportedReason, "cites an unknown segment")
		sc.Citations += len(st.Citations) + unknown
		for i := 0; i < unknown; i++ {
			sc.WrongCitations = append(sc.WrongCitations, Finding{Statement: st.Text, Why: "cites a segment that does not exist"})
		}
		for _, c := range st.Citations {
			if supports(segs, matched, st.Text, c) {
				sc.Supporting++
			} else {
				sc.WrongCitations = append(sc.WrongCitations, Finding{Statement: st.Text, Why: "cited segment " + c + " does not support it"})
			}
		}
		if len(st.Citations)+unknown == 0 || strings.Contains(st.UnsupportedReason, "no valid citations") || strings.Contains(st.UnsupportedReason, "no citations") {
			sc.Format.Uncited++
		}

		// Risk statements.
		if p.role == prompts.RoleRisk {
			sc.RiskStatements++
			for _, r := range riskFacts {
				if r.Match.Matches(st.Text) {
					sc.RiskCorrect++
					break
				}
			}
		}

		// Placement: a statement that states only medication, risk or
		// plan facts belongs in the section the template gives them.
		if misplaced(f, matched, p.role) {
			sc.Format.Misplaced++
		}
	}

	// Omissions and recall.
	for _, fact := range s.MustAppear() {
		found, inRisk, named := false, false, false
		for _, p := range all {
			if fact.Match.Matches(p.st.Text) {
				found = true
				if p.role == prompts.RoleRisk {
					inRisk = true
				}
			}
			if fact.Kind == gold.KindMed {
				for _, m := range medicationsIn(p.st.Text) {
					if m == fact.Med {
						named = true
					}
				}
			}
		}
		if !found {
			sc.Missing = append(sc.Missing, Finding{Item: fact.ID, Statement: fact.Note, Why: "key fact missing"})
		}
		if fact.Kind == gold.KindRisk && inRisk {
			sc.RiskFound++
		}
		if fact.Kind == gold.KindMed && named {
			sc.MedsFound++
		}
	}

	// Distractors stated as fact.
	for _, d := range s.AllDistractors() {
		for _, p := range all {
			if d.Match.Matches(p.st.Text) && !d.OK.Matches(p.st.Text) {
				sc.Leaks = append(sc.Leaks, Finding{Item: d.ID, Statement: p.st.Text, Why: "states a distractor as fact"})
				break
			}
		}
	}
	sc.Format.Compliant = !sc.Format.Repaired && sc.Format.Uncited == 0 && sc.Format.Misplaced == 0
	return sc
}

// Failed scores a draft that failed: every fact omitted, the format not
// kept.
func Failed(s *gold.Session, f prompts.Format, err error) SessionScore {
	sc := blank(s, f)
	sc.Error = err.Error()
	for _, fact := range s.MustAppear() {
		sc.Missing = append(sc.Missing, Finding{Item: fact.ID, Statement: fact.Note, Why: "no note"})
	}
	return sc
}

func blank(s *gold.Session, f prompts.Format) SessionScore {
	sc := SessionScore{Session: s.ID, Kind: s.Kind, Template: f.ID,
		Missing: []Finding{}, Hallucinated: []Finding{}, WrongCitations: []Finding{}, MedErrors: []Finding{}, Leaks: []Finding{}, Flags: []string{}}
	sc.Facts = len(s.MustAppear())
	sc.RiskFacts = len(s.FactsOf(gold.KindRisk))
	for _, m := range s.FactsOf(gold.KindMed) {
		if m.Status != gold.MedRefused {
			sc.Meds++
		}
	}
	sc.Distractors = len(s.AllDistractors())
	return sc
}

func matchingFacts(s *gold.Session, text string) []gold.Fact {
	var out []gold.Fact
	for _, f := range s.Facts {
		if f.Match.Matches(text) {
			out = append(out, f)
		}
	}
	return out
}

// supports reports whether segment id supports the statement: it is the
// evidence of a gold fact the statement states, or the pipeline's grounding
// finds the statement supported by that segment alone.
func supports(segs []transcript.Segment, matched []gold.Fact, text, id string) bool {
	for _, f := range matched {
		for _, t := range f.Turns {
			if t == id {
				return true
			}
		}
	}
	n := summarize.Note{Sections: []summarize.Section{{Key: "x", Statements: []summarize.Statement{{Text: text, Citations: []string{id}}}}}}
	summarize.Ground(segs, &n)
	return !n.Sections[0].Statements[0].Unsupported
}

func misplaced(f prompts.Format, matched []gold.Fact, role string) bool {
	if len(matched) == 0 {
		return false
	}
	for _, fact := range matched {
		if fact.Role == "" || fact.Role == prompts.RoleFocus || fact.Role == role {
			return false
		}
		if _, has := f.SectionByRole(fact.Role); !has {
			return false
		}
	}
	return true
}
