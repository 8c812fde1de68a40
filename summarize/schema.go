package summarize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/scribe-health/scribe/prompts"
)

// ErrMalformedOutput is returned when the model's reply is still not a valid
// note after one repair retry. The message lists what was wrong by JSON path
// and never quotes note or transcript text.
var ErrMalformedOutput = errors.New("summarize: model output is malformed")

// SchemaName is the json_schema name sent for format f, e.g. "scribe_note_soap_v3".
func SchemaName(f prompts.Format) string {
	return fmt.Sprintf("scribe_note_%s_v%d", strings.ReplaceAll(f.ID, "-", "_"), f.Version)
}

// NoteSchema is the strict JSON schema of a reply for format f:
// {"sections": {"<key>": {"statements": [{"text", "citations": []}]}}}.
// Strict mode requires every property to be required, so optional sections
// are present with an empty statements array.
func NoteSchema(f prompts.Format) json.RawMessage {
	statement := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"text", "citations"},
		"properties": map[string]any{
			"text":      map[string]any{"type": "string", "description": "One short factual statement."},
			"citations": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Segment IDs that support the statement."},
		},
	}
	props := map[string]any{}
	keys := make([]string, 0, len(f.Sections))
	for _, s := range f.Sections {
		keys = append(keys, s.Key)
		props[s.Key] = map[string]any{
			"type":                 "object",
			"description":          s.Title,
			"additionalProperties": false,
			"required":             []string{"statements"},
			"properties": map[string]any{
				"statements": map[string]any{"type": "array", "items": statement},
			},
		}
	}
	schema := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"sections"},
		"properties": map[string]any{
			"sections": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             keys,
				"properties":           props,
			},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err) // maps of strings and slices always marshal
	}
	return b
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// quoteName quotes a model-supplied key only when it cannot carry free text.
func quoteName(s string) string {
	if safeName.MatchString(s) {
		return fmt.Sprintf("%q", s)
	}
	return "(unprintable name)"
}

// parseNote validates a reply against format f. It returns the note with
// sections in format order, or the list of problems found.
func parseNote(f prompts.Format, content string) (Note, []string) {
	body := strings.TrimSpace(content)
	// Some servers in json_object mode still wrap the object in a fence.
	if strings.HasPrefix(body, "```") {
		body = strings.TrimPrefix(body, "```json")
		body = strings.TrimPrefix(body, "```")
		body = strings.TrimSuffix(strings.TrimSpace(body), "```")
	}
	if body == "" {
		return Note{}, []string{"reply is empty; expected one JSON object"}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Note{}, []string{fmt.Sprintf("reply is not valid JSON (syntax error at byte %d)", se.Offset)}
		}
		return Note{}, []string{"reply is not a JSON object"}
	}
	var problems []string
	rawSections, ok := top["sections"]
	if !ok {
		return Note{}, []string{`reply has no top-level "sections" object`}
	}
	for k := range top {
		if k != "sections" {
			problems = append(problems, fmt.Sprintf("unexpected top-level field %s; only \"sections\" is allowed", quoteName(k)))
		}
	}
	var secs map[string]json.RawMessage
	if err := json.Unmarshal(rawSections, &secs); err != nil || secs == nil {
		return Note{}, append(problems, `"sections" must be an object keyed by section key`)
	}
	known := map[string]bool{}
	for _, s := range f.Sections {
		known[s.Key] = true
	}
	for k := range secs {
		if !known[k] {
			problems = append(problems, fmt.Sprintf("sections has unknown key %s; allowed keys: %s", quoteName(k), sectionKeys(f)))
		}
	}
	note := Note{Format: f.ID, Sections: make([]Section, 0, len(f.Sections))}
	for _, fs := range f.Sections {
		sec := Section{Key: fs.Key, Title: fs.Title, Statements: []Statement{}}
		raw, ok := secs[fs.Key]
		if !ok || isNull(raw) {
			if fs.Required {
				problems = append(problems, fmt.Sprintf("missing required section %q (use an empty statements array if it was not discussed)", fs.Key))
			}
			note.Sections = append(note.Sections, sec)
			continue
		}
		path := "sections." + fs.Key
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			problems = append(problems, path+` must be an object with a "statements" array`)
			note.Sections = append(note.Sections, sec)
			continue
		}
		rawStmts, ok := obj["statements"]
		if !ok {
			problems = append(problems, path+` has no "statements" array`)
			note.Sections = append(note.Sections, sec)
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(rawStmts, &items); err != nil || (items == nil && !isNull(rawStmts)) {
			problems = append(problems, path+".statements must be an array")
			note.Sections = append(note.Sections, sec)
			continue
		}
		for i, item := range items {
			at := fmt.Sprintf("%s.statements[%d]", path, i)
			var st struct {
				Text      *json.RawMessage `json:"text"`
				Citations *json.RawMessage `json:"citations"`
			}
			if err := json.Unmarshal(item, &st); err != nil || isNull(item) {
				problems = append(problems, at+" must be an object with \"text\" and \"citations\"")
				continue
			}
			var text string
			if st.Text == nil || json.Unmarshal(*st.Text, &text) != nil {
				problems = append(problems, at+".text must be a string")
				continue
			}
			text = strings.TrimSpace(text)
			var cites []string
			switch {
			case st.Citations == nil:
				problems = append(problems, at+".citations is missing (an array of segment IDs)")
				continue
			case json.Unmarshal(*st.Citations, &cites) != nil || isNull(*st.Citations):
				problems = append(problems, at+".citations must be an array of segment ID strings")
				continue
			}
			if text == "" {
				if len(cites) == 0 {
					continue // an empty placeholder statement carries nothing
				}
				problems = append(problems, at+".text is empty but has citations")
				continue
			}
			if len(cites) == 0 && isNotDiscussed(text) {
				continue // the model spelled out "not discussed": the section says so itself
			}
			for j := range cites {
				cites[j] = strings.TrimSpace(cites[j])
			}
			sec.Statements = append(sec.Statements, Statement{Text: text, Citations: cites})
		}
		note.Sections = append(note.Sections, sec)
	}
	return note, problems
}

func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

func isNotDiscussed(text string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(text), ".!"))
	switch t {
	case "not discussed", "not discussed in this session", "not discussed in session", "n/a", "none", "not addressed", "not addressed in this session":
		return true
	}
	return false
}

func sectionKeys(f prompts.Format) string {
	keys := make([]string, len(f.Sections))
	for i, s := range f.Sections {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}
