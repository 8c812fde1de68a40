// Package gold is Scribe's gold set for note evaluation: SYNTHETIC
// behavioral-health sessions written for this purpose (no real person, no
// real session), each a scripted multi-speaker transcript with what a good
// note must contain (key facts, risk facts, medications, plan and
// homework) and what it must not state as fact (distractors: hypotheticals,
// a relative's diagnosis, a medication the client refused).
//
// The sessions were written apart from the prompts (prompts/) and are never
// edited to make a prompt pass. They live in sessions/*.gold, one session a
// file, in a small line format documented in sessions/README.md, and are
// embedded in the binary so `scribe eval` needs no files.
//
// The package also writes crafted notes from a session (Craft): a good note
// (every fact, cited to its evidence) and a degraded one (omissions, an
// invented medication, a wrong citation, a distractor stated as fact, a
// misplaced plan, a malformed first reply). The test fake uses them to
// check that the scorer tells one from the other.
package gold

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Notice is the marking every session carries.
const Notice = "SYNTHETIC"

// Fact kinds.
const (
	KindKey  = "key"  // must appear
	KindRisk = "risk" // must appear, in the risk assessment
	KindPlan = "plan" // plan or homework; must appear
	KindMed  = "med"  // a medication; must appear unless refused
)

// Medication statuses.
const (
	MedTaking    = "taking"
	MedStarted   = "started"
	MedIncreased = "increased"
	MedDecreased = "decreased"
	MedStopped   = "stopped"
	MedRefused   = "refused" // the client declined it: stating it as taken is a distractor leak
)

