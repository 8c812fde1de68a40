package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The SAMPLE client of `scribe demo` (internal/demo): one client with fixed
// IDs and a reserved alias, so that a newcomer can review, edit, sign and
// export a note before any model exists, and so that nothing real mixes
// with it — no real session can join it (CreateSession refuses) and no
// other client can take its alias (internal/clients refuses).
const (
	SampleClientID  = "5a3b1e00-0000-4000-8000-000000000001"
	SampleSessionID = "5a3b1e00-0000-4000-8000-000000000002"
	SampleAlias     = "SAMPLE-client"
	// SourceSample is the source of the sample session (real ones are
	// SourceCall, SourceIngest or SourceDictation).
	SourceSample = "sample"
	// SampleMarker heads every export of the sample session.
	SampleMarker = "SAMPLE — fictional demonstration data loaded by scribe demo; not a clinical record."
)

// IsSampleAlias reports whether alias is the sample client's, which no
// other client may use (compared without case or surrounding space).
func IsSampleAlias(alias string) bool {
	return strings.EqualFold(strings.TrimSpace(alias), SampleAlias)
}

// Sample reports whether the session is the SAMPLE session of scribe demo.
func (s Session) Sample() bool { return s.ClientID == SampleClientID }

// Sample reports whether the client is the SAMPLE client of scribe demo.
func (c Client) Sample() bool { return c.ID == SampleClientID }

// ErrSampleClient: a real session was to join the sample client.
var ErrSampleClient = errors.New("the SAMPLE client holds only the demo's sample session; a real session cannot be added to it")

// checkSampleSession keeps real sessions off the sample client and the
// sample source off real clients.
func checkSampleSession(s *Session) error {
	if (s.ClientID == SampleClientID) != (s.Source == SourceSample) {
		return ErrSampleClient
	}
	return nil
}

// DeleteSample removes the sample session, everything stored with it and
// the sample client; removed is false when there was none. Its encrypted
// objects (the transcript) are the caller's to delete. Audit entries stay.
func (tx *Tx) DeleteSample(ctx context.Context) (removed bool, err error) {
	stmts := []string{
		`DELETE FROM addenda WHERE draft_id IN (SELECT id FROM drafts WHERE session_id = $1)`,
		`DELETE FROM drafts WHERE session_id = $1`,
		`DELETE FROM transcripts WHERE session_id = $1`,
		`DELETE FROM stages WHERE session_id = $1`,
		`DELETE FROM chunks WHERE session_id = $1`,
		`DELETE FROM join_tokens WHERE session_id = $1`,
		`DELETE FROM attendance WHERE session_id = $1`,
		`DELETE FROM call_hosts WHERE session_id = $1`,
		`DELETE FROM consents WHERE session_id = $1`,
		`DELETE FROM disclosures WHERE session_id = $1`,
	}
	for _, q := range stmts {
		if _, err := tx.q.exec(ctx, q, SampleSessionID); err != nil {
			return false, fmt.Errorf("remove the sample: %w", err)
		}
	}
	n, err := tx.q.exec(ctx, `DELETE FROM sessions WHERE id = $1`, SampleSessionID)
	if err != nil {
		return false, fmt.Errorf("remove the sample session: %w", err)
	}
	for _, q := range []string{`DELETE FROM consents WHERE client_id = $1`, `DELETE FROM disclosures WHERE client_id = $1`,
		`DELETE FROM client_members WHERE client_id = $1`, `DELETE FROM client_programs WHERE client_id = $1`} {
		if _, err := tx.q.exec(ctx, q, SampleClientID); err != nil {
			return false, fmt.Errorf("remove the sample client: %w", err)
		}
	}
	m, err := tx.q.exec(ctx, `DELETE FROM clients WHERE id = $1`, SampleClientID)
	if err != nil {
		return false, fmt.Errorf("remove the sample client: %w", err)
	}
	return n+m > 0, nil
}
