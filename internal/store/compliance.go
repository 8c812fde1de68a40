package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
)

// Compliance rows (migration 003): consent records with the elements of
// 42 CFR 2.31, versioned consent texts, Part 2 disclosures, signed audit
// checkpoints, legal holds and the retention policy. Rules about them (what
// a valid consent is, which consent is in force) live in
// internal/compliance; this file only stores and reads.

// ErrAlreadyRevoked is returned when a consent that is already revoked is revoked again.
var ErrAlreadyRevoked = errors.New("consent is already revoked")

// NowMS is the store clock in unix milliseconds, as used for the rows this
// transaction writes.
func (tx *Tx) NowMS() int64 { return tx.s.nowMS() }

// NowMS is the store clock in unix milliseconds.
func (s *Store) NowMS() int64 { return s.nowMS() }

// ConsentRecord is a Consent with every element 42 CFR 2.31 requires of a
// written (electronic allowed) consent.
type ConsentRecord struct {
	Consent
	Discloser        string `json:"discloser"`         // who may disclose (the program or organisation)
	Information      string `json:"information"`       // how much and what kind of information
	Recipients       string `json:"recipients"`        // recipients by name or class
	Purpose          string `json:"purpose"`           // purpose of the disclosure
	ExpiryEvent      string `json:"expiry_event"`      // expiry event, when not (only) a date
	Signature        string `json:"signature"`         // signature: typed name, e-signature ID or attestation
	SignedAt         int64  `json:"signed_at"`         // date signed
	RevocationNotice bool   `json:"revocation_notice"` // the client was told of the right to revoke
	TextHash         string `json:"text_hash"`         // SHA-256 of the consent text version shown
}

const consentRecordCols = `id, session_id, client_alias, client_id, scope, granted, method, captured_by, text_version, created_at, expires_at, revoked_at, revoked_by, revoke_method,
	discloser, information, recipients, purpose, expiry_event, signature, signed_at, revocation_notice, text_hash`

func scanConsentRecord(r interface{ Scan(...any) error }) (ConsentRecord, error) {
	var c ConsentRecord
	var g, rn int
	err := r.Scan(&c.ID, &c.SessionID, &c.ClientAlias, &c.ClientID, &c.Scope, &g, &c.Method, &c.CapturedBy, &c.TextVersion, &c.CreatedAt, &c.ExpiresAt, &c.RevokedAt, &c.RevokedBy, &c.RevokeMethod,
		&c.Discloser, &c.Information, &c.Recipients, &c.Purpose, &c.ExpiryEvent, &c.Signature, &c.SignedAt, &rn, &c.TextHash)
	c.Granted, c.RevocationNotice = g != 0, rn != 0
	return c, err
}

// AddConsentRecord stores a full consent record.
func (tx *Tx) AddConsentRecord(ctx context.Context, c *ConsentRecord) error {
	if c.CreatedAt == 0 {
		c.CreatedAt = tx.s.nowMS()
	}
	if err := tx.consentClient(ctx, &c.Consent); err != nil {
		return err
	}
	_, err := tx.q.exec(ctx, `INSERT INTO consents (`+consentRecordCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,0,'','',$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
		c.ID, c.SessionID, c.ClientAlias, c.ClientID, c.Scope, b2i(c.Granted), c.Method, c.CapturedBy, c.TextVersion, c.CreatedAt, c.ExpiresAt,
		c.Discloser, c.Information, c.Recipients, c.Purpose, c.ExpiryEvent, c.Signature, c.SignedAt, b2i(c.RevocationNotice), c.TextHash)
	if err != nil {
		return fmt.Errorf("add consent record: %w", err)
	}
	return nil
}

// ErrNoClient is returned when a consent or disclosure names neither its
// session nor its client.
var ErrNoClient = errors.New("the record names neither its session nor its client")

// consentClient points a consent at its client: the session's client for a
// session's consent (a different ClientID is refused), else ClientID, which
// must exist. The alias is copied from the client as display text.
func (tx *Tx) consentClient(ctx context.Context, c *Consent) error {
	id, err := tx.recordClient(ctx, c.SessionID, c.ClientID)
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	cl, err := tx.Client(ctx, id)
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	c.ClientID, c.ClientAlias = cl.ID, cl.Alias
	return nil
}

// recordClient is the client a session-bound or client-wide record belongs to.
func (tx *Tx) recordClient(ctx context.Context, sessionID, clientID string) (string, error) {
	if sessionID == "" {
		if clientID == "" {
			return "", ErrNoClient
		}
		return clientID, nil
	}
	own, err := clientOfSession(ctx, tx.q, sessionID)
	if err != nil {
		return "", err
	}
	if clientID != "" && clientID != own {
		return "", fmt.Errorf("client %s is not the client of session %s", clientID, sessionID)
	}
	return own, nil
}

