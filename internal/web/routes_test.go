package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// TestRouteTable walks every registered route: only sign-in, set-up,
// invitations and the start page are public (static assets are served
// apart); every other route sends a stranger to sign-in and refuses a user
// without the route's role; a clinician cannot open another clinician's
// session (a supervisor can), and a Part 2 session needs Part 2 access.
func TestRouteTable(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, true)
	adminSecret := e.enableTOTP(admin)
	e.addUser("c1@example.org", store.RoleClinician, false)
	e.addUser("c2@example.org", store.RoleClinician, false)
	e.addUser("sup@example.org", store.RoleSupervisor, false)
	e.addUser("c1p2@example.org", store.RoleClinician, true)
	own := e.seedSession("c1@example.org", "mh", store.StatusReady)
	e.seedDraft(own.ID, 1)
	part2 := e.seedSession("c1p2@example.org", "sud", store.StatusReady)
	e.seedDraft(part2.ID, 1)

	var open []string
	for _, rt := range e.web.routes {
		if rt.access == public {
			open = append(open, rt.method+" "+rt.path)
		}
	}
	sort.Strings(open)
	want := []string{"GET /invite", "GET /login", "GET /setup", "GET /{$}", "POST /invite", "POST /login", "POST /setup"}
	if strings.Join(open, ",") != strings.Join(want, ",") {
		t.Fatalf("public routes = %v, want %v", open, want)
	}

	users := map[string]*browserish{}
	for email, secret := range map[string]string{"admin@example.org": adminSecret, "c1@example.org": "", "c2@example.org": "", "sup@example.org": "", "c1p2@example.org": ""} {
		b := e.client()
		b.login(email, secret)
		users[email] = b
	}
	roleOf := map[string]string{"admin@example.org": store.RoleAdmin, "c1@example.org": store.RoleClinician, "c2@example.org": store.RoleClinician, "sup@example.org": store.RoleSupervisor, "c1p2@example.org": store.RoleClinician}

	path := func(rt route, sessionID string) string {
		p := strings.TrimSuffix(rt.path, "{$}")
		p = strings.NewReplacer("{id}", sessionID, "{key}", "plan", "{code}", "risk_not_assessed", "{name}", "nothing", "{client}", own.ClientID, "{token}", "nothing", "{index}", "0").Replace(p)
		if strings.Contains(p, "{") {
			t.Fatalf("route %s has a wildcard the test does not fill", rt.path)
		}
		return p
	}
	request := func(b *browserish, method, p string) resp {
		if method == "" {
			method = "GET"
		}
		if method == "GET" {
			return b.get(p)
		}
		f := url.Values{}
		if b != nil {
			f.Set("csrf", b.csrf)
		}
		return b.post(p, f)
	}
	checked := 0
	for _, rt := range e.web.routes {
		if rt.access == public || rt.access == roomLink {
			continue // room-link routes: TestRecordInTheRoom
		}
		checked++
		p := path(rt, own.ID)
		// A stranger is sent to sign in, with nothing done.
		stranger := e.client()
		if r := request(stranger, rt.method, p); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Errorf("%s %s without sign-in: %d → %q, want redirect to /login", rt.method, p, r.status, r.location)
		}
		if rt.access == partial {
			continue
		}
		for email, b := range users {
			r := request(b, rt.method, p)
			allowedRole := len(rt.roles) == 0 || hasRole(roleOf[email], rt.roles)
			if !allowedRole {
				if r.status != http.StatusForbidden {
					t.Errorf("%s %s as %s (%s): %d, want 403", rt.method, p, email, roleOf[email], r.status)
				}
				continue
			}
			if r.status == http.StatusForbidden || r.status == http.StatusUnauthorized {
				if email == "c2@example.org" && strings.Contains(rt.path, "{id}") || email == "c1p2@example.org" && strings.Contains(rt.path, "{id}") {
					continue // someone else's session: refusal expected, checked below
				}
				t.Errorf("%s %s as %s (%s): refused with %d (%s)", rt.method, p, email, roleOf[email], r.status, errorText(r.body))
			}
		}
		if strings.Contains(rt.path, "{id}") && hasRole(store.RoleClinician, append(rt.roles, map[bool]string{true: store.RoleClinician}[len(rt.roles) == 0])) {
			if r := request(users["c2@example.org"], rt.method, p); r.status != http.StatusForbidden || !strings.Contains(r.body, "another clinician") {
				t.Errorf("%s %s: another clinician got %d (%s), want 403", rt.method, p, r.status, errorText(r.body))
			}
			// The refusal does not say the session is a Part 2 record.
			if r := request(users["c1@example.org"], rt.method, path(rt, part2.ID)); r.status != http.StatusForbidden || !strings.Contains(r.body, "care team") || strings.Contains(errorText(r.body), "Part 2") {
				t.Errorf("%s on a Part 2 session by a clinician without Part 2 access: %d, want 403", rt.method+" "+rt.path, r.status)
			}
			if r := request(users["sup@example.org"], rt.method, path(rt, part2.ID)); r.status != http.StatusForbidden {
				t.Errorf("%s on a Part 2 session by a supervisor without Part 2 access: %d, want 403", rt.method+" "+rt.path, r.status)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d protected routes checked", checked)
	}
	// The owner of the Part 2 session, who has Part 2 access, can open it.
	if r := users["c1p2@example.org"].get("/sessions/" + part2.ID + "/review"); r.status != 200 {
		t.Fatalf("Part 2 clinician on own session: %d %s", r.status, errorText(r.body))
	}
	// Lists follow the same rule.
	if r := users["c2@example.org"].get("/sessions"); strings.Contains(r.body, own.ClientAlias) {
		t.Error("another clinician's session is listed")
	}
	if r := users["sup@example.org"].get("/sessions"); !strings.Contains(r.body, own.ClientAlias) || strings.Contains(r.body, part2.ClientAlias) {
		t.Error("supervisor list: should show every non-Part-2 session and no Part 2 session")
	}
	if !contains(e.auditActions(), "session.access_denied") {
		t.Error("refused session access was not audited")
	}
}

// TestStartOrRejoinCall: the session page offers the call while it can be
// joined (scheduled, started, recording) and only then; a clinician whose
// tab closed while waiting for the client rejoins from it.
func TestStartOrRejoinCall(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	b := e.client()
	b.login("therapist@example.org", "")
	for status, want := range map[string]string{
		store.StatusScheduled: "Start the call", store.StatusInCall: "Rejoin the call", store.StatusRecording: "Rejoin the call",
		store.StatusTranscribing: "", store.StatusReady: "",
	} {
		s := e.seedSession("therapist@example.org", "mh", status)
		page := b.get("/sessions/" + s.ID)
		if page.status != http.StatusOK {
			t.Fatalf("%s: session page HTTP %d", status, page.status)
		}
		has := strings.Contains(page.body, `data-testid="start-call"`)
		if want == "" {
			if has {
				t.Errorf("%s: the call is offered", status)
			}
			if r := b.post("/sessions/"+s.ID+"/call", nil); r.status != http.StatusConflict {
				t.Errorf("%s: joining answered HTTP %d, want 409", status, r.status)
			}
			continue
		}
		if !has || !strings.Contains(page.body, want) {
			t.Errorf("%s: the session page does not offer %q", status, want)
		}
		r := b.post("/sessions/"+s.ID+"/call", nil)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/call/"+s.ID+"?token=") {
			t.Errorf("%s: joining answered HTTP %d to %q, want a redirect to the call page", status, r.status, r.location)
		}
	}
}