// Turn is one utterance of the script.
type Turn struct {
	ID      string `json:"id"` // "S0001", the segment ID the text path gives it
	Speaker string `json:"speaker"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

// Fact is something a good note states.
type Fact struct {
	ID    string   `json:"id"` // "k1", "r1", "p1", "m1"
	Kind  string   `json:"kind"`
	Role  string   `json:"role"`  // note section role it belongs in: "", focus, risk, medication, plan
	Turns []string `json:"turns"` // the segment IDs that support it
	Match Expr     `json:"match"`
	// Note is how a good note states it (close to the transcript's words).
	Note string `json:"note"`
	// Medication facts only.
	Med    string `json:"med,omitempty"`
	Dose   string `json:"dose,omitempty"`
	Status string `json:"status,omitempty"`
}

// Distractor is something said that must not become a fact of the note.
type Distractor struct {
	ID    string   `json:"id"`
	Turns []string `json:"turns"`
	// Match finds a statement about it; OK finds the words that keep such a
	// statement true (attribution to the relative, "declined", "if").
	Match Expr `json:"match"`
	OK    Expr `json:"ok"`
	// Leak is the distractor stated as a fact of the client (for the
	// degraded crafted note).
	Leak string `json:"leak"`
}

// Session is one gold session.
type Session struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Kind     string `json:"kind"` // intake, cbt, dbt, mi, mat, couples, family, group, crisis, …
	Template string `json:"template"`
	Modality string `json:"modality"`
	Program  string `json:"program"` // mh or sud
	Group    bool   `json:"group"`
	// Consent is false for a session whose client declined the AI scribe
	// (a clinician's dictation afterwards).
	Consent     bool         `json:"consent"`
	Minutes     int          `json:"minutes"`
	Turns       []Turn       `json:"turns"`
	Facts       []Fact       `json:"facts"`
	Distractors []Distractor `json:"distractors"`
	// Source is the file the session was read from.
	Source string `json:"source"`
}

// Part2 reports whether the session is a 42 CFR Part 2 record.
func (s *Session) Part2() bool { return s.Program == "sud" }

// MustAppear lists the facts a note must state: every fact but a refused
// medication.
func (s *Session) MustAppear() []Fact {
	var out []Fact
	for _, f := range s.Facts {
		if f.Kind == KindMed && f.Status == MedRefused {
			continue
		}
		out = append(out, f)
	}
	return out
}

// FactsOf lists the facts of one kind.
func (s *Session) FactsOf(kind string) []Fact {
	var out []Fact
	for _, f := range s.Facts {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// AllDistractors is the session's distractors with a refused medication
// added as one (stating it as taken leaks it).
func (s *Session) AllDistractors() []Distractor {
	out := append([]Distractor(nil), s.Distractors...)
	for _, f := range s.Facts {
		if f.Kind == KindMed && f.Status == MedRefused {
			out = append(out, Distractor{ID: "refused-" + f.ID, Turns: f.Turns, Match: Expr{{strings.ToLower(f.Med)}},
				OK: RefusalWords, Leak: "Client takes " + f.Med + " as prescribed."})
		}
	}
	return out
}

// RefusalWords keep a statement about a refused medication true.
var RefusalWords = Expr{{"refus", "declin", "not want", "doesn't want", "does not want", "won't", "decided against", "turned down", "not start", "did not take", "rather not"}}

// Turn returns the turn with the segment ID, if any.
func (s *Session) Turn(id string) (Turn, bool) {
	for _, t := range s.Turns {
		if t.ID == id {
			return t, true
		}
	}
	return Turn{}, false
}

// Expr is a match expression: every group must match, a group matches
// when one of its alternatives is a substring of the lower-cased text.
// Written "panic & three|3".
type Expr [][]string

// Matches reports whether text satisfies the expression (an empty
// expression matches nothing).
func (e Expr) Matches(text string) bool {
	if len(e) == 0 {
		return false
	}
	low := " " + strings.ToLower(text) + " "
	for _, group := range e {
		ok := false
		for _, alt := range group {
			if strings.Contains(low, alt) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (e Expr) String() string {
	var gs []string
	for _, g := range e {
		gs = append(gs, strings.Join(g, "|"))
	}
	return strings.Join(gs, " & ")
}

// ParseExpr reads "a|b & c". Alternatives keep inner spaces; a leading or
// trailing underscore stands for a word boundary space ("_mg" ≠ "omg").
func ParseExpr(s string) (Expr, error) {
	var e Expr
	for _, g := range strings.Split(s, "&") {
		var alts []string
		for _, a := range strings.Split(g, "|") {
			a = strings.ToLower(strings.TrimSpace(a))
			if a == "" {
				return nil, fmt.Errorf("empty alternative in %q", s)
			}
			alts = append(alts, strings.ReplaceAll(a, "_", " "))
		}
		e = append(e, alts)
	}
	return e, nil
}

//go:embed sessions/*.gold
var files embed.FS

// Load reads every embedded session, sorted by ID.
func Load() ([]*Session, error) {
	return LoadFS(files, "sessions")
}

// LoadFS reads every *.gold file of dir in fsys.
func LoadFS(fsys fs.FS, dir string) ([]*Session, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.gold"))
	if err != nil {
		return nil, err
	}
	var out []*Session
	seen := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		s, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("gold session %s: %w", path.Base(n), err)
		}
		s.Source = path.Base(n)
		if prev, dup := seen[s.ID]; dup {
			return nil, fmt.Errorf("gold session id %q is in both %s and %s", s.ID, prev, s.Source)
		}
		seen[s.ID] = s.Source
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// SegmentID is the ID of the n-th turn (1-based).
func SegmentID(n int) string { return fmt.Sprintf("S%04d", n) }

var speakerRE = regexp.MustCompile(`^(clinician|client|participant \d+):\s+(.+)$`)

// Parse reads one session in the .gold line format (sessions/README.md).
func Parse(b []byte) (*Session, error) {
	s := &Session{Consent: true, Program: "mh", Modality: "general", Template: "soap"}
	part := 0 // 0 header, 1 turns, 2 facts
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	synthetic := false
	counts := map[string]int{}
	for sc.Scan() {
		line++
		raw := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(raw, "#") {
			if strings.Contains(raw, Notice) {
				synthetic = true
			}
			continue
		}
		if raw == "" {
			continue
		}
		if raw == "---" {
			part++
			if part > 2 {
				return nil, fmt.Errorf("line %d: more than three parts", line)
			}
			continue
		}
		var err error
		switch part {
		case 0:
			err = s.header(raw)
		case 1:
			m := speakerRE.FindStringSubmatch(raw)
			if m == nil {
				err = fmt.Errorf("want 'clinician: …', 'client: …' or 'participant N: …'")
				break
			}
			s.Turns = append(s.Turns, Turn{ID: SegmentID(len(s.Turns) + 1), Speaker: m[1], Text: m[2]})
		case 2:
			err = s.factLine(raw, counts)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !synthetic {
		return nil, fmt.Errorf("no '# %s' marking", Notice)
	}
	if s.ID == "" || s.Title == "" || s.Kind == "" {
		return nil, fmt.Errorf("id, title and kind are required")
	}
	if len(s.Turns) == 0 || len(s.Facts) == 0 {
		return nil, fmt.Errorf("a session needs turns and facts")
	}
	s.clock()
	return s, nil
}

func (s *Session) header(raw string) error {
	k, v, ok := strings.Cut(raw, ":")
	if !ok {
		return fmt.Errorf("want 'key: value' in the header")
	}
	v = strings.TrimSpace(v)
	switch strings.TrimSpace(k) {
	case "id":
		s.ID = v
	case "title":
		s.Title = v
	case "kind":
		s.Kind = v
	case "template":
		s.Template = v
	case "modality":
		s.Modality = v
	case "program":
		if v != "mh" && v != "sud" {
			return fmt.Errorf("program %q: want mh or sud", v)
		}
		s.Program = v
	case "group":
		s.Group = v == "yes"
	case "consent":
		if v != "yes" && v != "declined" {
			return fmt.Errorf("consent %q: want yes or declined", v)
		}
		s.Consent = v == "yes"
	case "minutes":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("minutes %q: want a positive number", v)
		}
		s.Minutes = n
	default:
		return fmt.Errorf("unknown header %q", k)
	}
	return nil
}

// factLine reads "KIND[ ROLE] TURNS | …".
func (s *Session) factLine(raw string, counts map[string]int) error {
	fields := strings.Split(raw, " | ")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	head := strings.Fields(fields[0])
	if len(head) < 2 {
		return fmt.Errorf("want 'KIND TURNS | …'")
	}
	kind, role, turnList := head[0], "", head[len(head)-1]
	if len(head) == 3 {
		role = head[1]
	}
	var turns []string
	for _, t := range strings.Split(turnList, ",") {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > len(s.Turns) {
			return fmt.Errorf("turn %q is not a turn of this session (1–%d)", t, len(s.Turns))
		}
		turns = append(turns, SegmentID(n))
	}
	prefix := map[string]string{KindKey: "k", KindRisk: "r", KindPlan: "p", KindMed: "m", "distractor": "d"}[kind]
	if prefix == "" {
		return fmt.Errorf("unknown line kind %q (want key, risk, plan, med or distractor)", kind)
	}
	counts[kind]++
	id := prefix + strconv.Itoa(counts[kind])
	switch kind {
	case KindKey, KindRisk, KindPlan:
		if len(fields) != 3 {
			return fmt.Errorf("want '%s TURNS | MATCH | NOTE TEXT'", kind)
		}
		e, err := ParseExpr(fields[1])
		if err != nil {
			return err
		}
		switch kind {
		case KindRisk:
			role = "risk"
		case KindPlan:
			role = "plan"
		}
		if role != "" && role != "focus" && role != "risk" && role != "plan" && role != "medication" {
			return fmt.Errorf("role %q: want focus, risk, plan or medication", role)
		}
		s.Facts = append(s.Facts, Fact{ID: id, Kind: kind, Role: role, Turns: turns, Match: e, Note: fields[2]})
	case KindMed:
		if len(fields) != 5 {
			return fmt.Errorf("want 'med TURNS | NAME | STATUS | DOSE | NOTE TEXT'")
		}
		name, status, dose := strings.ToLower(fields[1]), fields[2], fields[3]
		switch status {
		case MedTaking, MedStarted, MedIncreased, MedDecreased, MedStopped, MedRefused:
		default:
			return fmt.Errorf("medication status %q: want taking, started, increased, decreased, stopped or refused", status)
		}
		e := Expr{{name}}
		if dose != "" && dose != "-" {
			e = append(e, []string{dose})
		} else {
			dose = ""
		}
		s.Facts = append(s.Facts, Fact{ID: id, Kind: KindMed, Role: "medication", Turns: turns, Match: e, Note: fields[4], Med: name, Dose: dose, Status: status})
	case "distractor":
		if len(fields) != 4 {
			return fmt.Errorf("want 'distractor TURNS | MATCH | OK | LEAK TEXT'")
		}
		m, err := ParseExpr(fields[1])
		if err != nil {
			return err
		}
		ok, err := ParseExpr(fields[2])
		if err != nil {
			return err
		}
		s.Distractors = append(s.Distractors, Distractor{ID: id, Turns: turns, Match: m, OK: ok, Leak: fields[3]})
	}
	return nil
}

// clock gives the turns times: each turn as long as its words take to say
// (2.5 words a second) with a second between turns, stretched to Minutes
// when the session says how long it ran.
func (s *Session) clock() {
	var t int64
	type span struct{ start, end int64 }
	spans := make([]span, len(s.Turns))
	for i, tr := range s.Turns {
		d := int64(len(strings.Fields(tr.Text)))*400 + 600
		spans[i] = span{t, t + d}
		t += d + 1000
	}
	scale := 1.0
	if s.Minutes > 0 && t > 0 {
		scale = float64(s.Minutes) * 60000 / float64(t)
	}
	for i := range s.Turns {
		s.Turns[i].StartMS = int64(float64(spans[i].start) * scale)
		s.Turns[i].EndMS = int64(float64(spans[i].end) * scale)
	}
}
