package drafts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// Errors a person can act on; each change is refused whole.
var (
	ErrAlreadySigned   = errors.New("the note is already signed and cannot change; add an addendum instead")
	ErrRejected        = errors.New("the draft was rejected; regenerate it to get a new draft")
	ErrNotSigned       = errors.New("addenda attach to a signed note; this draft is not signed yet")
	ErrUnresolvedFlags = errors.New("the draft has unresolved high-severity flags")
	ErrNoAttestation   = errors.New("signing needs the attestation")
	// ErrNotRegenerable: the session is not at a point where its draft can
	// be made again (still in progress, or already drafting).
	ErrNotRegenerable = errors.New("the draft cannot be regenerated now")
	// ErrNoSection: the note has no section of that key or title.
	ErrNoSection = errors.New("the note has no such section")
	// ErrNoOpenFlag: the draft has no open flag of that code.
	ErrNoOpenFlag = errors.New("the draft has no such open flag")
)

// Service changes drafts; every change is audited in the same transaction.
type Service struct {
	Store *store.Store
	// Blobs holds the redacted transcript, which an edit's flag check reads.
	Blobs blob.Store
	Now   func() time.Time
	// AuditActor, when set, is the audit log's actor for the changes made
	// through this Service (the acting user's ID; internal/app sets it);
	// the note itself names the person by the name each method is given.
	AuditActor string
}

// auditActor is who the audit log names for a change by name.
func (s *Service) auditActor(name string) string {
	if s.AuditActor != "" {
		return s.AuditActor
	}
	return name
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// change loads the latest draft of a session inside a transaction, lets fn
// change it, writes it back and audits it.
func (s *Service) change(ctx context.Context, sessionID, actor, action string, details map[string]string, fn func(d *store.Draft) error) (store.Draft, error) {
	var out store.Draft
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.LatestDraft(ctx, sessionID)
		if err != nil {
			return err
		}
		if d.Status == store.DraftSigned {
			return ErrAlreadySigned
		}
		if d.Status == store.DraftRejected {
			return ErrRejected
		}
		if err := fn(&d); err != nil {
			return err
		}
		if err := tx.UpdateDraft(ctx, &d); err != nil {
			return err
		}
		if details == nil {
			details = map[string]string{}
		}
		details["session"], details["version"] = sessionID, fmt.Sprint(d.Version)
		out = d
		return tx.Audit(ctx, audit.Event{Actor: s.auditActor(actor), Action: action, EntityType: "draft", EntityID: d.ID, Details: details})
	})
	return out, err
}

// Edit replaces one section's text with the clinician's text, one
// statement a line: unchanged lines keep their statements and citations,
// changed ones are marked edited by the clinician (see sectionStatements).
// The flags the note decides are checked again.
func (s *Service) Edit(ctx context.Context, sessionID, section, text, actor string) (store.Draft, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.Draft{}, errors.New("the new section text is empty")
	}
	return s.changeNote(ctx, sessionID, actor, "draft.edit", map[string]string{"section": section}, func(c *Content, f prompts.Format) error {
		sec, err := findSection(&c.Note, f, section, true)
		if err != nil {
			return err
		}
		sec.Statements = sectionStatements(sec.Statements, text)
		sec.NotDiscussed, sec.NotDiscussedText = false, ""
		c.Edits = append(c.Edits, Edit{Section: section, Op: "section", By: actor, At: s.now().UnixMilli()})
		return nil
	})
}

