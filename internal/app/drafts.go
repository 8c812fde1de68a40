package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/redaction"
)

// The inputs of the note's changes, in the domain's words.
const (
	FieldSection     Field = "section"
	FieldSectionText Field = "section text"
	FieldFlag        Field = "flag"
	FieldReason      Field = "reason"
	FieldAttestation Field = "attestation"
	FieldAddendum    Field = "addendum text"
	FieldOverride    Field = "reason for signing over the flags"
)

// clinicalRoles change a note: the clinician who reviews and signs it.
var clinicalRoles = []vocab.Role{vocab.RoleClinician, vocab.RoleSupervisor}

// draftChange checks that the principal may change the session's note and
// returns the drafts service that audits the change as them.
func (s *Service) draftChange(ctx context.Context, by store.User, sessionID, what string, roles ...vocab.Role) (store.Session, *drafts.Service, error) {
	if len(roles) == 0 {
		roles = clinicalRoles
	}
	if err := requireRole(by, what, roles...); err != nil {
		return store.Session{}, nil, err
	}
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return sess, nil, err
	}
	return sess, &drafts.Service{Store: s.Store, Blobs: s.Blobs, Now: s.Now, AuditActor: by.ID}, nil
}

// draftError types the drafts package's refusals.
func draftError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound("this session has no draft yet")
	case errors.Is(err, drafts.ErrAlreadySigned), errors.Is(err, drafts.ErrRejected), errors.Is(err, drafts.ErrNotSigned),
		errors.Is(err, drafts.ErrNotRegenerable):
		return as(ErrConflict, err)
	}
	return err
}

// DraftEdit replaces one section of the note with the clinician's text.
type DraftEdit struct {
	SessionID string
	Section   string // the section's key or title
	Text      string // identifiers typed in it are replaced by the session's placeholders
}

// Each change checks who may make it (role, then the session's access
// rule) before it looks at the input: a person who may not open the
// session learns nothing about it from a refusal.

// EditSection changes one section of the session's latest draft. The text
// is stored de-identified: an identifier the redaction found in the
// session is replaced by its placeholder, so the draft stays free of them.
func (s *Service) EditSection(ctx context.Context, by store.User, in DraftEdit) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, in.SessionID, "edit a note")
	if err != nil {
		return store.Draft{}, err
	}
	if strings.TrimSpace(in.Section) == "" {
		return store.Draft{}, &validate.Error{Field: FieldSection, Hint: "name the section to change by its key or title"}
	}
	if strings.TrimSpace(in.Text) == "" {
		return store.Draft{}, &validate.Error{Field: FieldSectionText, Problem: "is empty", Hint: "give the section's new text"}
	}
	tm, err := s.TokenMap(ctx, sess.ID)
	if err != nil {
		return store.Draft{}, err
	}
	d, err := svc.Edit(ctx, sess.ID, in.Section, Deidentify(in.Text, tm), by.Email)
	var se *drafts.SectionError
	if errors.As(err, &se) {
		return d, &validate.Error{Field: FieldSection, Value: in.Section, Problem: "names no section of this note", Allowed: se.Sections}
	}
	return d, draftError(err)
}

// ResolveFlag marks one of the draft's flags resolved, with the
// clinician's reason.
func (s *Service) ResolveFlag(ctx context.Context, by store.User, sessionID, code, reason string) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "resolve a flag")
	if err != nil {
		return store.Draft{}, err
	}
	if strings.TrimSpace(code) == "" {
		return store.Draft{}, &validate.Error{Field: FieldFlag, Hint: "name the flag to resolve"}
	}
	if strings.TrimSpace(reason) == "" {
		return store.Draft{}, &validate.Error{Field: FieldReason, Hint: "say why the flag is resolved"}
	}
	d, err := svc.ResolveFlag(ctx, sess.ID, code, strings.TrimSpace(reason), by.Email)
	if errors.Is(err, drafts.ErrNoOpenFlag) {
		return d, &validate.Error{Field: FieldFlag, Value: code, Problem: "is not an open flag of this draft", Hint: "resolve one of the draft's open flags"}
	}
	return d, draftError(err)
}

// Signature is a clinician signing the note. Who signs is the principal,
// whose credential the adapter has checked at this moment (the web app
// asks for the password or an authenticator code, the command line uses a
// personal API token).
type Signature struct {
	SessionID string
	Attest    bool   // the clinician attests to the attestation statement
	Override  string // the reason for signing over unresolved high-severity flags
	// Codes, when set, are the billing codes the clinician confirms with
	// the signature (see SuggestCodes); Zone renders their times.
	Codes *CodeChoice
	Zone  *time.Location
}

