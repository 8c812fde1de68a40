package store

import (
	"context"
	"errors"
	"fmt"
)

// DraftAwaitingCosign is the status of a note an associate signed that
// waits for their supervisor's co-signature (migration 012).
const DraftAwaitingCosign = "awaiting_cosign"

// Cosignature is a supervisor's co-signature of a note.
type Cosignature struct {
	DraftID     string `json:"draft_id"`
	Supervisor  string `json:"supervisor"`
	CosignedAt  int64  `json:"cosigned_at"`
	Attestation string `json:"attestation"`
	ContentHash string `json:"content_hash"`
}

// DraftReturn is a note a supervisor returned to the associate, with why.
type DraftReturn struct {
	ID                string `json:"id"`
	DraftID           string `json:"draft_id"`
	Supervisor        string `json:"supervisor"`
	Comment           string `json:"comment"`
	AssociateSignedAt int64  `json:"associate_signed_at"`
	ReturnedAt        int64  `json:"returned_at"`
}

// SetSupervisor makes supervisor (an e-mail) the clinician's supervisor, or
// removes the clinician's supervisor when it is empty.
func (tx *Tx) SetSupervisor(ctx context.Context, clinician, supervisor, by string) error {
	if supervisor == "" {
		_, err := tx.q.exec(ctx, `DELETE FROM supervision WHERE clinician = $1`, clinician)
		return err
	}
	_, err := tx.q.exec(ctx, `INSERT INTO supervision (clinician, supervisor, set_by, set_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (clinician) DO UPDATE SET supervisor = excluded.supervisor, set_by = excluded.set_by, set_at = excluded.set_at`,
		clinician, supervisor, by, tx.s.nowMS())
	return err
}

// SupervisorOf returns the clinician's supervisor's e-mail ("" for none).
func (s *Store) SupervisorOf(ctx context.Context, clinician string) (string, error) {
	return supervisorOf(ctx, s.conn, clinician)
}

// SupervisorOf inside the transaction.
func (tx *Tx) SupervisorOf(ctx context.Context, clinician string) (string, error) {
	return supervisorOf(ctx, tx.q, clinician)
}

func supervisorOf(ctx context.Context, q querier, clinician string) (string, error) {
	var sup string
	err := q.queryRow(ctx, `SELECT supervisor FROM supervision WHERE clinician = $1`, clinician).Scan(&sup)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return sup, err
}

// Associates lists the clinicians a supervisor supervises.
func (s *Store) Associates(ctx context.Context, supervisor string) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (string, error) {
		var c string
		return c, r.Scan(&c)
	}, `SELECT clinician FROM supervision WHERE supervisor = $1 ORDER BY clinician`, supervisor)
}

// PutCosignature records a co-signature (one per draft version).
func (tx *Tx) PutCosignature(ctx context.Context, c Cosignature) error {
	_, err := tx.q.exec(ctx, `INSERT INTO cosignatures (draft_id, supervisor, cosigned_at, attestation, content_hash) VALUES ($1,$2,$3,$4,$5)`,
		c.DraftID, c.Supervisor, c.CosignedAt, c.Attestation, c.ContentHash)
	return err
}

// CosignatureOf returns a draft's co-signature, or ErrNotFound.
func (s *Store) CosignatureOf(ctx context.Context, draftID string) (Cosignature, error) {
	var c Cosignature
	err := s.conn.queryRow(ctx, `SELECT draft_id, supervisor, cosigned_at, attestation, content_hash FROM cosignatures WHERE draft_id = $1`, draftID).
		Scan(&c.DraftID, &c.Supervisor, &c.CosignedAt, &c.Attestation, &c.ContentHash)
	if errors.Is(err, ErrNotFound) {
		return c, fmt.Errorf("co-signature of %s: %w", draftID, ErrNotFound)
	}
	return c, err
}

// PutDraftReturn records a note returned to its associate.
func (tx *Tx) PutDraftReturn(ctx context.Context, r DraftReturn) error {
	_, err := tx.q.exec(ctx, `INSERT INTO draft_returns (id, draft_id, supervisor, comment, associate_signed_at, returned_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		r.ID, r.DraftID, r.Supervisor, r.Comment, r.AssociateSignedAt, r.ReturnedAt)
	return err
}

// DraftReturns lists a draft's returns, oldest first.
func (s *Store) DraftReturns(ctx context.Context, draftID string) ([]DraftReturn, error) {
	return collect(ctx, s.conn, func(r rows) (DraftReturn, error) {
		var d DraftReturn
		return d, r.Scan(&d.ID, &d.DraftID, &d.Supervisor, &d.Comment, &d.AssociateSignedAt, &d.ReturnedAt)
	}, `SELECT id, draft_id, supervisor, comment, associate_signed_at, returned_at FROM draft_returns WHERE draft_id = $1 ORDER BY returned_at, id`, draftID)
}
