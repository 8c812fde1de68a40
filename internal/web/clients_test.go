package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// addToCareTeam puts a user on the care team of a session's client.
func (e *env) addToCareTeam(sess store.Session, u store.User) {
	e.t.Helper()
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		c, err := tx.Client(e.ctx, sess.ClientID)
		if err != nil {
			return err
		}
		_, err = tx.AddCareTeamMember(e.ctx, &c, u.Email, "test")
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

var sessionLinkRe = regexp.MustCompile(`href="/sessions/([0-9a-f-]{36})"`)

// schedule posts the schedule form and returns the answer and the new
// session's ID ("" when nothing was scheduled).
func (b *browserish) schedule(alias, program string) (resp, string) {
	b.e.t.Helper()
	b.get("/sessions/new")
	r := b.post("/sessions", url.Values{"alias": {alias}, "program": {program}, "template": {"soap"}, "modality": {"general"}, "kind": {"individual"}, "clients": {"1"}})
	id := ""
	if r.status == http.StatusCreated {
		if m := sessionLinkRe.FindStringSubmatch(r.body); m != nil {
			id = m[1]
		}
	}
	return r, id
}

// clientWidePart2Consent records a client-wide part2_tpo consent for the
// client of a session, as `scribe consent add --client` does.
func (e *env) clientWidePart2Consent(sess store.Session) store.ConsentRecord {
	e.t.Helper()
	c := store.ConsentRecord{Consent: store.Consent{ClientAlias: sess.ClientAlias, Scope: compliance.ScopePart2TPO, Granted: true, Method: compliance.MethodWritten,
		CapturedBy: sess.Clinician}, Discloser: "Synthetic Recovery Program", Information: "progress notes", Recipients: "treating providers",
		Purpose: "treatment", ExpiryEvent: "end of treatment", Signature: "ink", RevocationNotice: true}
	if err := compliance.Add(e.ctx, e.store, &c, sess.Clinician); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestAliasReuseIsNoWindowIntoAPart2Client reproduces the review's
// finding: a therapist outside the substance-use program schedules a
// session under the alias of a Part 2 client and, through it, lists and
// revokes that client's consents. Scheduling under an alias held by a
// client whose care team the therapist is not on is refused with a message
// that does not say whether that client is a Part 2 client, and nothing of
// the client is shown or changed.
func TestAliasReuseIsNoWindowIntoAPart2Client(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			e.addUser("program@example.org", store.RoleClinician, true)
			e.addUser("other@example.org", store.RoleClinician, false)
			prog := e.client()
			prog.login("program@example.org", "")
			alias := "client-" + testenv.RandomHex(3)
			r, id := prog.schedule(alias, "sud")
			if r.status != http.StatusCreated || id == "" {
				t.Fatalf("program therapist scheduling a Part 2 session: HTTP %d %s", r.status, errorText(r.body))
			}
			sess, err := e.store.Session(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			consent := e.clientWidePart2Consent(sess)

			other := e.client()
			other.login("other@example.org", "")
			r, otherID := other.schedule(alias, "mh")
			if otherID != "" {
				// The hole: the other therapist's session shares the Part 2 client's consents.
				page := other.get("/sessions/" + otherID)
				if strings.Contains(page.body, consent.ID) {
					t.Errorf("the other therapist's session page lists the Part 2 client's consent")
				}
				rv := other.post("/sessions/"+otherID+"/consents/revoke", url.Values{"consent": {consent.ID}, "method": {"written"}, "confirm": {"1"}})
				if rv.status < 400 {
					t.Errorf("the other therapist revoked the Part 2 client's consent: HTTP %d", rv.status)
				}
			}
			if r.status != http.StatusConflict {
				t.Errorf("scheduling under a Part 2 client's alias: HTTP %d, want 409", r.status)
			}
			msg := errorText(r.body)
			if !strings.Contains(msg, "already used") || !strings.Contains(msg, "care team") {
				t.Errorf("refusal does not say the alias is taken and how to get access: %q", msg)
			}
			for _, leak := range []string{"Part 2", "part2", "substance", "42 CFR"} {
				if strings.Contains(msg, leak) {
					t.Errorf("refusal reveals the client's program (%q): %q", leak, msg)
				}
			}
			if got, err := e.store.ConsentRecord(e.ctx, consent.ID); err != nil || got.RevokedAt != 0 {
				t.Fatalf("the Part 2 consent changed: %v revoked_at=%d", err, got.RevokedAt)
			}
			// The same alias scheduled for a non-Part 2 client: the same words,
			// so the refusal cannot tell the two apart.
			plainAlias := "client-" + testenv.RandomHex(3)
			if r, id := prog.schedule(plainAlias, "mh"); id == "" {
				t.Fatalf("program therapist scheduling a non-Part 2 session: HTTP %d %s", r.status, errorText(r.body))
			}
			r2, _ := other.schedule(plainAlias, "mh")
			if r2.status != r.status || errorText(r2.body) != msg {
				t.Errorf("refusals differ for a Part 2 and a non-Part 2 client: %d %q vs %d %q", r.status, msg, r2.status, errorText(r2.body))
			}
			// The program therapist keeps scheduling for the client.
			if r, id := prog.schedule(alias, "sud"); id == "" {
				t.Fatalf("program therapist scheduling again for the Part 2 client: HTTP %d %s", r.status, errorText(r.body))
			}
		})
	}
}