// Sign locks the note in the principal's name.
func (s *Service) Sign(ctx context.Context, by store.User, in Signature) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, in.SessionID, "sign a note")
	if err != nil {
		return store.Draft{}, err
	}
	if !in.Attest {
		return store.Draft{}, &validate.Error{Field: FieldAttestation, Hint: "attest to the statement to sign the note", Err: drafts.ErrNoAttestation}
	}
	var codes *drafts.Billing
	if in.Codes != nil {
		d, err := s.Store.LatestDraft(ctx, sess.ID)
		if err != nil {
			return store.Draft{}, draftError(err)
		}
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{})
		if err != nil {
			return store.Draft{}, err
		}
		if codes, err = confirmCodes(sess, v.Note, *in.Codes, in.Zone); err != nil {
			return store.Draft{}, err
		}
	}
	d, err := svc.Sign(ctx, sess.ID, drafts.SignOptions{Clinician: by.Email, Attest: true, OverrideReason: strings.TrimSpace(in.Override), Billing: codes})
	if errors.Is(err, drafts.ErrUnresolvedFlags) {
		return d, &validate.Error{Field: FieldOverride, Problem: "is required", Hint: err.Error(), Err: err}
	}
	return d, draftError(err)
}

// Reject marks the draft rejected with a reason.
func (s *Service) Reject(ctx context.Context, by store.User, sessionID, reason string) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "reject a draft")
	if err != nil {
		return store.Draft{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return store.Draft{}, &validate.Error{Field: FieldReason, Hint: "say why the draft is rejected"}
	}
	d, err := svc.Reject(ctx, sess.ID, strings.TrimSpace(reason), by.Email)
	return d, draftError(err)
}

// AddAddendum attaches a later change to the signed note, de-identified
// as an edit is.
func (s *Service) AddAddendum(ctx context.Context, by store.User, sessionID, text string) (store.Addendum, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "add an addendum")
	if err != nil {
		return store.Addendum{}, err
	}
	if strings.TrimSpace(text) == "" {
		return store.Addendum{}, &validate.Error{Field: FieldAddendum, Problem: "is empty", Hint: "give the addendum's text"}
	}
	tm, err := s.TokenMap(ctx, sess.ID)
	if err != nil {
		return store.Addendum{}, err
	}
	a, err := svc.AddAddendum(ctx, sess.ID, by.Email, Deidentify(text, tm))
	return a, draftError(err)
}

// Regenerate queues a new version of the draft, optionally with another
// note template; earlier versions are kept. Clinicians and supervisors
// regenerate their notes; an admin (or the host operator) may re-run the
// model too.
func (s *Service) Regenerate(ctx context.Context, by store.User, sessionID, template string) (int, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "regenerate a draft", vocab.RoleClinician, vocab.RoleSupervisor, vocab.RoleAdmin)
	if err != nil {
		return 0, err
	}
	template = strings.TrimSpace(template)
	if template != "" {
		if err := pipeline.CheckTemplate(ctx, s.Store, &template); err != nil {
			return 0, err
		}
	}
	v, err := svc.Regenerate(ctx, sess.ID, template, by.ID)
	return v, draftError(err)
}

// TokenMap is the session's identifier map (placeholder → original), or
// nil when the session has none (not redacted yet, or purged).
func (s *Service) TokenMap(ctx context.Context, sessionID string) (redaction.TokenMap, error) {
	tr, err := s.Store.Transcript(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the transcript: %w", err)
	}
	if s.Blobs == nil {
		return nil, errors.New("the service has no blob store to read the identifier map from")
	}
	b, err := s.Blobs.Get(ctx, tr.MapBlob)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identifier map: %w", err)
	}
	rs, err := redaction.RestoreSession(b)
	if err != nil {
		return nil, fmt.Errorf("identifier map: %w", err)
	}
	return rs.Map(), nil
}

// Deidentify replaces, in text a clinician typed, every identifier of the
// session's map by its placeholder (longest first, so a full name wins
// over a first name), so that edits and addenda keep the stored note free
// of identifiers.
func Deidentify(text string, m redaction.TokenMap) string {
	if len(m) == 0 {
		return text
	}
	type pair struct{ ph, orig string }
	pairs := make([]pair, 0, len(m))
	for ph, orig := range m {
		if len(orig) >= 2 {
			pairs = append(pairs, pair{ph, orig})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].orig) != len(pairs[j].orig) {
			return len(pairs[i].orig) > len(pairs[j].orig)
		}
		return pairs[i].ph < pairs[j].ph
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.orig, p.ph)
	}
	return strings.NewReplacer(args...).Replace(text)
}
