// Package compliance owns Scribe's consent and Part 2 rules: what a valid
// consent record is (the elements of 42 CFR 2.31), which consent is in force
// at a moment, whether a stage (capture, transcription, drafting) may act,
// the disclosure entry every view, export or model call of a Part 2 record
// produces, and the accounting of disclosures (42 CFR 2.25, 45 CFR
// 164.528). It stores through internal/store and audits every change; it
// imports no pipeline stage.
package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// Consent scopes.
const (
	ScopeAIScribe  = string(vocab.ScopeAIScribe)  // an AI scribe may record, transcribe and draft
	ScopePart2TPO  = string(vocab.ScopePart2TPO)  // Part 2 record may be disclosed for treatment, payment and operations
	ScopeRecording = string(vocab.ScopeRecording) // the session may be recorded
)

// Consent capture and revocation methods.
const (
	MethodElectronic     = "electronic"
	MethodWritten        = "written"
	MethodVerbalAttested = "verbal_attested"
)

// Consent statuses at a moment.
const (
	StatusInForce   = "in_force"
	StatusNone      = "none"
	StatusRevoked   = "revoked"
	StatusExpired   = "expired"
	StatusRefused   = "refused"
	StatusNotYet    = "not_yet_effective"
	statusUnchecked = ""
)

// Scopes lists the valid scopes.
var Scopes = []string{ScopeAIScribe, ScopePart2TPO, ScopeRecording}

func validScope(s string) bool {
	for _, x := range Scopes {
		if s == x {
			return true
		}
	}
	return false
}

// ValidationError lists every missing or bad element of a consent record.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	return "consent record is incomplete: " + strings.Join(e.Problems, "; ")
}

// Validate checks a consent record. Every scope needs the patient (client
// alias), method, who captured it, a signature and its date. A Part 2
// consent (part2_tpo) also needs every other element of 42 CFR 2.31: who may
// disclose, what information, recipients by name or class, purpose, the
// right-to-revoke statement and an expiry date or event.
func Validate(c store.ConsentRecord) error {
	var p []string
	if !validScope(c.Scope) {
		p = append(p, fmt.Sprintf("scope must be one of %s, not %q", strings.Join(Scopes, ", "), c.Scope))
	}
	if c.ClientAlias == "" && c.ClientID == "" && c.SessionID == "" {
		p = append(p, "patient missing (give the client alias or the session)")
	}
	switch c.Method {
	case MethodElectronic, MethodWritten, MethodVerbalAttested:
	default:
		p = append(p, fmt.Sprintf("method must be electronic, written or verbal_attested, not %q", c.Method))
	}
	if c.CapturedBy == "" {
		p = append(p, "who obtained the consent missing")
	}
	if c.Granted {
		if strings.TrimSpace(c.Signature) == "" {
			p = append(p, "signature missing (typed name, e-signature ID, or the attesting clinician for verbal consent)")
		}
		if c.SignedAt == 0 {
			p = append(p, "date of signature missing")
		}
	}
	if c.ExpiresAt != 0 && c.SignedAt != 0 && c.ExpiresAt <= c.SignedAt {
		p = append(p, "expiry date is not after the date of signature")
	}
	if c.Scope == ScopePart2TPO && c.Granted {
		need := []struct{ v, name string }{
			{c.Discloser, "who may disclose"},
			{c.Information, "description of the information"},
			{c.Recipients, "recipients by name or class"},
			{c.Purpose, "purpose"},
		}
		for _, n := range need {
			if strings.TrimSpace(n.v) == "" {
				p = append(p, n.name+" missing")
			}
		}
		if !c.RevocationNotice {
			p = append(p, "the client must be told of the right to revoke")
		}
		if c.ExpiresAt == 0 && strings.TrimSpace(c.ExpiryEvent) == "" {
			p = append(p, "expiry date or event missing")
		}
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// TextHash is the SHA-256 of a consent text body.
func TextHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// AddText stores a new version of a scope's consent text and audits it.
func AddText(ctx context.Context, s *store.Store, scope, version, body, actor string) (store.ConsentText, error) {
	t := store.ConsentText{Scope: scope, Version: strings.TrimSpace(version), Body: body, SHA256: TextHash(body), CreatedBy: actor}
	if !validScope(scope) {
		return t, fmt.Errorf("scope must be one of %s, not %q", strings.Join(Scopes, ", "), scope)
	}
	if t.Version == "" {
		return t, errors.New("consent text version missing")
	}
	if strings.TrimSpace(body) == "" {
		return t, errors.New("consent text is empty")
	}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutConsentText(ctx, &t); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "consent_text.add", EntityType: "consent_text", EntityID: scope + "/" + t.Version,
			Details: map[string]string{"sha256": t.SHA256}})
	})
	return t, err
}

