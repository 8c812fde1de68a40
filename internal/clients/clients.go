// Package clients owns who may see a client, and how a new session finds
// its client.
//
// A client is a person sessions, consents, Part 2 status and disclosures
// belong to (internal/store keeps them by the client's ID). MaySee is the
// one answer to "may this user see this client — and so its Part 2 data, if
// it is a Part 2 client — at all"; every page, API and command-line path
// asks it, through ForSession, Find and Visible. Resolve decides, when a
// session is created under an alias, whether it joins an existing client,
// starts a new one, or is refused; it never joins a client the people
// involved may not see.
//
// The package stores through internal/store and audits what it changes. It
// does not render: callers turn its errors into words for their reader.
package clients

import (
	"context"
	"errors"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// MaySee answers, for every path, whether u may see client c at all: its
// existence and alias, its sessions, consents and disclosures. A Part 2
// client (in the substance-use program) is Part 2 information as a whole,
// its existence included, so only the program's staff may see it: a user
// with Part 2 access who is on its care team, or an admin with Part 2
// access (who manages care teams). Any other client is seen by its care
// team, by supervisors and by admins. A disabled account sees nothing.
func MaySee(u store.User, c store.Client) bool {
	if u.Disabled || c.ID == "" {
		return false
	}
	onTeam := c.OnCareTeam(u.Email)
	if c.Part2() {
		return u.Part2Access && (onTeam || u.Role == store.RoleAdmin)
	}
	return onTeam || u.Role == store.RoleAdmin || u.Role == store.RoleSupervisor
}

// MaySeeSession is MaySee for one session of client c: a clinician sees the
// sessions they run for clients they may see; supervisors and admins every
// session of those clients. A Part 2 session whose client is not a Part 2
// client (which the store does not make) is refused.
func MaySeeSession(u store.User, c store.Client, s store.Session) bool {
	if s.ClientID != c.ID || (s.Part2() && !c.Part2()) || !MaySee(u, c) {
		return false
	}
	if u.Role == store.RoleClinician {
		return store.NormalizeEmail(s.Clinician) == store.NormalizeEmail(u.Email)
	}
	return true
}

// ErrNotFound: there is no such client or session, or the user may not see
// it. Callers that may say a session exists (its ID was given to them) use
// ErrNoAccess instead; nothing says which of the two a client is.
var ErrNotFound = errors.New("not found")

// ErrNoAccess: the session exists but belongs to a client the user may not
// see, or to another clinician. The message is the same for Part 2 and
// other clients.
var ErrNoAccess = errors.New("you may not open this session: it is another clinician's, or of a client whose care team you are not on; ask an admin to add you to the client's care team if you need it")

// ErrAliasTaken: a session was to be created under an alias that a client
// the people involved may not see already uses. The words do not say
// whether that client is a Part 2 client.
var ErrAliasTaken = errors.New("that alias is already used; choose another or ask an admin to add you to the client's care team")

// ErrAliasReserved: the alias is the SAMPLE client's (scribe demo), which
// no real session or client may use. It is an ErrAliasTaken, so every path
// refuses it as it refuses a taken alias.
var ErrAliasReserved error = reservedAlias{}

type reservedAlias struct{}

func (reservedAlias) Error() string {
	return "that alias is reserved for the SAMPLE client of the demo; choose another"
}
func (reservedAlias) Is(target error) bool { return target == ErrAliasTaken }

// ErrNotInProgram: a substance-use (Part 2) session was to be added to a
// client who is not in the program. The user may see that client, so
// saying so reveals nothing.
var ErrNotInProgram = errors.New("that client is not in the substance-use (42 CFR Part 2) program, so it cannot have a Part 2 session; use a new alias for the Part 2 record")

// ErrCreatorNoPart2: someone without Part 2 access tried to create a
// substance-use (Part 2) session.
var ErrCreatorNoPart2 = errors.New("your account has no Part 2 access, so it cannot create a substance-use (42 CFR Part 2) session")

// ErrAmbiguous: an alias names more than one client the user may see (an
// alias that was used in two programs before clients had identities).
var ErrAmbiguous = errors.New("that alias names more than one client; give the client's ID (listed by scribe client list or on the admin Clients page)")

// Operator is the host operator at the command line without --as: the
// person with the data directory and its keys, who sees every client.
func Operator(actor string) store.User {
	return store.User{ID: actor, Role: store.RoleAdmin, Part2Access: true}
}

// Person is the user with an e-mail, or, when there is no account with it
// (a clinician named on the command line who was never invited), a
// clinician judged by care-team membership alone.
func Person(ctx context.Context, st *store.Store, email string) (store.User, error) {
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{Email: store.NormalizeEmail(email), Role: store.RoleClinician, Part2Access: true}, nil
	}
	return u, err
}

