package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// The inputs of a consent, in the domain's words.
const (
	FieldConsent        Field = "consent record"
	FieldConsentMethod  Field = "consent method"
	FieldRevokeMethod   Field = "revocation method"
	FieldClient         Field = "client"
	FieldConsentText    Field = "consent text version"
	FieldConsentID      Field = "consent"
	FieldConsentSubject Field = "session or client"
)

// ConsentMethods are the ways a consent is captured.
var ConsentMethods = []string{compliance.MethodElectronic, compliance.MethodWritten, compliance.MethodVerbalAttested}

// ConsentInput is a consent (or a refusal) the principal records for a
// session, or for a client as a whole.
type ConsentInput struct {
	SessionID string
	// Client is the client's ID or alias, for a client-wide consent (or,
	// with a session, to check it is that session's client).
	Client  string
	Scope   string // ai_scribe, part2_tpo or recording
	Method  string // electronic, written or verbal_attested
	Granted bool   // false records a refusal
	// Signature: a typed name, an e-signature ID, or the attesting
	// clinician for a verbal consent.
	Signature string
	Signed    time.Time // zero: today
	Expires   time.Time // zero: no date
	// The elements of a Part 2 consent (42 CFR 2.31).
	ExpiryEvent, Discloser, Information, Recipients, Purpose string
	RevocationNotice                                         bool
	// TextVersion is the version of the scope's consent text the client was
	// shown (its hash is recorded with the consent).
	TextVersion string
}

// AddConsent records a consent for a session the principal may see, or for
// a client they may see, in the principal's name, validated and audited in
// one transaction. An incomplete record is refused with every missing
// element named, and nothing is stored.
func (s *Service) AddConsent(ctx context.Context, by store.User, in ConsentInput) (store.ConsentRecord, error) {
	scope, err := vocab.ParseConsentScope(in.Scope)
	if err != nil {
		return store.ConsentRecord{}, err
	}
	method := strings.ToLower(strings.TrimSpace(in.Method))
	if err := validate.OneOf(FieldConsentMethod, method, ConsentMethods...); err != nil {
		return store.ConsentRecord{}, err
	}
	rec := store.ConsentRecord{Consent: store.Consent{Scope: string(scope), Granted: in.Granted, Method: method, CapturedBy: by.Email,
		TextVersion: strings.TrimSpace(in.TextVersion)},
		Signature: strings.TrimSpace(in.Signature), Discloser: strings.TrimSpace(in.Discloser), Information: strings.TrimSpace(in.Information),
		Recipients: strings.TrimSpace(in.Recipients), Purpose: strings.TrimSpace(in.Purpose), ExpiryEvent: strings.TrimSpace(in.ExpiryEvent),
		RevocationNotice: in.RevocationNotice}
	if rec.CapturedBy == "" {
		rec.CapturedBy = by.ID // the host operator
	}
	if !in.Signed.IsZero() {
		rec.SignedAt = in.Signed.UnixMilli()
	}
	if !in.Expires.IsZero() {
		rec.ExpiresAt = in.Expires.UnixMilli()
	}
	switch {
	case in.SessionID != "":
		sess, err := s.Session(ctx, by, in.SessionID)
		if err != nil {
			return rec, err
		}
		if c := strings.TrimSpace(in.Client); c != "" && c != sess.ClientAlias && c != sess.ClientID {
			return rec, &validate.Error{Field: FieldClient, Problem: "is not the client of this session", Hidden: true, Hint: "leave it out, or record the consent for the client's own session"}
		}
		rec.SessionID, rec.ClientID = sess.ID, sess.ClientID
	case strings.TrimSpace(in.Client) != "":
		c, err := s.client(ctx, by, in.Client)
		if err != nil {
			return rec, err
		}
		rec.ClientID = c.ID
	default:
		return rec, &validate.Error{Field: FieldConsentSubject, Hint: "give the session the consent is for, or the client for a client-wide consent"}
	}
	err = compliance.Add(ctx, s.Store, &rec, by.ID)
	var ce *compliance.ValidationError
	switch {
	case errors.As(err, &ce):
		return rec, &validate.Error{Field: FieldConsent, Problem: "is incomplete", Problems: ce.Problems}
	case errors.Is(err, compliance.ErrTextNotOnFile):
		return rec, &validate.Error{Field: FieldConsentText, Value: rec.TextVersion, Problem: "is not on file for this scope", Hint: "choose the version the client was shown"}
	case err != nil:
		return rec, fmt.Errorf("record the consent: %w", err)
	}
	return rec, nil
}

// client finds the client the principal means by ID or alias.
func (s *Service) client(ctx context.Context, by store.User, ref string) (store.Client, error) {
	c, err := clients.Find(ctx, s.Store, by, ref)
	switch {
	case errors.Is(err, clients.ErrNotFound):
		return c, notFound("there is no client with this ID or alias that you may see")
	case errors.Is(err, clients.ErrAmbiguous):
		return c, as(ErrConflict, err)
	case err != nil:
		return c, fmt.Errorf("find the client: %w", err)
	}
	return c, nil
}

// Revocation is a consent withdrawn by the client, as the principal
// records it.
type Revocation struct {
	ConsentID string
	// SessionID, when given, is the session whose page the revocation
	// comes from: the consent must be of that session or its client.
	SessionID string
	Method    string // written, electronic, verbal or verbal_attested
}

// RevokeConsent revokes a consent of a client the principal may see
// (time, who and how are recorded), audited. A consent the principal may
// not see is not found.
func (s *Service) RevokeConsent(ctx context.Context, by store.User, in Revocation) (store.ConsentRecord, error) {
	id := strings.TrimSpace(in.ConsentID)
	if id == "" {
		return store.ConsentRecord{}, &validate.Error{Field: FieldConsentID, Hint: "choose the consent to revoke"}
	}
	method := strings.ToLower(strings.TrimSpace(in.Method))
	if err := validate.OneOf(FieldRevokeMethod, method, compliance.RevokeMethods...); err != nil {
		return store.ConsentRecord{}, err
	}
	missing := notFound("there is no consent with this ID that you may see")
	rec, err := s.Store.ConsentRecord(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, missing
	}
	if err != nil {
		return rec, fmt.Errorf("read the consent: %w", err)
	}
	if in.SessionID != "" {
		sess, err := s.Session(ctx, by, in.SessionID)
		if err != nil {
			return rec, err
		}
		if rec.SessionID != sess.ID && !(rec.SessionID == "" && rec.ClientID == sess.ClientID) {
			return rec, notFound("this consent is not a consent of this session or its client")
		}
	} else {
		cl, err := s.Store.Client(ctx, rec.ClientID)
		if errors.Is(err, store.ErrNotFound) || err == nil && !clients.MaySee(by, cl) {
			return rec, missing
		}
		if err != nil {
			return rec, fmt.Errorf("read the consent's client: %w", err)
		}
	}
	name := by.Email
	if name == "" {
		name = by.ID
	}
	out, err := compliance.RevokeAs(ctx, s.Store, id, name, by.ID, method)
	if errors.Is(err, store.ErrAlreadyRevoked) {
		return out, conflict("this consent is already revoked; nothing was changed")
	}
	if err != nil {
		return out, fmt.Errorf("revoke the consent: %w", err)
	}
	return out, nil
}
