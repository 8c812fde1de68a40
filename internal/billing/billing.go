// Package billing suggests the codes of a behavioral-health session from
// what Scribe knows exactly: the recorded face-to-face time, the kind of
// session, and the statements of the draft with the transcript segments
// they cite. Every suggestion carries its basis ("54 min recorded,
// 14:02–14:56") or its evidence (cited segments); a code with no basis is
// not suggested. Suggestions are only suggestions: the clinician confirms
// or changes them at signing, and nothing is ever submitted to a payer.
// The package is pure (no store, no network); the code lists are
// internal/terminology's.
package billing

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/terminology"
)

// Kind is the kind of service a session was, which decides the code family.
type Kind string

// Kinds of session.
const (
	Psychotherapy       Kind = "psychotherapy"         // individual psychotherapy, by time
	Intake              Kind = "intake"                // psychiatric diagnostic evaluation
	IntakeMedical       Kind = "intake_medical"        // the same with medical services (a prescriber)
	FamilyWithClient    Kind = "family_with_client"    // family or couples therapy, client present
	FamilyWithoutClient Kind = "family_without_client" // family therapy without the client
	Group               Kind = "group"
	Crisis              Kind = "crisis"
)

// Kinds lists every kind, for forms and flag checks.
var Kinds = []Kind{Psychotherapy, Intake, IntakeMedical, FamilyWithClient, FamilyWithoutClient, Group, Crisis}

// ParseKind reads a kind as typed in a form or on the command line.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == strings.TrimSpace(s) {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown kind of session %q (one of %s)", s, strings.Join(names, ", "))
}

// Setting is where the session took place, which decides the place of
// service and the telehealth modifier.
type Setting string

// Settings.
const (
	InPerson        Setting = "in_person"        // office or clinic
	TelehealthHome  Setting = "telehealth_home"  // audio-video, client at home
	TelehealthOther Setting = "telehealth_other" // audio-video, client elsewhere
	TelehealthAudio Setting = "telehealth_audio" // audio only, client at home
)

// Settings lists every setting, for forms and flag checks.
var Settings = []Setting{InPerson, TelehealthHome, TelehealthOther, TelehealthAudio}

