package prompts

import (
	"errors"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/transcript"
)

func TestBuiltInFormats(t *testing.T) {
	got := map[string]Format{}
	for _, f := range Formats() {
		got[f.ID] = f
	}
	for _, id := range []string{"soap", "dap", "birp", "girp", "group"} {
		f, ok := got[id]
		if !ok {
			t.Fatalf("format %q missing from Formats()", id)
		}
		for _, role := range []string{RoleFocus, RoleRisk, RoleMedication, RolePlan} {
			if _, ok := f.SectionByRole(role); !ok {
				t.Errorf("format %s has no section with role %q", id, role)
			}
		}
		if !strings.HasPrefix(f.VersionString(), id+"@") || f.Version < 1 {
			t.Errorf("format %s version string %q", id, f.VersionString())
		}
		byID, err := FormatByID(strings.ToUpper(id))
		if err != nil || byID.ID != id || len(byID.Sections) != len(f.Sections) {
			t.Errorf("FormatByID(%q) = %v, %v", id, byID.ID, err)
		}
	}
	if got["soap"].Version != 3 {
		t.Errorf("soap version = %d, want 3", got["soap"].Version)
	}
	if !got["group"].Group {
		t.Error("group format is not marked group")
	}
	// Callers get copies: changing one must not change the registry.
	f, _ := FormatByID("soap")
	f.Sections[0].Key = "changed"
	if again, _ := FormatByID("soap"); again.Sections[0].Key != "subjective" {
		t.Error("FormatByID returned a shared slice")
	}
	if _, err := FormatByID("xyz"); err == nil || !strings.Contains(err.Error(), `"xyz"`) || !strings.Contains(err.Error(), "soap") {
		t.Errorf("unknown format error = %v", err)
	}
}

func TestModalities(t *testing.T) {
	for _, id := range []string{"cbt", "dbt", "mat", "mi", "general"} {
		m, err := ModalityByID(id)
		if err != nil || m.ID != id || m.Guidance == "" {
			t.Errorf("ModalityByID(%q) = %+v, %v", id, m, err)
		}
	}
	m, err := ModalityByID("")
	if err != nil || m.ID != DefaultModality {
		t.Errorf("empty modality = %q, %v; want default", m.ID, err)
	}
	if _, err := ModalityByID("emdr"); err == nil || !strings.Contains(err.Error(), "emdr") {
		t.Errorf("unknown modality error = %v", err)
	}
	if len(Modalities()) != 5 {
		t.Errorf("Modalities() = %d, want 5", len(Modalities()))
	}
}

const goodTemplate = `---
{"id": "intake", "version": 2, "title": "Intake note",
 "sections": [
  {"key": "history", "title": "History", "required": true, "role": "focus", "description": "History as told."},
  {"key": "plan", "title": "Plan", "required": true, "role": "plan", "description": "Next steps."}
 ]}
---
Intake guidance.
`

func TestParseTemplate(t *testing.T) {
	f, err := ParseTemplate([]byte(goodTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "intake" || f.Version != 2 || len(f.Sections) != 2 || f.Guidance != "Intake guidance." || f.VersionString() != "intake@2" {
		t.Fatalf("parsed %+v", f)
	}
	// CRLF files from Windows editors parse the same.
	if g, err := ParseTemplate([]byte(strings.ReplaceAll(goodTemplate, "\n", "\r\n"))); err != nil || g.ID != "intake" {
		t.Fatalf("CRLF template: %v", err)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"empty", "", "empty"},
		{"no front matter", "# just markdown\n", "must start with a front-matter header"},
		{"unclosed", "---\n{\"id\":\"x\"}\n", "no closing"},
		{"bad json", "---\n{id: x}\n---\n", "not valid JSON"},
		{"missing id", "---\n{\"version\":1,\"title\":\"T\",\"sections\":[]}\n---\n", `missing "id"`},
		{"bad id", "---\n{\"id\":\"Bad Id\",\"version\":1}\n---\n", "id must be"},
		{"missing version", "---\n{\"id\":\"x\",\"title\":\"T\"}\n---\n", `missing "version"`},
		{"version type", "---\n{\"id\":\"x\",\"version\":\"three\"}\n---\n", `"version" has the wrong type`},
		// A larger version made a reply-schema name over the 64 characters model servers take (FuzzParseTemplate).
		{"huge version", "---\n{\"id\":\"x\",\"version\":1000000}\n---\n", "version 1000000 is too large (at most 999999)"},
		{"missing title", "---\n{\"id\":\"x\",\"version\":1}\n---\n", `missing "title"`},
		{"missing sections", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\"}\n---\n", `missing "sections"`},
		{"unknown field", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sectoins\":[]}\n---\n", "sectoins"},
		{"section key", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"title\":\"A\",\"required\":true,\"description\":\"d\"}]}\n---\n", `sections[0] is missing "key"`},
		{"dup key", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"title\":\"A\",\"required\":true,\"description\":\"d\"},{\"key\":\"a\",\"title\":\"B\",\"description\":\"d\"}]}\n---\n", `repeats key "a"`},
		{"section title", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"required\":true,\"description\":\"d\"}]}\n---\n", `(a) is missing "title"`},
		{"description", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"title\":\"A\",\"required\":true}]}\n---\n", `missing "description"`},
		{"role", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"title\":\"A\",\"required\":true,\"role\":\"vitals\",\"description\":\"d\"}]}\n---\n", `unknown role "vitals"`},
		{"dup role", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"title\":\"A\",\"required\":true,\"role\":\"plan\",\"description\":\"d\"},{\"key\":\"b\",\"title\":\"B\",\"role\":\"plan\",\"description\":\"d\"}]}\n---\n", `repeats role "plan"`},
		{"none required", "---\n{\"id\":\"x\",\"version\":1,\"title\":\"T\",\"sections\":[{\"key\":\"a\",\"title\":\"A\",\"description\":\"d\"}]}\n---\n", "no section is marked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.data)
			before := string(data)
			_, err := ParseTemplate(data)
			if err == nil {
				t.Fatalf("no error for %s", c.name)
			}
			if !errors.Is(err, ErrInvalidTemplate) {
				t.Errorf("error does not wrap ErrInvalidTemplate: %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name the problem (want %q)", err, c.want)
			}
			if string(data) != before {
				t.Error("input was modified")
			}
		})
	}
}