// ConsentRecord reads one consent record by ID.
func (s *Store) ConsentRecord(ctx context.Context, id string) (ConsentRecord, error) {
	c, err := scanConsentRecord(s.conn.queryRow(ctx, `SELECT `+consentRecordCols+` FROM consents WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("consent %s: %w", id, err)
	}
	return c, nil
}

// RevokeConsent revokes one consent record, recording when, by whom and how.
func (tx *Tx) RevokeConsent(ctx context.Context, id, by, method string) (ConsentRecord, error) {
	c, err := scanConsentRecord(tx.q.queryRow(ctx, `SELECT `+consentRecordCols+` FROM consents WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("consent %s: %w", id, err)
	}
	if c.RevokedAt != 0 {
		return c, fmt.Errorf("consent %s: %w", id, ErrAlreadyRevoked)
	}
	c.RevokedAt, c.RevokedBy, c.RevokeMethod = tx.s.nowMS(), by, method
	if _, err := tx.q.exec(ctx, `UPDATE consents SET revoked_at = $2, revoked_by = $3, revoke_method = $4 WHERE id = $1 AND revoked_at = 0`, id, c.RevokedAt, by, method); err != nil {
		return c, fmt.Errorf("revoke consent %s: %w", id, err)
	}
	return c, nil
}

// ConsentFilter selects consent records: those of a session, and (when
// ClientID is set) the client-wide ones of that client.
type ConsentFilter struct {
	SessionID string
	ClientID  string
}

// ConsentRecords lists consent records matching the filter, oldest first.
// A record matches when it belongs to the session, or is client-wide (no
// session) for the client; with only ClientID, every record of the client.
// An empty filter lists every record.
func (s *Store) ConsentRecords(ctx context.Context, f ConsentFilter) ([]ConsentRecord, error) {
	return listConsentRecords(ctx, s.conn, f)
}

// ConsentRecords lists consent records inside the transaction.
func (tx *Tx) ConsentRecords(ctx context.Context, f ConsentFilter) ([]ConsentRecord, error) {
	return listConsentRecords(ctx, tx.q, f)
}

func listConsentRecords(ctx context.Context, q querier, f ConsentFilter) ([]ConsentRecord, error) {
	return collect(ctx, q, func(r rows) (ConsentRecord, error) { return scanConsentRecord(r) }, `SELECT `+consentRecordCols+` FROM consents
		WHERE ($1 = '' AND $2 = '')
		   OR ($1 <> '' AND session_id = $1)
		   OR ($2 <> '' AND client_id = $2 AND (session_id = '' OR $1 = ''))
		ORDER BY created_at, id`, f.SessionID, f.ClientID)
}

// ConsentText is one version of the text a client is shown for a scope.
type ConsentText struct {
	Scope     string `json:"scope"`
	Version   string `json:"version"`
	Body      string `json:"body"`
	SHA256    string `json:"sha256"`
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
}

// PutConsentText stores a new version of a consent text; versions never change.
func (tx *Tx) PutConsentText(ctx context.Context, t *ConsentText) error {
	t.CreatedAt = tx.s.nowMS()
	_, err := tx.q.exec(ctx, `INSERT INTO consent_texts (scope, version, body, sha256, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		t.Scope, t.Version, t.Body, t.SHA256, t.CreatedBy, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("consent text %s version %s (versions cannot be replaced; add a new version): %w", t.Scope, t.Version, err)
	}
	return nil
}

// ConsentText reads one version of a consent text.
func (tx *Tx) ConsentText(ctx context.Context, scope, version string) (ConsentText, error) {
	var t ConsentText
	err := tx.q.queryRow(ctx, `SELECT scope, version, body, sha256, created_by, created_at FROM consent_texts WHERE scope = $1 AND version = $2`, scope, version).
		Scan(&t.Scope, &t.Version, &t.Body, &t.SHA256, &t.CreatedBy, &t.CreatedAt)
	if err != nil {
		return t, fmt.Errorf("consent text %s version %s: %w", scope, version, err)
	}
	return t, nil
}

// ConsentTexts lists the versions of a scope's consent text (all scopes when empty), oldest first.
func (s *Store) ConsentTexts(ctx context.Context, scope string) ([]ConsentText, error) {
	return collect(ctx, s.conn, func(r rows) (ConsentText, error) {
		var t ConsentText
		err := r.Scan(&t.Scope, &t.Version, &t.Body, &t.SHA256, &t.CreatedBy, &t.CreatedAt)
		return t, err
	}, `SELECT scope, version, body, sha256, created_by, created_at FROM consent_texts WHERE ($1 = '' OR scope = $1) ORDER BY scope, created_at, version`, scope)
}

// ---- disclosures ----

// Disclosure is one view, export or model call of a Part 2 record, with the
// consent in force at that moment.
type Disclosure struct {
	ID            string `json:"id"`
	At            int64  `json:"at"`
	SessionID     string `json:"session_id"`
	ClientAlias   string `json:"client_alias"` // display text
	ClientID      string `json:"client_id"`
	Kind          string `json:"kind"` // view | export | model_call
	Recipient     string `json:"recipient"`
	Description   string `json:"description"`
	Purpose       string `json:"purpose"`
	Actor         string `json:"actor"`
	ConsentID     string `json:"consent_id,omitempty"`
	ConsentStatus string `json:"consent_status"` // in_force | none | revoked | expired
}

// AddDisclosure stores a disclosure entry; At defaults to now.
func (tx *Tx) AddDisclosure(ctx context.Context, d *Disclosure) error {
	if d.At == 0 {
		d.At = tx.s.nowMS()
	}
	id, err := tx.recordClient(ctx, d.SessionID, d.ClientID)
	if err != nil {
		return fmt.Errorf("record disclosure: %w", err)
	}
	cl, err := tx.Client(ctx, id)
	if err != nil {
		return fmt.Errorf("record disclosure: %w", err)
	}
	d.ClientID, d.ClientAlias = cl.ID, cl.Alias
	_, err = tx.q.exec(ctx, `INSERT INTO disclosures (id, at, session_id, client_alias, client_id, kind, recipient, description, purpose, actor, consent_id, consent_status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		d.ID, d.At, d.SessionID, d.ClientAlias, d.ClientID, d.Kind, d.Recipient, d.Description, d.Purpose, d.Actor, d.ConsentID, d.ConsentStatus)
	if err != nil {
		return fmt.Errorf("record disclosure: %w", err)
	}
	return nil
}

// DisclosureFilter selects disclosures for an accounting.
type DisclosureFilter struct {
	ClientID  string
	SessionID string
	SinceMS   int64 // inclusive
	UntilMS   int64 // exclusive; 0 means no end
}

// Disclosures lists matching disclosures, oldest first.
func (s *Store) Disclosures(ctx context.Context, f DisclosureFilter) ([]Disclosure, error) {
	until := f.UntilMS
	if until == 0 {
		until = 1<<62 - 1
	}
	return collect(ctx, s.conn, func(r rows) (Disclosure, error) {
		var d Disclosure
		err := r.Scan(&d.ID, &d.At, &d.SessionID, &d.ClientAlias, &d.ClientID, &d.Kind, &d.Recipient, &d.Description, &d.Purpose, &d.Actor, &d.ConsentID, &d.ConsentStatus)
		return d, err
	}, `SELECT id, at, session_id, client_alias, client_id, kind, recipient, description, purpose, actor, consent_id, consent_status FROM disclosures
		WHERE ($1 = '' OR client_id = $1) AND ($2 = '' OR session_id = $2) AND at >= $3 AND at < $4 ORDER BY at, id`, f.ClientID, f.SessionID, f.SinceMS, until)
}

// ---- audit checkpoints ----

// AuditHead returns the last entry's sequence number and hash (0 and the
// genesis hash for an empty log).
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	return auditHead(ctx, s.conn)
}

// AuditHead inside the transaction.
func (tx *Tx) AuditHead(ctx context.Context) (int64, string, error) {
	return auditHead(ctx, tx.q)
}

func auditHead(ctx context.Context, q querier) (int64, string, error) {
	var seq int64
	var h string
	err := q.queryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &h)
	if errors.Is(err, ErrNotFound) {
		return 0, audit.Genesis, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, h, nil
}

// AddAuditCheckpoint stores a signed checkpoint.
func (tx *Tx) AddAuditCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	_, err := tx.q.exec(ctx, `INSERT INTO audit_checkpoints (seq, head_hash, at, public_key, signature) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Head, c.At, c.PublicKey, c.Signature)
	if err != nil {
		return fmt.Errorf("store audit checkpoint: %w", err)
	}
	return nil
}

// AuditCheckpoints lists every checkpoint in sequence order.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	return collect(ctx, s.conn, func(r rows) (audit.Checkpoint, error) {
		var c audit.Checkpoint
		err := r.Scan(&c.Seq, &c.Head, &c.At, &c.PublicKey, &c.Signature)
		return c, err
	}, `SELECT seq, head_hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq`)
}

// ImportAuditEntries appends already-hashed entries (an exported log being
// moved, or a benchmark's synthetic log) in one transaction. They must
// continue the stored chain exactly; otherwise nothing is written.
func (s *Store) ImportAuditEntries(ctx context.Context, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.s.dialect.serialise(ctx, tx.q, lockAudit, "audit"); err != nil {
			return err
		}
		var seq int64
		var prev string
		err := tx.q.queryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if errors.Is(err, ErrNotFound) {
			seq, prev, err = 0, audit.Genesis, nil
		}
		if err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		v := audit.ResumeVerifier(seq, prev)
		for _, e := range entries {
			if err := v.Add(e); err != nil {
				return fmt.Errorf("imported entries do not continue the stored chain: %w", err)
			}
		}
		const batch = 500
		for i := 0; i < len(entries); i += batch {
			part := entries[i:min(i+batch, len(entries))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO audit (seq, at, actor, action, entity_type, entity_id, outcome, details, prev_hash, hash, agent_role, source, purpose_of_use, consent_ref) VALUES `)
			const cols = 14
			args := make([]any, 0, len(part)*cols)
			for j, e := range part {
				if j > 0 {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for c := 1; c <= cols; c++ {
					if c > 1 {
						sb.WriteByte(',')
					}
					fmt.Fprintf(&sb, "$%d", j*cols+c)
				}
				sb.WriteByte(')')
				args = append(args, e.Seq, e.At, e.Actor, e.Action, e.EntityType, e.EntityID, e.Outcome, audit.DetailsJSON(e.Details), e.PrevHash, e.Hash,
					e.AgentRole, e.Source, e.PurposeOfUse, e.ConsentRef)
			}
			if _, err := tx.q.exec(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("import audit entries: %w", err)
			}
		}
		return nil
	})
}