// ParseSetting reads a setting as typed in a form or on the command line.
func ParseSetting(s string) (Setting, error) {
	for _, st := range Settings {
		if string(st) == strings.TrimSpace(s) {
			return st, nil
		}
	}
	names := make([]string, len(Settings))
	for i, st := range Settings {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown setting %q (one of %s)", s, strings.Join(names, ", "))
}

// Session is what the suggestion rests on.
type Session struct {
	Kind    Kind
	Setting Setting
	// Start and End bound the recorded face-to-face time on the wall
	// clock; Recorded is the recorded time itself (it may be shorter than
	// End-Start when recording paused).
	Start, End time.Time
	Recorded   time.Duration
	// Location renders Start and End in the clinician's time zone.
	Location *time.Location
}

// Statement is one statement of the draft with the segments it cites.
type Statement struct {
	Section   string
	Text      string
	Citations []string
}

// Code is one suggested code.
type Code struct {
	System    string   `json:"system"`
	Code      string   `json:"code"`
	Display   string   `json:"display"`
	Units     int      `json:"units,omitempty"`
	Modifiers []string `json:"modifiers,omitempty"`
	// Basis says in words why the code is suggested; Evidence lists the
	// transcript segments it rests on (diagnoses, interactive complexity).
	Basis    string   `json:"basis"`
	Evidence []string `json:"evidence,omitempty"`
}

// Label is the code as a claim line reads it: the code, its modifiers
// ("90834-95") and its units when more than one ("90840 × 2").
func (c Code) Label() string {
	l := c.Code
	if len(c.Modifiers) > 0 {
		l += "-" + strings.Join(c.Modifiers, "-")
	}
	if c.Units > 1 {
		l += fmt.Sprintf(" × %d", c.Units)
	}
	return l
}

// Suggestion is the codes for one session.
type Suggestion struct {
	Procedures []Code `json:"procedures"`
	Diagnoses  []Code `json:"diagnoses"`
	// PlaceOfService is the CMS place-of-service code, with its basis.
	PlaceOfService      string `json:"place_of_service"`
	PlaceOfServiceBasis string `json:"place_of_service_basis"`
	// NoCode says why no procedure code is suggested (too short a time).
	NoCode string `json:"no_code,omitempty"`
}

// minutes is the recorded time in whole minutes, rounded down: a suggestion
// never claims a minute that was not recorded.
func minutes(d time.Duration) int { return int(d / time.Minute) }

// Suggest returns the codes the session's time, kind, setting and
// statements support.
func Suggest(s Session, statements []Statement) Suggestion {
	var out Suggestion
	m := minutes(s.Recorded)
	basis := timeBasis(s)
	mods := Modifiers(s.Setting)
	out.PlaceOfService, out.PlaceOfServiceBasis = placeOfService(s.Setting)
	add := func(code string, units int, why string) {
		t, _ := terminology.Lookup(terminology.SystemCPT, code)
		out.Procedures = append(out.Procedures, Code{System: terminology.SystemCPT, Code: code, Display: t.Display, Units: units, Modifiers: mods, Basis: why})
	}
	psychotherapy := func() bool {
		switch {
		case m >= 53:
			add("90837", 1, basis+" (90837: 53 minutes or more)")
		case m >= 38:
			add("90834", 1, basis+" (90834: 38–52 minutes)")
		case m >= 16:
			add("90832", 1, basis+" (90832: 16–37 minutes)")
		default:
			out.NoCode = basis + ": psychotherapy under 16 minutes has no psychotherapy code"
			return false
		}
		return true
	}
	complexityAllowed := false
	switch s.Kind {
	case Intake:
		add("90791", 1, "intake evaluation; "+basis)
		complexityAllowed = true
	case IntakeMedical:
		add("90792", 1, "intake evaluation with medical services; "+basis)
		complexityAllowed = true
	case Group:
		if m > 0 {
			add("90853", 1, "group psychotherapy; "+basis)
			complexityAllowed = true
		} else {
			out.NoCode = "no recorded time"
		}
	case FamilyWithClient, FamilyWithoutClient:
		code := map[Kind]string{FamilyWithClient: "90847", FamilyWithoutClient: "90846"}[s.Kind]
		if m >= 26 {
			add(code, 1, basis+" ("+code+": 26 minutes or more)")
		} else {
			out.NoCode = basis + ": family psychotherapy under 26 minutes has no family code"
		}
	case Crisis:
		switch {
		case m >= 30:
			add("90839", 1, basis+" (90839: the first 30–74 minutes of crisis psychotherapy)")
			if m >= 75 {
				extra := (m-75)/30 + 1
				add("90840", extra, fmt.Sprintf("%s (90840 × %d: each further 30 minutes beyond 74)", basis, extra))
			}
		default:
			// Under 30 minutes, crisis psychotherapy is reported with the
			// time-based psychotherapy code.
			complexityAllowed = psychotherapy()
		}
	default:
		complexityAllowed = psychotherapy()
	}
	if complexityAllowed {
		if ev, why := interactiveComplexity(statements); len(ev) > 0 {
			add("90785", 1, "interactive complexity: "+why)
			out.Procedures[len(out.Procedures)-1].Evidence = ev
		}
	}
	out.Diagnoses = diagnoses(statements)
	return out
}

// timeBasis is "54 min recorded, 14:02–14:56".
func timeBasis(s Session) string {
	b := fmt.Sprintf("%d min recorded", minutes(s.Recorded))
	if !s.Start.IsZero() && !s.End.IsZero() {
		loc := s.Location
		if loc == nil {
			loc = time.UTC
		}
		b += ", " + s.Start.In(loc).Format("15:04") + "–" + s.End.In(loc).Format("15:04")
	}
	return b
}

// Modifiers are the CPT modifiers of a setting: 95 for audio-video
// telehealth, 93 for audio only, none in person.
func Modifiers(st Setting) []string {
	switch st {
	case TelehealthHome, TelehealthOther:
		return []string{"95"} // synchronous audio-video telehealth
	case TelehealthAudio:
		return []string{"93"} // audio only
	}
	return nil
}

func placeOfService(st Setting) (string, string) {
	switch st {
	case TelehealthHome, TelehealthAudio:
		return "10", "telehealth with the client at home"
	case TelehealthOther:
		return "02", "telehealth with the client outside their home"
	}
	return "11", "in person at the office"
}

// complexityCues are what makes communication interactively complex in the
// CPT sense: an interpreter or translator; caregivers whose conflict or
// emotions get in the way of care; a sentinel event (abuse, neglect) that
// the clinician must report to a third party; a play or other device
// needed to communicate. Each needs the words in a cited statement.
var complexityCues = []struct {
	words []string
	why   string
}{
	{[]string{"interpreter", "translator", "sign language"}, "an interpreter or translator took part"},
	{[]string{"mandated report", "report to child protective", "reported to child protective", "report to cps", "reported to cps", "report to adult protective", "reported to adult protective", "abuse report", "neglect report"}, "a sentinel event required a report to a third party"},
	{[]string{"play therapy", "play materials", "toys to communicate", "communication device", "drawing to communicate"}, "play or a device was needed to communicate"},
	{[]string{"caregiver conflict", "parents argued", "parents arguing", "guardian interfered", "caregiver interfered", "caregivers disagreed"}, "caregivers' conflict got in the way of care"},
}

func interactiveComplexity(statements []Statement) ([]string, string) {
	for _, c := range complexityCues {
		var ev []string
		for _, st := range statements {
			if len(st.Citations) == 0 {
				continue
			}
			low := strings.ToLower(st.Text)
			for _, w := range c.words {
				if at := strings.Index(low, w); at >= 0 && !notAsserted.MatchString(window(low, at)) {
					ev = appendUnique(ev, st.Citations...)
					break
				}
			}
		}
		if len(ev) > 0 {
			return ev, c.why
		}
	}
	return nil, ""
}

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, x := range list {
			if x == a {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// sortCodes orders codes by code, for stable output.
func sortCodes(cs []Code) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Code < cs[j].Code })
}
