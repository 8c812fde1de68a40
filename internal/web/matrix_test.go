package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/terminology"
	"github.com/scribe-health/scribe/internal/testenv"
)

// The route × role × client matrix (issue 12). Every route of the route
// table has an entry: either it reads or changes client data, and every
// principal is run against a Part 2 client and a non-Part 2 client, or it
// says why it touches no client data. A route added without an entry fails
// the test.

// matrixPrincipal is who makes the request.
type matrixPrincipal struct {
	name   string
	email  string
	role   string
	part2  bool
	onTeam bool // on both clients' care teams
	link   bool // no account: a client with a join link
}

var matrixPrincipals = []matrixPrincipal{
	{name: "program therapist", email: "program@example.org", role: store.RoleClinician, part2: true, onTeam: true},
	{name: "other therapist", email: "other@example.org", role: store.RoleClinician},
	{name: "program therapist not on the care team", email: "other-program@example.org", role: store.RoleClinician, part2: true},
	{name: "supervisor", email: "supervisor@example.org", role: store.RoleSupervisor},
	{name: "supervisor with Part 2 access", email: "supervisor-p2@example.org", role: store.RoleSupervisor, part2: true},
	{name: "admin", email: "admin@example.org", role: store.RoleAdmin, part2: true},
	{name: "admin without Part 2 access", email: "admin-mh@example.org", role: store.RoleAdmin},
	{name: "client join link", link: true},
}

// matrixSees is who may see which client, written out (not computed): a
// Part 2 client only its program staff on the care team and admins with
// Part 2 access; another client its care team, supervisors and admins.
var matrixSees = map[string]map[bool]bool{ // principal → Part 2 client? → sees
	"program therapist":                      {true: true, false: true},
	"other therapist":                        {true: false, false: false},
	"program therapist not on the care team": {true: false, false: false},
	"supervisor":                             {true: false, false: true},
	"supervisor with Part 2 access":          {true: false, false: true},
	"admin":                                  {true: true, false: true},
	"admin without Part 2 access":            {true: false, false: true},
	"client join link":                       {true: false, false: false},
}

// matrixCase is what one request needs.
type matrixCase struct {
	e       *env
	client  store.Client
	sess    store.Session // a fresh session of the client, run by the program therapist
	consent store.ConsentRecord
	seg     string // a transcript segment with audio
}

// matrixEntry says how a route touches client data.
type matrixEntry struct {
	// none: why the route reads and changes no client's data.
	none string
	// status the session starts in (default ready, with a draft).
	status string
	// signed: the draft is signed first (addenda); audio: a minute of audio is kept.
	signed, audio bool
	// ok is the answer when the principal may use the route on the client;
	// denied when the role may use the route but the client is not theirs.
	ok, denied int
	// form is what is posted (GET: query) for a case.
	form func(c *matrixCase) url.Values
	// upload: a multipart recording upload instead of a form.
	upload bool
	// check, when set, checks an allowed or refused answer further.
	check func(t *testing.T, c *matrixCase, sees bool, r resp)
}

