package compliance

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// AuditReport is the result of a full audit verification.
type AuditReport struct {
	Entries     int64
	Head        string
	Checkpoints int
}

// CheckpointAudit signs the current chain head with the Ed25519 key in
// dataDir (created with mode 0600 on first use), stores the checkpoint and
// audits it. created reports that a new key was made: its public key should
// then be recorded outside Scribe.
func CheckpointAudit(ctx context.Context, s *store.Store, dataDir, actor string) (cp audit.Checkpoint, created bool, err error) {
	key, created, err := audit.LoadOrCreateCheckpointKey(dataDir)
	if err != nil {
		return cp, false, err
	}
	// The head must be intact before it is vouched for.
	if _, err := VerifyAudit(ctx, s, key.Public().(ed25519.PublicKey)); err != nil {
		return cp, created, fmt.Errorf("the audit log does not verify, so it is not checkpointed: %w", err)
	}
	seq, head, err := s.AuditHead(ctx)
	if err != nil {
		return cp, created, err
	}
	if seq == 0 {
		return cp, created, errors.New("the audit log is empty; nothing to checkpoint")
	}
	cp = audit.SignCheckpoint(key, seq, head, s.NowMS())
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddAuditCheckpoint(ctx, cp); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "audit.checkpoint", EntityType: "audit", EntityID: fmt.Sprint(seq),
			Details: map[string]string{"head": head, "public_key": cp.PublicKey}})
	})
	return cp, created, err
}

// TrustedKey returns the key checkpoints are checked against: pinned (the
// base64 public key printed at checkpoint time) when given, else the key
// file in dataDir; nil when neither exists.
func TrustedKey(dataDir, pinned string) (ed25519.PublicKey, error) {
	if pinned != "" {
		return audit.ParsePublicKey(pinned)
	}
	k, err := audit.LoadCheckpointPublicKey(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return k, err
}

// VerifyAudit checks the whole chain and every signed checkpoint against
// trusted: a changed entry, a rewritten chain, a removed tail or an altered
// checkpoint each fail with the entry where it shows.
func VerifyAudit(ctx context.Context, s *store.Store, trusted ed25519.PublicKey) (AuditReport, error) {
	cps, err := s.AuditCheckpoints(ctx)
	if err != nil {
		return AuditReport{}, err
	}
	cv, err := audit.NewCheckedVerifier(cps, trusted)
	if err != nil {
		return AuditReport{}, err
	}
	if err := s.AuditEntries(ctx, 0, cv.Add); err != nil {
		return AuditReport{Entries: cv.Count()}, fmt.Errorf("%w (%d entries before it are intact)", err, cv.Count())
	}
	if err := cv.Finish(); err != nil {
		return AuditReport{Entries: cv.Count()}, err
	}
	return AuditReport{Entries: cv.Count(), Head: cv.Head(), Checkpoints: cv.Checkpoints()}, nil
}
