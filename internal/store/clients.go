package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// Clients (migration 009). A client is the person sessions, consents, Part
// 2 status and disclosures belong to; its alias is only the text people
// see, and two clients may carry the same alias. Who may see a client is
// internal/clients' rule; this file only stores and reads.

// Programs a client or session belongs to.
const (
	ProgramMH  = string(vocab.ProgramMH)  // mental health (not a Part 2 program)
	ProgramSUD = string(vocab.ProgramSUD) // substance use: a 42 CFR Part 2 program
)

// Client is one client: its programs and its care team.
type Client struct {
	ID       string   `json:"id"`
	Alias    string   `json:"alias"`
	Programs []string `json:"programs"`  // sorted
	CareTeam []string `json:"care_team"` // normalized e-mails, sorted
	// CreatedAt is the first time the client was seen.
	CreatedAt int64 `json:"created_at"`
}

// Part2 reports whether the client is in a 42 CFR Part 2 program: then its
// records, and the fact that it is a client of the program, are Part 2
// information.
func (c Client) Part2() bool { return hasString(c.Programs, ProgramSUD) }

// OnCareTeam reports whether the e-mail is on the client's care team.
func (c Client) OnCareTeam(email string) bool {
	return email != "" && hasString(c.CareTeam, NormalizeEmail(email))
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clientLock serializes client creation on PostgreSQL (SQLite transactions
// are exclusive already), so that two sessions created at once under a new
// alias make one client, not two.
func (tx *Tx) lockClients(ctx context.Context) error {
	return tx.s.dialect.serialise(ctx, tx.q, lockClients, "client")
}

// CreateClient stores a new client with its programs and care team; ID
// defaults to a new UUID. addedBy is recorded with each care-team member.
func (tx *Tx) CreateClient(ctx context.Context, c *Client, addedBy string) error {
	if err := tx.lockClients(ctx); err != nil {
		return err
	}
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	c.Alias = strings.TrimSpace(c.Alias)
	now := tx.s.nowMS()
	if c.CreatedAt == 0 {
		c.CreatedAt = now
	}
	if _, err := tx.q.exec(ctx, `INSERT INTO clients (id, alias, created_at, updated_at) VALUES ($1,$2,$3,$4)`, c.ID, c.Alias, c.CreatedAt, now); err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	programs, team := c.Programs, c.CareTeam
	c.Programs, c.CareTeam = nil, nil
	for _, p := range programs {
		if err := tx.AddClientProgram(ctx, c, p); err != nil {
			return err
		}
	}
	for _, m := range team {
		if _, err := tx.AddCareTeamMember(ctx, c, m, addedBy); err != nil {
			return err
		}
	}
	return nil
}

// AddClientProgram puts the client in a program (nothing changes when it is
// already in it) and updates c.
func (tx *Tx) AddClientProgram(ctx context.Context, c *Client, program string) error {
	if program != ProgramMH && program != ProgramSUD {
		return fmt.Errorf("program must be mh or sud, not %q", program)
	}
	if hasString(c.Programs, program) {
		return nil
	}
	if _, err := tx.q.exec(ctx, `INSERT INTO client_programs (client_id, program) VALUES ($1,$2) ON CONFLICT (client_id, program) DO NOTHING`, c.ID, program); err != nil {
		return fmt.Errorf("client program: %w", err)
	}
	c.Programs = append(c.Programs, program)
	sort.Strings(c.Programs)
	return tx.touchClient(ctx, c.ID)
}

// AddCareTeamMember puts an e-mail on the client's care team; added is
// false when it was there already. c is updated.
func (tx *Tx) AddCareTeamMember(ctx context.Context, c *Client, email, addedBy string) (added bool, err error) {
	email = NormalizeEmail(email)
	if email == "" {
		return false, errors.New("a care-team member needs an e-mail")
	}
	n, err := tx.q.exec(ctx, `INSERT INTO client_members (client_id, email, added_by, added_at) VALUES ($1,$2,$3,$4) ON CONFLICT (client_id, email) DO NOTHING`,
		c.ID, email, addedBy, tx.s.nowMS())
	if err != nil {
		return false, fmt.Errorf("add care-team member: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	if !hasString(c.CareTeam, email) {
		c.CareTeam = append(c.CareTeam, email)
		sort.Strings(c.CareTeam)
	}
	return true, tx.touchClient(ctx, c.ID)
}

// RemoveCareTeamMember takes an e-mail off the client's care team; removed
// is false when it was not on it. c is updated.
func (tx *Tx) RemoveCareTeamMember(ctx context.Context, c *Client, email string) (removed bool, err error) {
	email = NormalizeEmail(email)
	n, err := tx.q.exec(ctx, `DELETE FROM client_members WHERE client_id = $1 AND email = $2`, c.ID, email)
	if err != nil {
		return false, fmt.Errorf("remove care-team member: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	out := c.CareTeam[:0:0]
	for _, m := range c.CareTeam {
		if m != email {
			out = append(out, m)
		}
	}
	c.CareTeam = out
	return true, tx.touchClient(ctx, c.ID)
}

func (tx *Tx) touchClient(ctx context.Context, id string) error {
	_, err := tx.q.exec(ctx, `UPDATE clients SET updated_at = $2 WHERE id = $1`, id, tx.s.nowMS())
	return err
}

// Client reads one client.
func (s *Store) Client(ctx context.Context, id string) (Client, error) {
	return oneClient(ctx, s.conn, id)
}

// Client reads one client inside the transaction.
func (tx *Tx) Client(ctx context.Context, id string) (Client, error) {
	return oneClient(ctx, tx.q, id)
}

func oneClient(ctx context.Context, q querier, id string) (Client, error) {
	cs, err := readClients(ctx, q, `id = $1`, id)
	if err != nil {
		return Client{}, err
	}
	if len(cs) == 0 {
		return Client{}, fmt.Errorf("client %s: %w", id, ErrNotFound)
	}
	return cs[0], nil
}

// ClientsByAlias lists the clients that carry an alias (more than one only
// where a migrated alias named two people).
func (s *Store) ClientsByAlias(ctx context.Context, alias string) ([]Client, error) {
	return readClients(ctx, s.conn, `alias = $1`, strings.TrimSpace(alias))
}

// ClientsByAlias lists the clients that carry an alias, inside the transaction.
func (tx *Tx) ClientsByAlias(ctx context.Context, alias string) ([]Client, error) {
	if err := tx.lockClients(ctx); err != nil {
		return nil, err
	}
	return readClients(ctx, tx.q, `alias = $1`, strings.TrimSpace(alias))
}

// Clients lists clients by alias. With member set, only the clients whose
// care team holds that e-mail; otherwise every client.
func (s *Store) Clients(ctx context.Context, member string) ([]Client, error) {
	if member == "" {
		return readClients(ctx, s.conn, `1 = 1`)
	}
	return readClients(ctx, s.conn, `id IN (SELECT client_id FROM client_members WHERE email = $1)`, NormalizeEmail(member))
}

// ClientsByID reads the clients with the given IDs, keyed by ID.
func (s *Store) ClientsByID(ctx context.Context, ids []string) (map[string]Client, error) {
	out := map[string]Client{}
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	const batch = 200
	for i := 0; i < len(uniq); i += batch {
		part := uniq[i:min(i+batch, len(uniq))]
		ph := make([]string, len(part))
		args := make([]any, len(part))
		for j, id := range part {
			ph[j], args[j] = fmt.Sprintf("$%d", j+1), id
		}
		cs, err := readClients(ctx, s.conn, `id IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out[c.ID] = c
		}
	}
	return out, nil
}

// readClients reads the clients matching where (a condition on the clients
// table whose placeholders are args) with their programs and care teams.
func readClients(ctx context.Context, q querier, where string, args ...any) ([]Client, error) {
	cs, err := collect(ctx, q, func(r rows) (Client, error) {
		var c Client
		err := r.Scan(&c.ID, &c.Alias, &c.CreatedAt)
		return c, err
	}, `SELECT id, alias, created_at FROM clients WHERE `+where+` ORDER BY alias, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read clients: %w", err)
	}
	if len(cs) == 0 {
		return cs, nil
	}
	idx := make(map[string]int, len(cs))
	for i, c := range cs {
		idx[c.ID] = i
	}
	type pair struct{ id, v string }
	scan := func(r rows) (pair, error) {
		var p pair
		err := r.Scan(&p.id, &p.v)
		return p, err
	}
	progs, err := collect(ctx, q, scan, `SELECT client_id, program FROM client_programs WHERE client_id IN (SELECT id FROM clients WHERE `+where+`) ORDER BY program`, args...)
	if err != nil {
		return nil, fmt.Errorf("read client programs: %w", err)
	}
	for _, p := range progs {
		if i, ok := idx[p.id]; ok {
			cs[i].Programs = append(cs[i].Programs, p.v)
		}
	}
	members, err := collect(ctx, q, scan, `SELECT client_id, email FROM client_members WHERE client_id IN (SELECT id FROM clients WHERE `+where+`) ORDER BY email`, args...)
	if err != nil {
		return nil, fmt.Errorf("read care teams: %w", err)
	}
	for _, m := range members {
		if i, ok := idx[m.id]; ok {
			cs[i].CareTeam = append(cs[i].CareTeam, m.v)
		}
	}
	return cs, nil
}

// clientOfSession reads the client ID of a session.
func clientOfSession(ctx context.Context, q querier, sessionID string) (string, error) {
	var id string
	if err := q.queryRow(ctx, `SELECT client_id FROM sessions WHERE id = $1`, sessionID).Scan(&id); err != nil {
		return "", fmt.Errorf("session %s: %w", sessionID, err)
	}
	return id, nil
}

// ListSessionsOfClients lists, newest first, the sessions of clients whose
// care team holds member (every client when member is ""), filtered by
// status when set, skipping Part 2 sessions unless part2. It is the broad
// cut a list starts from; internal/clients decides each row.
func (s *Store) ListSessionsOfClients(ctx context.Context, member, status string, part2 bool, limit, offset int) ([]Session, error) {
	if limit <= 0 {
		limit = 100
	}
	return collect(ctx, s.conn, func(r rows) (Session, error) { return scanSession(r) },
		`SELECT `+sessionCols+` FROM sessions WHERE ($1 = '' OR client_id IN (SELECT client_id FROM client_members WHERE email = $1))
		AND ($2 = '' OR status = $2) AND ($3 = 1 OR program <> 'sud')
		ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`, NormalizeEmail(member), status, b2i(part2), limit, offset)
}

// SessionsOfClient lists a client's sessions, newest first.
func (s *Store) SessionsOfClient(ctx context.Context, clientID string, limit int) ([]Session, error) {
	if limit <= 0 {
		limit = 100
	}
	return collect(ctx, s.conn, func(r rows) (Session, error) { return scanSession(r) },
		`SELECT `+sessionCols+` FROM sessions WHERE client_id = $1 ORDER BY created_at DESC, id LIMIT $2`, clientID, limit)
}
