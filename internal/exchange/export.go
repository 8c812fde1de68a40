package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
)

// Export formats.
const (
	FormatFHIR  = "fhir"
	FormatHL7v2 = "hl7v2"
	FormatText  = "text"
)

// Request is one export of a session's note, by the CLI or the web app.
type Request struct {
	Input
	Format    string // FormatFHIR, FormatHL7v2 or FormatText
	Recipient string // who receives it (required for a Part 2 record)
	Purpose   string // why it is disclosed (required for a Part 2 record)
	Actor     string
	AgentRole string // "" to take it from the actor
	Via       string // "cli" or "web"
	// Reidentified says the rendering (Input.View) carries identifiers.
	Reidentified bool
	HL7          HL7Options
}

// Export is what an export produced.
type Export struct {
	Body        []byte
	ContentType string
	Extension   string // file name extension, without the dot
}

// ErrPart2NeedsRecipient is returned for a Part 2 export without a
// recipient or purpose.
var ErrPart2NeedsRecipient = errors.New("a 42 CFR Part 2 record is exported only to a named recipient for a stated purpose; the export is recorded as a disclosure")

// Run records the export as a disclosure (for a Part 2 record, only under a
// part2_tpo consent in force), renders the note and writes the audit entry,
// in one transaction: either all of it happens or none. A Part 2 export
// refused for want of consent is audited as a failure.
func Run(ctx context.Context, st *store.Store, req Request) (Export, error) {
	var ex Export
	switch req.Format {
	case FormatFHIR:
		ex.ContentType, ex.Extension = "application/fhir+json", "fhir.json"
	case FormatHL7v2:
		ex.ContentType, ex.Extension = "x-application/hl7-v2+er7", "hl7"
	case FormatText:
		ex.ContentType, ex.Extension = "text/plain; charset=utf-8", "txt"
	default:
		return ex, fmt.Errorf("export format must be fhir, hl7v2 or text, not %q", req.Format)
	}
	sess, d := req.Session, req.Draft
	if req.Measures == nil {
		ms, err := st.MeasuresOfSession(ctx, sess.ID)
		if err != nil {
			return ex, fmt.Errorf("the session's questionnaires cannot be read: %w", err)
		}
		req.Measures = ms
	}
	if sess.Part2() && (strings.TrimSpace(req.Recipient) == "" || strings.TrimSpace(req.Purpose) == "") {
		return ex, fmt.Errorf("session %s: %w", sess.ID, ErrPart2NeedsRecipient)
	}
	label := map[string]string{FormatFHIR: "FHIR R4 Bundle", FormatHL7v2: "HL7 v2.5.1 MDM^T02", FormatText: "plain text"}[req.Format]
	description := fmt.Sprintf("progress note v%d (%s) as %s", d.Version, d.Status, label)
	if req.Reidentified {
		description += ", with identifiers"
	}
	recipient, purpose := req.Recipient, req.Purpose
	if strings.TrimSpace(recipient) == "" {
		recipient = "unspecified (export file)"
	}
	if strings.TrimSpace(purpose) == "" {
		purpose = "unspecified"
	}
	details := map[string]string{"session": sess.ID, "version": fmt.Sprint(d.Version), "format": req.Format, "part2": fmt.Sprint(sess.Part2()),
		"status": d.Status, "reidentified": fmt.Sprint(req.Reidentified)}
	if req.Via != "" {
		details["via"] = req.Via
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		dec, recorded, err := compliance.RecordDisclosure(ctx, tx, sess.ID, compliance.Disclosure{Kind: compliance.KindExport, Recipient: recipient,
			Description: description, Purpose: purpose, Actor: req.Actor})
		if err != nil {
			return err
		}
		in := req.Input
		if recorded {
			if err := compliance.RequirePart2Consent(sess.ID, dec); err != nil {
				return err
			}
			in.Consent = &dec
		}
		switch req.Format {
		case FormatFHIR:
			ex.Body, err = FHIRBundle(in)
		case FormatHL7v2:
			ex.Body, err = MDMT02(in, req.HL7)
		default:
			if err = in.check(); err == nil {
				ex.Body = []byte(PasteText(in))
			}
		}
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: req.Actor, AgentRole: req.AgentRole, Action: "draft.export", EntityType: "draft", EntityID: d.ID, Details: details})
	})
	if err != nil {
		if errors.Is(err, compliance.ErrPart2NoConsent) {
			if aerr := st.Audit(ctx, audit.Event{Actor: req.Actor, AgentRole: req.AgentRole, Action: "draft.export", EntityType: "draft", EntityID: d.ID, Outcome: "failure",
				Details: map[string]string{"session": sess.ID, "format": req.Format, "refused": "no_part2_consent"}}); aerr != nil {
				return Export{}, errors.Join(err, aerr)
			}
		}
		return Export{}, err
	}
	return ex, nil
}
