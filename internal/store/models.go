package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
)

// Session statuses.
const (
	StatusRecording    = string(vocab.StatusRecording)
	StatusTranscribing = string(vocab.StatusTranscribing)
	StatusRedacting    = string(vocab.StatusRedacting)
	StatusDrafting     = string(vocab.StatusDrafting)
	StatusReady        = string(vocab.StatusReady)
	StatusFailed       = string(vocab.StatusFailed)
	StatusScheduled    = string(vocab.StatusScheduled)
	StatusInCall       = string(vocab.StatusInCall)
	// StatusNoRecording: the call ended with no audio kept (consent never
	// given, or revoked and purged). There is nothing to draft.
	StatusNoRecording = string(vocab.StatusNoRecording)
	// StatusCancelled: the session was cancelled before anything was
	// recorded (EndReason says why).
	StatusCancelled = string(vocab.StatusCancelled)
)

// Stage states.
const (
	StatePending = "pending"
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
)

// Where a session's audio came from.
const (
	SourceCall   = "call"   // Scribe's own call, recorded per participant
	SourceIngest = "ingest" // an uploaded recording of the session
	// SourceDictation is the clinician's dictated recap: a recording of the
	// clinician only, taken without the client's recording consent, and the
	// note is drafted from the clinician's account, not from a dialogue.
	SourceDictation = "dictation"
)

// Dictation reports whether the session's audio is the clinician's dictation.
func (s Session) Dictation() bool { return s.Source == SourceDictation }

// Session is one clinical encounter.
type Session struct {
	ID                string `json:"id"`
	CreatedAt         int64  `json:"created_at"`
	UpdatedAt         int64  `json:"updated_at"`
	Source            string `json:"source"` // SourceCall, SourceIngest, SourceDictation (or SourceSample)
	Status            string `json:"status"`
	Template          string `json:"template"`
	Modality          string `json:"modality"`
	Program           string `json:"program"` // "mh" or "sud"
	Group             bool   `json:"group"`
	ClientAlias       string `json:"client_alias"` // the client's alias when the session was made: display text
	ClientID          string `json:"client_id"`
	Clinician         string `json:"clinician"`
	ConsentAttestedBy string `json:"consent_attested_by,omitempty"`
	CaptureEnded      bool   `json:"capture_ended"`
	DurationMS        int64  `json:"duration_ms"`
	FailedStage       string `json:"failed_stage,omitempty"`
	FailedReason      string `json:"failed_reason,omitempty"`
	// The appointment of a call session (schedule.go): its window starts
	// at ScheduledAt (ms) and lasts ScheduledDurationMS; ExpiresAt is the
	// window's end plus ScheduleGrace. 0 when it has none (ingest).
	ScheduledAt         int64 `json:"scheduled_at,omitempty"`
	ScheduledDurationMS int64 `json:"scheduled_duration_ms,omitempty"`
	ExpiresAt           int64 `json:"expires_at,omitempty"`
	// ClockStartAt is sample 0 of the session's recording timeline (ms),
	// set by its first recording; 0 before.
	ClockStartAt int64 `json:"clock_start_at,omitempty"`
	// EndReason says why a session ended without a recording.
	EndReason string `json:"end_reason,omitempty"`
}

// Part2 reports whether the session is a 42 CFR Part 2 record.
func (s Session) Part2() bool { return vocab.IsPart2(s.Program) }

