// Package instruments holds the measurement-based-care questionnaires
// Scribe administers — PHQ-9, GAD-7 and AUDIT-C — with their public item
// text, their scoring and severity bands, and the LOINC codes their
// results are exported with. It is pure: no store, no network.
//
// Licences: the PHQ-9 and GAD-7 were developed by Drs. Robert L. Spitzer,
// Janet B. W. Williams, Kurt Kroenke and colleagues with an educational
// grant from Pfizer Inc.; no permission is required to reproduce,
// translate, display or distribute them. The AUDIT-C is the first three
// questions of the WHO Alcohol Use Disorders Identification Test (Babor et
// al., WHO 2001), which WHO publishes for free use. The C-SSRS screener is
// not included: its licence (Columbia Lighthouse Project) requires the
// organisation using it to obtain it; Slots lists it as an instrument a
// practice can add once licensed.
package instruments

import (
	"fmt"
	"strings"
)

// Option is one answer of an item with its score.
type Option struct {
	Value int    `json:"value"`
	Text  string `json:"text"`
}

// Item is one question.
type Item struct {
	LinkID  string   `json:"link_id"`
	Text    string   `json:"text"`
	Options []Option `json:"options"`
	// LOINC is the item's own LOINC code when the exports need it
	// (PHQ-9 item 9).
	LOINC string `json:"loinc,omitempty"`
}

// Band is a severity band of the total score, Min..Max inclusive.
type Band struct {
	Min, Max int
	Label    string
}

// Instrument is one questionnaire.
type Instrument struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Stem     string `json:"stem"`
	Items    []Item `json:"items"`
	Bands    []Band `json:"bands"`
	MaxTotal int    `json:"max_total"`
	// LOINCTotal is the LOINC code of the total score.
	LOINCTotal string `json:"loinc_total"`
	// RiskItem, when set, is the index of the item whose answer above 0 is
	// a risk to act on (PHQ-9 item 9), with what the clinician is told.
	RiskItem   int    `json:"-"`
	RiskReason string `json:"-"`
	Source     string `json:"source"`
}

var frequency = []Option{{0, "Not at all"}, {1, "Several days"}, {2, "More than half the days"}, {3, "Nearly every day"}}

func items(prefix string, texts ...string) []Item {
	out := make([]Item, len(texts))
	for i, t := range texts {
		out[i] = Item{LinkID: fmt.Sprintf("%s-%d", prefix, i+1), Text: t, Options: frequency}
	}
	return out
}