func matrixTable() map[string]matrixEntry {
	sessionDenied := http.StatusForbidden
	none := func(why string) matrixEntry { return matrixEntry{none: why} }
	plain := func(ok int) matrixEntry { return matrixEntry{ok: ok, denied: sessionDenied} }
	with := func(ok int, form func(c *matrixCase) url.Values) matrixEntry {
		return matrixEntry{ok: ok, denied: sessionDenied, form: form}
	}
	return map[string]matrixEntry{
		"GET /{$}":                            none("start page: redirects by sign-in state"),
		"GET /setup":                          none("first-run set-up"),
		"POST /setup":                         none("first-run set-up"),
		"GET /invite":                         none("password choice from an invitation"),
		"POST /invite":                        none("password choice from an invitation"),
		"GET /login":                          none("sign-in"),
		"POST /login":                         none("sign-in"),
		"GET /login/totp":                     none("second sign-in step"),
		"POST /login/totp":                    none("second sign-in step"),
		"GET /account/totp":                   none("own authenticator enrolment"),
		"POST /account/totp":                  none("own authenticator enrolment"),
		"POST /account/totp/key":              none("own authenticator enrolment"),
		"GET /account":                        none("own account: tokens, recovery codes, note style and the own signed notes' edit counts (session IDs and word counts, no client's alias or text)"),
		"POST /account/recovery-codes":        none("own recovery codes"),
		"POST /account/tokens":                none("own API tokens"),
		"POST /account/tokens/{token}/revoke": none("own API tokens"),
		"POST /account/style":                 none("own note style"),
		"POST /logout":                        none("sign-out"),
		"GET /sessions/new":                   none("the empty schedule form"),
		"GET /ingest":                         none("the empty upload form"),
		"GET /admin/setup":                    none("first-run wizard: providers, retention, accounts; never clients"),
		"GET /admin/system":                   none("system check: names providers and counts, never clients"),
		"POST /admin/system":                  none("system check: names providers and counts, never clients"),
		"GET /admin/users":                    none("accounts, not clients"),
		"POST /admin/users":                   none("accounts, not clients"),
		"POST /admin/users/{id}":              none("accounts, not clients"),
		"GET /admin/providers":                none("model providers"),
		"POST /admin/providers":               none("model providers"),
		"POST /admin/providers/{name}/test":   none("model providers"),
		"GET /admin/policy":                   none("retention and sign-in policy"),
		"POST /admin/policy":                  none("retention and sign-in policy"),
		"GET /admin/templates":                none("note templates"),
		"GET /admin/ai-statement":             none("the organisation's AI-assistance statement"),
		"POST /admin/ai-statement":            none("the organisation's AI-assistance statement"),
		"POST /admin/templates":               none("note templates"),
		"GET /admin/audit":                    none("the audit log names IDs and actions, never aliases"),
		"POST /admin/audit/verify":            none("audit verification"),
		// The room page is the call page's counterpart: the room link's
		// token authorises it, not an account (TestRecordInTheRoom and
		// internal/app's room tests check refusals).
		"GET /room/{id}":                      none("room page: authorised by the room link's token, not a sign-in"),
		"GET /room/{id}/state":                none("room page: authorised by the room link's token, not a sign-in"),
		"POST /room/{id}/consent":             none("room page: authorised by the room link's token, not a sign-in"),
		"POST /room/{id}/pieces/{take}/{seq}": none("room page: authorised by the room link's token, not a sign-in"),
		"POST /room/{id}/finish":              none("room page: authorised by the room link's token, not a sign-in"),
		"POST /room/{id}/scribe-stop":         none("room page: authorised by the room link's token, not a sign-in"),
		" /admin/jobs/":                       none("River's job dashboard: job arguments hold session IDs only"),

		"GET /charges": {signed: true, ok: http.StatusOK, denied: http.StatusOK, form: func(*matrixCase) url.Values {
			day := time.Now().Format(time.DateOnly)
			return url.Values{"from": {day}, "to": {day}}
		}, check: func(t *testing.T, c *matrixCase, sees bool, r resp) {
			if strings.Contains(r.body, c.sess.ID) != sees {
				t.Errorf("the charges list the session's 90834: %v, want %v", !sees, sees)
			}
		}},
		"POST /sessions/{id}/measures/request": with(http.StatusSeeOther, func(*matrixCase) url.Values { return url.Values{"instrument": {"phq9", "gad7"}} }),
		"GET /sessions/{id}/measures/new":      with(http.StatusOK, func(*matrixCase) url.Values { return url.Values{"instrument": {"gad7"}} }),
		"POST /sessions/{id}/measures": with(http.StatusSeeOther, func(*matrixCase) url.Values {
			return url.Values{"instrument": {"gad7"}, "q1": {"1"}, "q2": {"1"}, "q3": {"0"}, "q4": {"0"}, "q5": {"0"}, "q6": {"2"}, "q7": {"0"}}
		}),
		// No supervision is set up in the matrix: the note is not awaiting
		// co-signature, which the supervisor who may see it is told (409).
		"POST /sessions/{id}/draft/cosign": with(http.StatusConflict, func(*matrixCase) url.Values { return url.Values{"attest": {"1"}, "credential": {testPassword}} }),
		"POST /sessions/{id}/draft/return": with(http.StatusConflict, func(*matrixCase) url.Values { return url.Values{"comment": {"add the plan"}} }),
		"GET /supervision":                 none("the supervisor's own queue: only their associates' notes awaiting co-signature"),
		"GET /admin/supervision":           none("accounts: who supervises whom"),
		"POST /admin/supervision":          none("accounts: who supervises whom"),
		"GET /sessions": {ok: http.StatusOK, denied: http.StatusOK, check: func(t *testing.T, c *matrixCase, sees bool, r resp) {
			if strings.Contains(r.body, c.sess.ID) != sees {
				t.Errorf("the session list shows the session: %v, want %v", !sees, sees)
			}
		}},
		"POST /sessions": {ok: http.StatusCreated, denied: http.StatusConflict, form: func(c *matrixCase) url.Values {
			return url.Values{"alias": {c.client.Alias}, "program": {"mh"}, "template": {"soap"}, "modality": {"general"}, "kind": {"individual"}, "clients": {"1"}}
		}},
		"POST /ingest":                {ok: http.StatusSeeOther, denied: http.StatusConflict, upload: true},
		"GET /sessions/{id}":          plain(http.StatusOK),
		"GET /sessions/{id}/status":   plain(http.StatusOK),
		"GET /sessions/{id}/review":   plain(http.StatusOK),
		"GET /sessions/{id}/versions": plain(http.StatusOK),
		"GET /sessions/{id}/audio": {audio: true, ok: http.StatusOK, denied: sessionDenied, form: func(c *matrixCase) url.Values {
			return url.Values{"seg": {c.seg}}
		}},
		"POST /sessions/{id}/call":   {status: store.StatusScheduled, ok: http.StatusSeeOther, denied: sessionDenied},
		"POST /sessions/{id}/room":   {status: store.StatusScheduled, ok: http.StatusSeeOther, denied: sessionDenied},
		"POST /sessions/{id}/retry":  {status: store.StatusFailed, ok: http.StatusSeeOther, denied: sessionDenied},
		"POST /sessions/{id}/cancel": {status: store.StatusScheduled, ok: http.StatusSeeOther, denied: sessionDenied, form: func(*matrixCase) url.Values { return url.Values{"reason": {"rescheduled"}} }},
		"POST /sessions/{id}/link":   {status: store.StatusScheduled, ok: http.StatusOK, denied: sessionDenied},
		"POST /sessions/{id}/reschedule": {status: store.StatusScheduled, ok: http.StatusSeeOther, denied: sessionDenied, form: func(*matrixCase) url.Values {
			return url.Values{"start": {time.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")}, "duration": {"50"}, "tz_offset": {"0"}}
		}},
		"POST /sessions/{id}/draft/regenerate": plain(http.StatusSeeOther),
		"POST /sessions/{id}/consents": with(http.StatusSeeOther, func(c *matrixCase) url.Values {
			return url.Values{"scope": {"ai_scribe"}, "decision": {"granted"}, "method": {"verbal_attested"}, "signature": {"attested"}, "signed": {time.Now().UTC().Format(time.DateOnly)}}
		}),
		"POST /sessions/{id}/consents/revoke": with(http.StatusSeeOther, func(c *matrixCase) url.Values {
			return url.Values{"consent": {c.consent.ID}, "method": {"written"}, "confirm": {"1"}}
		}),
		"POST /sessions/{id}/draft/sections/{key}": with(http.StatusSeeOther, func(*matrixCase) url.Values { return url.Values{"text": {"Meet again next week."}} }),
		"POST /sessions/{id}/draft/sections/{key}/statements": with(http.StatusSeeOther, func(*matrixCase) url.Values {
			return url.Values{"text": {"Practise the breathing exercise daily."}}
		}),
		"POST /sessions/{id}/draft/sections/{key}/statements/{index}": with(http.StatusSeeOther, func(*matrixCase) url.Values {
			return url.Values{"text": {"Meet again next Wednesday."}}
		}),
		"POST /sessions/{id}/draft/flags/{code}/resolve": with(http.StatusSeeOther, func(*matrixCase) url.Values {
			return url.Values{"reason": {"risk assessed in the session"}}
		}),
		"POST /sessions/{id}/speakers": with(http.StatusSeeOther, func(c *matrixCase) url.Values {
			c.e.inferSpeakers(c.sess.ID) // speakers of one channel, inferred, are the ones that can be fixed
			return url.Values{"action": {"swap"}, "a": {"clinician"}, "b": {"client"}}
		}),
		"POST /sessions/{id}/draft/sign": with(http.StatusSeeOther, func(*matrixCase) url.Values {
			return url.Values{"attest": {"1"}, "credential": {testPassword}, "override": {"reviewed"}}
		}),
		"POST /sessions/{id}/draft/reject": with(http.StatusSeeOther, func(*matrixCase) url.Values { return url.Values{"reason": {"wrong session"}} }),
		"POST /sessions/{id}/draft/addenda": {signed: true, ok: http.StatusSeeOther, denied: sessionDenied, form: func(*matrixCase) url.Values {
			return url.Values{"text": {"Late entry: phone call."}}
		}},
		"POST /sessions/{id}/export": with(http.StatusOK, func(*matrixCase) url.Values {
			return url.Values{"format": {"text"}, "recipient": {"Example Health"}, "purpose": {"treatment"}}
		}),

		"GET /admin/clients": {ok: http.StatusOK, denied: http.StatusOK, check: func(t *testing.T, c *matrixCase, sees bool, r resp) {
			if strings.Contains(r.body, c.client.ID) != sees {
				t.Errorf("the client list shows the client: %v, want %v", !sees, sees)
			}
		}},
		"GET /admin/clients/{client}": {ok: http.StatusOK, denied: http.StatusNotFound},
		"POST /admin/clients/{client}/members": {ok: http.StatusSeeOther, denied: http.StatusNotFound, form: func(*matrixCase) url.Values {
			return url.Values{"email": {"spare@example.org"}}
		}},
		"POST /admin/clients/{client}/members/remove": {ok: http.StatusSeeOther, denied: http.StatusNotFound, form: func(*matrixCase) url.Values {
			return url.Values{"email": {"spare@example.org"}}
		}},
	}
}

// TestRouteRoleClientMatrix runs every route that reads or changes client
// data as each principal against a Part 2 client and a non-Part 2 client,
// each request on a fresh session, on both backends. A principal who may
// not see the client gets the route's refusal (403 for a session, 404 for
// a client page, 409 for a new session under its alias), the same words
// for both clients, nothing that names the client, and nothing changes.
func TestRouteRoleClientMatrix(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) { runMatrix(t, be) })
	}
}

