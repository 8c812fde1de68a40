package drafts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// ErrStatementChanged refuses an edit made against a statement that has
// changed since the clinician opened it (another tab, an autosave).
var ErrStatementChanged = errors.New("the statement changed since the page was opened; reload the page and make the change again")

// StatementRef names one statement's stored text, so an edit can say which
// version of the statement it was made against.
func StatementRef(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:6])
}

// StatementEdit is a clinician's change to one statement of the note: new
// text, a new statement at the end of a section, or a statement taken out.
type StatementEdit struct {
	SessionID string
	// Section is the section's key or title. A section of the note's
	// template that the note lacks is added (for Add).
	Section string
	// Index is the statement's place in the section (from 0); Add ignores it.
	Index  int
	Add    bool
	Remove bool
	// Text is the statement's new, de-identified text (not for Remove).
	Text string
	// RemoveCitations are the citations the clinician took off; the others
	// stay with the statement.
	RemoveCitations []string
	// Expect is the StatementRef of the text the clinician edited; empty
	// skips the check.
	Expect string
	Actor  string
}

// EditStatement changes one statement. The other statements keep their
// text and citations; the changed one is marked ClinicianEdited and keeps
// the citations not removed. The flags the note decides are checked again
// (see summarize.NoteChecks) in the same transaction.
func (s *Service) EditStatement(ctx context.Context, e StatementEdit) (store.Draft, error) {
	text := strings.Join(strings.Fields(e.Text), " ")
	if !e.Remove && text == "" {
		return store.Draft{}, errors.New("the statement is empty; to take it out of the note, remove it")
	}
	action := map[bool]string{true: "add", false: "statement"}[e.Add]
	if e.Remove {
		action = "remove"
	}
	details := map[string]string{"section": e.Section, "op": action}
	return s.changeNote(ctx, e.SessionID, e.Actor, "draft.edit", details, func(c *Content, f prompts.Format) error {
		sec, err := findSection(&c.Note, f, e.Section, e.Add)
		if err != nil {
			return err
		}
		rec := Edit{Section: sec.Key, Op: action, By: e.Actor, At: s.now().UnixMilli()}
		if e.Add {
			sec.Statements = append(sec.Statements, summarize.Statement{Text: text, Citations: []string{}, ClinicianEdited: true})
			sec.NotDiscussed, sec.NotDiscussedText = false, ""
			rec.Index = len(sec.Statements) - 1
			c.Edits = append(c.Edits, rec)
			details["index"] = fmt.Sprint(rec.Index)
			return nil
		}
		if e.Index < 0 || e.Index >= len(sec.Statements) {
			return fmt.Errorf("the %s section has no statement %d (it has %d)", sec.Title, e.Index+1, len(sec.Statements))
		}
		st := &sec.Statements[e.Index]
		if e.Expect != "" && StatementRef(st.Text) != e.Expect {
			return ErrStatementChanged
		}
		rec.Index = e.Index
		details["index"] = fmt.Sprint(e.Index)
		if e.Remove {
			sec.Statements = append(sec.Statements[:e.Index], sec.Statements[e.Index+1:]...)
			if len(sec.Statements) == 0 {
				sec.NotDiscussed, sec.NotDiscussedText = true, summarize.NotDiscussedText
			}
			c.Edits = append(c.Edits, rec)
			return nil
		}
		drop := map[string]bool{}
		for _, id := range e.RemoveCitations {
			drop[id] = true
		}
		kept := []string{}
		for _, id := range st.Citations {
			if !drop[id] {
				kept = append(kept, id)
			}
		}
		if text == st.Text && len(kept) == len(st.Citations) {
			return errNoChange
		}
		st.Text, st.Citations, st.ClinicianEdited = text, kept, true
		st.Unsupported, st.UnsupportedReason = false, ""
		c.Edits = append(c.Edits, rec)
		return nil
	})
}

// errNoChange ends an edit that changes nothing without writing or auditing.
var errNoChange = errors.New("no change")

// sectionStatements turns a section's edited text (one statement a line)
// into statements: a line the same as a statement keeps that statement
// whole; when the count of lines is the count of statements, a changed
// line is that statement edited (its citations kept); any other line is a
// new statement of the clinician's.
func sectionStatements(old []summarize.Statement, text string) []summarize.Statement {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	out := make([]summarize.Statement, 0, len(lines))
	if len(lines) == len(old) {
		for i, l := range lines {
			st := old[i]
			if l != st.Text {
				st.Text, st.ClinicianEdited, st.Unsupported, st.UnsupportedReason = l, true, false, ""
			}
			out = append(out, st)
		}
		return out
	}
	used := make([]bool, len(old))
	for _, l := range lines {
		found := false
		for i, st := range old {
			if !used[i] && st.Text == l {
				used[i], found = true, true
				out = append(out, st)
				break
			}
		}
		if !found {
			out = append(out, summarize.Statement{Text: l, Citations: []string{}, ClinicianEdited: true})
		}
	}
	return out
}