// ResolveFlag marks a flag resolved with the clinician's reason.
func (s *Service) ResolveFlag(ctx context.Context, sessionID, code, reason, actor string) (store.Draft, error) {
	if strings.TrimSpace(reason) == "" {
		return store.Draft{}, errors.New("resolving a flag needs a reason")
	}
	return s.change(ctx, sessionID, actor, "draft.flag_resolve", map[string]string{"flag": code}, func(d *store.Draft) error {
		flags, err := decodeFlags(*d)
		if err != nil {
			return err
		}
		found := false
		for i := range flags {
			if flags[i].Code == code && !flags[i].Resolved {
				flags[i].Resolved, flags[i].ResolvedBy, flags[i].Resolution = true, actor, reason
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%w: %q", ErrNoOpenFlag, code)
		}
		d.Flags = mustJSON(flags)
		return nil
	})
}

// SignOptions are what a signature needs.
type SignOptions struct {
	Clinician      string
	Attest         bool
	Attestation    string // default DefaultAttestation
	OverrideReason string // required to sign over unresolved high-severity flags
	// AIStatement is the AI-assistance statement the signed note carries
	// (default: the organisation's, see AIStatement).
	AIStatement string
	// Billing is the codes the clinician confirms with the signature.
	Billing *Billing
}

// UnresolvedFlagsError refuses a signature over open high-severity flags
// without a reason; it is ErrUnresolvedFlags.
type UnresolvedFlagsError struct{ Codes []string }

func (e *UnresolvedFlagsError) Error() string {
	return fmt.Sprintf("%v (%s): resolve them, or give a reason for signing over them", ErrUnresolvedFlags, strings.Join(e.Codes, ", "))
}

func (e *UnresolvedFlagsError) Unwrap() error { return ErrUnresolvedFlags }

// Sign locks the note: status signed, signer, time, attestation and the
// content hash that detects any later change.
func (s *Service) Sign(ctx context.Context, sessionID string, opt SignOptions) (store.Draft, error) {
	if !opt.Attest {
		return store.Draft{}, ErrNoAttestation
	}
	if strings.TrimSpace(opt.Clinician) == "" {
		return store.Draft{}, errors.New("signing needs the clinician who signs")
	}
	if opt.Attestation == "" {
		opt.Attestation = DefaultAttestation
	}
	if opt.AIStatement == "" {
		st, err := AIStatement(ctx, s.Store)
		if err != nil {
			return store.Draft{}, err
		}
		opt.AIStatement = st
	}
	details := map[string]string{}
	return s.change(ctx, sessionID, opt.Clinician, "draft.sign", details, func(d *store.Draft) error {
		flags, err := decodeFlags(*d)
		if err != nil {
			return err
		}
		var open []string
		for _, f := range flags {
			if f.Severity == summarize.SeverityHigh && !f.Resolved {
				open = append(open, f.Code)
			}
		}
		if len(open) > 0 && strings.TrimSpace(opt.OverrideReason) == "" {
			return &UnresolvedFlagsError{Codes: open}
		}
		if len(open) > 0 {
			d.OverrideReason = opt.OverrideReason
			details["overridden_flags"] = strings.Join(open, ",")
		}
		// The AI-assistance statement in force is part of what is signed.
		c, err := decodeContent(*d)
		if err != nil {
			return err
		}
		c.AIStatement = opt.AIStatement
		c.Billing = opt.Billing
		if opt.Billing != nil {
			details["billing_codes"] = billingCodes(opt.Billing)
		}
		d.Content = mustJSON(c)
		d.Status = store.DraftSigned
		d.SignedBy = opt.Clinician
		d.SignedAt = s.now().UnixMilli()
		d.Attestation = opt.Attestation
		d.ContentHash = ContentHash(*d)
		details["content_hash"] = d.ContentHash
		return nil
	})
}

// Reject marks the draft rejected with a reason.
func (s *Service) Reject(ctx context.Context, sessionID, reason, actor string) (store.Draft, error) {
	if strings.TrimSpace(reason) == "" {
		return store.Draft{}, errors.New("rejecting a draft needs a reason")
	}
	return s.change(ctx, sessionID, actor, "draft.reject", nil, func(d *store.Draft) error {
		d.Status = store.DraftRejected
		d.RejectReason = reason
		return nil
	})
}

// AddAddendum attaches a later change to a signed note.
func (s *Service) AddAddendum(ctx context.Context, sessionID, author, text string) (store.Addendum, error) {
	var a store.Addendum
	text = strings.TrimSpace(text)
	if text == "" {
		return a, errors.New("the addendum text is empty")
	}
	if strings.TrimSpace(author) == "" {
		return a, errors.New("an addendum needs its author")
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.LatestDraft(ctx, sessionID)
		if err != nil {
			return err
		}
		if d.Status != store.DraftSigned {
			return ErrNotSigned
		}
		a = store.Addendum{ID: uuid.NewString(), DraftID: d.ID, Author: author, Text: text}
		a.ContentHash = addendumHash(a, d.ContentHash)
		if err := tx.AddAddendum(ctx, &a); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: s.auditActor(author), Action: "draft.addendum", EntityType: "draft", EntityID: d.ID,
			Details: map[string]string{"session": sessionID, "addendum": a.ID}})
	})
	return a, err
}

// Regenerate enqueues a new draft version (optionally with another
// template); earlier versions are kept. A signed note is not regenerated.
func (s *Service) Regenerate(ctx context.Context, sessionID, template, actor string) (int, error) {
	var version int
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		d, err := tx.LatestDraft(ctx, sessionID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			version = 1
		case err != nil:
			return err
		case d.Status == store.DraftSigned:
			return ErrAlreadySigned
		default:
			version = d.Version + 1
		}
		if sess.Status == store.StatusDrafting {
			return fmt.Errorf("%w: a draft is already being generated for this session", ErrNotRegenerable)
		}
		if sess.Status != store.StatusReady && !(sess.Status == store.StatusFailed && sess.FailedStage == jobs.StageDraft) {
			return fmt.Errorf("%w: the session is %s; a draft can be regenerated once the transcript is redacted", ErrNotRegenerable, strings.ReplaceAll(sess.Status, "_", " "))
		}
		if template != "" {
			if err := tx.SetSessionTemplate(ctx, sessionID, template); err != nil {
				return err
			}
		}
		if err := tx.SetSessionStatus(ctx, sessionID, store.StatusDrafting); err != nil {
			return err
		}
		if err := tx.SetStage(ctx, sessionID, jobs.StageDraft, 0, store.StatePending, 0, ""); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, jobs.DraftArgs{SessionID: sessionID, Version: version, Template: template}, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: s.auditActor(actor), Action: "draft.regenerate", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"version": fmt.Sprint(version), "template": template}})
	})
	return version, err
}