func sampleSegments() []transcript.Segment {
	return []transcript.Segment{
		{ID: "S0001", Speaker: "clinician", StartMS: 0, EndMS: 3000, Text: "How has your week been, [NAME_1]?"},
		{ID: "S0002", Speaker: "client", StartMS: 3500, EndMS: 9000, Text: "Rough.\nI slept maybe 4 hours a night."},
		{ID: "S0003", Speaker: "clinician", StartMS: 3_725_000, EndMS: 3_730_000, Text: "Let's meet again next Tuesday."},
	}
}

func TestRenderSinglePass(t *testing.T) {
	f, _ := FormatByID("soap")
	m, _ := ModalityByID("cbt")
	sys, user, version := Render(f, m, RenderInput{Segments: sampleSegments(), Program: "sud", Part2: true, MAT: true, RiskLanguage: true})
	if version != "system@1+soap@3+cbt@1" {
		t.Errorf("version = %q", version)
	}
	for _, want := range []string{
		"Use only the transcript", "Cite the transcript segment IDs", "within normal limits", "Not discussed",
		"[NAME_1]", "risk assessment section", "subjective, objective, assessment, risk, medications, plan", "CBT", "JSON",
	} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	for _, want := range []string{
		"[S0001 00:00:00 Clinician] How has your week been, [NAME_1]?\n",
		"[S0002 00:00:03 Client] Rough. I slept maybe 4 hours a night.\n",
		"[S0003 01:02:05 Clinician] Let's meet again next Tuesday.\n",
		"Part 2 record", "Medication-assisted", "Risk language appears", "substance use",
	} {
		if !strings.Contains(user, want) {
			t.Errorf("user prompt lacks %q", want)
		}
	}
	// The transcript block holds exactly one line per segment and nothing else.
	block := user[strings.Index(user, TranscriptStart)+len(TranscriptStart)+1 : strings.Index(user, TranscriptEnd)]
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("transcript block has %d lines, want 3", len(lines))
	}
	for i, seg := range sampleSegments() {
		if lines[i]+"\n" != SegmentLine(seg) {
			t.Errorf("line %d = %q, want %q", i, lines[i], SegmentLine(seg))
		}
	}
}

func TestRenderPasses(t *testing.T) {
	f, _ := FormatByID("dap")
	sys, user, version := Render(f, Modality{}, RenderInput{Segments: sampleSegments()[:2], Window: 2, Windows: 5})
	if version != "system@1+dap@2+general@1+extract@1" {
		t.Errorf("pass-1 version = %q", version)
	}
	if !strings.Contains(sys, "window 2 of 5") || !strings.Contains(user, "window 2 of 5") || strings.Contains(user, "S0003") {
		t.Error("pass-1 prompt does not name its window or includes other segments")
	}
	_, user, version = Render(f, Modality{}, RenderInput{Extracted: []Extracted{{Section: "data", Text: "Client reports poor sleep.", Citations: []string{"S0002"}}}})
	if version != "system@1+dap@2+general@1+extract@1+compose@1" {
		t.Errorf("pass-2 version = %q", version)
	}
	if !strings.Contains(user, `{"section":"data","text":"Client reports poor sleep.","citations":["S0002"]}`) || strings.Contains(user, TranscriptStart) {
		t.Errorf("pass-2 user message wrong:\n%s", user)
	}
}

func TestEmbeddedFilesParse(t *testing.T) {
	if _, err := load(files); err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats() {
		sys, _, _ := Render(f, Modality{}, RenderInput{})
		for _, s := range f.Sections {
			if !strings.Contains(sys, "- "+s.Key+": ") {
				t.Errorf("%s: section %s not rendered", f.ID, s.Key)
			}
		}
	}
}
