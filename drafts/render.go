package drafts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/summarize"
)

// Part2Notice is the 42 CFR § 2.32 notice that accompanies every disclosure
// of a Part 2 record; Part2NoticeShort is the permitted short form.
const (
	Part2Notice = "This record which has been disclosed to you is protected by federal confidentiality rules (42 CFR part 2). " +
		"These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, " +
		"in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, " +
		"unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. " +
		"In addition, the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of the following applies: " +
		"(i) Further use or disclosure is expressly permitted by the written consent of the individual whose information is being disclosed in this record " +
		"or as otherwise permitted by 42 CFR part 2. (ii) You are a covered entity or business associate and have received the record for treatment, payment, " +
		"or health care operations, or (iii) You have received the record from a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. " +
		"A general authorization for the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use " +
		"or redisclose the record (see 42 CFR 2.31)."
	Part2NoticeShort = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
)

// AIDisclosure is carried by every signed note.
const AIDisclosure = "AI assistance: this note was drafted by an AI model from a de-identified transcript of the session, then reviewed, edited as needed and signed by the clinician named above."

// DictationLabel marks every rendering and export of a note drafted from
// the clinician's dictated recap rather than from the session's dialogue.
const DictationLabel = "Drafted from clinician dictation"

// View is a rendering of one draft version.
type View struct {
	Banner string `json:"banner,omitempty"`
	// SourceLabel is DictationLabel for a note drafted from the
	// clinician's dictation, else empty.
	SourceLabel   string           `json:"source_label,omitempty"`
	SessionID     string           `json:"session_id"`
	DraftID       string           `json:"draft_id"`
	Version       int              `json:"version"`
	Status        string           `json:"status"`
	Template      string           `json:"template"`
	PromptVersion string           `json:"prompt_version"`
	Provider      string           `json:"provider"`
	Model         string           `json:"model"`
	Usage         summarize.Usage  `json:"usage"`
	LatencyMS     int64            `json:"latency_ms"`
	Passes        int              `json:"passes"`
	Note          summarize.Note   `json:"note"`
	Edits         []Edit           `json:"edits,omitempty"`
	Flags         []Flag           `json:"flags"`
	SignedBy      string           `json:"signed_by,omitempty"`
	SignedAt      string           `json:"signed_at,omitempty"`
	Signature     string           `json:"signature,omitempty"`
	Attestation   string           `json:"attestation,omitempty"`
	ContentHash   string           `json:"content_hash,omitempty"`
	HashVerified  *bool            `json:"hash_verified,omitempty"`
	Disclosure    string           `json:"ai_disclosure,omitempty"`
	Override      string           `json:"override_reason,omitempty"`
	RejectReason  string           `json:"reject_reason,omitempty"`
	Addenda       []store.Addendum `json:"addenda,omitempty"`
	Reidentified  bool             `json:"reidentified"`
	Unknown       []string         `json:"unknown_placeholders,omitempty"`
	Part2Notice   string           `json:"part2_notice,omitempty"`
	// Cosign is the supervisor's co-signature of an associate's note;
	// Returns the times a supervisor sent it back, with why (see
	// WithSupervision).
	Cosign  *store.Cosignature  `json:"cosign,omitempty"`
	Returns []store.DraftReturn `json:"returns,omitempty"`
	// Billing is the codes confirmed at signing (signed notes only).
	Billing *Billing `json:"billing,omitempty"`
	// Refs are the StatementRef of each statement's stored text, section by
	// section, for edits made against them.
	Refs [][]string `json:"-"`
}

// RenderOptions say who the rendering is for.
type RenderOptions struct {
	// TokenMap is the session's identifier map, used to find placeholders
	// the model invented (flagged, never guessed) and, with Reidentify, to
	// put the originals back: only for a clinician authorised to see this
	// session.
	TokenMap   redaction.TokenMap
	Reidentify bool
	Part2      bool
	// Dictation: the session is the clinician's dictated recap
	// (store.Session.Dictation); the view carries DictationLabel.
	Dictation bool
}

