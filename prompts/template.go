package prompts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Section roles that gap checks look for. A format marks at most one section
// with each role; the role, not the key, is what summarize relies on, so an
// admin template can name its sections freely.
const (
	RoleFocus      = "focus"      // presenting problem, diagnosis, goals
	RoleRisk       = "risk"       // suicide / self-harm / harm-to-others assessment
	RoleMedication = "medication" // medication reconciliation
	RolePlan       = "plan"       // plan and next appointment
)

var knownRoles = map[string]bool{"": true, RoleFocus: true, RoleRisk: true, RoleMedication: true, RolePlan: true}

// Section is one heading of a note format.
type Section struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Required    bool   `json:"required"`
	Role        string `json:"role,omitempty"`
	Description string `json:"description"`
}

// Format is a note format (SOAP, DAP …): its sections and guidance.
type Format struct {
	ID       string    `json:"id"`
	Version  int       `json:"version"`
	Title    string    `json:"title"`
	Group    bool      `json:"group,omitempty"` // written for group sessions
	Sections []Section `json:"sections"`
	// Guidance is the Markdown body after the front matter.
	Guidance string `json:"-"`
}

// VersionString names this format's version, e.g. "soap@3".
func (f Format) VersionString() string { return fmt.Sprintf("%s@%d", f.ID, f.Version) }

// SectionByRole returns the section carrying role, if any.
func (f Format) SectionByRole(role string) (Section, bool) {
	for _, s := range f.Sections {
		if s.Role == role {
			return s, true
		}
	}
	return Section{}, false
}

// Modality is guidance for one treatment modality (CBT, DBT …).
type Modality struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Guidance string `json:"-"`
}

// VersionString names this modality's version, e.g. "cbt@1".
func (m Modality) VersionString() string { return fmt.Sprintf("%s@%d", m.ID, m.Version) }

// ErrInvalidTemplate is wrapped by every ParseTemplate error.
var ErrInvalidTemplate = errors.New("invalid prompt template")

// MaxVersion bounds a template's version, so that names derived from the id
// and version fit where they go (a reply schema's name is at most 64
// characters at model servers: "scribe_note_" + 40 + "_v" + 6).
const MaxVersion = 999999

var (
	idPattern  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// header is the union of front-matter fields of every kind of template file.
type header struct {
	ID       string    `json:"id"`
	Version  int       `json:"version"`
	Title    string    `json:"title"`
	Group    bool      `json:"group"`
	Sections []Section `json:"sections"`
}

// splitFrontMatter separates "---\n{json}\n---\nbody".
func splitFrontMatter(data []byte) (head []byte, body string, err error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return nil, "", fmt.Errorf("%w: file is empty", ErrInvalidTemplate)
	}
	if !strings.HasPrefix(text, "---\n") {
		return nil, "", fmt.Errorf("%w: file must start with a front-matter header: a line \"---\", a JSON object, and a closing line \"---\"", ErrInvalidTemplate)
	}
	rest := text[len("---\n"):]
	end := strings.Index(rest, "\n---\n")
	if end < 0 {
		if strings.HasSuffix(rest, "\n---") {
			end = len(rest) - len("\n---")
		} else {
			return nil, "", fmt.Errorf("%w: front-matter header has no closing \"---\" line", ErrInvalidTemplate)
		}
	}
	head = []byte(rest[:end])
	if end+len("\n---\n") <= len(rest) {
		body = rest[end+len("\n---\n"):]
	}
	return head, strings.TrimSpace(body), nil
}

func parseHeader(data []byte) (header, string, error) {
	head, body, err := splitFrontMatter(data)
	if err != nil {
		return header{}, "", err
	}
	var h header
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return header{}, "", fmt.Errorf("%w: front matter is not valid JSON (byte %d of the header): %v", ErrInvalidTemplate, se.Offset, err)
		case errors.As(err, &te):
			return header{}, "", fmt.Errorf("%w: front-matter field %q has the wrong type (want %s)", ErrInvalidTemplate, te.Field, te.Type)
		default:
			return header{}, "", fmt.Errorf("%w: front matter: %v", ErrInvalidTemplate, err)
		}
	}
	if dec.More() {
		return header{}, "", fmt.Errorf("%w: front matter holds more than one JSON value", ErrInvalidTemplate)
	}
	if h.ID == "" {
		return header{}, "", fmt.Errorf("%w: front matter is missing \"id\"", ErrInvalidTemplate)
	}
	if !idPattern.MatchString(h.ID) {
		return header{}, "", fmt.Errorf("%w: id must be 1-40 lowercase letters, digits, '-' or '_' starting with a letter", ErrInvalidTemplate)
	}
	if h.Version < 1 {
		return header{}, "", fmt.Errorf("%w: template %q: front matter is missing \"version\" (a positive integer)", ErrInvalidTemplate, h.ID)
	}
	if h.Version > MaxVersion {
		return header{}, "", fmt.Errorf("%w: template %q: version %d is too large (at most %d)", ErrInvalidTemplate, h.ID, h.Version, MaxVersion)
	}
	return h, body, nil
}

