// Package exchange turns a session's note into the formats other systems
// read: a FHIR R4 Bundle (DocumentReference + Provenance recording AI
// assistance, with 42 CFR Part 2 security labels) and an HL7 v2.5.1
// MDM^T02 message. Every export of a Part 2 record carries the 42 CFR 2.32
// redisclosure notice (full and short forms) and a description of the
// consent under which it is disclosed. It renders only; callers audit and
// record the disclosure (internal/compliance).
package exchange

import (
	"crypto/sha1" // #nosec G505 -- FHIR R4 defines Attachment.hash as SHA-1; not used for security
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/terminology"
)

// Code systems used in exports.
const (
	SystemLOINC           = "http://loinc.org"
	SystemUSCoreCategory  = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
	SystemConfidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	SystemActCode         = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	SystemObservationVal  = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	SystemParticipantType = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
	SystemDataOperation   = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
	SystemClientAlias     = "urn:scribe:client-alias"
	LOINCProgressNote     = "11506-3"
)

// Input is what an export needs: the session, the draft version and its
// rendering, and for a Part 2 record the consent under which it is disclosed.
type Input struct {
	Session store.Session
	Draft   store.Draft
	View    drafts.View
	// Consent is the part2_tpo decision at the moment of export (Part 2 records only).
	Consent *compliance.Decision
	Now     time.Time
	// Measures are the questionnaires given for the session (exported as
	// QuestionnaireResponse and Observation; listed in the text).
	Measures []store.Measure
}

func (in Input) check() error {
	if in.Draft.ID == "" || in.Draft.SessionID != in.Session.ID {
		return errors.New("export needs the session's draft")
	}
	if in.Session.Part2() && (in.Consent == nil || !in.Consent.InForce()) {
		return fmt.Errorf("session %s is a 42 CFR Part 2 record and no part2_tpo consent is in force: %w", in.Session.ID, compliance.ErrPart2NoConsent)
	}
	if in.Now.IsZero() {
		return errors.New("export time missing")
	}
	return nil
}

// Signed reports whether the exported version is signed.
func (in Input) Signed() bool { return in.Draft.Status == store.DraftSigned }

// RenderedText is the note as exported: the rendering (with the AI-draft
// banner or signature), and for a Part 2 record the short notice at the top,
// the full 42 CFR 2.32 notice and the consent description at the end.
func RenderedText(in Input) string {
	t := in.View.Text() + measureText(in.Measures)
	if in.Session.Sample() {
		t = store.SampleMarker + "\n\n" + t
	}
	if in.Session.Part2() {
		if !strings.Contains(t, drafts.Part2NoticeShort) {
			t = "CONFIDENTIAL — 42 CFR PART 2 RECORD. " + drafts.Part2NoticeShort + "\n\n" + t
		}
		if !strings.Contains(t, drafts.Part2Notice) {
			t += "\nNotice of prohibition on redisclosure (42 CFR 2.32): " + drafts.Part2Notice + "\n"
		}
		if in.Consent != nil {
			t += "\nDisclosed under " + in.Consent.Describe() + "\n"
		}
	}
	return t
}

// PasteText is the plain-text export, what a clinician pastes into the
// record: drafts.PasteText (the note as signed, nothing of its drafting),
// the SAMPLE marker for the demo's session, and for a Part 2 record the
// short notice at the top and the full 42 CFR 2.32 notice at the end, which
// must go with every disclosure.
func PasteText(in Input) string {
	t := drafts.PasteText(in.View) + measureText(in.Measures)
	if in.Session.Sample() {
		t = store.SampleMarker + "\n\n" + t
	}
	if in.Session.Part2() {
		t = "CONFIDENTIAL — 42 CFR PART 2 RECORD. " + drafts.Part2NoticeShort + "\n\n" + t +
			"\nNotice of prohibition on redisclosure (42 CFR 2.32): " + drafts.Part2Notice + "\n"
	}
	return t
}