// BuildView assembles the view of a draft.
func BuildView(d store.Draft, addenda []store.Addendum, opt RenderOptions) (View, error) {
	c, err := decodeContent(d)
	if err != nil {
		return View{}, err
	}
	flags, err := decodeFlags(d)
	if err != nil {
		return View{}, err
	}
	v := View{SessionID: d.SessionID, DraftID: d.ID, Version: d.Version, Status: d.Status, Template: d.Template, PromptVersion: d.PromptVersion,
		Provider: d.Provider, Model: d.Model, Usage: summarize.Usage{Prompt: d.PromptTokens, Completion: d.CompletionTokens, Total: d.PromptTokens + d.CompletionTokens},
		LatencyMS: d.LatencyMS, Passes: d.Passes, Note: c.Note, Edits: c.Edits, Flags: flags, RejectReason: d.RejectReason, Addenda: addenda}
	if v.Flags == nil {
		v.Flags = []Flag{}
	}
	if d.Status == store.DraftSigned || d.Status == store.DraftAwaitingCosign {
		v.SignedBy, v.SignedAt = d.SignedBy, time.UnixMilli(d.SignedAt).UTC().Format(time.RFC3339)
		v.Signature = fmt.Sprintf("Reviewed and signed by %s on %s", d.SignedBy, time.UnixMilli(d.SignedAt).UTC().Format("2006-01-02 15:04 MST"))
		v.Attestation, v.ContentHash, v.Disclosure, v.Override = d.Attestation, d.ContentHash, AIDisclosure, d.OverrideReason
		if c.AIStatement != "" {
			v.Disclosure = c.AIStatement
		}
		v.Billing = c.Billing
		ok := VerifySigned(d) == nil
		v.HashVerified = &ok
		if d.Status == store.DraftAwaitingCosign {
			v.Banner = AwaitingBanner
		}
	} else {
		v.Banner = Banner
	}
	if opt.Part2 {
		v.Part2Notice = Part2Notice
	}
	if opt.Dictation {
		v.SourceLabel = DictationLabel
	}
	v.Refs = make([][]string, len(c.Note.Sections))
	for i, sec := range c.Note.Sections {
		for _, st := range sec.Statements {
			v.Refs[i] = append(v.Refs[i], StatementRef(st.Text))
		}
	}
	if opt.TokenMap != nil {
		v.Reidentified = opt.Reidentify
		seen := map[string]bool{}
		fix := func(s string) string {
			out, unknown := redaction.Reidentify(s, opt.TokenMap)
			for _, u := range unknown {
				if !seen[u] {
					seen[u] = true
					v.Unknown = append(v.Unknown, u)
				}
			}
			if !opt.Reidentify {
				return s
			}
			return out
		}
		for i := range v.Note.Sections {
			for j := range v.Note.Sections[i].Statements {
				v.Note.Sections[i].Statements[j].Text = fix(v.Note.Sections[i].Statements[j].Text)
			}
		}
		for i := range v.Addenda {
			v.Addenda[i].Text = fix(v.Addenda[i].Text)
		}
	}
	return v, nil
}