// ---- legal hold and retention ----

// SetLegalHold places or lifts a legal hold on a session; a held session's
// audio and transcripts are never purged.
func (tx *Tx) SetLegalHold(ctx context.Context, sessionID string, on bool, reason string) error {
	if !on {
		reason = ""
	}
	n, err := tx.q.exec(ctx, `UPDATE sessions SET legal_hold = $2, legal_hold_reason = $3, updated_at = $4 WHERE id = $1`, sessionID, b2i(on), reason, tx.s.nowMS())
	if err != nil {
		return fmt.Errorf("legal hold on session %s: %w", sessionID, err)
	}
	if n == 0 {
		return fmt.Errorf("session %s: %w", sessionID, ErrNotFound)
	}
	return nil
}

// LegalHold reports whether a session is on legal hold, and why.
func (s *Store) LegalHold(ctx context.Context, sessionID string) (bool, string, error) {
	return legalHold(ctx, s.conn, sessionID)
}

// LegalHold reads the hold inside the transaction.
func (tx *Tx) LegalHold(ctx context.Context, sessionID string) (bool, string, error) {
	return legalHold(ctx, tx.q, sessionID)
}

func legalHold(ctx context.Context, q querier, sessionID string) (bool, string, error) {
	var on int
	var reason string
	if err := q.queryRow(ctx, `SELECT legal_hold, legal_hold_reason FROM sessions WHERE id = $1`, sessionID).Scan(&on, &reason); err != nil {
		return false, "", fmt.Errorf("session %s: %w", sessionID, err)
	}
	return on != 0, reason, nil
}