// SampleTag marks the SAMPLE session's DocumentReference as test data
// (v3 ActReason HTEST), beside the marker at the top of its text.
var SampleTag = Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ActReason", Code: "HTEST", Display: "test health data"}

// Coding is a FHIR Coding (system, code, display).
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type concept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

type meta struct {
	Security []Coding `json:"security,omitempty"`
	Tag      []Coding `json:"tag,omitempty"`
}

// SecurityLabels are the labels of an export: AIAST always (AI-assisted
// content); R, 42CFRPart2 and NORDSCLCD for a Part 2 record.
func SecurityLabels(part2 bool) []Coding {
	labels := []Coding{{System: SystemObservationVal, Code: "AIAST", Display: "Artificial Intelligence asserted"}}
	if part2 {
		labels = append(labels,
			Coding{System: SystemConfidentiality, Code: "R", Display: "restricted"},
			Coding{System: SystemActCode, Code: "42CFRPart2", Display: "42 CFR Part2"},
			Coding{System: SystemActCode, Code: "NORDSCLCD", Display: "no redisclosure without consent directive"})
	}
	return labels
}

func part2Labels() []Coding { return SecurityLabels(true)[1:] }

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// fhirText returns in with every free-text field that goes into the Bundle
// as a valid FHIR string (see fhirString). IDs and the note are not touched.
func (in Input) fhirText() Input {
	in.Session.ClientAlias = fhirString(in.Session.ClientAlias)
	in.Session.Clinician = fhirString(in.Session.Clinician)
	in.Draft.SignedBy = fhirString(in.Draft.SignedBy)
	in.Draft.Template = fhirString(in.Draft.Template)
	in.Draft.Provider = fhirString(in.Draft.Provider)
	in.Draft.Model = fhirString(in.Draft.Model)
	in.Draft.PromptVersion = fhirString(in.Draft.PromptVersion)
	if in.Consent != nil && in.Consent.Consent != nil {
		d := *in.Consent
		c := *d.Consent
		c.Purpose, c.Recipients, c.Discloser, c.Scope = fhirString(c.Purpose), fhirString(c.Recipients), fhirString(c.Discloser), fhirString(c.Scope)
		d.Consent = &c
		in.Consent = &d
	}
	return in
}

// fhirString makes s a valid FHIR string: FHIR strings hold no control
// characters but tab, CR and LF, no other white space than those and the
// space (the R4 JSON schema's pattern, read as ECMAScript), and at least one
// character that is not white space. Control characters and bytes that are
// not UTF-8 become U+FFFD, other white space a space; blank text becomes ""
// (the element is left out).
func fhirString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\r' || r == '\n':
			return r
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return '\uFFFD'
		case unicode.IsSpace(r) || r == '\uFEFF':
			return ' '
		}
		return r
	}, s)
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s
}

func clinicianRef(email string) *reference {
	if email == "" {
		return nil
	}
	return &reference{Identifier: &identifier{System: "urn:ietf:rfc:3986", Value: "mailto:" + email}, Display: email}
}

// deterministic IDs make an export of the same note version reproducible.
func fhirID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	u, _ := uuid.FromBytes(sum[:16])
	return uuid.NewSHA1(u, nil).String()
}