// Stage is the state of one stage (per chunk for transcription).
type Stage struct {
	Stage     string `json:"stage"`
	ChunkID   int64  `json:"chunk_id,omitempty"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	Error     string `json:"error,omitempty"`
	UpdatedAt int64  `json:"updated_at"`
}

// Chunk is one stored, encrypted piece of one speaker's audio.
type Chunk struct {
	ID             int64  `json:"id"`
	SessionID      string `json:"session_id"`
	Speaker        string `json:"speaker"`
	Index          int    `json:"index"`
	StartMS        int64  `json:"start_ms"`
	EndMS          int64  `json:"end_ms"`
	AudioBlob      string `json:"-"`
	TranscriptBlob string `json:"-"`
	State          string `json:"state"`
	AudioPurged    bool   `json:"audio_purged"`
}

// Transcript records where a session's redacted transcript and token map are.
type Transcript struct {
	SessionID    string
	RedactedBlob string
	MapBlob      string
	Segments     int
}

const sessionCols = `id, created_at, updated_at, source, status, template, modality, program, is_group, client_alias, clinician, consent_attested_by, capture_ended, duration_ms, failed_stage, failed_reason, client_id,
	scheduled_at, scheduled_duration_ms, expires_at, clock_start_at, end_reason`

func scanSession(r interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var group, ended int
	err := r.Scan(&s.ID, &s.CreatedAt, &s.UpdatedAt, &s.Source, &s.Status, &s.Template, &s.Modality, &s.Program, &group, &s.ClientAlias, &s.Clinician, &s.ConsentAttestedBy, &ended, &s.DurationMS, &s.FailedStage, &s.FailedReason, &s.ClientID,
		&s.ScheduledAt, &s.ScheduledDurationMS, &s.ExpiresAt, &s.ClockStartAt, &s.EndReason)
	s.Group, s.CaptureEnded = group != 0, ended != 0
	return s, err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateSession inserts a session. With ClientID set the session joins that
// client (which is put in the session's program, and whose alias the
// session shows); without, it is the first session of a new client whose
// care team is the session's clinician. It never joins a client by alias:
// internal/clients decides that.
func (tx *Tx) CreateSession(ctx context.Context, s *Session) error {
	now := tx.s.nowMS()
	if s.CreatedAt == 0 {
		s.CreatedAt = now
	}
	s.UpdatedAt = now
	if err := checkSampleSession(s); err != nil {
		return err
	}
	program := s.Program
	if program == "" {
		program = ProgramMH
	}
	if s.ClientID == "" {
		c := Client{Alias: s.ClientAlias, Programs: []string{program}}
		if s.Clinician != "" {
			c.CareTeam = []string{s.Clinician}
		}
		if err := tx.CreateClient(ctx, &c, "session "+s.ID); err != nil {
			return err
		}
		s.ClientID, s.ClientAlias = c.ID, c.Alias
	} else {
		c, err := tx.Client(ctx, s.ClientID)
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if err := tx.AddClientProgram(ctx, &c, program); err != nil {
			return err
		}
		s.ClientAlias = c.Alias
	}
	_, err := tx.q.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
		s.ID, s.CreatedAt, s.UpdatedAt, s.Source, s.Status, s.Template, s.Modality, s.Program, b2i(s.Group), s.ClientAlias, s.Clinician, s.ConsentAttestedBy, b2i(s.CaptureEnded), s.DurationMS, s.FailedStage, s.FailedReason, s.ClientID,
		s.ScheduledAt, s.ScheduledDurationMS, s.ExpiresAt, s.ClockStartAt, s.EndReason)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session reads one session.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	return getSession(ctx, s.conn, id, false)
}

// Session reads one session inside the transaction; forUpdate locks the row
// on PostgreSQL (SQLite transactions are already exclusive).
func (tx *Tx) Session(ctx context.Context, id string, forUpdate bool) (Session, error) {
	return getSession(ctx, tx.q, id, forUpdate && tx.s.dialect == Postgres)
}

func getSession(ctx context.Context, q querier, id string, lock bool) (Session, error) {
	sql := `SELECT ` + sessionCols + ` FROM sessions WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	s, err := scanSession(q.queryRow(ctx, sql, id))
	if err != nil {
		return s, fmt.Errorf("session %s: %w", id, err)
	}
	return s, nil
}

// ListSessions lists sessions, newest first; status filters when non-empty.
func (s *Store) ListSessions(ctx context.Context, status string, limit int) ([]Session, error) {
	return s.ListSessionsFor(ctx, "", status, true, limit)
}

// SetSessionStatus moves a session to a status (clearing a failure when it
// leaves "failed").
func (tx *Tx) SetSessionStatus(ctx context.Context, id, status string) error {
	n, err := tx.q.exec(ctx, `UPDATE sessions SET status = $2, updated_at = $3,
		failed_stage = CASE WHEN $2 = 'failed' THEN failed_stage ELSE '' END,
		failed_reason = CASE WHEN $2 = 'failed' THEN failed_reason ELSE '' END WHERE id = $1`, id, status, tx.s.nowMS())
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}

// FailSession marks a session failed at a stage with a reason a person can act on.
func (tx *Tx) FailSession(ctx context.Context, id, stage, reason string) error {
	_, err := tx.q.exec(ctx, `UPDATE sessions SET status = 'failed', failed_stage = $2, failed_reason = $3, updated_at = $4 WHERE id = $1`, id, stage, reason, tx.s.nowMS())
	return err
}

