package billing

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func at(min int) Session {
	start := time.Date(2026, 3, 2, 14, 2, 0, 0, time.UTC)
	d := time.Duration(min)*time.Minute + 40*time.Second // seconds never round up
	return Session{Kind: Psychotherapy, Setting: InPerson, Start: start, End: start.Add(d), Recorded: d}
}

func codes(s Suggestion) string {
	var out []string
	for _, c := range s.Procedures {
		x := c.Code
		if c.Units > 1 {
			x += fmt.Sprintf("x%d", c.Units)
		}
		out = append(out, x)
	}
	return strings.Join(out, "+")
}

// TestPsychotherapyCodeBoundaries: the time-based code changes exactly at
// 16, 38 and 53 recorded minutes; under 16 nothing is suggested, and says why.
func TestPsychotherapyCodeBoundaries(t *testing.T) {
	for min, want := range map[int]string{0: "", 15: "", 16: "90832", 37: "90832", 38: "90834", 52: "90834", 53: "90837", 54: "90837", 90: "90837"} {
		s := Suggest(at(min), nil)
		if got := codes(s); got != want {
			t.Errorf("%d min: %q, want %q", min, got, want)
		}
		if want == "" && !strings.Contains(s.NoCode, "under 16 minutes") {
			t.Errorf("%d min: no code without its reason (%q)", min, s.NoCode)
		}
	}
	s := Suggest(at(54), nil)
	if b := s.Procedures[0].Basis; !strings.HasPrefix(b, "54 min recorded, 14:02–14:56") {
		t.Errorf("basis %q", b)
	}
}

func TestCrisisGroupFamilyIntake(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		min  int
		want string
	}{
		{Crisis, 15, ""}, {Crisis, 16, "90832"}, {Crisis, 29, "90832"}, {Crisis, 30, "90839"}, {Crisis, 74, "90839"},
		{Crisis, 75, "90839+90840"}, {Crisis, 104, "90839+90840"}, {Crisis, 105, "90839+90840x2"}, {Crisis, 135, "90839+90840x3"},
		{Group, 0, ""}, {Group, 5, "90853"}, {Group, 90, "90853"},
		{FamilyWithClient, 25, ""}, {FamilyWithClient, 26, "90847"}, {FamilyWithoutClient, 50, "90846"},
		{Intake, 10, "90791"}, {IntakeMedical, 70, "90792"},
	} {
		s := at(c.min)
		s.Kind = c.kind
		if got := codes(Suggest(s, nil)); got != c.want {
			t.Errorf("%s %d min: %q, want %q", c.kind, c.min, got, c.want)
		}
	}
}

func TestTelehealthPlaceAndModifier(t *testing.T) {
	for _, c := range []struct {
		set      Setting
		pos, mod string
	}{{InPerson, "11", ""}, {TelehealthHome, "10", "95"}, {TelehealthOther, "02", "95"}, {TelehealthAudio, "10", "93"}} {
		s := at(45)
		s.Setting = c.set
		got := Suggest(s, nil)
		if got.PlaceOfService != c.pos || strings.Join(got.Procedures[0].Modifiers, ",") != c.mod || got.PlaceOfServiceBasis == "" {
			t.Errorf("%s: POS %s modifiers %v, want %s %q", c.set, got.PlaceOfService, got.Procedures[0].Modifiers, c.pos, c.mod)
		}
	}
}