// ForSession reads a session and its client for u: ErrNotFound when there
// is no such session, ErrNoAccess when u may not see it.
func ForSession(ctx context.Context, st *store.Store, u store.User, sessionID string) (store.Session, store.Client, error) {
	sess, err := st.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return sess, store.Client{}, ErrNotFound
	}
	if err != nil {
		return sess, store.Client{}, err
	}
	c, err := st.Client(ctx, sess.ClientID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return sess, c, err
	}
	if !MaySeeSession(u, c, sess) {
		return sess, c, ErrNoAccess
	}
	return sess, c, nil
}

// Find finds the client u means by ref, its ID or its alias, among the
// clients u may see: ErrNotFound when there is none (whether or not a
// client u may not see carries it), ErrAmbiguous when the alias names more
// than one.
func Find(ctx context.Context, st *store.Store, u store.User, ref string) (store.Client, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Client{}, ErrNotFound
	}
	if c, err := st.Client(ctx, ref); err == nil {
		if MaySee(u, c) {
			return c, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	cs, err := st.ClientsByAlias(ctx, ref)
	if err != nil {
		return store.Client{}, err
	}
	var seen []store.Client
	for _, c := range cs {
		if MaySee(u, c) {
			seen = append(seen, c)
		}
	}
	switch len(seen) {
	case 0:
		return store.Client{}, ErrNotFound
	case 1:
		return seen[0], nil
	}
	return store.Client{}, ErrAmbiguous
}

// Visible lists the clients u may see, by alias.
func Visible(ctx context.Context, st *store.Store, u store.User) ([]store.Client, error) {
	member, ok := broadCut(u)
	if !ok {
		return nil, nil
	}
	cs, err := st.Clients(ctx, member)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if MaySee(u, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// broadCut is where a list starts before MaySee decides each row: the
// clients whose care team holds the user, or (admins and supervisors, who
// may see clients they are not on the team of) every client. ok is false
// when the user can see nothing.
func broadCut(u store.User) (member string, ok bool) {
	if u.Role == store.RoleAdmin || u.Role == store.RoleSupervisor {
		return "", true
	}
	return u.Email, u.Email != ""
}

// Sessions lists, newest first, up to limit sessions u may see (status
// filters when set).
func Sessions(ctx context.Context, st *store.Store, u store.User, status string, limit int) ([]store.Session, error) {
	if limit <= 0 {
		limit = 100
	}
	member, ok := broadCut(u)
	if !ok {
		return nil, nil
	}
	var out []store.Session
	page := max(limit, 50) // most rows pass the broad cut; read more only when they do not
	for offset := 0; len(out) < limit; offset += page {
		batch, err := st.ListSessionsOfClients(ctx, member, status, u.Part2Access, page, offset)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(batch))
		for i, s := range batch {
			ids[i] = s.ClientID
		}
		cs, err := st.ClientsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, s := range batch {
			if MaySeeSession(u, cs[s.ClientID], s) && len(out) < limit {
				out = append(out, s)
			}
		}
		if len(batch) < page {
			break
		}
	}
	return out, nil
}

// Request is a session about to be created under an alias.
type Request struct {
	Alias   string
	Program string // store.ProgramMH or store.ProgramSUD
	// Clinician is the person the session is for; By is who creates it
	// (the same person when clinicians schedule their own sessions).
	Clinician store.User
	By        store.User
	// Actor names By in the audit log.
	Actor string
}

// Resolve decides, inside the transaction that creates the session, which
// client a new session under r.Alias belongs to:
//   - no alias, or an alias no client carries: a new client (the session
//     starts it; the returned ID is "");
//   - an alias of a client the clinician and the creator may both see: that
//     client; the clinician joins its care team when not on it (an admin or
//     supervisor who may see the client anyway), audited;
//   - an alias only of clients one of them may not see: ErrAliasTaken, in
//     the same words whether or not such a client is a Part 2 client;
//   - a Part 2 session for a client outside the program: ErrNotInProgram.
func Resolve(ctx context.Context, tx *store.Tx, r Request) (clientID string, err error) {
	if r.Program == store.ProgramSUD && !r.By.Part2Access {
		return "", ErrCreatorNoPart2
	}
	alias := strings.TrimSpace(r.Alias)
	if alias == "" {
		return "", nil
	}
	if store.IsSampleAlias(alias) {
		return "", ErrAliasReserved
	}
	cs, err := tx.ClientsByAlias(ctx, alias)
	if err != nil {
		return "", err
	}
	if len(cs) == 0 {
		return "", nil
	}
	var mine []store.Client
	for _, c := range cs {
		if MaySee(r.Clinician, c) && MaySee(r.By, c) {
			mine = append(mine, c)
		}
	}
	if len(mine) == 0 {
		return "", ErrAliasTaken
	}
	// Where a migrated alias names a Part 2 and a non-Part 2 client, the
	// session's program chooses.
	pick := mine[0]
	for _, c := range mine {
		if c.Part2() == (r.Program == store.ProgramSUD) {
			pick = c
			break
		}
	}
	if r.Program == store.ProgramSUD && !pick.Part2() {
		return "", ErrNotInProgram
	}
	if !pick.OnCareTeam(r.Clinician.Email) && r.Clinician.Email != "" {
		if _, err := tx.AddCareTeamMember(ctx, &pick, r.Clinician.Email, r.Actor); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, audit.Event{Actor: r.Actor, Action: "client.member_add", EntityType: "client", EntityID: pick.ID,
			Details: map[string]string{"member": memberRef(r.Clinician), "via": "session"}}); err != nil {
			return "", err
		}
	}
	return pick.ID, nil
}

// memberRef names a care-team member in the audit log: the user's ID when
// there is an account.
func memberRef(u store.User) string {
	if u.ID != "" {
		return u.ID
	}
	return u.Email
}

// AddMember puts a user on a client's care team (admins, or the operator);
// a Part 2 client only takes users with Part 2 access.
func AddMember(ctx context.Context, st *store.Store, by store.User, actor, clientID string, member store.User) (store.Client, bool, error) {
	return changeTeam(ctx, st, by, actor, clientID, member, true)
}

// RemoveMember takes a user off a client's care team.
func RemoveMember(ctx context.Context, st *store.Store, by store.User, actor, clientID string, member store.User) (store.Client, bool, error) {
	return changeTeam(ctx, st, by, actor, clientID, member, false)
}

// ErrAdminOnly: care teams are managed by admins.
var ErrAdminOnly = errors.New("only an admin may change a client's care team")

// ErrNoPart2Access: a user without Part 2 access cannot join the care team
// of a Part 2 client (they could not see it).
var ErrNoPart2Access = errors.New("this user has no Part 2 access, so cannot join a Part 2 client's care team; give Part 2 access on the Users page first")

// ErrMemberDisabled: a disabled account cannot join a care team.
var ErrMemberDisabled = errors.New("this user's account is disabled, so cannot join a care team")

func changeTeam(ctx context.Context, st *store.Store, by store.User, actor, clientID string, member store.User, add bool) (store.Client, bool, error) {
	if by.Role != store.RoleAdmin || by.Disabled {
		return store.Client{}, false, ErrAdminOnly
	}
	var out store.Client
	var changed bool
	err := st.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Client(ctx, clientID)
		if errors.Is(err, store.ErrNotFound) || err == nil && !MaySee(by, c) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if add {
			if member.Disabled {
				return ErrMemberDisabled
			}
			if c.Part2() && !member.Part2Access {
				return ErrNoPart2Access
			}
			changed, err = tx.AddCareTeamMember(ctx, &c, member.Email, actor)
		} else {
			changed, err = tx.RemoveCareTeamMember(ctx, &c, member.Email)
		}
		if err != nil {
			return err
		}
		out = c
		if !changed {
			return nil
		}
		action := "client.member_remove"
		if add {
			action = "client.member_add"
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: action, EntityType: "client", EntityID: c.ID, Details: map[string]string{"member": memberRef(member)}})
	})
	return out, changed, err
}