// Add validates and stores a consent record and audits it, in one
// transaction. When TextVersion is set, that version of the scope's text
// must exist and its hash is recorded with the consent.
func Add(ctx context.Context, s *store.Store, c *store.ConsentRecord, actor string) error {
	return s.InTx(ctx, func(tx *store.Tx) error { return AddTx(ctx, tx, c, actor) })
}

// AddTx is Add inside the caller's transaction (for instance the lead's
// ingest transaction, recording a verbally attested consent with the session).
func AddTx(ctx context.Context, tx *store.Tx, c *store.ConsentRecord, actor string) error {
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	if c.SignedAt == 0 && c.Granted && c.Signature != "" {
		c.SignedAt = tx.NowMS()
	}
	if err := Validate(*c); err != nil {
		return err
	}
	if c.SessionID != "" {
		sess, err := tx.Session(ctx, c.SessionID, false)
		if err != nil {
			return err
		}
		alias := strings.TrimSpace(c.ClientAlias)
		if c.ClientID != "" && c.ClientID != sess.ClientID || c.ClientID == "" && alias != "" && sess.ClientAlias != "" && sess.ClientAlias != alias {
			return fmt.Errorf("the consent's client is not the client of session %s", c.SessionID)
		}
		c.ClientID = sess.ClientID
	} else if c.ClientID == "" {
		// A client-wide consent named by alias alone: the alias must name
		// exactly one client (callers that act for a person find the client
		// that person may see first, with internal/clients).
		cs, err := tx.ClientsByAlias(ctx, c.ClientAlias)
		if err != nil {
			return err
		}
		switch len(cs) {
		case 0:
			return errors.New("no client has this alias; name another, or record the consent for a session")
		case 1:
			c.ClientID = cs[0].ID
		default:
			return errors.New("this alias names more than one client; give the client's ID instead of its alias")
		}
	}
	if c.TextVersion != "" {
		t, err := tx.ConsentText(ctx, c.Scope, c.TextVersion)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrTextNotOnFile, err)
		}
		c.TextHash = t.SHA256
	}
	if err := tx.AddConsentRecord(ctx, c); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Event{Actor: actor, Action: "consent.add", EntityType: "consent", EntityID: c.ID, Details: map[string]string{
		"session": c.SessionID, "scope": c.Scope, "granted": fmt.Sprint(c.Granted), "method": c.Method, "text_version": c.TextVersion}})
}

// AttestedAIScribeConsent is the record `scribe ingest --consent-attested-by`
// makes: the clinician attests that the client consented verbally to the AI
// scribe for this session.
func AttestedAIScribeConsent(sessionID, clientAlias, attestedBy string) *store.ConsentRecord {
	return &store.ConsentRecord{Consent: store.Consent{SessionID: sessionID, ClientAlias: clientAlias, Scope: ScopeAIScribe, Granted: true,
		Method: MethodVerbalAttested, CapturedBy: attestedBy}, Signature: "attested by " + attestedBy, Purpose: "AI-assisted documentation of this session",
		RevocationNotice: true}
}

// ErrTextNotOnFile: the consent names a version of its scope's text that is
// not on file (an admin adds texts with scribe consent text-add).
var ErrTextNotOnFile = errors.New("the consent refers to a text version that is not on file")

// RevokeMethods are the ways a revocation is received.
var RevokeMethods = []string{MethodElectronic, MethodWritten, "verbal", MethodVerbalAttested}

// Revoke revokes one consent record (time, who and how are recorded) and audits it.
func Revoke(ctx context.Context, s *store.Store, id, by, method string) (store.ConsentRecord, error) {
	return RevokeAs(ctx, s, id, by, by, method)
}