// FHIRBundle renders the note as a FHIR R4 collection Bundle: a
// DocumentReference (LOINC 11506-3 progress note, US Core clinical-note
// category, docStatus preliminary for a draft and final once signed,
// authenticator = signer, the rendered note as a base64 text/plain
// attachment), a Device for the model and prompt version, a Provenance
// recording AI assistance (AIAST; the device as author, the signer as
// verifier; for a note drafted from the clinician's dictation, the
// dictation as its source entity and drafts.DictationLabel in the activity
// and the DocumentReference's description), and for a Part 2 record a
// Consent describing the consent in force.
func FHIRBundle(in Input) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	part2 := in.Session.Part2()
	docID := fhirID("docref", in.Draft.ID, fmt.Sprint(in.Draft.Version), in.Draft.Status)
	devID := fhirID("device", in.Draft.Provider, in.Draft.Model, in.Draft.PromptVersion)
	provID := fhirID("provenance", docID)
	text := RenderedText(in) // goes out base64-encoded, as it is
	in = in.fhirText()

	docStatus := "preliminary"
	if in.Signed() {
		docStatus = "final"
		if len(in.View.Addenda) > 0 {
			docStatus = "amended"
		}
	}
	docMeta := &meta{Security: SecurityLabels(part2)}
	if in.Session.Sample() {
		docMeta.Tag = append(docMeta.Tag, SampleTag)
	}
	doc := map[string]any{
		"resourceType": "DocumentReference",
		"id":           docID,
		"meta":         docMeta,
		"identifier":   []identifier{{System: "urn:scribe:draft", Value: fmt.Sprintf("%s/v%d", in.Draft.ID, in.Draft.Version)}},
		"status":       "current",
		"docStatus":    docStatus,
		"type":         concept{Coding: []Coding{{System: SystemLOINC, Code: LOINCProgressNote, Display: "Progress note"}}, Text: "Progress note (" + strings.ToUpper(in.Draft.Template) + ")"},
		"category":     []concept{{Coding: []Coding{{System: SystemUSCoreCategory, Code: "clinical-note", Display: "Clinical Note"}}}},
		"subject":      reference{Identifier: &identifier{System: SystemClientAlias, Value: in.Session.ClientAlias}, Display: in.Session.ClientAlias},
		"date":         instant(time.UnixMilli(in.Draft.UpdatedAt)),
		"content": []map[string]any{{"attachment": map[string]any{
			"contentType": "text/plain; charset=utf-8", "language": "en", "data": base64.StdEncoding.EncodeToString([]byte(text)),
			"title": "Progress note", "creation": instant(time.UnixMilli(in.Draft.CreatedAt)),
			"hash": base64.StdEncoding.EncodeToString(sha1Of(text)),
		}}},
		"context": map[string]any{"period": map[string]any{"start": instant(time.UnixMilli(in.Session.CreatedAt))}},
	}
	if author := clinicianRef(in.Session.Clinician); author != nil {
		doc["author"] = []*reference{author}
	}
	desc := ""
	if in.Signed() {
		if signer := clinicianRef(in.Draft.SignedBy); signer != nil {
			doc["authenticator"] = signer
		}
	} else {
		desc = drafts.Banner
		if in.View.Banner != "" {
			desc = in.View.Banner
		}
	}
	if in.Session.Dictation() {
		desc = strings.TrimPrefix(strings.TrimSpace(desc+". "+drafts.DictationLabel), ". ")
	}
	if part2 {
		labels := part2Labels()
		doc["securityLabel"] = []concept{{Coding: labels[0:1]}, {Coding: labels[1:2]}, {Coding: labels[2:3]}}
		desc = strings.TrimSpace(desc + ". " + drafts.Part2NoticeShort)
		desc = strings.TrimPrefix(desc, ". ")
	}
	if desc != "" {
		doc["description"] = desc
	}

	device := map[string]any{
		"resourceType": "Device",
		"id":           devID,
		"type":         concept{Text: "AI language model"},
	}
	if m := in.Draft.Model; m != "" {
		device["deviceName"] = []map[string]any{{"name": m, "type": "model-name"}}
	}
	var versions []map[string]any
	for _, v := range [][2]string{{"model", in.Draft.Model}, {"prompt version", in.Draft.PromptVersion}} {
		if v[1] != "" {
			versions = append(versions, map[string]any{"type": concept{Text: v[0]}, "value": v[1]})
		}
	}
	if versions != nil {
		device["version"] = versions
	}
	if p := in.Draft.Provider; p != "" {
		device["type"] = concept{Text: "AI language model (via provider " + p + ")"}
		device["owner"] = reference{Display: p}
	}
	agents := []map[string]any{{
		"type": concept{Coding: []Coding{{System: SystemParticipantType, Code: "author", Display: "Author"}}},
		"who":  reference{Reference: "urn:uuid:" + devID, Display: fmt.Sprintf("model %s, prompt %s", in.Draft.Model, in.Draft.PromptVersion)},
	}}
	if signer := clinicianRef(in.Draft.SignedBy); in.Signed() && signer != nil {
		agents = append(agents, map[string]any{
			"type": concept{Coding: []Coding{{System: SystemParticipantType, Code: "verifier", Display: "Verifier"}}},
			"who":  signer,
		})
	}
	if c := in.View.Cosign; in.Signed() && c != nil {
		if sup := clinicianRef(c.Supervisor); sup != nil {
			agents = append(agents, map[string]any{
				"type": concept{Coding: []Coding{{System: SystemParticipantType, Code: "attester", Display: "Attester"}}, Text: "supervisor's co-signature, " + instant(time.UnixMilli(c.CosignedAt))},
				"who":  sup,
			})
		}
	}
	prov := map[string]any{
		"resourceType": "Provenance",
		"id":           provID,
		"meta":         &meta{Security: SecurityLabels(part2)},
		"target":       []reference{{Reference: "urn:uuid:" + docID}},
		"recorded":     instant(time.UnixMilli(in.Draft.CreatedAt)),
		"activity":     concept{Coding: []Coding{{System: SystemDataOperation, Code: "CREATE", Display: "create"}}, Text: "AI-assisted drafting from a de-identified transcript"},
		"agent":        agents,
	}
	if in.Session.Dictation() {
		// The source is the clinician's dictated recap, not the session's
		// dialogue: said in the activity and as the Provenance's source entity.
		prov["activity"] = concept{Coding: []Coding{{System: SystemDataOperation, Code: "CREATE", Display: "create"}},
			Text: "AI-assisted drafting from a de-identified transcript of the clinician's dictation (" + drafts.DictationLabel + ")"}
		prov["entity"] = []map[string]any{{"role": "source", "what": reference{Display: drafts.DictationLabel + ": a recording of the clinician only"}}}
	}
	if in.Signed() {
		prov["occurredDateTime"] = instant(time.UnixMilli(in.Draft.SignedAt))
	}
	entries := []map[string]any{
		{"fullUrl": "urn:uuid:" + docID, "resource": doc},
		{"fullUrl": "urn:uuid:" + devID, "resource": device},
		{"fullUrl": "urn:uuid:" + provID, "resource": prov},
	}
	entries = append(entries, chargeItems(in, docID)...)
	entries = append(entries, measureResources(in)...)
	if part2 && in.Consent != nil && in.Consent.Consent != nil {
		entries = append(entries, map[string]any{"fullUrl": "urn:uuid:" + fhirID("consent", in.Consent.Consent.ID), "resource": fhirConsent(in)})
	}
	bundle := map[string]any{
		"resourceType": "Bundle",
		"id":           fhirID("bundle", docID, instant(in.Now)),
		"meta":         &meta{Security: SecurityLabels(part2)},
		"type":         "collection",
		"timestamp":    instant(in.Now),
		"entry":        entries,
	}
	return json.MarshalIndent(bundle, "", "  ")
}

