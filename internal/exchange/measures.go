package exchange

import (
	"fmt"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
)

// SystemObservationCategory is FHIR's observation category code system.
const SystemObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"

// measureResources are the session's questionnaires: per administration a
// QuestionnaireResponse with every item and answer, an Observation of the
// total (LOINC) derived from it with its severity band, and for the PHQ-9
// an Observation of item 9 (LOINC 44260-8).
func measureResources(in Input) []map[string]any {
	var out []map[string]any
	subject := reference{Identifier: &identifier{System: SystemClientAlias, Value: in.Session.ClientAlias}, Display: in.Session.ClientAlias}
	labels := &meta{Security: SecurityLabels(in.Session.Part2())}
	for _, m := range in.Measures {
		inst, err := instruments.ByID(m.Instrument)
		if err != nil || len(m.Answers) != len(inst.Items) {
			continue
		}
		res, err := inst.Score(m.Answers)
		if err != nil {
			continue
		}
		when := instant(time.UnixMilli(m.AdministeredAt))
		qrID := fhirID("questionnaire-response", m.ID)
		var items []map[string]any
		for i, it := range inst.Items {
			ans := map[string]any{"valueInteger": m.Answers[i]}
			for _, o := range it.Options {
				if o.Value == m.Answers[i] {
					ans = map[string]any{"valueCoding": Coding{System: "urn:scribe:answer:" + inst.ID, Code: fmt.Sprint(o.Value), Display: o.Text}}
				}
			}
			items = append(items, map[string]any{"linkId": it.LinkID, "text": it.Text, "answer": []map[string]any{ans}})
		}
		source := "client"
		if m.Source == store.MeasureByClinician {
			source = "entered by the clinician"
		}
		qr := map[string]any{
			"resourceType":  "QuestionnaireResponse",
			"id":            qrID,
			"meta":          labels,
			"identifier":    identifier{System: "urn:scribe:measure", Value: m.ID},
			"questionnaire": "urn:scribe:questionnaire:" + inst.ID,
			"status":        "completed",
			"subject":       subject,
			"authored":      when,
			"item":          items,
		}
		if author := clinicianRef(m.EnteredBy); author != nil {
			qr["author"] = author
		}
		out = append(out, map[string]any{"fullUrl": "urn:uuid:" + qrID, "resource": qr})
		obs := func(kind, code, display string, value int, interp string) {
			id := fhirID("observation", m.ID, kind)
			o := map[string]any{
				"resourceType":      "Observation",
				"id":                id,
				"meta":              labels,
				"status":            "final",
				"category":          []concept{{Coding: []Coding{{System: SystemObservationCategory, Code: "survey", Display: "Survey"}}}},
				"code":              concept{Coding: []Coding{{System: SystemLOINC, Code: code, Display: display}}, Text: display},
				"subject":           subject,
				"effectiveDateTime": when,
				"valueInteger":      value,
				"derivedFrom":       []reference{{Reference: "urn:uuid:" + qrID}},
				"note":              []map[string]any{{"text": inst.Name + ", " + source}},
			}
			if interp != "" {
				o["interpretation"] = []concept{{Text: interp}}
			}
			out = append(out, map[string]any{"fullUrl": "urn:uuid:" + id, "resource": o})
		}
		obs("total", inst.LOINCTotal, inst.Name+" total score", res.Total, res.Band)
		for i, it := range inst.Items {
			if it.LOINC != "" {
				interp := ""
				if i == inst.RiskItem-1 && m.Answers[i] > 0 {
					interp = "positive: assess suicide risk"
				}
				obs(fmt.Sprintf("item-%d", i+1), it.LOINC, fmt.Sprintf("%s item %d", inst.Name, i+1), m.Answers[i], interp)
			}
		}
	}
	return out
}

// MeasureLines are the session's questionnaires as the note's text lists
// them: "PHQ-9 14 of 27 (moderate), 2026-12-06, answered by the client;
// item 9 positive".
func MeasureLines(ms []store.Measure) []string {
	var out []string
	for _, m := range ms {
		inst, err := instruments.ByID(m.Instrument)
		if err != nil {
			continue
		}
		res, err := inst.Score(m.Answers)
		if err != nil {
			continue
		}
		who := "answered by the client"
		if m.Source == store.MeasureByClinician {
			who = "entered by the clinician"
		}
		line := fmt.Sprintf("%s %d of %d (%s), %s, %s", inst.Name, res.Total, inst.MaxTotal, res.Band, time.UnixMilli(m.AdministeredAt).UTC().Format(time.DateOnly), who)
		if res.Risk {
			line += fmt.Sprintf("; item %d positive (%d)", inst.RiskItem, m.Answers[inst.RiskItem-1])
		}
		out = append(out, line)
	}
	return out
}

// measureText is the questionnaire block of the exported text.
func measureText(ms []store.Measure) string {
	lines := MeasureLines(ms)
	if len(lines) == 0 {
		return ""
	}
	return "\nQuestionnaires\n" + strings.Join(lines, "\n") + "\n"
}
