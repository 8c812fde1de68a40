package summarize

import (
	"fmt"
	"regexp"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/prompts"
)

// riskLanguage matches suicide, self-harm, harm-to-others and overdose
// language. It over-matches on purpose: a false flag costs a clinician a
// glance, a missed one can cost a life.
var riskLanguage = regexp.MustCompile(`(?i)` +
	`\bkill(ing)? (myself|himself|herself|themselves|him|her|them|someone|somebody)\b` +
	`|\bend (it|it all|my life|things)\b|\bsuicid` +
	`|\bself[- ]?harm|\bcutting\b(?:\s+(?:my|myself|again|on))|\bcut myself\b|\bcutting myself\b` +
	`|\boverdos(e|ed|ing) on purpose\b|\b(not|never|didn'?t|don'?t|wouldn'?t) (want to )?wake up\b` +
	`|\bhurt(ing)? (myself|himself|herself|someone|somebody|him|her|them)\b` +
	`|\bwant(ed)? to die\b|\bbetter off (dead|without me|if i)|\bhomicid|\bno reason to live\b|\btake my (own )?life\b`)

// RiskSegments returns the IDs of segments with risk language.
func RiskSegments(segs []transcript.Segment) []string {
	var ids []string
	for _, s := range segs {
		if riskLanguage.MatchString(s.Text) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// supportedIn counts the supported statements of the section with role.
func supportedIn(n Note, f prompts.Format, role string) (present bool, supported int) {
	fs, ok := f.SectionByRole(role)
	if !ok {
		return false, 0
	}
	for _, s := range n.Sections {
		if s.Key != fs.Key {
			continue
		}
		for _, st := range s.Statements {
			if !st.Unsupported {
				supported++
			}
		}
		return true, supported
	}
	return false, 0
}

// gapChecks computes the flags for a grounded note. Reasons name segment
// IDs and counts, never text.
func gapChecks(in NoteInput, n Note, riskIDs []string, total, unsupported int) []Flag {
	flags := []Flag{}
	if !in.Consent.AIScribe && !in.Dictation { // a dictation is the clinician's own recording
		flags = append(flags, Flag{Code: FlagConsentMissing, Severity: SeverityHigh,
			Reason: "no AI-scribe consent on file for this session; confirm consent before using this draft"})
	}
	if (in.Part2 || vocab.IsPart2(in.Program)) && !in.Consent.Part2 {
		flags = append(flags, Flag{Code: FlagPart2ConsentMissing, Severity: SeverityHigh,
			Reason: "42 CFR Part 2 session without Part 2 consent on file; do not disclose this draft"})
	}
	return append(flags, noteChecks(in, n, riskIDs, total, unsupported)...)
}

// NoteCheckCodes are the flags NoteChecks decides: those a change to the
// note's text can raise or clear (the consent flags depend on the consent
// on file, not on the note).
var NoteCheckCodes = []string{FlagRiskNotAssessed, FlagMedRecMissing, FlagNoPlan, FlagNoFocus, FlagUnsupportedStatements}

// NoteChecks reruns the gap checks that depend on the note, for a note a
// clinician has changed: risk language in in.Segments with no supported
// risk statement, a missing medication, plan or focus section, and
// unsupported statements still in the note. It uses in.Segments, Format,
// Modality and MAT; statements keep the support Draft gave them.
func NoteChecks(in NoteInput, n Note) []Flag {
	total, unsupported := 0, 0
	for _, sec := range n.Sections {
		for _, st := range sec.Statements {
			total++
			if st.Unsupported {
				unsupported++
			}
		}
	}
	return noteChecks(in, n, RiskSegments(in.Segments), total, unsupported)
}

func noteChecks(in NoteInput, n Note, riskIDs []string, total, unsupported int) []Flag {
	flags := []Flag{}
	if len(riskIDs) > 0 {
		if _, n := supportedIn(n, in.Format, prompts.RoleRisk); n == 0 {
			flags = append(flags, Flag{Code: FlagRiskNotAssessed, Severity: SeverityHigh, Segment: riskIDs[0],
				Reason: fmt.Sprintf("risk language in %d segment(s) (first %s) but the note has no supported risk assessment", len(riskIDs), riskIDs[0])})
		}
	}
	if in.MAT || in.Modality.ID == "mat" {
		if _, n := supportedIn(n, in.Format, prompts.RoleMedication); n == 0 {
			flags = append(flags, Flag{Code: FlagMedRecMissing, Severity: SeverityMedium,
				Reason: "medication-assisted treatment session without a supported medication section"})
		}
	}
	if _, n := supportedIn(n, in.Format, prompts.RolePlan); n == 0 {
		flags = append(flags, Flag{Code: FlagNoPlan, Severity: SeverityMedium, Reason: "no supported plan or next appointment in the note"})
	}
	if _, n := supportedIn(n, in.Format, prompts.RoleFocus); n == 0 {
		flags = append(flags, Flag{Code: FlagNoFocus, Severity: SeverityMedium, Reason: "no supported diagnosis, focus or presenting problem in the note"})
	}
	if unsupported > 0 {
		flags = append(flags, Flag{Code: FlagUnsupportedStatements, Severity: SeverityMedium,
			Reason: fmt.Sprintf("%d of %d statements lack support in the transcript; review or remove them before signing", unsupported, total)})
	}
	return flags
}
