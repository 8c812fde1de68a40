package drafts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// Refusals of co-signing and returning.
var (
	// ErrNotAwaitingCosign: the note is not waiting for a co-signature.
	ErrNotAwaitingCosign = errors.New("the note is not waiting for a co-signature")
	// ErrNotTheSupervisor: only the associate's own supervisor co-signs or
	// returns their notes.
	ErrNotTheSupervisor = errors.New("only the associate's supervisor may co-sign or return this note")
)

// AwaitingBanner heads an associate's signed note until it is co-signed.
const AwaitingBanner = "SIGNED BY AN ASSOCIATE — AWAITING SUPERVISOR CO-SIGNATURE — NOT FINAL"

// DefaultCosignAttestation is what a co-signing supervisor attests to.
const DefaultCosignAttestation = "I have reviewed this note, written by a clinician I supervise, and co-sign it."

// cosignHash covers the associate's signed content hash and the
// co-signature itself.
func cosignHash(signedHash string, c store.Cosignature) string {
	h := sha256.New()
	for _, f := range []string{c.DraftID, signedHash, c.Supervisor, strconv.FormatInt(c.CosignedAt, 10), c.Attestation} {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyCosign checks a co-signature against the note it co-signs.
func VerifyCosign(d store.Draft, c store.Cosignature) error {
	if c.ContentHash != cosignHash(d.ContentHash, c) {
		return fmt.Errorf("the co-signature of note %s does not match the note", d.ID)
	}
	return nil
}

// supervisedDraft loads the session's latest draft for its supervisor.
func supervisedDraft(ctx context.Context, tx *store.Tx, sessionID, supervisor string) (store.Draft, error) {
	d, err := tx.LatestDraft(ctx, sessionID)
	if err != nil {
		return d, err
	}
	if d.Status != store.DraftAwaitingCosign {
		return d, ErrNotAwaitingCosign
	}
	sup, err := tx.SupervisorOf(ctx, d.SignedBy)
	if err != nil {
		return d, err
	}
	if sup == "" || sup != supervisor || supervisor == d.SignedBy {
		return d, ErrNotTheSupervisor
	}
	return d, nil
}

// Cosign makes an associate's signed note final in the supervisor's name:
// the note becomes signed, the co-signature (time, attestation, a hash
// over the associate's signed hash) is kept, and both are audited.
func (s *Service) Cosign(ctx context.Context, sessionID, supervisor, attestation string) (store.Draft, error) {
	if attestation == "" {
		attestation = DefaultCosignAttestation
	}
	var out store.Draft
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := supervisedDraft(ctx, tx, sessionID, supervisor)
		if err != nil {
			return err
		}
		c := store.Cosignature{DraftID: d.ID, Supervisor: supervisor, CosignedAt: s.now().UnixMilli(), Attestation: attestation}
		c.ContentHash = cosignHash(d.ContentHash, c)
		d.Status = store.DraftSigned
		if err := tx.UpdateDraft(ctx, &d); err != nil {
			return err
		}
		if err := tx.PutCosignature(ctx, c); err != nil {
			return err
		}
		out = d
		return tx.Audit(ctx, audit.Event{Actor: s.auditActor(supervisor), Action: "draft.cosign", EntityType: "draft", EntityID: d.ID,
			Details: map[string]string{"session": sessionID, "version": fmt.Sprint(d.Version), "associate": d.SignedBy, "cosign_hash": c.ContentHash}})
	})
	return out, err
}

// Return sends an associate's signed note back to them with the
// supervisor's comment: their signature is withdrawn (kept in the return's
// record), the note can be edited again and must be signed again.
func (s *Service) Return(ctx context.Context, sessionID, supervisor, comment string) (store.Draft, error) {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return store.Draft{}, errors.New("returning a note needs a comment saying what to change")
	}
	var out store.Draft
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := supervisedDraft(ctx, tx, sessionID, supervisor)
		if err != nil {
			return err
		}
		r := store.DraftReturn{ID: uuid.NewString(), DraftID: d.ID, Supervisor: supervisor, Comment: comment, AssociateSignedAt: d.SignedAt, ReturnedAt: s.now().UnixMilli()}
		if err := tx.PutDraftReturn(ctx, r); err != nil {
			return err
		}
		associate := d.SignedBy
		d.Status, d.SignedBy, d.SignedAt, d.Attestation, d.ContentHash, d.OverrideReason = store.DraftEdited, "", 0, "", "", ""
		if err := tx.UpdateDraft(ctx, &d); err != nil {
			return err
		}
		out = d
		return tx.Audit(ctx, audit.Event{Actor: s.auditActor(supervisor), Action: "draft.return", EntityType: "draft", EntityID: d.ID,
			Details: map[string]string{"session": sessionID, "version": fmt.Sprint(d.Version), "associate": associate, "return": r.ID}})
	})
	return out, err
}