// TestCareTeamPage: an admin sees a client and its care team, adds a user
// with Part 2 access to a Part 2 client's care team (one without is
// refused, and is not offered), after which that user's sessions under the
// alias join the client; removing them takes their access away. An admin
// without Part 2 access does not find the client at all.
func TestCareTeamPage(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, true)
	adminSecret := e.enableTOTP(admin)
	adminMH := e.addUser("admin-mh@example.org", store.RoleAdmin, false)
	adminMHSecret := e.enableTOTP(adminMH)
	e.addUser("program@example.org", store.RoleClinician, true)
	e.addUser("other@example.org", store.RoleClinician, false)
	e.addUser("colleague@example.org", store.RoleClinician, true)
	prog, colleague := e.client(), e.client()
	prog.login("program@example.org", "")
	colleague.login("colleague@example.org", "")
	alias := "client-" + testenv.RandomHex(3)
	_, first := prog.schedule(alias, "sud")
	sess, err := e.store.Session(e.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := colleague.schedule(alias, "sud"); r.status != http.StatusConflict {
		t.Fatalf("colleague not on the care team: HTTP %d", r.status)
	}

	a := e.client()
	a.login("admin@example.org", adminSecret)
	if r := a.get("/admin/clients"); r.status != http.StatusOK || !strings.Contains(r.body, `data-client="`+sess.ClientID+`"`) {
		t.Fatalf("client list: HTTP %d", r.status)
	}
	page := "/admin/clients/" + sess.ClientID
	r := a.get(page)
	if r.status != http.StatusOK || !strings.Contains(r.body, `data-testid="care-team-member" data-email="program@example.org"`) {
		t.Fatalf("client page: HTTP %d", r.status)
	}
	if strings.Contains(r.body, "<option>other@example.org</option>") || !strings.Contains(r.body, "<option>colleague@example.org</option>") {
		t.Error("the add form offers a user without Part 2 access, or not one with it")
	}
	if r := a.post(page+"/members", url.Values{"email": {"other@example.org"}}); r.status != http.StatusBadRequest || !strings.Contains(errorText(r.body), "no Part 2 access") {
		t.Fatalf("adding a user without Part 2 access: HTTP %d %s", r.status, errorText(r.body))
	}
	if r := a.post(page+"/members", url.Values{"email": {"colleague@example.org"}}); r.status != http.StatusSeeOther {
		t.Fatalf("adding to the care team: HTTP %d %s", r.status, errorText(r.body))
	}
	if !contains(e.auditActions(), "client.member_add") {
		t.Error("the care-team change was not audited")
	}
	r, joined := colleague.schedule(alias, "sud")
	if joined == "" {
		t.Fatalf("colleague on the care team: HTTP %d %s", r.status, errorText(r.body))
	}
	if s2, _ := e.store.Session(e.ctx, joined); s2.ClientID != sess.ClientID {
		t.Fatal("the colleague's session did not join the client")
	}
	if r := colleague.get("/sessions/" + joined); r.status != http.StatusOK {
		t.Fatalf("colleague opening their session: HTTP %d", r.status)
	}
	if r := a.post(page+"/members/remove", url.Values{"email": {"colleague@example.org"}}); r.status != http.StatusSeeOther {
		t.Fatalf("removing from the care team: HTTP %d", r.status)
	}
	if r := colleague.get("/sessions/" + joined); r.status != http.StatusForbidden {
		t.Fatalf("colleague off the care team opening their session: HTTP %d", r.status)
	}
	if !contains(e.auditActions(), "client.member_remove") {
		t.Error("the removal was not audited")
	}

	m := e.client()
	m.login("admin-mh@example.org", adminMHSecret)
	if r := m.get("/admin/clients"); strings.Contains(r.body, sess.ClientID) || strings.Contains(r.body, alias) {
		t.Error("an admin without Part 2 access sees the Part 2 client in the list")
	}
	if r := m.get(page); r.status != http.StatusNotFound || strings.Contains(r.body, alias) {
		t.Errorf("an admin without Part 2 access opening the Part 2 client: HTTP %d", r.status)
	}
}