// UpdateSessionCapture records the end of capture and the total duration.
func (tx *Tx) EndCapture(ctx context.Context, id string, durationMS int64) error {
	_, err := tx.q.exec(ctx, `UPDATE sessions SET capture_ended = 1, duration_ms = $2, updated_at = $3 WHERE id = $1`, id, durationMS, tx.s.nowMS())
	return err
}

// SetSessionTemplate changes the note template used for the next draft.
func (tx *Tx) SetSessionTemplate(ctx context.Context, id, template string) error {
	_, err := tx.q.exec(ctx, `UPDATE sessions SET template = $2, updated_at = $3 WHERE id = $1`, id, template, tx.s.nowMS())
	return err
}

// SetStage upserts the state of a stage.
func (tx *Tx) SetStage(ctx context.Context, sessionID, stage string, chunkID int64, state string, attempts int, errMsg string) error {
	_, err := tx.q.exec(ctx, `INSERT INTO stages (session_id, stage, chunk_id, state, attempts, error, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)
		ON CONFLICT (session_id, stage, chunk_id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts, error = excluded.error, updated_at = excluded.updated_at`,
		sessionID, stage, chunkID, state, attempts, errMsg, tx.s.nowMS())
	return err
}

// Stages lists a session's stage rows in pipeline order.
func (s *Store) Stages(ctx context.Context, sessionID string) ([]Stage, error) {
	return listStages(ctx, s.conn, sessionID)
}

// Stages is Stages inside the transaction.
func (tx *Tx) Stages(ctx context.Context, sessionID string) ([]Stage, error) {
	return listStages(ctx, tx.q, sessionID)
}

func listStages(ctx context.Context, q querier, sessionID string) ([]Stage, error) {
	return collect(ctx, q, func(r rows) (st Stage, err error) {
		err = r.Scan(&st.Stage, &st.ChunkID, &st.State, &st.Attempts, &st.Error, &st.UpdatedAt)
		return st, err
	}, `SELECT stage, chunk_id, state, attempts, error, updated_at FROM stages WHERE session_id = $1
		ORDER BY CASE stage WHEN 'transcribe_chunk' THEN 1 WHEN 'redact' THEN 2 WHEN 'draft' THEN 3 ELSE 4 END, chunk_id`, sessionID)
}

// AddChunk inserts a chunk row and returns its ID. Re-adding the same
// (session, speaker, index) returns the existing row's ID (idempotent) and
// sets c.AudioBlob to the existing row's object, which is kept.
func (tx *Tx) AddChunk(ctx context.Context, c *Chunk) (int64, error) {
	var id int64
	err := tx.q.queryRow(ctx, `INSERT INTO chunks (session_id, speaker, idx, start_ms, end_ms, audio_blob, state, created_at) VALUES ($1,$2,$3,$4,$5,$6,'pending',$7)
		ON CONFLICT (session_id, speaker, idx) DO UPDATE SET audio_blob = chunks.audio_blob RETURNING id, audio_blob`,
		c.SessionID, c.Speaker, c.Index, c.StartMS, c.EndMS, c.AudioBlob, tx.s.nowMS()).Scan(&id, &c.AudioBlob)
	if err != nil {
		return 0, fmt.Errorf("add chunk: %w", err)
	}
	c.ID = id
	return id, nil
}

const chunkCols = `id, session_id, speaker, idx, start_ms, end_ms, audio_blob, transcript_blob, state, audio_purged`

func scanChunk(r interface{ Scan(...any) error }) (Chunk, error) {
	var c Chunk
	var purged int
	err := r.Scan(&c.ID, &c.SessionID, &c.Speaker, &c.Index, &c.StartMS, &c.EndMS, &c.AudioBlob, &c.TranscriptBlob, &c.State, &purged)
	c.AudioPurged = purged != 0
	return c, err
}