// findSection finds a section by key or title; add also finds a section of
// the template that the note lacks, inserting it in the template's order.
func findSection(n *summarize.Note, f prompts.Format, name string, add bool) (*summarize.Section, error) {
	var keys []string
	for i := range n.Sections {
		sec := &n.Sections[i]
		keys = append(keys, sec.Key)
		if strings.EqualFold(sec.Key, name) || strings.EqualFold(sec.Title, name) {
			return sec, nil
		}
	}
	if add {
		for fi, fs := range f.Sections {
			if !strings.EqualFold(fs.Key, name) && !strings.EqualFold(fs.Title, name) {
				continue
			}
			// Insert before the first note section that comes later in the template.
			order := map[string]int{}
			for j, x := range f.Sections {
				order[x.Key] = j
			}
			at := len(n.Sections)
			for i, sec := range n.Sections {
				if o, ok := order[sec.Key]; ok && o > fi {
					at = i
					break
				}
			}
			n.Sections = append(n.Sections, summarize.Section{})
			copy(n.Sections[at+1:], n.Sections[at:])
			n.Sections[at] = summarize.Section{Key: fs.Key, Title: fs.Title, NotDiscussed: true, NotDiscussedText: summarize.NotDiscussedText, Statements: []summarize.Statement{}}
			return &n.Sections[at], nil
		}
	}
	return nil, &SectionError{Section: name, Sections: keys}
}

// SectionError is a change to a section the note does not have.
type SectionError struct {
	Section  string
	Sections []string // the note's section keys
}

func (e *SectionError) Error() string {
	return fmt.Sprintf("the note has no section %q (sections: %s)", e.Section, strings.Join(e.Sections, ", "))
}

func (e *SectionError) Is(target error) bool { return target == ErrNoSection }

// WithTemplateSections returns the note with every section of its template
// that it lacks added, empty and marked not discussed, in template order:
// what a clinician sees so that a missing section can be written.
func WithTemplateSections(n summarize.Note, f prompts.Format) summarize.Note {
	out := n
	out.Sections = append([]summarize.Section(nil), n.Sections...)
	for _, fs := range f.Sections {
		if _, err := findSection(&out, f, fs.Key, false); err != nil {
			_, _ = findSection(&out, f, fs.Key, true)
		}
	}
	return out
}

// recheck is what the note-dependent flags are computed from, read before
// the change's transaction (the blob store may share its database).
type recheck struct {
	in       summarize.NoteInput
	template string
	// riskKnown is false when the transcript is no longer kept: the risk
	// flag then stays as it was.
	riskKnown bool
}

