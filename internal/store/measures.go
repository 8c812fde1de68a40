package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Measure is one administration of a screening questionnaire for a client
// (migration 011).
type Measure struct {
	ID         string `json:"id"`
	ClientID   string `json:"client_id"`
	SessionID  string `json:"session_id,omitempty"`
	Instrument string `json:"instrument"` // phq9, gad7, auditc
	Answers    []int  `json:"answers"`
	Total      int    `json:"total"`
	Risk       bool   `json:"risk"`
	Source     string `json:"source"` // client or clinician
	EnteredBy  string `json:"entered_by,omitempty"`
	// AdministeredAt is when the client answered (unix ms).
	AdministeredAt int64 `json:"administered_at"`
	CreatedAt      int64 `json:"created_at"`
}

// Measure sources.
const (
	MeasureByClient    = "client"
	MeasureByClinician = "clinician"
)

const measureCols = `id, client_id, session_id, instrument, answers, total, risk, source, entered_by, administered_at, created_at`

func scanMeasure(r row) (Measure, error) {
	var m Measure
	var answers string
	var risk int
	if err := r.Scan(&m.ID, &m.ClientID, &m.SessionID, &m.Instrument, &answers, &m.Total, &risk, &m.Source, &m.EnteredBy, &m.AdministeredAt, &m.CreatedAt); err != nil {
		return m, err
	}
	m.Risk = risk != 0
	if err := json.Unmarshal([]byte(answers), &m.Answers); err != nil {
		return m, fmt.Errorf("measure %s answers: %w", m.ID, err)
	}
	return m, nil
}

// InsertMeasure stores an administration (its ID and CreatedAt are set
// by the caller and the store).
func (tx *Tx) InsertMeasure(ctx context.Context, m *Measure) error {
	if m.ID == "" || m.ClientID == "" {
		return fmt.Errorf("a measure needs its ID and client")
	}
	b, err := json.Marshal(m.Answers)
	if err != nil {
		return err
	}
	m.CreatedAt = tx.s.nowMS()
	if m.AdministeredAt == 0 {
		m.AdministeredAt = m.CreatedAt
	}
	_, err = tx.q.exec(ctx, `INSERT INTO measures (`+measureCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		m.ID, m.ClientID, m.SessionID, m.Instrument, string(b), m.Total, b2i(m.Risk), m.Source, m.EnteredBy, m.AdministeredAt, m.CreatedAt)
	return err
}

// MeasuresOfClient lists a client's administrations, oldest first (the
// order a trend is drawn in).
func (s *Store) MeasuresOfClient(ctx context.Context, clientID string) ([]Measure, error) {
	return collect(ctx, s.conn, func(r rows) (Measure, error) { return scanMeasure(r) },
		`SELECT `+measureCols+` FROM measures WHERE client_id = $1 ORDER BY administered_at, id`, clientID)
}

// MeasuresOfSession lists the administrations given for a session.
func (s *Store) MeasuresOfSession(ctx context.Context, sessionID string) ([]Measure, error) {
	return collect(ctx, s.conn, func(r rows) (Measure, error) { return scanMeasure(r) },
		`SELECT `+measureCols+` FROM measures WHERE session_id = $1 ORDER BY administered_at, id`, sessionID)
}

// RequestMeasure asks the client of a session to answer a questionnaire
// through their link (again a no-op when already asked).
func (tx *Tx) RequestMeasure(ctx context.Context, sessionID, instrument, by string) error {
	_, err := tx.q.exec(ctx, `INSERT INTO measure_requests (session_id, instrument, requested_by, requested_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (session_id, instrument) DO NOTHING`, sessionID, instrument, by, tx.s.nowMS())
	return err
}

// MeasureRequests lists the questionnaires asked of a session's client, in
// the order they were asked.
func (s *Store) MeasureRequests(ctx context.Context, sessionID string) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT instrument FROM measure_requests WHERE session_id = $1 ORDER BY requested_at, instrument`, sessionID)
}