// RetentionPolicy is the organisation's retention setting.
type RetentionPolicy struct {
	// AudioDays: audio older than this is purged by the sweep even when the
	// per-transcription purge did not run (0 = never by age).
	AudioDays int `json:"audio_days"`
	// TranscriptDays: redacted transcripts and identifier maps older than
	// this are purged (0 = keep). Drafts and signed notes are the clinical
	// record and are kept.
	TranscriptDays int `json:"transcript_days"`
	// PurgeAudioAfterTranscription deletes a chunk's audio as soon as its
	// transcription succeeds (default on).
	PurgeAudioAfterTranscription bool   `json:"purge_audio_after_transcription"`
	UpdatedBy                    string `json:"updated_by"`
	UpdatedAt                    int64  `json:"updated_at"`
}

// RetentionPolicy reads the policy.
func (s *Store) RetentionPolicy(ctx context.Context) (RetentionPolicy, error) {
	var p RetentionPolicy
	var purge int
	err := s.conn.queryRow(ctx, `SELECT audio_days, transcript_days, purge_audio_after_transcription, updated_by, updated_at FROM retention_policy WHERE id = 1`).
		Scan(&p.AudioDays, &p.TranscriptDays, &purge, &p.UpdatedBy, &p.UpdatedAt)
	if err != nil {
		return p, fmt.Errorf("retention policy: %w", err)
	}
	p.PurgeAudioAfterTranscription = purge != 0
	return p, nil
}

