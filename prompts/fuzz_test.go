package prompts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// schemaName is what OpenAI-compatible servers accept as a response_format
// json_schema name.
var schemaName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// FuzzParseTemplate feeds arbitrary files to the parser behind `scribe
// template add` and the admin page's template upload, and takes what it
// accepts down the path a stored template goes when a note is drafted (it is
// parsed again, rendered into the prompt and turned into the reply's JSON
// schema). Whatever the file:
//   - nothing panics, the input is not modified, and every refusal wraps
//     ErrInvalidTemplate in one printable line (the admin reads it);
//   - an accepted template has a valid id, a version, a title, at least one
//     section and one required section, unique well-formed keys, known and
//     unique roles, and parses again to the same Format;
//   - its prompt names every section, and its reply schema is valid JSON,
//     compiles as a JSON Schema, accepts a reply with every section empty,
//     and has a name model servers accept.
//
// Seeds: the built-in formats, the f.Add cases below and
// testdata/fuzz/FuzzParseTemplate.
func FuzzParseTemplate(f *testing.F) {
	for _, name := range []string{"soap", "dap", "birp", "girp", "group"} {
		b, err := os.ReadFile("formats/" + name + ".md")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("---\n{\"id\": \"intake\", \"version\": 2, \"title\": \"Intake note\",\n \"sections\": [\n" +
		"  {\"key\": \"history\", \"title\": \"History\", \"required\": true, \"role\": \"focus\", \"description\": \"History as told.\"},\n" +
		"  {\"key\": \"plan\", \"title\": \"Plan\", \"required\": true, \"role\": \"plan\", \"description\": \"Next steps.\"}\n ]}\n---\nIntake guidance.\n"))
	f.Add([]byte("---\r\n{\"id\":\"a\",\"version\":1,\"title\":\"t\",\"sections\":[{\"key\":\"k\",\"title\":\"T\",\"required\":true,\"description\":\"d\"}]}\r\n---"))
	f.Add([]byte("---\n{\"id\":\"" + strings.Repeat("x", 40) + "\",\"version\":9007199254740993,\"title\":\"t\",\"sections\":[{\"key\":\"k\",\"title\":\"T\",\"required\":true,\"description\":\"d\"}]}\n---\n"))
	f.Add([]byte("---\n{\"id\":\"x\",\"version\":1,\"title\":\"t\",\"sections\":[{\"key\":\"k\",\"title\":\"T\",\"required\":true,\"description\":\"d\",\"role\":\"risk\"},{\"key\":\"k\"}]} {}\n---\n"))
	f.Add([]byte("---\n{id: x}\n---\n"))
	f.Add([]byte(""))
	seg := []transcript.Segment{{ID: "S0001", Speaker: "clinician", Text: "How was the week?"}, {ID: "S0002", Speaker: "client", Text: "Better."}}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		fm, err := prompts.ParseTemplate(data)
		if !bytes.Equal(data, orig) {
			t.Fatal("ParseTemplate modified its input")
		}
		if err != nil {
			if !errors.Is(err, prompts.ErrInvalidTemplate) {
				t.Fatalf("error does not wrap ErrInvalidTemplate: %v", err)
			}
			for _, r := range err.Error() {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("error is not one printable line: %q", err.Error())
				}
			}
			return
		}
		if !regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`).MatchString(fm.ID) || fm.Version < 1 || strings.TrimSpace(fm.Title) == "" || len(fm.Sections) == 0 {
			t.Fatalf("accepted a template without a valid id, version, title or sections: %+v", fm)
		}
		keys, roles, required := map[string]bool{}, map[string]bool{}, 0
		for _, s := range fm.Sections {
			if !regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`).MatchString(s.Key) || keys[s.Key] || strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Description) == "" {
				t.Fatalf("accepted section %+v (keys so far %v)", s, keys)
			}
			keys[s.Key] = true
			switch s.Role {
			case "":
			case prompts.RoleFocus, prompts.RoleRisk, prompts.RoleMedication, prompts.RolePlan:
				if roles[s.Role] {
					t.Fatalf("accepted role %q twice", s.Role)
				}
				roles[s.Role] = true
			default:
				t.Fatalf("accepted unknown role %q", s.Role)
			}
			if s.Required {
				required++
			}
		}
		if required == 0 {
			t.Fatal("accepted a template without a required section")
		}
		again, err := prompts.ParseTemplate([]byte(string(data)))
		if err != nil || !reflect.DeepEqual(again, fm) {
			t.Fatalf("the stored template parses differently: %v", err)
		}

		system, user, version := prompts.Render(fm, prompts.Modality{}, prompts.RenderInput{Segments: seg})
		if !strings.Contains(version, fm.VersionString()) || !strings.Contains(user, "S0002") {
			t.Fatalf("prompt version %q or user message lacks the template or the transcript", version)
		}
		for _, s := range fm.Sections {
			if !strings.Contains(system, "- "+s.Key+": ") {
				t.Fatalf("the prompt does not describe section %q", s.Key)
			}
		}

		if name := summarize.SchemaName(fm); !schemaName.MatchString(name) {
			t.Fatalf("reply schema name %q is not one model servers accept (1-64 of A-Z a-z 0-9 _ -)", name)
		}
		raw := summarize.NoteSchema(fm)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("reply schema is not JSON: %v", err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("note.json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("note.json")
		if err != nil {
			t.Fatalf("reply schema does not compile: %v", err)
		}
		empty := map[string]any{}
		for k := range keys {
			empty[k] = map[string]any{"statements": []any{}}
		}
		reply, _ := json.Marshal(map[string]any{"sections": empty})
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(reply))
		if err := sch.Validate(inst); err != nil {
			t.Fatalf("reply schema refuses a reply with every section empty: %v", err)
		}
	})
}
