package app

import (
	"context"
	"strings"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/terminology"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/summarize"
)

// The inputs of the billing codes confirmed at signing.
const (
	FieldServiceKind Field = "kind of session"
	FieldSetting     Field = "setting"
	FieldProcedure   Field = "service code"
	FieldDiagnosis   Field = "diagnosis code"
)

// CodeChoice is what a clinician confirms at signing: the kind of session,
// the setting, and the codes (CPT procedure codes, ICD-10-CM diagnoses).
// Empty Kind or Setting take the session's defaults.
type CodeChoice struct {
	Kind       string
	Setting    string
	Procedures []string
	Diagnoses  []string
}

// CodeSuggestion is the suggestion for a session with what it rests on.
type CodeSuggestion struct {
	Kind    billing.Kind
	Setting billing.Setting
	billing.Suggestion
}

// defaultKind and defaultSetting are what the session itself says: a group
// session is group psychotherapy, otherwise individual psychotherapy; a
// call is video from home, an upload in person. The clinician changes them
// at signing.
func defaultKind(sess store.Session) billing.Kind {
	if sess.Group {
		return billing.Group
	}
	return billing.Psychotherapy
}

func defaultSetting(sess store.Session) billing.Setting {
	if sess.Source == "call" {
		return billing.TelehealthHome
	}
	return billing.InPerson
}

// SuggestCodes suggests the session's billing codes from its recorded time
// and the latest draft's cited statements, for the kind and setting given
// (empty: the session's defaults). Times are rendered in loc.
func (s *Service) SuggestCodes(ctx context.Context, by store.User, sessionID string, choice CodeChoice, loc *time.Location) (CodeSuggestion, error) {
	sess, _, err := s.draftChange(ctx, by, sessionID, "see billing suggestions", vocab.RoleClinician, vocab.RoleSupervisor, vocab.RoleAdmin)
	if err != nil {
		return CodeSuggestion{}, err
	}
	d, err := s.Store.LatestDraft(ctx, sess.ID)
	if err != nil {
		return CodeSuggestion{}, draftError(err)
	}
	v, err := drafts.BuildView(d, nil, drafts.RenderOptions{})
	if err != nil {
		return CodeSuggestion{}, err
	}
	return suggestFor(sess, v.Note, choice, loc)
}

func suggestFor(sess store.Session, note summarize.Note, choice CodeChoice, loc *time.Location) (CodeSuggestion, error) {
	kind, setting := defaultKind(sess), defaultSetting(sess)
	if strings.TrimSpace(choice.Kind) != "" {
		k, err := billing.ParseKind(choice.Kind)
		if err != nil {
			return CodeSuggestion{}, &validate.Error{Field: FieldServiceKind, Value: choice.Kind, Allowed: kindNames(), Err: err}
		}
		kind = k
	}
	if strings.TrimSpace(choice.Setting) != "" {
		st, err := billing.ParseSetting(choice.Setting)
		if err != nil {
			var allowed []string
			for _, st := range billing.Settings {
				allowed = append(allowed, string(st))
			}
			return CodeSuggestion{}, &validate.Error{Field: FieldSetting, Value: choice.Setting, Allowed: allowed, Err: err}
		}
		setting = st
	}
	bs := billing.Session{Kind: kind, Setting: setting, Recorded: time.Duration(sess.DurationMS) * time.Millisecond, Location: loc}
	if sess.ClockStartAt > 0 && sess.DurationMS > 0 {
		bs.Start = time.UnixMilli(sess.ClockStartAt)
		bs.End = bs.Start.Add(bs.Recorded)
	}
	return CodeSuggestion{Kind: kind, Setting: setting, Suggestion: billing.Suggest(bs, drafts.Statements(note))}, nil
}

func kindNames() []string {
	out := make([]string, len(billing.Kinds))
	for i, k := range billing.Kinds {
		out[i] = string(k)
	}
	return out
}

// confirmCodes turns the clinician's choice into the codes the signed note
// carries: a suggested code keeps its basis and evidence; a code the
// clinician chose instead says so. Unknown procedure codes and malformed
// diagnosis codes are refused.
func confirmCodes(sess store.Session, note summarize.Note, choice CodeChoice, loc *time.Location) (*drafts.Billing, error) {
	sug, err := suggestFor(sess, note, choice, loc)
	if err != nil {
		return nil, err
	}
	b := &drafts.Billing{Kind: string(sug.Kind), Setting: string(sug.Setting), PlaceOfService: sug.PlaceOfService, PlaceOfServiceBasis: sug.PlaceOfServiceBasis,
		Procedures: []billing.Code{}, Diagnoses: []billing.Code{}}
	seen := map[string]bool{}
	for _, raw := range choice.Procedures {
		code := strings.TrimSpace(raw)
		if code == "" || seen[code] {
			continue
		}
		seen[code] = true
		t, ok := terminology.Lookup(terminology.SystemCPT, code)
		if !ok {
			var allowed []string
			for _, t := range terminology.All(terminology.SystemCPT) {
				allowed = append(allowed, t.Code)
			}
			return nil, &validate.Error{Field: FieldProcedure, Value: code, Problem: "is not a behavioral-health service code Scribe knows", Allowed: allowed}
		}
		c := billing.Code{System: terminology.SystemCPT, Code: code, Display: t.Display, Units: 1, Basis: "chosen by the clinician"}
		for _, sc := range sug.Procedures {
			if sc.Code == code {
				c = sc
			}
		}
		if c.Basis == "chosen by the clinician" {
			c.Modifiers = billing.Modifiers(sug.Setting)
		}
		b.Procedures = append(b.Procedures, c)
	}
	for _, raw := range choice.Diagnoses {
		code := strings.ToUpper(strings.TrimSpace(raw))
		if code == "" || seen[code] {
			continue
		}
		seen[code] = true
		if !terminology.ValidICD10Shape(code) {
			return nil, &validate.Error{Field: FieldDiagnosis, Value: code, Problem: "is not an ICD-10-CM code", Hint: "an ICD-10-CM code is a letter, two digits, and an optional part after a dot, such as F41.1"}
		}
		t, _ := terminology.Lookup(terminology.SystemICD10, code)
		c := billing.Code{System: terminology.SystemICD10, Code: code, Display: t.Display, Basis: "chosen by the clinician"}
		for _, sc := range sug.Diagnoses {
			if sc.Code == code {
				c = sc
			}
		}
		b.Diagnoses = append(b.Diagnoses, c)
	}
	if len(b.Procedures) == 0 && len(b.Diagnoses) > 0 {
		return nil, &validate.Error{Field: FieldProcedure, Problem: "is missing", Hint: "diagnoses are confirmed with the service they were treated in: choose a service code too, or confirm no codes"}
	}
	return b, nil
}