// Chunk reads one chunk.
func (s *Store) Chunk(ctx context.Context, id int64) (Chunk, error) {
	c, err := scanChunk(s.conn.queryRow(ctx, `SELECT `+chunkCols+` FROM chunks WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("chunk %d: %w", id, err)
	}
	return c, nil
}

// Chunks lists a session's chunks ordered by speaker and index.
func (s *Store) Chunks(ctx context.Context, sessionID string) ([]Chunk, error) {
	return listChunks(ctx, s.conn, sessionID)
}

// Chunks lists a session's chunks inside the transaction.
func (tx *Tx) Chunks(ctx context.Context, sessionID string) ([]Chunk, error) {
	return listChunks(ctx, tx.q, sessionID)
}

func listChunks(ctx context.Context, q querier, sessionID string) ([]Chunk, error) {
	return collect(ctx, q, func(r rows) (Chunk, error) { return scanChunk(r) },
		`SELECT `+chunkCols+` FROM chunks WHERE session_id = $1 ORDER BY start_ms, speaker, idx`, sessionID)
}

// CompleteChunk records a chunk's transcript blob and marks it done; found
// is false when the chunk no longer exists (purged after a revocation).
func (tx *Tx) CompleteChunk(ctx context.Context, chunkID int64, transcriptBlob string) (found bool, err error) {
	n, err := tx.q.exec(ctx, `UPDATE chunks SET state = 'done', transcript_blob = $2 WHERE id = $1`, chunkID, transcriptBlob)
	return n > 0, err
}

// DeleteChunks removes a session's chunk rows and their stage rows (audio
// purged after consent was revoked).
func (tx *Tx) DeleteChunks(ctx context.Context, sessionID string) error {
	if _, err := tx.q.exec(ctx, `DELETE FROM stages WHERE session_id = $1 AND stage = 'transcribe_chunk'`, sessionID); err != nil {
		return err
	}
	_, err := tx.q.exec(ctx, `DELETE FROM chunks WHERE session_id = $1`, sessionID)
	return err
}

// MarkAudioPurged records that a chunk's audio blob was deleted.
func (s *Store) MarkAudioPurged(ctx context.Context, chunkID int64) error {
	_, err := s.conn.exec(ctx, `UPDATE chunks SET audio_purged = 1 WHERE id = $1`, chunkID)
	return err
}

// ChunkCounts returns (done, total) chunks of a session.
func (tx *Tx) ChunkCounts(ctx context.Context, sessionID string) (done, total int, err error) {
	err = tx.q.queryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0), COUNT(*) FROM chunks WHERE session_id = $1`, sessionID).Scan(&done, &total)
	return
}

// PutTranscript records the redacted transcript and token map blobs.
func (tx *Tx) PutTranscript(ctx context.Context, t Transcript) error {
	_, err := tx.q.exec(ctx, `INSERT INTO transcripts (session_id, redacted_blob, map_blob, segments, created_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (session_id) DO UPDATE SET redacted_blob = excluded.redacted_blob, map_blob = excluded.map_blob, segments = excluded.segments`,
		t.SessionID, t.RedactedBlob, t.MapBlob, t.Segments, tx.s.nowMS())
	return err
}

// Transcript reads where a session's redacted transcript is stored.
func (s *Store) Transcript(ctx context.Context, sessionID string) (Transcript, error) {
	return getTranscript(ctx, s.conn, sessionID)
}

// Transcript is Transcript inside the transaction.
func (tx *Tx) Transcript(ctx context.Context, sessionID string) (Transcript, error) {
	return getTranscript(ctx, tx.q, sessionID)
}

func getTranscript(ctx context.Context, q querier, sessionID string) (Transcript, error) {
	var t Transcript
	err := q.queryRow(ctx, `SELECT session_id, redacted_blob, map_blob, segments FROM transcripts WHERE session_id = $1`, sessionID).Scan(&t.SessionID, &t.RedactedBlob, &t.MapBlob, &t.Segments)
	if err != nil {
		return t, fmt.Errorf("transcript of session %s: %w", sessionID, err)
	}
	return t, nil
}

// ---- providers ----

// Provider is a model endpoint and its compliance status.
type Provider struct {
	Name            string `json:"name"`
	Kind            string `json:"kind"` // openai | azure
	BaseURL         string `json:"base_url"`
	Model           string `json:"model"`
	APIKeyEnv       string `json:"api_key_env"`
	Use             string `json:"use"` // transcription | drafting
	SelfHosted      bool   `json:"self_hosted"`
	BAASigned       string `json:"baa_signed,omitempty"`  // YYYY-MM-DD
	BAAExpires      string `json:"baa_expires,omitempty"` // YYYY-MM-DD
	ZeroRetention   bool   `json:"zero_retention"`
	Part2Allowed    bool   `json:"part2_allowed"`
	ContextTokens   int    `json:"context_tokens,omitempty"`
	JSONSchema      bool   `json:"json_schema"`
	AzureAPIVersion string `json:"azure_api_version,omitempty"`
	// Diarization is a transcription provider's capability to tell the
	// voices of one channel apart: DiarizationNone, DiarizationJSON or
	// DiarizationVerboseJSON (the response format carrying the speakers).
	Diarization string `json:"diarization,omitempty"`
}

// BAAActive reports whether the provider's BAA covers the given day.
func (p Provider) BAAActive(now time.Time) bool {
	if p.BAASigned == "" || p.BAAExpires == "" {
		return false
	}
	signed, err1 := time.Parse(time.DateOnly, p.BAASigned)
	expires, err2 := time.Parse(time.DateOnly, p.BAAExpires)
	if err1 != nil || err2 != nil {
		return false
	}
	day := now.UTC().Truncate(24 * time.Hour)
	return !day.Before(signed) && !day.After(expires)
}

// CheckSend is the BAA gate: it returns an error a person can act on when
// PHI (even redacted) must not go to this provider.
func (p Provider) CheckSend(now time.Time, part2 bool) error {
	if !p.SelfHosted && !p.BAAActive(now) {
		if p.BAASigned != "" && p.BAAExpires != "" {
			return fmt.Errorf("provider %q's BAA is not in force on %s (signed %s, expires %s); ask an admin to record a current BAA or use a self-hosted provider", p.Name, now.UTC().Format(time.DateOnly), p.BAASigned, p.BAAExpires)
		}
		return fmt.Errorf("provider %q has no active BAA and is not self-hosted; nothing was sent. Ask an admin to record a BAA (scribe provider add --baa-signed --baa-expires) or use a self-hosted provider", p.Name)
	}
	if part2 && !p.Part2Allowed {
		return fmt.Errorf("provider %q is not allowed to receive 42 CFR Part 2 records; nothing was sent. Ask an admin to mark a self-hosted or BAA-covered provider --part2-allowed", p.Name)
	}
	return nil
}

const providerCols = `name, kind, base_url, model, api_key_env, use_for, self_hosted, baa_signed, baa_expires, zero_retention, part2_allowed, context_tokens, json_schema, azure_api_version, diarization`

func scanProvider(r interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	var sh, zr, p2, js int
	err := r.Scan(&p.Name, &p.Kind, &p.BaseURL, &p.Model, &p.APIKeyEnv, &p.Use, &sh, &p.BAASigned, &p.BAAExpires, &zr, &p2, &p.ContextTokens, &js, &p.AzureAPIVersion, &p.Diarization)
	p.SelfHosted, p.ZeroRetention, p.Part2Allowed, p.JSONSchema = sh != 0, zr != 0, p2 != 0, js != 0
	return p, err
}

// PutProvider inserts or replaces a provider.
func (tx *Tx) PutProvider(ctx context.Context, p Provider) error {
	now := tx.s.nowMS()
	_, err := tx.q.exec(ctx, `INSERT INTO providers (`+providerCols+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$16,$15,$15)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, model = excluded.model, api_key_env = excluded.api_key_env, use_for = excluded.use_for,
		self_hosted = excluded.self_hosted, baa_signed = excluded.baa_signed, baa_expires = excluded.baa_expires, zero_retention = excluded.zero_retention,
		part2_allowed = excluded.part2_allowed, context_tokens = excluded.context_tokens, json_schema = excluded.json_schema, azure_api_version = excluded.azure_api_version, diarization = excluded.diarization, updated_at = excluded.updated_at`,
		p.Name, p.Kind, p.BaseURL, p.Model, p.APIKeyEnv, p.Use, b2i(p.SelfHosted), p.BAASigned, p.BAAExpires, b2i(p.ZeroRetention), b2i(p.Part2Allowed), p.ContextTokens, b2i(p.JSONSchema), p.AzureAPIVersion, now, p.Diarization)
	return err
}

// Providers lists providers; use filters when non-empty.
func (s *Store) Providers(ctx context.Context, use string) ([]Provider, error) {
	return collect(ctx, s.conn, func(r rows) (Provider, error) { return scanProvider(r) },
		`SELECT `+providerCols+` FROM providers WHERE ($1 = '' OR use_for = $1) ORDER BY created_at, name`, use)
}

// ProviderFor returns the provider configured for a use (the most recently
// added one), or ErrNotFound.
func (s *Store) ProviderFor(ctx context.Context, use string) (Provider, error) {
	p, err := scanProvider(s.conn.queryRow(ctx, `SELECT `+providerCols+` FROM providers WHERE use_for = $1 ORDER BY updated_at DESC, name LIMIT 1`, use))
	if err != nil {
		return p, fmt.Errorf("no %s provider configured (add one with: scribe provider add --use %s …): %w", use, use, err)
	}
	return p, nil
}

// ---- audit ----

// Audit appends an entry to the hash chain inside this transaction: if the
// entry cannot be written, the action it records fails with it.
func (tx *Tx) Audit(ctx context.Context, ev audit.Event) error {
	if err := tx.s.dialect.serialise(ctx, tx.q, lockAudit, "audit"); err != nil {
		return err
	}
	var seq int64
	var prev string
	err := tx.q.queryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err == ErrNotFound {
		seq, prev, err = 0, audit.Genesis, nil
	}
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	// An entry by a known user (by ID or e-mail) carries the user's role,
	// whichever API wrote it; otherwise role, purpose of use and consent
	// reference default from the actor, action and details
	// (audit.WithDefaults), the source to this instance.
	if ev.AgentRole == "" && ev.Actor != "" && audit.RoleOf(ev.Actor) == "user" {
		var role string
		switch err := tx.q.queryRow(ctx, `SELECT role FROM users WHERE id = $1 OR email = $2`, ev.Actor, NormalizeEmail(ev.Actor)).Scan(&role); {
		case err == nil:
			ev.AgentRole = role
		case err != ErrNotFound:
			return fmt.Errorf("audit actor role: %w", err)
		}
	}
	e := audit.Entry{Seq: seq + 1, At: tx.s.nowMS(), Event: audit.WithDefaults(ev), Source: audit.Source(), PrevHash: prev}
	e.Hash = e.ComputeHash()
	_, err = tx.q.exec(ctx, `INSERT INTO audit (seq, at, actor, action, entity_type, entity_id, outcome, details, prev_hash, hash, agent_role, source, purpose_of_use, consent_ref) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		e.Seq, e.At, e.Actor, e.Action, e.EntityType, e.EntityID, e.Outcome, audit.DetailsJSON(e.Details), e.PrevHash, e.Hash, e.AgentRole, e.Source, e.PurposeOfUse, e.ConsentRef)
	if err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// Audit appends one entry in its own transaction.
func (s *Store) Audit(ctx context.Context, ev audit.Event) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.Audit(ctx, ev) })
}