// ParseTemplate validates a note-format template file (front matter + Markdown
// guidance) and returns the Format it describes. It is what an admin upload
// goes through before the template is stored; every problem is reported with
// the field it concerns, and the input is never modified.
func ParseTemplate(data []byte) (Format, error) {
	h, body, err := parseHeader(data)
	if err != nil {
		return Format{}, err
	}
	if strings.TrimSpace(h.Title) == "" {
		return Format{}, fmt.Errorf("%w: template %q: front matter is missing \"title\"", ErrInvalidTemplate, h.ID)
	}
	if len(h.Sections) == 0 {
		return Format{}, fmt.Errorf("%w: template %q: front matter is missing \"sections\" (at least one section)", ErrInvalidTemplate, h.ID)
	}
	seenKey := map[string]bool{}
	seenRole := map[string]bool{}
	required := 0
	for i, s := range h.Sections {
		where := fmt.Sprintf("template %q: sections[%d]", h.ID, i)
		if s.Key == "" {
			return Format{}, fmt.Errorf("%w: %s is missing \"key\"", ErrInvalidTemplate, where)
		}
		if !keyPattern.MatchString(s.Key) {
			return Format{}, fmt.Errorf("%w: %s key %q must be 1-40 lowercase letters, digits or '_' starting with a letter", ErrInvalidTemplate, where, s.Key)
		}
		if seenKey[s.Key] {
			return Format{}, fmt.Errorf("%w: %s repeats key %q", ErrInvalidTemplate, where, s.Key)
		}
		seenKey[s.Key] = true
		if strings.TrimSpace(s.Title) == "" {
			return Format{}, fmt.Errorf("%w: %s (%s) is missing \"title\"", ErrInvalidTemplate, where, s.Key)
		}
		if strings.TrimSpace(s.Description) == "" {
			return Format{}, fmt.Errorf("%w: %s (%s) is missing \"description\" (it tells the model what belongs there)", ErrInvalidTemplate, where, s.Key)
		}
		if !knownRoles[s.Role] {
			return Format{}, fmt.Errorf("%w: %s (%s) has unknown role %q (want one of focus, risk, medication, plan, or none)", ErrInvalidTemplate, where, s.Key, s.Role)
		}
		if s.Role != "" {
			if seenRole[s.Role] {
				return Format{}, fmt.Errorf("%w: %s (%s) repeats role %q; a role may mark one section only", ErrInvalidTemplate, where, s.Key, s.Role)
			}
			seenRole[s.Role] = true
		}
		if s.Required {
			required++
		}
	}
	if required == 0 {
		return Format{}, fmt.Errorf("%w: template %q: no section is marked \"required\": true", ErrInvalidTemplate, h.ID)
	}
	f := Format{ID: h.ID, Version: h.Version, Title: h.Title, Group: h.Group, Guidance: body}
	f.Sections = append([]Section(nil), h.Sections...)
	return f, nil
}

// parseModality validates a modality or pass file (no sections allowed).
func parseModality(data []byte) (Modality, error) {
	h, body, err := parseHeader(data)
	if err != nil {
		return Modality{}, err
	}
	if len(h.Sections) > 0 {
		return Modality{}, fmt.Errorf("%w: %q: a guidance file must not declare sections", ErrInvalidTemplate, h.ID)
	}
	if strings.TrimSpace(body) == "" {
		return Modality{}, fmt.Errorf("%w: %q: guidance body is empty", ErrInvalidTemplate, h.ID)
	}
	return Modality{ID: h.ID, Version: h.Version, Title: h.Title, Guidance: body}, nil
}
