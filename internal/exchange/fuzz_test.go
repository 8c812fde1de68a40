package exchange_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// FuzzExport renders a note whose every free-text field comes from the
// fuzzer (client alias, clinician, signer, note text, facility, model and
// provider names, consent recipients) as FHIR R4 and as HL7 v2, signed or
// not, Part 2 or not. Whatever the text:
//   - the FHIR Bundle is valid JSON and valid against the official FHIR R4
//     schema, the note (base64 attachment) comes back out exactly, and so
//     does the alias when it is text FHIR can carry (see plainText);
//   - the HL7 message keeps its structure: MSH, EVN, PID, PV1, TXA and one
//     OBX per line of the note, each with its fixed number of fields, no raw
//     line break inside a segment, so a delimiter or line break in any field
//     can neither split a field nor start a segment; and unescaping the
//     fields gives back what went in.
//
// Seeds: the f.Add cases below and testdata/fuzz/FuzzExport (synthetic).
func FuzzExport(f *testing.F) {
	f.Add("client-17", "therapist@example.org", "Client rated mood 6|10 ^ better ~ plan: CBT & walk, path C:\\notes", "Clinic|A", "note-model", false, false)
	f.Add("client-18", "therapist@example.org", "[NAME_1] attended by video.\nContinue weekly sessions.", "", "local-llm", true, true)
	f.Add("c\rOBX|9|TX|x", "a\nb@example.org", "line one\r\nline two\rthree", "F\\E\\", "m^~&", false, true)
	f.Add("", "", "", "", "", true, false)
	f.Add("\x00\x01\x7f", "\xff", "\u2028\u00a0", "\t", " ", true, true)
	// Compile the schema now: the first validation takes seconds, and a
	// fuzz worker that spends over 10 s on one input is taken for hung.
	if err := fhirschema.Validate([]byte(`{"resourceType": "Bundle", "type": "collection"}`)); err != nil {
		f.Fatal(err)
	}
	base := time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, alias, clinician, text, facility, extra string, part2, signed bool) {
		program := "mh"
		if part2 {
			program = "sud"
		}
		sess := store.Session{ID: "s-fuzz", CreatedAt: base.UnixMilli(), Source: "ingest", Status: store.StatusReady, Template: "dap",
			Program: program, ClientAlias: alias, Clinician: clinician}
		note := summarize.Note{Format: "dap", Sections: []summarize.Section{
			{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: text, Citations: []string{"S1"}}}},
			{Key: "assessment", Title: "Assessment", NotDiscussed: true},
			{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: extra, Citations: []string{"S2"}}}},
		}}
		content, err := json.Marshal(drafts.Content{Note: note})
		if err != nil {
			t.Fatal(err)
		}
		d := store.Draft{ID: "d-fuzz", SessionID: sess.ID, Version: 1, Status: store.DraftDraft, Template: "dap", PromptVersion: "dap/2026-05",
			Provider: extra, Model: extra, Content: string(content), Flags: "[]", CreatedAt: base.UnixMilli(), UpdatedAt: base.UnixMilli()}
		if signed {
			d.Status, d.SignedBy, d.SignedAt = store.DraftSigned, clinician, base.Add(time.Hour).UnixMilli()
		}
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{Part2: part2})
		if err != nil {
			t.Fatalf("BuildView: %v", err)
		}
		in := exchange.Input{Session: sess, Draft: d, View: v, Now: base.Add(2 * time.Hour)}
		if part2 {
			in.Consent = &compliance.Decision{Scope: compliance.ScopePart2TPO, Status: compliance.StatusInForce, AtMS: in.Now.UnixMilli(),
				Consent: &store.ConsentRecord{Consent: store.Consent{ID: "c-fuzz", Scope: compliance.ScopePart2TPO, Granted: true, Method: compliance.MethodElectronic,
					CapturedBy: clinician, CreatedAt: base.UnixMilli()}, Discloser: facility, Recipients: extra, Purpose: text, SignedAt: base.UnixMilli()}}
		}

		// FHIR
		raw, err := exchange.FHIRBundle(in)
		if err != nil {
			t.Fatalf("FHIRBundle: %v", err)
		}
		if !json.Valid(raw) {
			t.Fatalf("FHIR export is not JSON: %q", raw)
		}
		if err := fhirschema.Validate(raw); err != nil {
			t.Fatalf("FHIR export fails the FHIR R4 schema:\n%s", schemaProblems(err))
		}
		var b bundle
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		doc := b.resource(t, "DocumentReference")
		if plainText(alias) {
			subj, _ := doc["subject"].(map[string]any)
			id, _ := subj["identifier"].(map[string]any)
			if got := id["value"]; got != alias {
				t.Fatalf("subject alias %q, want %q", got, alias)
			}
		}
		att := doc["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
		data, err := base64.StdEncoding.DecodeString(att["data"].(string))
		if err != nil || string(data) != exchange.RenderedText(in) {
			t.Fatalf("attachment does not carry the rendered note (%v)", err)
		}

		// HL7 v2
		msg, err := exchange.MDMT02(in, exchange.HL7Options{SendingFacility: facility, ReceivingApp: extra, ReceivingFacility: alias})
		if err != nil {
			t.Fatalf("MDMT02: %v", err)
		}
		segs := parseHL7(t, string(msg))
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(exchange.RenderedText(in), "\r\n", "\n"), "\n"), "\n")
		if len(segs) != 5+len(lines) {
			t.Fatalf("%d segments for %d lines of note, want %d", len(segs), len(lines), 5+len(lines))
		}
		want := map[string]int{"MSH": 13, "EVN": 3, "PID": 6, "PV1": 3, "TXA": 24, "OBX": 12}
		for i, s := range segs {
			name := []string{"MSH", "EVN", "PID", "PV1", "TXA"}[min(i, 4)]
			if i >= 5 {
				name = "OBX"
			}
			if s[0] != name || len(s) != want[name] {
				t.Fatalf("segment %d is %s with %d fields, want %s with %d: %q", i+1, s[0], len(s), name, want[name], s)
			}
		}
		field := func(seg, i int) string {
			return unescapeHL7(t, segs[seg][i])
		}
		if facility != "" && field(0, 4) != facility {
			t.Fatalf("MSH-4 %q, want %q", field(0, 4), facility)
		}
		if field(0, 5) != extra || field(0, 6) != alias || field(2, 5) != alias {
			t.Fatalf("MSH-5/6 or PID-5 do not give back what went in: %q %q %q", field(0, 5), field(0, 6), field(2, 5))
		}
		for i, line := range lines {
			if got := field(5+i, 5); got != strings.ReplaceAll(line, "\r", " ") {
				t.Fatalf("OBX %d: %q, want %q", i+1, got, line)
			}
		}
		if !utf8.Valid(msg) && utf8.ValidString(alias+clinician+text+facility+extra) {
			t.Fatalf("HL7 message is not UTF-8 though every input was")
		}
	})
}

// plainText reports whether s is a FHIR string as it is: UTF-8, not blank,
// without control characters (but tab, CR, LF) or white space other than
// those and the space. Other text is exported with those characters
// replaced (U+FFFD, a space) or, when blank, left out.
func plainText(s string) bool {
	if !utf8.ValidString(s) || strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if r == '\t' || r == '\r' || r == '\n' || r == ' ' {
			continue
		}
		if r < 0x20 || r >= 0x7f && r < 0xa0 || unicode.IsSpace(r) || r == '\uFEFF' {
			return false
		}
	}
	return true
}

// schemaProblems keeps the lines of a schema validation error that say what
// is wrong with the Bundle's own content (the validator also lists, for
// each entry, every resource type it is not).
func schemaProblems(err error) string {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if strings.Contains(l, "pattern") || strings.Contains(l, "got ") || strings.Contains(l, "missing") && !strings.Contains(l, "resourceType") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	if len(out) == 0 || len(out) > 20 {
		return err.Error()
	}
	return strings.Join(out, "\n")
}