func (s *Service) prepareRecheck(ctx context.Context, sessionID string) (recheck, error) {
	var rc recheck
	if s.Blobs == nil {
		return rc, errors.New("drafts: the service has no blob store, so flags cannot be checked again after an edit")
	}
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return rc, err
	}
	d, err := s.Store.LatestDraft(ctx, sessionID)
	if err != nil {
		return rc, err
	}
	f, err := ResolveFormat(ctx, s.Store, d.Template)
	if err != nil {
		return rc, fmt.Errorf("the note's template %q cannot be read: %w", d.Template, err)
	}
	modality, err := prompts.ModalityByID(sess.Modality)
	if err != nil {
		modality = prompts.Modality{}
	}
	rc.template = d.Template
	rc.in = summarize.NoteInput{SessionID: sessionID, Format: f, Modality: modality, Program: sess.Program, Part2: sess.Part2(), MAT: sess.Modality == "mat"}
	tr, err := s.Store.Transcript(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return rc, nil
	}
	if err != nil {
		return rc, err
	}
	raw, err := s.Blobs.Get(ctx, tr.RedactedBlob)
	if errors.Is(err, blob.ErrNotFound) {
		return rc, nil
	}
	if err != nil {
		return rc, fmt.Errorf("the redacted transcript cannot be read: %w", err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(raw, &segs); err != nil {
		return rc, fmt.Errorf("the redacted transcript is not valid JSON: %w", err)
	}
	rc.in.Segments, rc.riskKnown = segs, true
	return rc, nil
}

// changeNote is change for an edit of the note's text: fn changes the
// content, then the flags the note decides are computed again and merged
// with the clinician's resolutions; the audit entry names the flags raised
// and cleared.
func (s *Service) changeNote(ctx context.Context, sessionID, actor, action string, details map[string]string, fn func(c *Content, f prompts.Format) error) (store.Draft, error) {
	rc, err := s.prepareRecheck(ctx, sessionID)
	if err != nil {
		return store.Draft{}, err
	}
	d, err := s.change(ctx, sessionID, actor, action, details, func(d *store.Draft) error {
		if d.Template != rc.template {
			return errors.New("the draft was regenerated while you edited; reload the page and make the change again")
		}
		c, err := decodeContent(*d)
		if err != nil {
			return err
		}
		if err := fn(&c, rc.in.Format); err != nil {
			return err
		}
		prev, err := decodeFlags(*d)
		if err != nil {
			return err
		}
		flags, raised, cleared := RecheckFlags(prev, c.Note, rc.in, rc.riskKnown)
		if len(raised) > 0 {
			details["flags_raised"] = strings.Join(raised, ",")
		}
		if len(cleared) > 0 {
			details["flags_cleared"] = strings.Join(cleared, ",")
		}
		d.Content, d.Flags, d.Status = mustJSON(c), mustJSON(flags), store.DraftEdited
		return nil
	})
	if errors.Is(err, errNoChange) {
		d, err = s.Store.LatestDraft(ctx, sessionID)
	}
	return d, err
}

// RecheckFlags computes the flags the note decides again (in.Segments,
// Format, Modality and MAT are used) and merges them with prev: a flag that
// still applies keeps its resolution, one that no longer applies is cleared
// (a clinician's resolution of it is kept for the record), one that newly
// applies is raised open. Flags the note does not decide (consent) and,
// when riskKnown is false, the risk flag stay as they were.
func RecheckFlags(prev []Flag, n summarize.Note, in summarize.NoteInput, riskKnown bool) (flags []Flag, raised, cleared []string) {
	decided := map[string]bool{}
	for _, c := range summarize.NoteCheckCodes {
		decided[c] = true
	}
	if !riskKnown {
		delete(decided, summarize.FlagRiskNotAssessed)
	}
	fresh := map[string]summarize.Flag{}
	for _, f := range summarize.NoteChecks(in, n) {
		if decided[f.Code] {
			fresh[f.Code] = f
		}
	}
	flags = []Flag{}
	seen := map[string]bool{}
	for _, p := range prev {
		if !decided[p.Code] {
			flags = append(flags, p)
			continue
		}
		seen[p.Code] = true
		if f, ok := fresh[p.Code]; ok {
			p.Severity, p.Reason, p.Segment = f.Severity, f.Reason, f.Segment
			flags = append(flags, p)
			continue
		}
		if !p.Resolved {
			cleared = append(cleared, p.Code)
			continue
		}
		flags = append(flags, p)
	}
	var codes []string
	for c := range fresh {
		if !seen[c] {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	for _, c := range codes {
		flags = append(flags, Flag{Flag: fresh[c]})
		raised = append(raised, c)
	}
	return flags, raised, cleared
}

// FlagTitle is a flag's name for a clinician.
func FlagTitle(code string) string {
	switch code {
	case summarize.FlagRiskNotAssessed:
		return "Risk not documented"
	case summarize.FlagMedRecMissing:
		return "Medications not documented"
	case summarize.FlagNoPlan:
		return "No plan or next appointment"
	case summarize.FlagNoFocus:
		return "No focus or presenting problem"
	case summarize.FlagConsentMissing:
		return "No AI-scribe consent on file"
	case summarize.FlagPart2ConsentMissing:
		return "No 42 CFR Part 2 consent on file"
	case summarize.FlagUnsupportedStatements:
		return "Statements not supported by the transcript"
	case FlagScreeningRisk:
		return "Positive suicide-risk screening item"
	}
	return "Needs review"
}

// FlagPlace is where a flag points in the note or the transcript: the
// section to write in, the first statement at issue, or a segment.
type FlagPlace struct {
	Code, Severity, Title, Reason string
	Resolved                      bool
	Section                       string // a section key of the note ("" if none)
	Statement                     int    // index in Section, -1 for the section itself
	Segment                       string // a transcript segment ID ("" if none)
}

// FlagPlaces says where each flag's problem is: a missing section's place
// in the note, the first unsupported statement, or the first segment with
// risk language the drafter found; flags about consent
// have no place in the note.
func FlagPlaces(flags []Flag, n summarize.Note, f prompts.Format) []FlagPlace {
	out := make([]FlagPlace, 0, len(flags))
	inNote := func(role string) string {
		fs, ok := f.SectionByRole(role)
		if !ok {
			return ""
		}
		for _, sec := range n.Sections {
			if sec.Key == fs.Key {
				return sec.Key
			}
		}
		return ""
	}
	for _, fl := range flags {
		p := FlagPlace{Code: fl.Code, Severity: fl.Severity, Title: FlagTitle(fl.Code), Reason: fl.Reason, Resolved: fl.Resolved, Statement: -1}
		switch fl.Code {
		case summarize.FlagRiskNotAssessed:
			p.Section = inNote(prompts.RoleRisk)
			p.Segment = fl.Segment
		case summarize.FlagMedRecMissing:
			p.Section = inNote(prompts.RoleMedication)
		case summarize.FlagNoPlan:
			p.Section = inNote(prompts.RolePlan)
		case summarize.FlagNoFocus:
			p.Section = inNote(prompts.RoleFocus)
		case summarize.FlagUnsupportedStatements:
		find:
			for _, sec := range n.Sections {
				for i, st := range sec.Statements {
					if st.Unsupported {
						p.Section, p.Statement = sec.Key, i
						break find
					}
				}
			}
		}
		out = append(out, p)
	}
	return out
}