// AuditEntries streams entries in sequence order from seq > after.
func (s *Store) AuditEntries(ctx context.Context, after int64, fn func(audit.Entry) error) error {
	return auditEntries(ctx, s.conn, after, fn)
}

// AuditEntries inside the transaction (a checkpoint verifies what it signs).
func (tx *Tx) AuditEntries(ctx context.Context, after int64, fn func(audit.Entry) error) error {
	return auditEntries(ctx, tx.q, after, fn)
}

func auditEntries(ctx context.Context, q querier, after int64, fn func(audit.Entry) error) error {
	const page = 5000
	for {
		r, err := q.query(ctx, `SELECT seq, at, actor, action, entity_type, entity_id, outcome, details, prev_hash, hash, agent_role, source, purpose_of_use, consent_ref FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, page)
		if err != nil {
			return err
		}
		n := 0
		for r.Next() {
			var e audit.Entry
			var details string
			if err := r.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.EntityType, &e.EntityID, &e.Outcome, &details, &e.PrevHash, &e.Hash, &e.AgentRole, &e.Source, &e.PurposeOfUse, &e.ConsentRef); err != nil {
				r.Close()
				return err
			}
			if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
				r.Close()
				return fmt.Errorf("audit entry %d: details are not valid JSON: %w", e.Seq, err)
			}
			if len(e.Details) == 0 {
				e.Details = nil
			}
			if err := fn(e); err != nil {
				r.Close()
				return err
			}
			after = e.Seq
			n++
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return err
		}
		if n < page {
			return nil
		}
	}
}

// execRaw runs a statement outside any transaction (tests that simulate
// tampering use it through TamperForTest).
func (s *Store) execRaw(ctx context.Context, q string, args ...any) error {
	_, err := s.conn.exec(ctx, q, args...)
	return err
}

// TamperForTest runs an arbitrary statement; it exists so tests can show
// that verification catches direct edits of the database.
func (s *Store) TamperForTest(ctx context.Context, q string, args ...any) error {
	if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q)), "UPDATE") && !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q)), "DELETE") {
		return fmt.Errorf("TamperForTest only runs UPDATE or DELETE")
	}
	return s.execRaw(ctx, q, args...)
}
