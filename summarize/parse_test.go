package summarize

import (
	"strings"
	"testing"
)

func TestParseNoteProblems(t *testing.T) {
	f := mustFormat(t, "dap")
	ok := `"assessment": {"statements": []}, "plan": {"statements": []}`
	cases := []struct{ name, reply, want string }{
		{"empty", "  ", "reply is empty"},
		{"not json", "Here is your note: data ...", "not valid JSON"},
		{"array", `[1,2]`, "not a JSON object"},
		{"no sections", `{"note": {}}`, `no top-level "sections"`},
		{"sections array", `{"sections": [{"key": "data"}]}`, `"sections" must be an object`},
		{"missing required", `{"sections": {"data": {"statements": []}, "assessment": {"statements": []}}}`, `missing required section "plan"`},
		{"unknown key", `{"sections": {"data": {"statements": []}, "vitals": {"statements": []}, ` + ok + `}}`, `unknown key "vitals"`},
		{"statements not array", `{"sections": {"data": {"statements": "x"}, ` + ok + `}}`, "sections.data.statements must be an array"},
		{"no statements", `{"sections": {"data": {}, ` + ok + `}}`, `sections.data has no "statements"`},
		{"citations string", `{"sections": {"data": {"statements": [{"text": "a", "citations": "S0001"}]}, ` + ok + `}}`, "sections.data.statements[0].citations must be an array"},
		{"citations numbers", `{"sections": {"data": {"statements": [{"text": "a", "citations": [1]}]}, ` + ok + `}}`, "citations must be an array of segment ID strings"},
		{"citations missing", `{"sections": {"data": {"statements": [{"text": "a"}]}, ` + ok + `}}`, "citations is missing"},
		{"text number", `{"sections": {"data": {"statements": [{"text": 5, "citations": []}]}, ` + ok + `}}`, ".text must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, problems := parseNote(f, c.reply)
			if !strings.Contains(strings.Join(problems, "; "), c.want) {
				t.Errorf("problems %q lack %q", problems, c.want)
			}
		})
	}
	// Fenced JSON and spelled-out "not discussed" are accepted.
	note, problems := parseNote(f, "```json\n{\"sections\": {\"data\": {\"statements\": [{\"text\": \"Not discussed.\", \"citations\": []}]}, "+ok+"}}\n```")
	if len(problems) != 0 || len(note.Sections) != 5 || len(note.Sections[0].Statements) != 0 {
		t.Errorf("fenced reply: %v %+v", problems, note)
	}
}

func TestGroundStatementRules(t *testing.T) {
	segs := session(
		"client: I had 3 drinks on Friday with [NAME_1].",
		"client: No, I haven't had any thoughts of suicide.",
		"clinician: Any thoughts of hurting yourself this week?",
	)
	idx := newSegIndex(segs)
	cases := []struct {
		text   string
		cites  []string
		reason string // "" = supported
	}{
		{"Client reports 3 drinks on Friday with [NAME_1].", []string{"S0001"}, ""},
		{"Client reports three drinks Friday.", []string{"S0001"}, ""},
		{"Client reports 5 drinks on Friday.", []string{"S0001"}, "number(s) not found"},
		{"Client drank on Friday with [NAME_2].", []string{"S0001"}, "placeholder(s) not found"},
		{"Client denies suicidal ideation.", []string{"S0002"}, ""},
		{"Client endorses thoughts of suicide.", []string{"S0002"}, "negation mismatch"},
		{"Client denies thoughts of hurting self.", []string{"S0002", "S0003"}, ""},
		{"Affect within normal limits.", []string{"S0001"}, "boilerplate"},
		{"Client reports drinks on Friday.", []string{"S0007"}, "cites unknown segment S0007"},
		{"Client reports drinks on Friday.", []string{"'; DROP TABLE"}, "cites an unknown segment"},
		{"Client reports.", []string{"S0001"}, "no content words"},
	}
	for _, c := range cases {
		st := Statement{Text: c.text, Citations: c.cites}
		idx.groundStatement(&st)
		switch {
		case c.reason == "" && st.Unsupported:
			t.Errorf("%q flagged: %s", c.text, st.UnsupportedReason)
		case c.reason != "" && (!st.Unsupported || !strings.Contains(st.UnsupportedReason, c.reason)):
			t.Errorf("%q: unsupported=%v reason %q, want %q", c.text, st.Unsupported, st.UnsupportedReason, c.reason)
		}
	}
}