func runMatrix(t *testing.T, be testenv.Backend) {
	e := newEnv(t, be.URL(t), nil)
	table := matrixTable()
	for _, rt := range e.web.routes {
		if _, ok := table[rt.method+" "+rt.path]; !ok {
			t.Errorf("route %s %s has no entry in the route × role × client matrix; add one (or say why it touches no client data)", rt.method, rt.path)
		}
	}
	if t.Failed() {
		return
	}
	e.addUser("spare@example.org", store.RoleClinician, true)
	browsers := map[string]*browserish{}
	for _, p := range matrixPrincipals {
		if p.link {
			browsers[p.name] = e.client()
			continue
		}
		u := e.addUser(p.email, p.role, p.part2)
		secret := ""
		if p.role == store.RoleAdmin {
			secret = e.enableTOTP(u)
		}
		b := e.client()
		b.login(p.email, secret)
		browsers[p.name] = b
	}
	prog := matrixPrincipals[0]
	clientsByKind := map[bool]store.Client{}
	for _, part2 := range []bool{true, false} {
		program := store.ProgramMH
		if part2 {
			program = store.ProgramSUD
		}
		c := store.Client{Alias: "client-" + testenv.RandomHex(3), Programs: []string{program}, CareTeam: []string{prog.email}}
		if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateClient(e.ctx, &c, "test") }); err != nil {
			t.Fatal(err)
		}
		clientsByKind[part2] = c
	}

	keys := make([]string, 0, len(table))
	for k, m := range table {
		if m.none == "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	cases := 0
	for _, key := range keys {
		m := table[key]
		method, pattern, _ := strings.Cut(key, " ")
		var rt route
		for _, x := range e.web.routes {
			if x.method == method && x.path == pattern {
				rt = x
			}
		}
		for _, p := range matrixPrincipals {
			refusals := map[bool]string{}
			for _, part2 := range []bool{true, false} {
				cases++
				c := e.matrixCase(clientsByKind[part2], prog.email, m)
				sees := matrixSees[p.name][part2]
				before := e.matrixFingerprint(c)
				r := e.matrixRequest(browsers[p.name], method, pattern, c, m, p.role == store.RoleAdmin)
				what := fmt.Sprintf("%s as %s on a %s client", key, p.name, map[bool]string{true: "Part 2", false: "non-Part 2"}[part2])
				roleOK := len(rt.roles) == 0 || hasRole(p.role, rt.roles)
				switch {
				case p.link:
					// A join link is for the call page only: every page sends it to sign in.
					if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
						t.Errorf("%s: HTTP %d → %q, want a redirect to sign in", what, r.status, r.location)
					}
				case !roleOK:
					if r.status != http.StatusForbidden {
						t.Errorf("%s: HTTP %d, want 403 (role)", what, r.status)
					}
				case sees:
					if r.status != m.ok {
						t.Errorf("%s: HTTP %d (%s), want %d", what, r.status, errorText(r.body), m.ok)
					}
				default:
					if r.status != m.denied {
						t.Errorf("%s: HTTP %d (%s), want %d", what, r.status, errorText(r.body), m.denied)
					}
				}
				if m.check != nil && roleOK && !p.link {
					m.check(t, c, sees, r)
				}
				if !sees || !roleOK || p.link {
					if strings.Contains(r.body, c.client.Alias) && m.denied != http.StatusOK {
						t.Errorf("%s: the refusal names the client", what)
					}
					if after := e.matrixFingerprint(c); after != before {
						t.Errorf("%s: a refused request changed something:\n before %s\n after  %s", what, before, after)
					}
					if m.denied != http.StatusOK {
						// The case's own IDs aside, the two refusals must read the same.
						text := strings.NewReplacer(c.sess.ID, "SESSION", c.client.ID, "CLIENT").Replace(errorText(r.body) + " " + r.location)
						refusals[part2] = fmt.Sprint(r.status, " ", text)
					}
				}
			}
			if len(refusals) == 2 && refusals[true] != refusals[false] {
				t.Errorf("%s as %s: the refusals tell a Part 2 client from another: %q vs %q", key, p.name, refusals[true], refusals[false])
			}
		}
	}
	t.Logf("%d route × principal × client cases", cases)
}