// TestInteractiveComplexityNeedsEvidence: +90785 only when a cited
// statement shows it, only beside the codes it may go with, and never from
// a denial or an uncited statement.
func TestInteractiveComplexityNeedsEvidence(t *testing.T) {
	with := []Statement{{Section: "Data", Text: "A Spanish interpreter joined the session by phone.", Citations: []string{"S3", "S4"}}}
	s := Suggest(at(45), with)
	if codes(s) != "90834+90785" || !reflect.DeepEqual(s.Procedures[1].Evidence, []string{"S3", "S4"}) {
		t.Fatalf("with an interpreter: %s %+v", codes(s), s.Procedures)
	}
	for name, st := range map[string][]Statement{
		"uncited": {{Text: "An interpreter joined.", Citations: nil}},
		"denied":  {{Text: "The client declined an interpreter.", Citations: []string{"S1"}}},
		"none":    {{Text: "Reviewed homework on thought records.", Citations: []string{"S1"}}},
	} {
		if got := codes(Suggest(at(45), st)); got != "90834" {
			t.Errorf("%s: %s", name, got)
		}
	}
	cr := at(60)
	cr.Kind = Crisis
	if got := codes(Suggest(cr, with)); got != "90839" {
		t.Errorf("crisis with an interpreter: %s (90785 does not go with 90839)", got)
	}
}

func TestDiagnosesFromCitedStatements(t *testing.T) {
	st := []Statement{
		{Section: "Assessment", Text: "Major depressive disorder, recurrent, moderate, with improving sleep.", Citations: []string{"S10"}},
		{Section: "Assessment", Text: "Alcohol use disorder, mild; client is cutting back.", Citations: []string{"S12", "S13"}},
		{Section: "Data", Text: "GAD-7 score was 12 today.", Citations: []string{"S2"}},                   // an instrument, not a diagnosis
		{Section: "Data", Text: "Her mother has bipolar disorder.", Citations: []string{"S4"}},            // a relative's
		{Section: "Data", Text: "Client denies PTSD symptoms since the move.", Citations: []string{"S5"}}, // denied
		{Section: "Plan", Text: "Rule out ADHD at the next visit.", Citations: []string{"S6"}},            // not yet a diagnosis
		{Section: "Assessment", Text: "Generalized anxiety disorder remains the focus.", Citations: nil},  // no evidence
		{Section: "Assessment", Text: "Chronic PTSD related to the accident.", Citations: []string{"S20"}},
		{Section: "Assessment", Text: "Symptoms still consistent with MDD, recurrent.", Citations: []string{"S11"}}, // same disorder, less specific
	}
	got := Suggest(at(45), st).Diagnoses
	var list []string
	for _, c := range got {
		list = append(list, c.Code+fmt.Sprint(c.Evidence))
		if c.Display == "" || !strings.HasPrefix(c.Basis, "documented in the note's") {
			t.Errorf("%s without its description or basis: %+v", c.Code, c)
		}
	}
	want := []string{"F10.10[S12 S13]", "F33.1[S10]", "F33.9[S11]", "F43.12[S20]"}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("diagnoses %v, want %v", list, want)
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		if got, err := ParseKind(string(k)); err != nil || got != k {
			t.Errorf("%s: %v %v", k, got, err)
		}
	}
	if _, err := ParseKind("therapy"); err == nil || !strings.Contains(err.Error(), "psychotherapy, intake") {
		t.Errorf("bad kind: %v", err)
	}
}

// TestSubstanceRemissionCodes: remission takes the substance's remission
// code where the list has one, and dependence where it has none.
func TestSubstanceRemissionCodes(t *testing.T) {
	for text, want := range map[string]string{
		"Alcohol use disorder, in early remission.":    "F10.21",
		"Opioid use disorder, in sustained remission.": "F11.21",
		"Cannabis use disorder, in remission.":         "F12.20",
		"Cocaine use disorder, in early remission.":    "F14.20",
		"Stimulant use disorder, in remission.":        "F15.20",
		"Cocaine use disorder, mild.":                  "F14.10",
		"Bipolar II disorder, stable on lithium.":      "F31.81",
	} {
		got := Suggest(at(45), []Statement{{Section: "Assessment", Text: text, Citations: []string{"S1"}}}).Diagnoses
		if len(got) != 1 || got[0].Code != want {
			t.Errorf("%q: %+v, want %s", text, got, want)
		}
	}
}