// RevokeAs is Revoke with the audit log's actor (a user ID) apart from the
// name the record keeps as who recorded the revocation.
func RevokeAs(ctx context.Context, s *store.Store, id, by, actor, method string) (store.ConsentRecord, error) {
	var out store.ConsentRecord
	switch method {
	case MethodElectronic, MethodWritten, "verbal", MethodVerbalAttested:
	default:
		return out, fmt.Errorf("revocation method must be electronic, written, verbal or verbal_attested, not %q", method)
	}
	if by == "" {
		return out, errors.New("who recorded the revocation is missing")
	}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.RevokeConsent(ctx, id, by, method)
		if err != nil {
			return err
		}
		out = c
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "consent.revoke", EntityType: "consent", EntityID: id, Details: map[string]string{
			"session": c.SessionID, "scope": c.Scope, "method": method}})
	})
	return out, err
}

// Decision is the consent position of a scope for a session at a moment.
type Decision struct {
	Scope   string
	Status  string               // in_force, none, revoked, expired, refused, not_yet_effective
	Consent *store.ConsentRecord // the record in force, or the latest one that decided the status
	AtMS    int64
}

// InForce reports whether a consent holds.
func (d Decision) InForce() bool { return d.Status == StatusInForce }

// Describe is a one-line, PHI-free description of the consent (ID, scope,
// recipients class, purpose, dates), for exports and accountings.
func (d Decision) Describe() string {
	if d.Consent == nil {
		return fmt.Sprintf("no %s consent on file", d.Scope)
	}
	return DescribeConsent(*d.Consent) + " — status " + d.Status
}

// DescribeConsent describes a consent record for a notice or an accounting.
func DescribeConsent(c store.ConsentRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "consent %s (%s, %s", c.ID, c.Scope, c.Method)
	if c.SignedAt != 0 {
		fmt.Fprintf(&b, ", signed %s", day(c.SignedAt))
	}
	b.WriteString(")")
	if c.Discloser != "" {
		fmt.Fprintf(&b, "; discloser: %s", c.Discloser)
	}
	if c.Information != "" {
		fmt.Fprintf(&b, "; information: %s", c.Information)
	}
	if c.Recipients != "" {
		fmt.Fprintf(&b, "; recipients: %s", c.Recipients)
	}
	if c.Purpose != "" {
		fmt.Fprintf(&b, "; purpose: %s", c.Purpose)
	}
	if c.ExpiresAt != 0 {
		fmt.Fprintf(&b, "; expires %s", day(c.ExpiresAt))
	}
	if c.ExpiryEvent != "" {
		fmt.Fprintf(&b, "; expires on: %s", c.ExpiryEvent)
	}
	if c.RevokedAt != 0 {
		fmt.Fprintf(&b, "; revoked %s (%s)", day(c.RevokedAt), c.RevokeMethod)
	}
	if c.RevocationNotice {
		b.WriteString("; the client may revoke this consent at any time")
	}
	return b.String()
}

func day(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.DateOnly) }

// Decide finds the consent of scope in force for the session at atMS among
// records (the session's own and the client's client-wide ones). When none
// is in force, the status says why: none on file, or the latest relevant
// record was revoked, expired, refused, or is not yet effective.
func Decide(records []store.ConsentRecord, scope string, atMS int64) Decision {
	d := Decision{Scope: scope, Status: StatusNone, AtMS: atMS}
	var latest *store.ConsentRecord
	for i := range records {
		c := &records[i]
		if c.Scope != scope || c.CreatedAt > atMS {
			continue
		}
		if c.Granted && (c.RevokedAt == 0 || atMS < c.RevokedAt) && (c.ExpiresAt == 0 || atMS < c.ExpiresAt) {
			// The newest record in force wins, but a later refusal overrides it below.
			if d.Status != StatusInForce || c.CreatedAt >= d.Consent.CreatedAt {
				d.Status, d.Consent = StatusInForce, c
			}
		}
		if latest == nil || c.CreatedAt >= latest.CreatedAt {
			latest = c
		}
	}
	if latest == nil {
		return d
	}
	if !latest.Granted {
		// A later refusal withdraws what came before it.
		return Decision{Scope: scope, Status: StatusRefused, Consent: latest, AtMS: atMS}
	}
	if d.Status == StatusInForce {
		return d
	}
	switch {
	case latest.RevokedAt != 0 && latest.RevokedAt <= atMS:
		d.Status = StatusRevoked
	case latest.ExpiresAt != 0 && latest.ExpiresAt <= atMS:
		d.Status = StatusExpired
	}
	d.Consent = latest
	return d
}

