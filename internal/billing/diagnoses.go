package billing

import (
	"regexp"
	"strings"

	"github.com/scribe-health/scribe/internal/terminology"
)

// A dxRule finds a documented diagnosis and picks its most specific code
// from the words of the statement (severity, course, remission).
type dxRule struct {
	find *regexp.Regexp
	code func(low string) string
}

func has(low string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// bySeverity picks a substance-use code: mild is abuse, moderate or severe
// dependence, remission its own code (dependence where the list has no
// remission code for the substance), no severity the unspecified use.
func bySeverity(prefix string) func(string) string {
	return func(low string) string {
		switch {
		case has(low, "in remission", "in sustained remission", "in early remission"):
			if _, ok := terminology.Lookup(terminology.SystemICD10, prefix+".21"); ok {
				return prefix + ".21"
			}
			return prefix + ".20"
		case has(low, "moderate", "severe"):
			return prefix + ".20"
		case has(low, "mild"):
			return prefix + ".10"
		}
		return prefix + ".90"
	}
}

func fixed(code string) func(string) string { return func(string) string { return code } }

// bipolarII keeps a bipolar II diagnosis from also reading as bipolar
// disorder unspecified.
var bipolarII = regexp.MustCompile(`\bbipolar (?:ii|2)\b`)

var dxRules = []dxRule{
	{regexp.MustCompile(`\bmajor depressi(?:ve disorder|on)\b|\bmdd\b`), func(low string) string {
		rec := has(low, "recurrent")
		switch {
		case has(low, "full remission"):
			return map[bool]string{true: "F33.42", false: "F32.5"}[rec]
		case has(low, "partial remission"):
			return map[bool]string{true: "F33.41", false: "F32.4"}[rec]
		case has(low, "severe") && has(low, "psychotic features", "psychotic symptoms", "with psychosis") && !has(low, "without psychotic"):
			return map[bool]string{true: "F33.3", false: "F32.3"}[rec]
		case has(low, "severe"):
			return map[bool]string{true: "F33.2", false: "F32.2"}[rec]
		case has(low, "moderate"):
			return map[bool]string{true: "F33.1", false: "F32.1"}[rec]
		case has(low, "mild"):
			return map[bool]string{true: "F33.0", false: "F32.0"}[rec]
		}
		return map[bool]string{true: "F33.9", false: "F32.9"}[rec]
	}},
	{regexp.MustCompile(`\bpersistent depressive disorder\b|\bdysthymi`), fixed("F34.1")},
	{regexp.MustCompile(`\bgeneralized anxiety disorder\b|\bgad\b(?:[^-0-9]|$)`), fixed("F41.1")},
	{regexp.MustCompile(`\bpanic disorder\b`), fixed("F41.0")},
	{regexp.MustCompile(`\bsocial anxiety disorder\b|\bsocial phobia\b`), fixed("F40.10")},
	{regexp.MustCompile(`\bobsessive[- ]compulsive disorder\b|\bocd\b`), fixed("F42.2")},
	{regexp.MustCompile(`\bpost-?traumatic stress disorder\b|\bptsd\b`), func(low string) string {
		if has(low, "chronic") {
			return "F43.12"
		}
		return "F43.10"
	}},
	{regexp.MustCompile(`\bacute stress (?:disorder|reaction)\b`), fixed("F43.0")},
	{regexp.MustCompile(`\badjustment disorder\b`), func(low string) string {
		switch {
		case has(low, "mixed anxiety and depressed mood"):
			return "F43.23"
		case has(low, "with depressed mood"):
			return "F43.21"
		case has(low, "with anxiety"):
			return "F43.22"
		}
		return "F43.20"
	}},
	{regexp.MustCompile(`\bbipolar (?:ii|2) disorder\b|\bbipolar (?:ii|2)\b`), fixed("F31.81")},
	{regexp.MustCompile(`\bbipolar (?:i |1 )?disorder\b`), func(low string) string {
		if bipolarII.MatchString(low) {
			return ""
		}
		return "F31.9"
	}},
	{regexp.MustCompile(`\bschizoaffective\b`), fixed("F25.9")},
	{regexp.MustCompile(`\bschizophrenia\b`), fixed("F20.9")},
	{regexp.MustCompile(`\balcohol use disorder\b`), bySeverity("F10")},
	{regexp.MustCompile(`\bopioid use disorder\b`), bySeverity("F11")},
	{regexp.MustCompile(`\bcannabis use disorder\b`), bySeverity("F12")},
	{regexp.MustCompile(`\bcocaine use disorder\b`), bySeverity("F14")},
	{regexp.MustCompile(`\b(?:stimulant|methamphetamine|amphetamine)[- ]type? ?(?:substance )?use disorder\b|\bstimulant use disorder\b`), bySeverity("F15")},
	{regexp.MustCompile(`\binsomnia disorder\b|\bprimary insomnia\b`), fixed("F51.01")},
	{regexp.MustCompile(`\bborderline personality disorder\b`), fixed("F60.3")},
	{regexp.MustCompile(`\badhd\b|\battention[- ]deficit`), func(low string) string {
		switch {
		case has(low, "inattentive"):
			return "F90.0"
		case has(low, "combined"):
			return "F90.2"
		}
		return "F90.9"
	}},
	{regexp.MustCompile(`\bautism spectrum disorder\b|\bautism\b`), fixed("F84.0")},
	{regexp.MustCompile(`\boppositional defiant\b`), fixed("F91.3")},
	{regexp.MustCompile(`\beating disorder\b`), fixed("F50.9")},
	{regexp.MustCompile(`\b(?:is|are|became|remains|currently|now) (?:experiencing )?homeless(?:ness)?\b|\bexperiencing homelessness\b`), fixed("Z59.00")},
	{regexp.MustCompile(`\b(?:is|are|remains|currently|now) unemployed\b|\blost (?:his|her|their|my) job\b`), fixed("Z56.0")},
	{regexp.MustCompile(`\b(?:history of|prior|previous|past) suicide attempts?\b`), fixed("Z91.51")},
	{regexp.MustCompile(`\bhistory of (?:non-?suicidal )?(?:self-harm|self-injury|cutting)\b`), fixed("Z91.52")},
	{regexp.MustCompile(`\b(?:marital|relationship) (?:conflict|problems|distress)\b|\bconflict with (?:his|her|their) (?:partner|spouse|wife|husband)\b`), fixed("Z63.0")},
	{regexp.MustCompile(`\b(?:going through|in the middle of|recent) (?:a )?(?:divorce|separation)\b`), fixed("Z63.5")},
}

// others are words that make a diagnosis someone else's when they come
// shortly before it in the same sentence ("her mother has bipolar
// disorder").
var others = regexp.MustCompile(`\b(?:mother|mom|father|dad|parents?|brother|sister|siblings?|son|daughter|child|children|kids?|husband|wife|spouse|partner|boyfriend|girlfriend|aunt|uncle|grandmother|grandfather|grandparents?|cousin|friend|roommate|coworker|niece|nephew)(?:'s)?\b`)

// negations and hypotheticals before a mention mean it is not a diagnosis
// of this client.
var notAsserted = regexp.MustCompile(`\b(?:denies|denied|declines|declined|refuses|refused|no|no history of|no prior|no previous|without|never|not|ruled out|rule out|r/o|does not meet|doesn't meet|did not meet|no evidence of|if|whether|wonders|worried (?:she|he|they) (?:has|have|might)|might|may have|could have|asked about|read about|screen(?:ed|ing)? for)\b`)

// window is the part of the sentence before a mention that decides whether
// it is asserted of the client: from the sentence's start (or the last
// semicolon, colon) up to the mention.
func window(low string, at int) string {
	start := strings.LastIndexAny(low[:at], ".;:!?")
	return low[start+1 : at]
}

func diagnoses(statements []Statement) []Code {
	var out []Code
	index := map[string]int{}
	for _, st := range statements {
		if len(st.Citations) == 0 {
			continue // a diagnosis is suggested only from what the session shows
		}
		low := strings.ToLower(st.Text)
		for _, r := range dxRules {
			for _, loc := range r.find.FindAllStringIndex(low, -1) {
				before := window(low, loc[0])
				if others.MatchString(before) || notAsserted.MatchString(before) {
					continue
				}
				sentence := low[loc[0]:]
				if end := strings.IndexAny(sentence, ".;!?"); end >= 0 {
					sentence = sentence[:end]
				}
				code := r.code(before + sentence)
				t, ok := terminology.Lookup(terminology.SystemICD10, code)
				if code == "" || !ok {
					continue
				}
				if i, seen := index[code]; seen {
					out[i].Evidence = appendUnique(out[i].Evidence, st.Citations...)
					continue
				}
				basis := "documented in the note"
				if st.Section != "" {
					basis = "documented in the note's " + st.Section + " section"
				}
				index[code] = len(out)
				out = append(out, Code{System: terminology.SystemICD10, Code: code, Display: t.Display, Basis: basis, Evidence: append([]string(nil), st.Citations...)})
			}
		}
	}
	sortCodes(out)
	return out
}