func fhirConsent(in Input) map[string]any {
	c := in.Consent.Consent
	status := "active"
	if !in.Consent.InForce() {
		status = "inactive"
	}
	period := map[string]any{"start": instant(time.UnixMilli(max(c.SignedAt, c.CreatedAt)))}
	if c.ExpiresAt != 0 {
		period["end"] = instant(time.UnixMilli(c.ExpiresAt))
	}
	provision := map[string]any{"type": "permit", "period": period}
	if c.Purpose != "" {
		provision["purpose"] = []Coding{{Display: c.Purpose}}
	}
	if c.Recipients != "" {
		provision["actor"] = []map[string]any{{
			"role":      concept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", Code: "IRCP", Display: "information recipient"}}},
			"reference": reference{Display: c.Recipients},
		}}
	}
	out := map[string]any{
		"resourceType": "Consent",
		"id":           fhirID("consent", c.ID),
		"meta":         &meta{Security: part2Labels()},
		"identifier":   []identifier{{System: "urn:scribe:consent", Value: c.ID}},
		"status":       status,
		"scope":        concept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/consentscope", Code: "patient-privacy", Display: "Privacy Consent"}}},
		"category":     []concept{{Coding: []Coding{{System: SystemLOINC, Code: "59284-0", Display: "Patient Consent"}}, Text: "42 CFR Part 2 consent (" + c.Scope + ")"}},
		"patient":      reference{Identifier: &identifier{System: SystemClientAlias, Value: in.Session.ClientAlias}, Display: in.Session.ClientAlias},
		"policy":       []map[string]any{{"uri": "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"}},
		"provision":    provision,
	}
	if c.SignedAt != 0 {
		out["dateTime"] = instant(time.UnixMilli(c.SignedAt))
	}
	if c.Discloser != "" {
		out["organization"] = []reference{{Display: c.Discloser}}
	}
	return out
}