// At decides the consent of scope in force for a session at atMS.
func At(ctx context.Context, s *store.Store, sess store.Session, scope string, atMS int64) (Decision, error) {
	recs, err := s.ConsentRecords(ctx, store.ConsentFilter{SessionID: sess.ID, ClientID: sess.ClientID})
	if err != nil {
		return Decision{}, fmt.Errorf("read consents of session %s: %w", sess.ID, err)
	}
	return Decide(recs, scope, atMS), nil
}

// AtTx is At inside a transaction, at the transaction's clock.
func AtTx(ctx context.Context, tx *store.Tx, sess store.Session, scope string) (Decision, error) {
	recs, err := tx.ConsentRecords(ctx, store.ConsentFilter{SessionID: sess.ID, ClientID: sess.ClientID})
	if err != nil {
		return Decision{}, fmt.Errorf("read consents of session %s: %w", sess.ID, err)
	}
	return Decide(recs, scope, tx.NowMS()), nil
}

// Pipeline stages that check consent.
const (
	StageCapture    = "capture"
	StageTranscribe = "transcribe"
	StageDraft      = "draft"
)

// ErrNoConsent is wrapped by every refusal of CheckStage.
var ErrNoConsent = errors.New("no consent in force")

// CheckStage is the consent gate a stage calls at the moment it acts:
//   - capture needs the ai_scribe consent in force, and no refused,
//     revoked or expired recording consent;
//   - transcription and drafting stop when the client's ai_scribe consent
//     was revoked, expired or refused. An ingested recording with no consent
//     on file goes on (its draft carries the consent-missing flag), a call
//     does not (capture never started without consent);
//   - the clinician's dictation (store.SourceDictation) needs no client
//     consent at either stage.
//
// The error names the consent and what to do, never the client.
func CheckStage(ctx context.Context, s *store.Store, sessionID, stage string) (Decision, error) {
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		return Decision{}, err
	}
	now := s.NowMS()
	if sess.Dictation() && stage != StageCapture {
		// The clinician's dictated recap holds the clinician's voice only
		// and was kept without the client's consent by design (the client
		// may have declined recording): the client's decision is reported,
		// not enforced.
		return At(ctx, s, sess, ScopeAIScribe, now)
	}
	scopes := []string{ScopeAIScribe}
	if stage == StageCapture {
		scopes = append(scopes, ScopeRecording)
	}
	var first Decision
	for i, scope := range scopes {
		d, err := At(ctx, s, sess, scope, now)
		if err != nil {
			return d, err
		}
		if i == 0 {
			first = d
		}
		if d.InForce() {
			continue
		}
		if d.Status == StatusNone {
			if scope == ScopeRecording {
				continue // the ai_scribe consent covers recording unless a recording consent was refused or revoked
			}
			if stage != StageCapture && sess.Source == "ingest" {
				continue
			}
		}
		what := fmt.Sprintf("session %s: %s stage stopped: %s consent is %s", sessionID, stage, scope, strings.ReplaceAll(d.Status, "_", " "))
		if d.Consent != nil {
			what += fmt.Sprintf(" (consent %s)", d.Consent.ID)
		}
		return d, fmt.Errorf("%s; nothing was processed. Record a new consent with scribe consent add if the client consents again: %w", what, ErrNoConsent)
	}
	return first, nil
}

// EnsureText makes sure a consent text version is on file: it stores it
// the first time and accepts the same body again; a different body under an
// existing version is refused (versions never change; add a new version).
// Components that ship their own consent text (the call page) call it at
// start-up so consent records can cite the version they showed.
func EnsureText(ctx context.Context, s *store.Store, scope, version, body, actor string) (store.ConsentText, error) {
	ts, err := s.ConsentTexts(ctx, scope)
	if err != nil {
		return store.ConsentText{}, err
	}
	for _, t := range ts {
		if t.Version != version {
			continue
		}
		if t.SHA256 != TextHash(body) {
			return t, fmt.Errorf("consent text %s version %s is on file with other wording; give the changed text a new version", scope, version)
		}
		return t, nil
	}
	return AddText(ctx, s, scope, version, body, actor)
}
