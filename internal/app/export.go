package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// The inputs of an export, in the domain's words.
const (
	FieldExportFormat Field = "export format"
	FieldRecipient    Field = "recipient"
	FieldPurpose      Field = "purpose"
	FieldVersion      Field = "note version"
)

// ExportFormats are the note's export formats.
var ExportFormats = []string{exchange.FormatText, exchange.FormatFHIR, exchange.FormatHL7v2}

// ExportInput is a note exported for the record.
type ExportInput struct {
	SessionID string
	Format    string // text, fhir or hl7v2
	Version   int    // 0 is the latest draft
	// Reidentify puts the identifiers back; only the session's own
	// clinician may.
	Reidentify bool
	// Recipient and Purpose name who receives the note and why (required
	// for a Part 2 record, whose export is a disclosure under the consent
	// in force).
	Recipient, Purpose string
	HL7                exchange.HL7Options
	// Via names the adapter in the audit entry ("web", "cli").
	Via string
}

// Exported is the export and the draft version it carries.
type Exported struct {
	exchange.Export
	Session store.Session
	Draft   store.Draft
}

// Export renders the session's note in a format for the record, records
// it as a disclosure (a Part 2 record only to a named recipient, under a
// consent in force) and audits it, all or nothing.
func (s *Service) Export(ctx context.Context, by store.User, in ExportInput) (Exported, error) {
	var out Exported
	sess, err := s.Session(ctx, by, in.SessionID)
	if err != nil {
		return out, err
	}
	in.Format = strings.ToLower(strings.TrimSpace(in.Format))
	if err := validate.OneOf(FieldExportFormat, in.Format, ExportFormats...); err != nil {
		return out, err
	}
	if err := validate.Int(FieldVersion, in.Version, 0, 1_000_000); err != nil {
		return out, err
	}
	in.Recipient, in.Purpose = strings.TrimSpace(in.Recipient), strings.TrimSpace(in.Purpose)
	if sess.Part2() && in.Recipient == "" {
		return out, &validate.Error{Field: FieldRecipient, Hint: "a 42 CFR Part 2 record is exported only to a named recipient; the export is recorded as a disclosure"}
	}
	if sess.Part2() && in.Purpose == "" {
		return out, &validate.Error{Field: FieldPurpose, Hint: "a 42 CFR Part 2 record is exported only for a stated purpose; the export is recorded as a disclosure"}
	}
	if in.Reidentify && (sess.Clinician == "" || by.Email != store.NormalizeEmail(sess.Clinician)) {
		return out, forbidden("only the session's clinician may export the note with identifiers")
	}
	d, err := s.draftVersion(ctx, sess, in.Version)
	if err != nil {
		return out, err
	}
	addenda, err := s.Store.Addenda(ctx, d.ID)
	if err != nil {
		return out, fmt.Errorf("read the addenda: %w", err)
	}
	opts := drafts.RenderOptions{Part2: sess.Part2(), Dictation: sess.Dictation()}
	if in.Reidentify {
		if opts.TokenMap, err = s.TokenMap(ctx, sess.ID); err != nil {
			return out, err
		}
		opts.Reidentify = opts.TokenMap != nil
	}
	view, err := drafts.BuildView(d, addenda, opts)
	if err != nil {
		return out, fmt.Errorf("render the note: %w", err)
	}
	if err := drafts.WithSupervision(ctx, s.Store, d, &view); err != nil {
		return Exported{}, err
	}
	ex, err := exchange.Run(ctx, s.Store, exchange.Request{
		Input:  exchange.Input{Session: sess, Draft: d, View: view, Now: s.now()},
		Format: in.Format, Recipient: in.Recipient, Purpose: in.Purpose, Actor: by.ID, AgentRole: by.Role, Via: in.Via,
		Reidentified: opts.Reidentify, HL7: in.HL7,
	})
	var pe *compliance.Part2ConsentError
	if errors.As(err, &pe) {
		return out, &refusal{kind: ErrForbidden, cause: err,
			msg: fmt.Sprintf("no 42 CFR Part 2 consent (%s) to disclose this record is in force (it is %s), so nothing was exported; record the client's written consent first",
				vocab.ScopePart2TPO, strings.ReplaceAll(pe.Status, "_", " "))}
	}
	if err != nil {
		return out, fmt.Errorf("export the note: %w", err)
	}
	return Exported{Export: ex, Session: sess, Draft: d}, nil
}

// draftVersion is the session's draft of a version (0: the latest).
func (s *Service) draftVersion(ctx context.Context, sess store.Session, version int) (store.Draft, error) {
	if version <= 0 {
		d, err := s.Store.LatestDraft(ctx, sess.ID)
		if errors.Is(err, store.ErrNotFound) {
			return d, notFound(fmt.Sprintf("this session has no note to export yet (it is %s)", strings.ReplaceAll(sess.Status, "_", " ")))
		}
		if err != nil {
			return d, fmt.Errorf("read the draft: %w", err)
		}
		return d, nil
	}
	ds, err := s.Store.Drafts(ctx, sess.ID)
	if err != nil {
		return store.Draft{}, fmt.Errorf("read the drafts: %w", err)
	}
	for _, d := range ds {
		if d.Version == version {
			return d, nil
		}
	}
	return store.Draft{}, notFound(fmt.Sprintf("this session has no note version %d", version))
}