// JSON renders the view as indented JSON.
func (v View) JSON() ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// Text renders the view for a terminal or a plain-text export.
func (v View) Text() string {
	var b strings.Builder
	if v.Banner != "" {
		fmt.Fprintf(&b, "*** %s ***\n\n", v.Banner)
	}
	if v.Part2Notice != "" {
		fmt.Fprintf(&b, "CONFIDENTIAL — 42 CFR PART 2 RECORD. %s\n\n", Part2NoticeShort)
	}
	fmt.Fprintf(&b, "Progress note (%s) — session %s — version %d — status %s\n", strings.ToUpper(v.Template), v.SessionID, v.Version, v.Status)
	if v.SourceLabel != "" {
		fmt.Fprintf(&b, "%s.\n", v.SourceLabel)
	}
	fmt.Fprintf(&b, "Drafted by model %s via %s, prompt %s, %d pass(es), %d+%d tokens, %d ms\n", v.Model, v.Provider, v.PromptVersion, v.Passes, v.Usage.Prompt, v.Usage.Completion, v.LatencyMS)
	if !v.Reidentified {
		b.WriteString("Identifiers are shown as placeholders ([NAME_1] …).\n")
	}
	for _, sec := range v.Note.Sections {
		fmt.Fprintf(&b, "\n%s\n%s\n", sec.Title, strings.Repeat("-", len([]rune(sec.Title))))
		if sec.NotDiscussed || len(sec.Statements) == 0 {
			t := sec.NotDiscussedText
			if t == "" {
				t = summarize.NotDiscussedText
			}
			b.WriteString(t + "\n")
			continue
		}
		for _, st := range sec.Statements {
			fmt.Fprintf(&b, "- %s", st.Text)
			if len(st.Citations) > 0 {
				fmt.Fprintf(&b, " [%s]", strings.Join(st.Citations, ", "))
			}
			if st.Unsupported {
				fmt.Fprintf(&b, "  <UNSUPPORTED: %s>", st.UnsupportedReason)
			}
			if st.ClinicianEdited {
				b.WriteString("  (edited by clinician)")
			}
			b.WriteByte('\n')
		}
	}
	if len(v.Unknown) > 0 {
		fmt.Fprintf(&b, "\nWARNING: the note contains placeholders that are not in this session's identifier map (left as-is): %s\n", strings.Join(v.Unknown, ", "))
	}
	if len(v.Flags) > 0 {
		b.WriteString("\nFlags (review before signing):\n")
		for _, f := range v.Flags {
			state := "OPEN"
			if f.Resolved {
				state = "resolved by " + f.ResolvedBy + ": " + f.Resolution
			}
			fmt.Fprintf(&b, "- [%s] %s: %s (%s)\n", strings.ToUpper(f.Severity), f.Code, f.Reason, state)
		}
	}
	if v.Status == store.DraftRejected {
		fmt.Fprintf(&b, "\nRejected: %s\n", v.RejectReason)
	}
	if lines := v.Billing.Lines(); len(lines) > 0 {
		fmt.Fprintf(&b, "\nCodes confirmed by the clinician\n%s\n", strings.Join(lines, "\n"))
	}
	if v.Signature != "" {
		fmt.Fprintf(&b, "\n%s\nAttestation: %s\n", v.Signature, v.Attestation)
		if v.Cosign != nil {
			fmt.Fprintf(&b, "Co-signed by supervisor %s on %s\nCo-signature attestation: %s\n", v.Cosign.Supervisor, time.UnixMilli(v.Cosign.CosignedAt).UTC().Format("2006-01-02 15:04 MST"), v.Cosign.Attestation)
		}
		if v.Override != "" {
			fmt.Fprintf(&b, "Signed over open high-severity flags; reason: %s\n", v.Override)
		}
		fmt.Fprintf(&b, "%s\nContent hash: %s", v.Disclosure, v.ContentHash)
		if v.HashVerified != nil && !*v.HashVerified {
			b.WriteString("  *** DOES NOT MATCH: the note changed after signing ***")
		}
		b.WriteByte('\n')
	}
	for _, a := range v.Addenda {
		fmt.Fprintf(&b, "\nAddendum by %s on %s:\n%s\n", a.Author, time.UnixMilli(a.CreatedAt).UTC().Format("2006-01-02 15:04 MST"), a.Text)
	}
	if v.Part2Notice != "" {
		fmt.Fprintf(&b, "\nNotice of prohibition on redisclosure (42 CFR 2.32): %s\n", v.Part2Notice)
	}
	return b.String()
}

// Loader reads what a rendering needs.
func Load(ctx context.Context, s *store.Store, sessionID string) (store.Draft, []store.Addendum, error) {
	d, err := s.LatestDraft(ctx, sessionID)
	if err != nil {
		return d, nil, err
	}
	a, err := s.Addenda(ctx, d.ID)
	return d, a, err
}

// WithSupervision adds the note's co-signature and returns to its view.
func WithSupervision(ctx context.Context, s *store.Store, d store.Draft, v *View) error {
	rs, err := s.DraftReturns(ctx, d.ID)
	if err != nil {
		return err
	}
	v.Returns = rs
	if d.Status != store.DraftSigned {
		return nil
	}
	c, err := s.CosignatureOf(ctx, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	v.Cosign = &c
	if VerifyCosign(d, c) != nil {
		bad := false
		v.HashVerified = &bad
	}
	return nil
}
