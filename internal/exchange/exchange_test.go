package exchange_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

const tricky = `Client rated mood 6|10 ^ better than last week ~ plan: CBT & walk, path C:\notes`

type fixture struct {
	ctx context.Context
	st  *store.Store
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DatabaseURL: testenv.Backends[0].URL(t), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{ctx: ctx, st: st, now: time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)}
	st.SetClock(func() time.Time { return f.now })
	return f
}

// session stores a session with a draft note (synthetic content) and returns it.
func (f *fixture) session(t *testing.T, id, program string) store.Session {
	t.Helper()
	note := summarize.Note{Format: "dap", Sections: []summarize.Section{
		{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: tricky, Citations: []string{"S1"}}, {Text: "[NAME_1] attended by video.", Citations: []string{"S2"}}}},
		{Key: "assessment", Title: "Assessment", NotDiscussed: true},
		{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Continue weekly sessions.", Citations: []string{"S3"}}}},
	}}
	content, _ := json.Marshal(drafts.Content{Note: note})
	err := f.st.InTx(f.ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(f.ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusReady, Template: "dap", Program: program,
			ClientAlias: "client-" + id, Clinician: "therapist@example.org"}); err != nil {
			return err
		}
		_, err := tx.InsertDraft(f.ctx, &store.Draft{ID: "d-" + id, SessionID: id, Version: 1, Status: store.DraftDraft, Template: "dap", PromptVersion: "dap/2026-05",
			Provider: "local-llm", Model: "note-model-test-1", Content: string(content), Flags: "[]"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := f.st.Session(f.ctx, id)
	return s
}

func (f *fixture) input(t *testing.T, sess store.Session) exchange.Input {
	t.Helper()
	d, addenda, err := drafts.Load(f.ctx, f.st, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := drafts.BuildView(d, addenda, drafts.RenderOptions{Part2: sess.Part2()})
	if err != nil {
		t.Fatal(err)
	}
	in := exchange.Input{Session: sess, Draft: d, View: v, Now: f.now}
	if sess.Part2() {
		dec, err := compliance.At(f.ctx, f.st, sess, compliance.ScopePart2TPO, f.st.NowMS())
		if err != nil {
			t.Fatal(err)
		}
		in.Consent = &dec
	}
	return in
}

func (f *fixture) sign(t *testing.T, sessionID string) {
	t.Helper()
	f.now = f.now.Add(time.Hour)
	svc := &drafts.Service{Store: f.st, Now: func() time.Time { return f.now }}
	if _, err := svc.Sign(f.ctx, sessionID, drafts.SignOptions{Clinician: "therapist@example.org", Attest: true}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) part2Consent(t *testing.T, sess store.Session) *store.ConsentRecord {
	t.Helper()
	c := &store.ConsentRecord{Consent: store.Consent{ClientAlias: sess.ClientAlias, Scope: compliance.ScopePart2TPO, Granted: true, Method: compliance.MethodElectronic,
		CapturedBy: "therapist@example.org", ExpiresAt: f.now.AddDate(1, 0, 0).UnixMilli()},
		Discloser: "Synthetic SUD Program", Information: "progress notes", Recipients: "Example Health treating clinicians", Purpose: "treatment",
		Signature: "e-sign:synthetic", RevocationNotice: true}
	if err := compliance.Add(f.ctx, f.st, c, "therapist@example.org"); err != nil {
		t.Fatal(err)
	}
	return c
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func (b bundle) resource(t *testing.T, typ string) map[string]any {
	t.Helper()
	for _, e := range b.Entry {
		if e.Resource["resourceType"] == typ {
			return e.Resource
		}
	}
	t.Fatalf("bundle has no %s", typ)
	return nil
}

func codes(v any) []string {
	var out []string
	b, _ := json.Marshal(v)
	var cs []struct{ System, Code string }
	if json.Unmarshal(b, &cs) == nil {
		for _, c := range cs {
			out = append(out, c.System+"#"+c.Code)
		}
	}
	return out
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			if arr, ok := cur.([]any); ok && len(arr) > 0 {
				mm, _ = arr[0].(map[string]any)
			}
		}
		if mm == nil {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func exportFHIR(t *testing.T, in exchange.Input) (bundle, map[string]any, string) {
	t.Helper()
	raw, err := exchange.FHIRBundle(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := fhirschema.Validate(raw); err != nil {
		t.Fatalf("export is not valid FHIR R4: %v\n%s", err, raw)
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	doc := b.resource(t, "DocumentReference")
	data, err := base64.StdEncoding.DecodeString(get(doc, "content", "attachment", "data").(string))
	if err != nil {
		t.Fatal(err)
	}
	return b, doc, string(data)
}

func TestFHIRDraftAndSigned(t *testing.T) {
	f := newFixture(t)
	sess := f.session(t, "mh1", "mh")
	b, doc, text := exportFHIR(t, f.input(t, sess))
	if b.ResourceType != "Bundle" || b.Type != "collection" {
		t.Fatalf("bundle: %+v", b)
	}
	if doc["docStatus"] != "preliminary" || doc["authenticator"] != nil || doc["status"] != "current" {
		t.Fatalf("draft DocumentReference: docStatus %v authenticator %v", doc["docStatus"], doc["authenticator"])
	}
	if got := codes(get(doc, "type", "coding")); len(got) != 1 || got[0] != "http://loinc.org#11506-3" {
		t.Fatalf("type: %v", got)
	}
	if got := codes(get(doc, "category", "coding")); len(got) != 1 || got[0] != exchange.SystemUSCoreCategory+"#clinical-note" {
		t.Fatalf("category: %v", got)
	}
	if got := strings.Join(codes(get(doc, "meta", "security")), ","); got != exchange.SystemObservationVal+"#AIAST" {
		t.Fatalf("non-Part 2 labels: %s", got)
	}
	if get(doc, "subject", "identifier", "value") != "client-mh1" || get(doc, "content", "attachment", "contentType") != "text/plain; charset=utf-8" {
		t.Fatalf("subject or content: %v", doc)
	}
	if !strings.Contains(text, drafts.Banner) || !strings.Contains(text, tricky) || strings.Contains(text, "42 CFR") {
		t.Fatalf("rendered draft text:\n%s", text)
	}
	prov := b.resource(t, "Provenance")
	if got := strings.Join(codes(get(prov, "meta", "security")), ","); got != exchange.SystemObservationVal+"#AIAST" {
		t.Fatalf("provenance labels: %s", got)
	}
	agents := prov["agent"].([]any)
	if len(agents) != 1 || !strings.Contains(get(agents[0].(map[string]any), "who", "display").(string), "note-model-test-1") ||
		!strings.Contains(get(agents[0].(map[string]any), "who", "display").(string), "dap/2026-05") {
		t.Fatalf("draft provenance agents: %v", agents)
	}
	dev := b.resource(t, "Device")
	if !strings.Contains(mustJSON(dev), "dap/2026-05") || get(agents[0].(map[string]any), "who", "reference") != "urn:uuid:"+dev["id"].(string) {
		t.Fatalf("author device: %v", dev)
	}

	f.sign(t, sess.ID)
	b, doc, text = exportFHIR(t, f.input(t, sess))
	if doc["docStatus"] != "final" || get(doc, "authenticator", "display") != "therapist@example.org" {
		t.Fatalf("signed DocumentReference: %v %v", doc["docStatus"], doc["authenticator"])
	}
	if strings.Contains(text, drafts.Banner) || !strings.Contains(text, "Reviewed and signed by therapist@example.org") {
		t.Fatalf("signed text:\n%s", text)
	}
	prov = b.resource(t, "Provenance")
	var roles []string
	for _, a := range prov["agent"].([]any) {
		roles = append(roles, codes(get(a.(map[string]any), "type", "coding"))...)
	}
	if strings.Join(roles, ",") != exchange.SystemParticipantType+"#author,"+exchange.SystemParticipantType+"#verifier" {
		t.Fatalf("signed provenance roles: %v", roles)
	}
}

func TestFHIRPart2(t *testing.T) {
	f := newFixture(t)
	sess := f.session(t, "sud1", "sud")
	if _, err := exchange.FHIRBundle(f.input(t, sess)); !errors.Is(err, compliance.ErrPart2NoConsent) {
		t.Fatalf("Part 2 export without consent: %v", err)
	}
	if _, err := exchange.MDMT02(f.input(t, sess), exchange.HL7Options{}); !errors.Is(err, compliance.ErrPart2NoConsent) {
		t.Fatalf("Part 2 HL7 export without consent: %v", err)
	}
	c := f.part2Consent(t, sess)
	f.sign(t, sess.ID)
	b, doc, text := exportFHIR(t, f.input(t, sess))
	want := []string{exchange.SystemObservationVal + "#AIAST", exchange.SystemConfidentiality + "#R", exchange.SystemActCode + "#42CFRPart2", exchange.SystemActCode + "#NORDSCLCD"}
	if got := codes(get(doc, "meta", "security")); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("meta.security: %v", got)
	}
	var labels []string
	for _, l := range doc["securityLabel"].([]any) {
		labels = append(labels, codes(l.(map[string]any)["coding"])...)
	}
	if strings.Join(labels, ",") != strings.Join(want[1:], ",") {
		t.Fatalf("securityLabel: %v", labels)
	}
	if doc["description"] != drafts.Part2NoticeShort {
		t.Fatalf("short notice not in description: %v", doc["description"])
	}
	for _, w := range []string{drafts.Part2Notice, drafts.Part2NoticeShort, c.ID, "Example Health treating clinicians", "treatment"} {
		if !strings.Contains(text, w) {
			t.Errorf("Part 2 export text lacks %q", w)
		}
	}
	cons := b.resource(t, "Consent")
	if cons["status"] != "active" || !strings.Contains(mustJSON(cons), c.ID) {
		t.Fatalf("consent resource: %v", cons)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// parseHL7 is a small HL7 v2 parser: segments split on CR, fields on |
// (MSH-1 is the separator itself), and unescape of the five escapes.
func parseHL7(t *testing.T, msg string) [][]string {
	t.Helper()
	if !strings.HasSuffix(msg, "\r") {
		t.Fatal("message does not end with a segment terminator")
	}
	var segs [][]string
	for _, line := range strings.Split(strings.TrimSuffix(msg, "\r"), "\r") {
		if strings.Contains(line, "\n") {
			t.Fatalf("raw newline inside a segment: %q", line)
		}
		f := strings.Split(line, "|")
		if f[0] == "MSH" {
			f = append([]string{"MSH", "|"}, f[1:]...)
		}
		segs = append(segs, f)
	}
	return segs
}

func unescapeHL7(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '|', '^', '~', '&':
			t.Fatalf("unescaped delimiter %q in %q", c, s)
		case '\\':
			end := strings.IndexByte(s[i+1:], '\\')
			if end == 3 && s[i+1] == 'X' { // \X0D\: one byte in hexadecimal
				v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
				if err != nil {
					t.Fatalf("bad hexadecimal escape in %q", s)
				}
				b.WriteByte(byte(v))
				i += 4
				continue
			}
			if end != 1 {
				t.Fatalf("bad escape in %q", s)
			}
			switch s[i+1] {
			case 'F':
				b.WriteByte('|')
			case 'S':
				b.WriteByte('^')
			case 'R':
				b.WriteByte('~')
			case 'T':
				b.WriteByte('&')
			case 'E':
				b.WriteByte('\\')
			default:
				t.Fatalf("unknown escape in %q", s)
			}
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func TestHL7MDMT02(t *testing.T) {
	f := newFixture(t)
	for _, program := range []string{"mh", "sud"} {
		sess := f.session(t, program+"-hl7", program)
		if program == "sud" {
			f.part2Consent(t, sess)
		}
		for _, signed := range []bool{false, true} {
			if signed {
				f.sign(t, sess.ID)
			}
			in := f.input(t, sess)
			raw, err := exchange.MDMT02(in, exchange.HL7Options{SendingFacility: "Clinic|A", ReceivingApp: "EHR", ReceivingFacility: "Main"})
			if err != nil {
				t.Fatal(err)
			}
			segs := parseHL7(t, string(raw))
			var names []string
			for _, s := range segs {
				names = append(names, s[0])
			}
			header := strings.Join(names[:5], ",")
			if header != "MSH,EVN,PID,PV1,TXA" {
				t.Fatalf("segment order: %v", names)
			}
			msh, pid, txa := segs[0], segs[2], segs[4]
			if msh[1] != "|" || msh[2] != `^~\&` || msh[9] != "MDM^T02^MDM_T02" || msh[11] != "P" || msh[12] != "2.5.1" || len(msh) != 13 {
				t.Fatalf("MSH: %q", msh)
			}
			if unescapeHL7(t, msh[4]) != "Clinic|A" {
				t.Fatalf("MSH-4 escaping: %q", msh[4])
			}
			if len(pid) != 6 || pid[3] != sess.ClientAlias+"^^^SCRIBE^PI" || pid[5] != sess.ClientAlias {
				t.Fatalf("PID carries more than the alias: %q", pid)
			}
			if len(txa) != 24 {
				t.Fatalf("TXA has %d fields, want 23", len(txa)-1)
			}
			wantStatus, wantOBX := "IP", "P"
			if signed {
				wantStatus, wantOBX = "AU", "F"
				if !strings.HasPrefix(txa[22], "therapist@example.org^") {
					t.Fatalf("TXA-22 authenticator: %q", txa[22])
				}
			}
			wantConf := map[string]string{"mh": "U", "sud": "R"}[program]
			if txa[17] != wantStatus || txa[18] != wantConf || txa[2] != "PN" {
				t.Fatalf("TXA: status %q conf %q type %q", txa[17], txa[18], txa[2])
			}
			var lines []string
			for i, s := range segs[5:] {
				if s[0] != "OBX" || len(s) != 12 || s[1] != strconv.Itoa(i+1) || s[2] != "TX" || s[11] != wantOBX {
					t.Fatalf("OBX %d: %q", i+1, s)
				}
				lines = append(lines, unescapeHL7(t, s[5]))
			}
			// Escaping round trip: the OBX lines give back the rendered note exactly.
			if got, want := strings.Join(lines, "\n"), strings.TrimRight(exchange.RenderedText(in), "\n"); got != want {
				t.Fatalf("round trip differs:\n got %q\nwant %q", got, want)
			}
			joined := strings.Join(lines, "\n")
			if !strings.Contains(joined, tricky) {
				t.Fatal("tricky line lost")
			}
			if program == "sud" && (!strings.Contains(joined, drafts.Part2Notice) || !strings.Contains(joined, drafts.Part2NoticeShort)) {
				t.Fatal("Part 2 HL7 export lacks the redisclosure notice")
			}
		}
	}
}

func TestEscapeHL7(t *testing.T) {
	in := "a|b^c~d\\e&f\rOBX|2\ng"
	if got := exchange.EscapeHL7(in); got != `a\F\b\S\c\R\d\E\e\T\f\X0D\OBX\F\2\X0A\g` {
		t.Fatalf("escape: %s", got)
	}
	if got := unescapeHL7(t, exchange.EscapeHL7(in)); got != in {
		t.Fatalf("round trip: %s", got)
	}
}

// TestTextExportIsPasteReady: the plain-text export (what `scribe export
// text` and the web app's Copy button give) is drafts.PasteText of the
// signed note, for a Part 2 record with the notices, and carries none of
// the drafting metadata that FHIR and HL7 keep.
func TestTextExportIsPasteReady(t *testing.T) {
	f := newFixture(t)
	sess := f.session(t, "mh-paste", "mh")
	f.sign(t, sess.ID)
	in := f.input(t, sess)
	ex, err := exchange.Run(f.ctx, f.st, exchange.Request{Input: in, Format: exchange.FormatText, Actor: "therapist@example.org", Via: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if string(ex.Body) != drafts.PasteText(in.View) {
		t.Fatalf("text export:\n%s\nwant drafts.PasteText:\n%s", ex.Body, drafts.PasteText(in.View))
	}
	for _, leak := range []string{"note-model-test-1", "local-llm", "dap/2026-05", "tokens", "S1", "Content hash", "Attestation"} {
		if strings.Contains(string(ex.Body), leak) {
			t.Errorf("text export carries %q:\n%s", leak, ex.Body)
		}
	}
	if !strings.Contains(string(ex.Body), in.View.Signature) || !strings.Contains(string(ex.Body), drafts.AIDisclosure) {
		t.Fatalf("text export lacks the signature line or the AI-assistance statement:\n%s", ex.Body)
	}
	// FHIR keeps the drafting metadata.
	fhir, err := exchange.Run(f.ctx, f.st, exchange.Request{Input: in, Format: exchange.FormatFHIR, Actor: "therapist@example.org", Via: "cli"})
	if err != nil || !strings.Contains(string(fhir.Body), "note-model-test-1") {
		t.Fatalf("FHIR export lost the model (%v)", err)
	}

	p2 := f.session(t, "sud-paste", "sud")
	f.part2Consent(t, p2)
	f.sign(t, p2.ID)
	in = f.input(t, p2)
	ex, err = exchange.Run(f.ctx, f.st, exchange.Request{Input: in, Format: exchange.FormatText, Recipient: "Example Health", Purpose: "treatment", Actor: "therapist@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(ex.Body)
	if !strings.HasPrefix(body, "CONFIDENTIAL — 42 CFR PART 2 RECORD. "+drafts.Part2NoticeShort) || !strings.Contains(body, drafts.PasteText(in.View)) || !strings.HasSuffix(body, drafts.Part2Notice+"\n") {
		t.Fatalf("Part 2 text export:\n%s", body)
	}
}