// SetRetentionPolicy replaces the policy.
func (tx *Tx) SetRetentionPolicy(ctx context.Context, p *RetentionPolicy) error {
	if p.AudioDays < 0 || p.TranscriptDays < 0 {
		return fmt.Errorf("retention days cannot be negative (audio %d, transcript %d)", p.AudioDays, p.TranscriptDays)
	}
	p.UpdatedAt = tx.s.nowMS()
	_, err := tx.q.exec(ctx, `UPDATE retention_policy SET audio_days = $1, transcript_days = $2, purge_audio_after_transcription = $3, updated_by = $4, updated_at = $5 WHERE id = 1`,
		p.AudioDays, p.TranscriptDays, b2i(p.PurgeAudioAfterTranscription), p.UpdatedBy, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("set retention policy: %w", err)
	}
	return nil
}

// MarkChunkAudioPurged records inside the transaction that a chunk's audio was deleted.
func (tx *Tx) MarkChunkAudioPurged(ctx context.Context, chunkID int64) error {
	_, err := tx.q.exec(ctx, `UPDATE chunks SET audio_purged = 1 WHERE id = $1`, chunkID)
	return err
}

// PurgeCandidate is a session with something a retention sweep may delete.
type PurgeCandidate struct {
	SessionID string
	CreatedAt int64
}

// SessionsWithAudioBefore lists sessions created before beforeMS that still
// hold unpurged audio and are not on legal hold.
func (s *Store) SessionsWithAudioBefore(ctx context.Context, beforeMS int64) ([]PurgeCandidate, error) {
	return s.purgeCandidates(ctx, `SELECT DISTINCT s.id, s.created_at FROM sessions s JOIN chunks c ON c.session_id = s.id
		WHERE s.created_at < $1 AND s.legal_hold = 0 AND c.audio_purged = 0 ORDER BY s.created_at, s.id`, beforeMS)
}

// SessionsWithTranscriptBefore lists sessions created before beforeMS whose
// transcript is not purged and that are not on legal hold.
func (s *Store) SessionsWithTranscriptBefore(ctx context.Context, beforeMS int64) ([]PurgeCandidate, error) {
	return s.purgeCandidates(ctx, `SELECT s.id, s.created_at FROM sessions s JOIN transcripts t ON t.session_id = s.id
		WHERE s.created_at < $1 AND s.legal_hold = 0 AND t.purged_at = 0 ORDER BY s.created_at, s.id`, beforeMS)
}

func (s *Store) purgeCandidates(ctx context.Context, q string, beforeMS int64) ([]PurgeCandidate, error) {
	return collect(ctx, s.conn, func(r rows) (PurgeCandidate, error) {
		var c PurgeCandidate
		err := r.Scan(&c.SessionID, &c.CreatedAt)
		return c, err
	}, q, beforeMS)
}

// MarkTranscriptPurged records that a session's transcript and identifier map were deleted.
func (tx *Tx) MarkTranscriptPurged(ctx context.Context, sessionID string) error {
	_, err := tx.q.exec(ctx, `UPDATE transcripts SET purged_at = $2 WHERE session_id = $1`, sessionID, tx.s.nowMS())
	return err
}

// TranscriptPurgedAt reports when a session's transcript was purged (0 = not purged).
func (s *Store) TranscriptPurgedAt(ctx context.Context, sessionID string) (int64, error) {
	var at int64
	if err := s.conn.queryRow(ctx, `SELECT purged_at FROM transcripts WHERE session_id = $1`, sessionID).Scan(&at); err != nil {
		return 0, fmt.Errorf("transcript of session %s: %w", sessionID, err)
	}
	return at, nil
}

// SnapshotSQLite writes a consistent copy of the embedded database to path
// with VACUUM INTO (readers and writers go on meanwhile). It fails on
// PostgreSQL, whose backups are pg_dump's job.
func (s *Store) SnapshotSQLite(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return errors.New("online snapshots are for the embedded SQLite database; back up PostgreSQL with pg_dump")
	}
	// VACUUM INTO fills an existing empty file and keeps its mode: 0600.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateFileMode) // #nosec G304 -- a path the caller (backup) makes in a fresh temp dir inside the data dir
	if err != nil {
		return fmt.Errorf("snapshot database: %w", err)
	}
	f.Close()
	if _, err := s.sqlDB.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot database: %w", err)
	}
	return nil
}
