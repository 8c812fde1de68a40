package store

import (
	"context"
	"fmt"
)

// Draft statuses.
const (
	DraftDraft    = "draft"
	DraftEdited   = "edited"
	DraftSigned   = "signed"
	DraftRejected = "rejected"
)

// Draft is one version of a session's note. Content and Flags are JSON
// owned by the drafts package.
type Draft struct {
	ID               string `json:"id"`
	SessionID        string `json:"session_id"`
	Version          int    `json:"version"`
	Status           string `json:"status"`
	Template         string `json:"template"`
	PromptVersion    string `json:"prompt_version"`
	Provider         string `json:"provider"`
	Model            string `json:"model"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	LatencyMS        int64  `json:"latency_ms"`
	Passes           int    `json:"passes"`
	Content          string `json:"-"`
	Flags            string `json:"-"`
	ContentHash      string `json:"content_hash,omitempty"`
	SignedBy         string `json:"signed_by,omitempty"`
	SignedAt         int64  `json:"signed_at,omitempty"`
	Attestation      string `json:"attestation,omitempty"`
	RejectReason     string `json:"reject_reason,omitempty"`
	OverrideReason   string `json:"override_reason,omitempty"`
	CreatedAt        int64  `json:"created_at"`
	UpdatedAt        int64  `json:"updated_at"`
}

// Addendum is a later note attached to a signed draft.
type Addendum struct {
	ID          string `json:"id"`
	DraftID     string `json:"draft_id"`
	Author      string `json:"author"`
	Text        string `json:"text"`
	ContentHash string `json:"content_hash"`
	CreatedAt   int64  `json:"created_at"`
}

const draftCols = `id, session_id, version, status, template, prompt_version, provider, model, prompt_tokens, completion_tokens, latency_ms, passes, content, flags, content_hash, signed_by, signed_at, attestation, reject_reason, override_reason, created_at, updated_at`

func scanDraft(r interface{ Scan(...any) error }) (Draft, error) {
	var d Draft
	err := r.Scan(&d.ID, &d.SessionID, &d.Version, &d.Status, &d.Template, &d.PromptVersion, &d.Provider, &d.Model, &d.PromptTokens, &d.CompletionTokens,
		&d.LatencyMS, &d.Passes, &d.Content, &d.Flags, &d.ContentHash, &d.SignedBy, &d.SignedAt, &d.Attestation, &d.RejectReason, &d.OverrideReason, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// InsertDraft stores a new draft version. A second insert of the same
// (session, version) is ignored, so a retried job does not duplicate it.
func (tx *Tx) InsertDraft(ctx context.Context, d *Draft) (inserted bool, err error) {
	now := tx.s.nowMS()
	d.CreatedAt, d.UpdatedAt = now, now
	n, err := tx.q.exec(ctx, `INSERT INTO drafts (`+draftCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
		ON CONFLICT (session_id, version) DO NOTHING`,
		d.ID, d.SessionID, d.Version, d.Status, d.Template, d.PromptVersion, d.Provider, d.Model, d.PromptTokens, d.CompletionTokens, d.LatencyMS, d.Passes,
		d.Content, d.Flags, d.ContentHash, d.SignedBy, d.SignedAt, d.Attestation, d.RejectReason, d.OverrideReason, d.CreatedAt, d.UpdatedAt)
	if err != nil {
		return false, fmt.Errorf("insert draft: %w", err)
	}
	return n > 0, nil
}