// PHQ9, GAD7 and AUDITC are the instruments.
var (
	PHQ9 = func() Instrument {
		in := Instrument{ID: "phq9", Name: "PHQ-9", MaxTotal: 27, LOINCTotal: "44261-6", RiskItem: 9,
			RiskReason: "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered above \"Not at all\": assess suicide risk and document it before signing",
			Stem:       "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
			Items: items("phq9",
				"Little interest or pleasure in doing things",
				"Feeling down, depressed, or hopeless",
				"Trouble falling or staying asleep, or sleeping too much",
				"Feeling tired or having little energy",
				"Poor appetite or overeating",
				"Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
				"Trouble concentrating on things, such as reading the newspaper or watching television",
				"Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
				"Thoughts that you would be better off dead or of hurting yourself in some way"),
			Bands:  []Band{{0, 4, "minimal"}, {5, 9, "mild"}, {10, 14, "moderate"}, {15, 19, "moderately severe"}, {20, 27, "severe"}},
			Source: "PHQ-9 (Spitzer, Williams, Kroenke et al.; no permission required to reproduce or distribute)"}
		in.Items[8].LOINC = "44260-8"
		return in
	}()
	GAD7 = Instrument{ID: "gad7", Name: "GAD-7", MaxTotal: 21, LOINCTotal: "70274-6",
		Stem: "Over the last 2 weeks, how often have you been bothered by the following problems?",
		Items: items("gad7",
			"Feeling nervous, anxious, or on edge",
			"Not being able to stop or control worrying",
			"Worrying too much about different things",
			"Trouble relaxing",
			"Being so restless that it is hard to sit still",
			"Becoming easily annoyed or irritable",
			"Feeling afraid, as if something awful might happen"),
		Bands:  []Band{{0, 4, "minimal"}, {5, 9, "mild"}, {10, 14, "moderate"}, {15, 21, "severe"}},
		Source: "GAD-7 (Spitzer, Kroenke, Williams, Löwe; no permission required to reproduce or distribute)"}
	AUDITC = Instrument{ID: "auditc", Name: "AUDIT-C", MaxTotal: 12, LOINCTotal: "75626-2",
		Stem: "About your drinking in the past year:",
		Items: []Item{
			{LinkID: "auditc-1", Text: "How often do you have a drink containing alcohol?", Options: []Option{{0, "Never"}, {1, "Monthly or less"}, {2, "2 to 4 times a month"}, {3, "2 to 3 times a week"}, {4, "4 or more times a week"}}},
			{LinkID: "auditc-2", Text: "How many standard drinks containing alcohol do you have on a typical day when drinking?", Options: []Option{{0, "1 or 2"}, {1, "3 or 4"}, {2, "5 or 6"}, {3, "7 to 9"}, {4, "10 or more"}}},
			{LinkID: "auditc-3", Text: "How often do you have six or more drinks on one occasion?", Options: []Option{{0, "Never"}, {1, "Less than monthly"}, {2, "Monthly"}, {3, "Weekly"}, {4, "Daily or almost daily"}}},
		},
		// Positive at 3 or more for women and 4 or more for men (Bradley et
		// al. 2007); Scribe does not record sex, so the band names both.
		Bands:  []Band{{0, 2, "negative"}, {3, 3, "positive for women (3 or more); negative for men"}, {4, 12, "positive (4 or more for men, 3 or more for women)"}},
		Source: "AUDIT-C, the first three questions of the WHO AUDIT (Babor et al., WHO 2001)"}
)

// All lists the instruments in the order forms show them.
var All = []Instrument{PHQ9, GAD7, AUDITC}

// Slots names instruments a practice may add once it holds their licence.
var Slots = []string{"C-SSRS screener (Columbia Lighthouse Project; licence required)"}

// ByID returns an instrument by its id (phq9, gad7, auditc).
func ByID(id string) (Instrument, error) {
	for _, in := range All {
		if in.ID == strings.ToLower(strings.TrimSpace(id)) {
			return in, nil
		}
	}
	ids := make([]string, len(All))
	for i, in := range All {
		ids[i] = in.ID
	}
	return Instrument{}, fmt.Errorf("unknown questionnaire %q (one of %s)", id, strings.Join(ids, ", "))
}

// Result is a scored administration.
type Result struct {
	Total int    `json:"total"`
	Band  string `json:"band"`
	// Risk is set when the instrument's risk item was answered above 0.
	Risk bool `json:"risk"`
}

// Score checks answers (one value per item, each one of the item's
// options) and scores them.
func (in Instrument) Score(answers []int) (Result, error) {
	if len(answers) != len(in.Items) {
		return Result{}, fmt.Errorf("%s has %d questions; %d were answered", in.Name, len(in.Items), len(answers))
	}
	var r Result
	for i, a := range answers {
		ok := false
		for _, o := range in.Items[i].Options {
			ok = ok || o.Value == a
		}
		if !ok {
			return Result{}, fmt.Errorf("%s question %d has no answer worth %d", in.Name, i+1, a)
		}
		r.Total += a
	}
	for _, b := range in.Bands {
		if r.Total >= b.Min && r.Total <= b.Max {
			r.Band = b.Label
		}
	}
	r.Risk = in.RiskItem > 0 && answers[in.RiskItem-1] > 0
	return r, nil
}