// matrixCase makes a fresh session of the client, run by the program
// therapist, in the state the route needs, with a client-wide Part 2
// consent and a spare care-team member.
func (e *env) matrixCase(client store.Client, clinician string, m matrixEntry) *matrixCase {
	e.t.Helper()
	status := m.status
	if status == "" {
		status = store.StatusReady
	}
	program := store.ProgramMH
	if client.Part2() {
		program = store.ProgramSUD
	}
	sess := store.Session{ID: uuid.NewString(), Source: "call", Status: store.StatusScheduled, Template: "soap", Modality: "general", Program: program,
		ClientID: client.ID, Clinician: clinician}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateSession(e.ctx, &sess) }); err != nil {
		e.t.Fatal(err)
	}
	c := &matrixCase{e: e, client: client, sess: sess}
	if status == store.StatusReady {
		_, segs := e.seedDraft(sess.ID, 1)
		c.seg = segs[1].ID
		if m.audio {
			e.seedAudio(sess.ID, segs[1].Speaker)
		}
		if m.signed {
			if _, err := (&drafts.Service{Store: e.store}).Sign(e.ctx, sess.ID, drafts.SignOptions{Clinician: clinician, Attest: true, OverrideReason: "reviewed",
				Billing: &drafts.Billing{Kind: "psychotherapy", Setting: "in_person", PlaceOfService: "11", Procedures: []billing.Code{{System: terminology.SystemCPT, Code: "90834", Units: 1, Basis: "40 min recorded"}}}}); err != nil {
				e.t.Fatal(err)
			}
		}
	} else if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		if status == store.StatusFailed {
			return tx.FailSession(e.ctx, sess.ID, jobs.StageTranscribe, "the provider was unreachable")
		}
		return tx.SetSessionStatus(e.ctx, sess.ID, status)
	}); err != nil {
		e.t.Fatal(err)
	}
	c.consent = store.ConsentRecord{Consent: store.Consent{ClientID: client.ID, Scope: compliance.ScopePart2TPO, Granted: true, Method: compliance.MethodWritten,
		CapturedBy: clinician}, Discloser: "Synthetic Recovery Program", Information: "progress notes", Recipients: "Example Health",
		Purpose: "treatment", ExpiryEvent: "end of treatment", Signature: "ink", RevocationNotice: true}
	if err := compliance.Add(e.ctx, e.store, &c.consent, clinician); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		cl, err := tx.Client(e.ctx, client.ID)
		if err != nil {
			return err
		}
		_, err = tx.AddCareTeamMember(e.ctx, &cl, "spare@example.org", "test")
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// seedAudio stores one minute of a speaker's audio for a session.
func (e *env) seedAudio(sessionID, speaker string) {
	e.t.Helper()
	id := pipeline.AudioBlobID(sessionID, speaker, 0)
	if err := e.blobs.Put(e.ctx, id, audio.EncodeWAV(make([]int16, 60*16000), 16000)); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		_, err := tx.AddChunk(e.ctx, &store.Chunk{SessionID: sessionID, Speaker: speaker, Index: 0, StartMS: 0, EndMS: 60_000, AudioBlob: id})
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

// admin: the principal is an admin, who names the session's clinician (an
// admin's own account is not one) when scheduling or uploading.
func (e *env) matrixRequest(b *browserish, method, pattern string, c *matrixCase, m matrixEntry, admin bool) resp {
	e.t.Helper()
	p := strings.TrimSuffix(pattern, "{$}")
	p = strings.NewReplacer("{id}", c.sess.ID, "{key}", "plan", "{index}", "0", "{code}", "risk_not_assessed", "{client}", c.client.ID).Replace(p)
	if strings.Contains(p, "{") {
		e.t.Fatalf("route %s has a wildcard the matrix does not fill", pattern)
	}
	form := url.Values{}
	if m.form != nil {
		form = m.form(c)
	}
	if m.upload {
		fields := map[string]string{"alias": c.client.Alias, "program": "mh", "template": "soap", "modality": "general", "consent": "1"}
		if admin {
			fields["clinician"] = "program@example.org"
		}
		return b.upload(p, fields)
	}
	if admin && method == "POST" && pattern == "/sessions" {
		form.Set("clinician", "program@example.org")
	}
	if method == "GET" {
		if len(form) > 0 {
			p += "?" + form.Encode()
		}
		return b.get(p)
	}
	return b.post(p, form)
}

// upload posts a multipart form with a one-second recording, the way the
// upload page does (the CSRF token in the query).
func (b *browserish) upload(path string, fields map[string]string) resp {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("recording", "session.wav")
	tone := make([]int16, 16000)
	for i := range tone {
		tone[i] = int16(8000 * ((i/20)%2*2 - 1))
	}
	io.Copy(fw, bytes.NewReader(audio.EncodeWAV(tone, 16000)))
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path+"?csrf="+url.QueryEscape(b.csrf), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// matrixFingerprint is everything a request could change about the case:
// the client (programs, care team, sessions), the session, its drafts and
// the client's consents, and the audit log (a refused request adds only
// its refusal).
func (e *env) matrixFingerprint(c *matrixCase) string {
	e.t.Helper()
	var b strings.Builder
	cl, err := e.store.Client(e.ctx, c.client.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "client %v %v;", cl.Programs, cl.CareTeam)
	all, err := e.store.ListSessions(e.ctx, "", 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "sessions %d;", len(all))
	sess, err := e.store.Session(e.ctx, c.sess.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "session %s %d %v;", sess.Status, sess.UpdatedAt, sess.FailedStage)
	ds, _ := e.store.Drafts(e.ctx, c.sess.ID)
	for _, d := range ds {
		ad, _ := e.store.Addenda(e.ctx, d.ID)
		fmt.Fprintf(&b, "draft %d %s %d %d;", d.Version, d.Status, d.UpdatedAt, len(ad))
	}
	cs, _ := e.store.ConsentRecords(e.ctx, store.ConsentFilter{ClientID: c.client.ID})
	for _, x := range cs {
		fmt.Fprintf(&b, "consent %s %d;", x.ID, x.RevokedAt)
	}
	n := 0
	if err := e.store.AuditEntries(e.ctx, 0, func(en audit.Entry) error {
		// A refusal's own record is not a change, nor is the audit entry
		// of a charge export, which records what it listed of the other
		// clients the principal may see (the check of GET /charges says
		// that this client's session is not among them).
		if en.Action != "session.access_denied" && en.Action != "charges.export" {
			n++
		}
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "audit %d", n)
	return b.String()
}
