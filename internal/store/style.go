package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ClinicianStyle is a clinician's preferences for the notes drafted for
// them (migration 013). The store keeps the words as given; the values
// are checked by the service layer (prompts.Parse*). The zero value is no
// preference.
type ClinicianStyle struct {
	UserID     string   `json:"user_id"`
	NoteLength string   `json:"note_length,omitempty"`
	Person     string   `json:"person,omitempty"`
	Headings   string   `json:"headings,omitempty"`
	Avoid      []string `json:"avoid,omitempty"`
	// Examples: the drafting may show the model this clinician's own
	// recent signed notes as examples of their style.
	Examples  bool  `json:"examples,omitempty"`
	UpdatedAt int64 `json:"updated_at,omitempty"`
}

// ClinicianStyle reads a user's style; a user who never set one has the
// zero style (and no error).
func (s *Store) ClinicianStyle(ctx context.Context, userID string) (ClinicianStyle, error) {
	st := ClinicianStyle{UserID: userID}
	var avoid string
	var examples int
	err := s.conn.queryRow(ctx, `SELECT note_length, person, headings, avoid, use_examples, updated_at FROM clinician_styles WHERE user_id = $1`, userID).
		Scan(&st.NoteLength, &st.Person, &st.Headings, &avoid, &examples, &st.UpdatedAt)
	st.Examples = examples != 0
	if errors.Is(err, ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the note style: %w", err)
	}
	if err := json.Unmarshal([]byte(avoid), &st.Avoid); err != nil {
		return st, fmt.Errorf("the note style's phrases of user %s are not valid JSON: %w", userID, err)
	}
	return st, nil
}

// SetClinicianStyle writes a user's style whole (insert or replace).
func (tx *Tx) SetClinicianStyle(ctx context.Context, st *ClinicianStyle) error {
	if st.Avoid == nil {
		st.Avoid = []string{}
	}
	avoid, err := json.Marshal(st.Avoid)
	if err != nil {
		return err
	}
	st.UpdatedAt = tx.s.nowMS()
	_, err = tx.q.exec(ctx, `INSERT INTO clinician_styles (user_id, note_length, person, headings, avoid, use_examples, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)
		ON CONFLICT (user_id) DO UPDATE SET note_length = excluded.note_length, person = excluded.person, headings = excluded.headings,
		avoid = excluded.avoid, use_examples = excluded.use_examples, updated_at = excluded.updated_at`,
		st.UserID, st.NoteLength, st.Person, st.Headings, string(avoid), b2i(st.Examples), st.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save the note style: %w", err)
	}
	return nil
}

// EditMeasure is how much of a draft the clinician changed before signing
// it, in words: the word-level edit distance between the AI draft and the
// signed note (migration 013). It holds counts only, never text.
type EditMeasure struct {
	DraftID      string `json:"draft_id"`
	SessionID    string `json:"session_id"`
	UserID       string `json:"user_id"`
	DraftedWords int    `json:"drafted_words"`
	SignedWords  int    `json:"signed_words"`
	ChangedWords int    `json:"changed_words"`
	SignedAt     int64  `json:"signed_at"`
}

// Share is the part of the draft the clinician changed, from 0 (signed as
// drafted) to 1 (rewritten): the edit distance over the longer of the two
// texts.
func (m EditMeasure) Share() float64 {
	n := max(m.DraftedWords, m.SignedWords)
	if n == 0 {
		return 0
	}
	return min(1, float64(m.ChangedWords)/float64(n))
}

// RecordEditMeasure stores the measure of a signed draft; a draft signed
// again (an associate's note returned by the supervisor) keeps the latest.
func (tx *Tx) RecordEditMeasure(ctx context.Context, m EditMeasure) error {
	_, err := tx.q.exec(ctx, `INSERT INTO note_edit_measures (draft_id, session_id, user_id, drafted_words, signed_words, changed_words, signed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (draft_id) DO UPDATE SET drafted_words = excluded.drafted_words,
		signed_words = excluded.signed_words, changed_words = excluded.changed_words, signed_at = excluded.signed_at`,
		m.DraftID, m.SessionID, m.UserID, m.DraftedWords, m.SignedWords, m.ChangedWords, m.SignedAt)
	if err != nil {
		return fmt.Errorf("record how much of the draft was changed: %w", err)
	}
	return nil
}

// EditMeasures lists a user's last n measures, newest first.
func (s *Store) EditMeasures(ctx context.Context, userID string, n int) ([]EditMeasure, error) {
	return collect(ctx, s.conn, func(r rows) (EditMeasure, error) {
		var m EditMeasure
		err := r.Scan(&m.DraftID, &m.SessionID, &m.UserID, &m.DraftedWords, &m.SignedWords, &m.ChangedWords, &m.SignedAt)
		return m, err
	}, `SELECT draft_id, session_id, user_id, drafted_words, signed_words, changed_words, signed_at FROM note_edit_measures
		WHERE user_id = $1 ORDER BY signed_at DESC, draft_id LIMIT $2`, userID, n)
}

// SignedNote is a note a clinician signed: its session's program and
// client (to judge whether it may be used) and the draft's content.
type SignedNote struct {
	SessionID string
	Program   string
	ClientID  string
	SignedAt  int64
	Content   string // drafts.Content JSON (de-identified)
}

// SignedNotesBy lists, newest first, up to n notes signed by the clinician
// (by e-mail) in sessions that are theirs, other than the session except.
func (s *Store) SignedNotesBy(ctx context.Context, clinician, except string, n int) ([]SignedNote, error) {
	return collect(ctx, s.conn, func(r rows) (SignedNote, error) {
		var sn SignedNote
		err := r.Scan(&sn.SessionID, &sn.Program, &sn.ClientID, &sn.SignedAt, &sn.Content)
		return sn, err
	}, `SELECT d.session_id, s.program, COALESCE(s.client_id, ''), d.signed_at, d.content FROM drafts d JOIN sessions s ON s.id = d.session_id
		WHERE d.status = $1 AND LOWER(d.signed_by) = $2 AND LOWER(s.clinician) = $2 AND s.id <> $3 ORDER BY d.signed_at DESC, d.id LIMIT $4`,
		DraftSigned, NormalizeEmail(clinician), except, n)
}