// sha1Of is the FHIR Attachment.hash (SHA-1 of the data, by the R4 definition).
func sha1Of(text string) []byte {
	sum := sha1.Sum([]byte(text)) // #nosec G401 -- FHIR R4 defines Attachment.hash as SHA-1; not used for security
	return sum[:]
}

// chargeItems are the billing codes the clinician confirmed at signing, one
// FHIR ChargeItem per service code (status billable: ready for billing
// staff, never submitted by Scribe), with the note's diagnoses as reasons,
// the telehealth modifier and place of service in the note, and the basis
// (recorded time or cited evidence) in words.
func chargeItems(in Input, docID string) []map[string]any {
	b := in.View.Billing
	if !in.Signed() || b == nil {
		return nil
	}
	var reasons []concept
	for _, d := range b.Diagnoses {
		reasons = append(reasons, concept{Coding: []Coding{{System: terminology.SystemICD10, Code: d.Code, Display: d.Display}}})
	}
	var out []map[string]any
	for i, p := range b.Procedures {
		id := fhirID("charge", in.Draft.ID, fmt.Sprint(in.Draft.Version), fmt.Sprint(i), p.Code)
		notes := []map[string]any{{"text": "Basis: " + p.Basis}}
		if len(p.Modifiers) > 0 {
			notes = append(notes, map[string]any{"text": "Modifier: " + strings.Join(p.Modifiers, ", ")})
		}
		if b.PlaceOfService != "" {
			notes = append(notes, map[string]any{"text": "Place of service: " + b.PlaceOfService + " (" + b.PlaceOfServiceBasis + ")"})
		}
		item := map[string]any{
			"resourceType":          "ChargeItem",
			"id":                    id,
			"meta":                  &meta{Security: SecurityLabels(in.Session.Part2())},
			"status":                "billable",
			"code":                  concept{Coding: []Coding{{System: terminology.SystemCPT, Code: p.Code, Display: p.Display}}},
			"subject":               reference{Identifier: &identifier{System: SystemClientAlias, Value: in.Session.ClientAlias}, Display: in.Session.ClientAlias},
			"quantity":              map[string]any{"value": max(p.Units, 1)},
			"enteredDate":           instant(time.UnixMilli(in.Draft.SignedAt)),
			"supportingInformation": []reference{{Reference: "urn:uuid:" + docID}},
			"note":                  notes,
		}
		if reasons != nil {
			item["reason"] = reasons
		}
		if signer := clinicianRef(in.Draft.SignedBy); signer != nil {
			item["enterer"] = signer
			item["performer"] = []map[string]any{{"actor": signer}}
		}
		out = append(out, map[string]any{"fullUrl": "urn:uuid:" + id, "resource": item})
	}
	return out
}