// UpdateDraft writes a draft's mutable fields. It refuses to touch a draft
// that is already signed (the WHERE clause makes that atomic).
func (tx *Tx) UpdateDraft(ctx context.Context, d *Draft) error {
	d.UpdatedAt = tx.s.nowMS()
	n, err := tx.q.exec(ctx, `UPDATE drafts SET status = $2, content = $3, flags = $4, content_hash = $5, signed_by = $6, signed_at = $7, attestation = $8,
		reject_reason = $9, override_reason = $10, updated_at = $11 WHERE id = $1 AND status <> 'signed'`,
		d.ID, d.Status, d.Content, d.Flags, d.ContentHash, d.SignedBy, d.SignedAt, d.Attestation, d.RejectReason, d.OverrideReason, d.UpdatedAt)
	if err != nil {
		return fmt.Errorf("update draft: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("draft %s is signed and cannot change (add an addendum instead)", d.ID)
	}
	return nil
}

// LatestDraft returns the highest version of a session's draft.
func (s *Store) LatestDraft(ctx context.Context, sessionID string) (Draft, error) {
	return latestDraft(ctx, s.conn, sessionID)
}

// LatestDraft returns the highest version inside the transaction.
func (tx *Tx) LatestDraft(ctx context.Context, sessionID string) (Draft, error) {
	return latestDraft(ctx, tx.q, sessionID)
}

func latestDraft(ctx context.Context, q querier, sessionID string) (Draft, error) {
	d, err := scanDraft(q.queryRow(ctx, `SELECT `+draftCols+` FROM drafts WHERE session_id = $1 ORDER BY version DESC LIMIT 1`, sessionID))
	if err != nil {
		return d, fmt.Errorf("draft of session %s: %w", sessionID, err)
	}
	return d, nil
}

// Drafts lists every version of a session's draft, oldest first.
func (s *Store) Drafts(ctx context.Context, sessionID string) ([]Draft, error) {
	return collect(ctx, s.conn, func(r rows) (Draft, error) { return scanDraft(r) },
		`SELECT `+draftCols+` FROM drafts WHERE session_id = $1 ORDER BY version`, sessionID)
}

// AddAddendum attaches an addendum to a (signed) draft.
func (tx *Tx) AddAddendum(ctx context.Context, a *Addendum) error {
	a.CreatedAt = tx.s.nowMS()
	_, err := tx.q.exec(ctx, `INSERT INTO addenda (id, draft_id, author, text, content_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		a.ID, a.DraftID, a.Author, a.Text, a.ContentHash, a.CreatedAt)
	return err
}

// Addenda lists a draft's addenda, oldest first.
func (s *Store) Addenda(ctx context.Context, draftID string) ([]Addendum, error) {
	return collect(ctx, s.conn, func(r rows) (a Addendum, err error) {
		err = r.Scan(&a.ID, &a.DraftID, &a.Author, &a.Text, &a.ContentHash, &a.CreatedAt)
		return a, err
	}, `SELECT id, draft_id, author, text, content_hash, created_at FROM addenda WHERE draft_id = $1 ORDER BY created_at, id`, draftID)
}

// ---- consents (minimal registry used by the gap checks and capture) ----

// Consent is a dated consent record.
type Consent struct {
	ID           string `json:"id"`
	SessionID    string `json:"session_id,omitempty"`
	ClientAlias  string `json:"client_alias,omitempty"` // display text; the client is ClientID
	ClientID     string `json:"client_id,omitempty"`
	Scope        string `json:"scope"` // ai_scribe | part2_tpo | recording
	Granted      bool   `json:"granted"`
	Method       string `json:"method"` // electronic | verbal_attested | written
	CapturedBy   string `json:"captured_by"`
	TextVersion  string `json:"text_version"`
	CreatedAt    int64  `json:"created_at"`
	ExpiresAt    int64  `json:"expires_at,omitempty"`
	RevokedAt    int64  `json:"revoked_at,omitempty"`
	RevokedBy    string `json:"revoked_by,omitempty"`
	RevokeMethod string `json:"revoke_method,omitempty"`
}

// InForce reports whether a granted, unrevoked, unexpired consent holds at t (ms).
func (c Consent) InForce(atMS int64) bool {
	return c.Granted && c.RevokedAt == 0 && (c.ExpiresAt == 0 || atMS < c.ExpiresAt)
}

// AddConsent records a consent decision.
func (tx *Tx) AddConsent(ctx context.Context, c *Consent) error {
	if c.CreatedAt == 0 {
		c.CreatedAt = tx.s.nowMS()
	}
	if err := tx.consentClient(ctx, c); err != nil {
		return err
	}
	_, err := tx.q.exec(ctx, `INSERT INTO consents (id, session_id, client_alias, scope, granted, method, captured_by, text_version, created_at, expires_at, client_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		c.ID, c.SessionID, c.ClientAlias, c.Scope, b2i(c.Granted), c.Method, c.CapturedBy, c.TextVersion, c.CreatedAt, c.ExpiresAt, c.ClientID)
	return err
}

// RevokeConsents revokes every in-force consent of a scope for a session.
func (tx *Tx) RevokeConsents(ctx context.Context, sessionID, scope, by, method string) (int64, error) {
	return tx.q.exec(ctx, `UPDATE consents SET revoked_at = $4, revoked_by = $3, revoke_method = $5 WHERE session_id = $1 AND scope = $2 AND granted = 1 AND revoked_at = 0`,
		sessionID, scope, by, tx.s.nowMS(), method)
}

// Consents lists a session's consent records, oldest first.
func (s *Store) Consents(ctx context.Context, sessionID string) ([]Consent, error) {
	return listConsents(ctx, s.conn, sessionID)
}

// Consents lists a session's consent records inside the transaction.
func (tx *Tx) Consents(ctx context.Context, sessionID string) ([]Consent, error) {
	return listConsents(ctx, tx.q, sessionID)
}

func listConsents(ctx context.Context, q querier, sessionID string) ([]Consent, error) {
	return collect(ctx, q, func(r rows) (c Consent, err error) {
		var g int
		err = r.Scan(&c.ID, &c.SessionID, &c.ClientAlias, &c.ClientID, &c.Scope, &g, &c.Method, &c.CapturedBy, &c.TextVersion, &c.CreatedAt, &c.ExpiresAt, &c.RevokedAt, &c.RevokedBy, &c.RevokeMethod)
		c.Granted = g != 0
		return c, err
	}, `SELECT id, session_id, client_alias, client_id, scope, granted, method, captured_by, text_version, created_at, expires_at, revoked_at, revoked_by, revoke_method
		FROM consents WHERE session_id = $1 ORDER BY created_at, id`, sessionID)
}

// ConsentInForce reports whether the session has a consent of scope in force now.
func (s *Store) ConsentInForce(ctx context.Context, sessionID, scope string) (bool, error) {
	in, err := s.ConsentScopesInForce(ctx, sessionID)
	return in[scope], err
}

// ConsentScopesInForce reads the session's consents once and reports, by
// scope, which have a consent in force now.
func (s *Store) ConsentScopesInForce(ctx context.Context, sessionID string) (map[string]bool, error) {
	cs, err := s.Consents(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	in := map[string]bool{}
	for _, c := range cs {
		if c.InForce(now) {
			in[c.Scope] = true
		}
	}
	return in, nil
}
