package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

// The command × role × client matrix (issue 12): every command that reads
// or changes client data, run as each principal (--as, or the host
// operator) against a Part 2 client and a non-Part 2 client. Every command
// of `scribe` has an entry or says why it touches no client data, and so
// does every subcommand its --help lists.

type cliPrincipal struct {
	name, email, role string
	part2, onTeam     bool
	operator          bool
}

var cliPrincipals = []cliPrincipal{
	{name: "program therapist", email: "program@example.org", role: store.RoleClinician, part2: true, onTeam: true},
	{name: "other therapist", email: "other@example.org", role: store.RoleClinician},
	{name: "program therapist not on the care team", email: "other-program@example.org", role: store.RoleClinician, part2: true},
	{name: "supervisor", email: "supervisor@example.org", role: store.RoleSupervisor},
	{name: "admin", email: "admin@example.org", role: store.RoleAdmin, part2: true},
	{name: "admin without Part 2 access", email: "admin-mh@example.org", role: store.RoleAdmin},
	{name: "host operator", operator: true},
}

// cliSees is who may see which client, written out.
var cliSees = map[string]map[bool]bool{
	"program therapist":                      {true: true, false: true},
	"other therapist":                        {true: false, false: false},
	"program therapist not on the care team": {true: false, false: false},
	"supervisor":                             {true: false, false: true},
	"admin":                                  {true: true, false: true},
	"admin without Part 2 access":            {true: false, false: true},
	"host operator":                          {true: true, false: true},
}

type cliCase struct {
	client  store.Client
	sess    store.Session
	consent string
	dir     string // files the command reads
	as      cliPrincipal
}

type cliEntry struct {
	status string // the session's state (default ready with a draft)
	signed bool
	args   func(c *cliCase) []string
	// denied is what the refusal says when the principal may not see the
	// client; adminOnly commands also refuse non-admins who may.
	denied    string
	adminOnly bool
	// roles: only these roles may (beside the operator), as the web app's
	// route for the same operation says; others are refused by role.
	roles []string
	// listing: it succeeds for everyone, showing only what they may see.
	listing bool
	// acts: the command acts in a person's name, so it runs with the
	// principal's own credential (an API token) instead of --as; the host
	// operator has none. "clinician": only a clinician or supervisor may.
	acts  string
	check func(t *testing.T, c *cliCase, sees bool, stdout string)
}

// cliNone lists the commands and subcommands that touch no client's data, and why.
var cliNone = map[string]string{
	"serve": "runs the server", "migrate": "schema only", "provider": "model providers", "template": "note templates",
	"redact": "text on standard input, no store", "audit": "the audit log names IDs, never aliases", "version": "version",
	"config": "settings only, secrets masked; opens no store",
	"user":   "accounts", "backup": "the operator's whole data dir", "restore": "into an empty data dir",
	"consent text-add": "consent wording", "consent texts": "consent wording",
	"doctor":         "system checks: database, keys, disk, providers (with synthetic audio), the audit chain",
	"demo":           "the fictional SAMPLE client only, which no real session can join",
	"eval":           "the SYNTHETIC gold set only; no client or session is read",
	"retention show": "the policy", "retention set": "the policy", "retention sweep": "purges by age for every client alike",
}

func cliTable() map[string]cliEntry {
	const noAccess = "care team"
	const noClient = "no client with this ID or alias that you may see"
	sid := func(c *cliCase) string { return c.sess.ID }
	text := func(c *cliCase) string { return filepath.Join(c.dir, "text.txt") }
	clinician := func(c *cliCase) string {
		// A session's clinician is a clinician's or supervisor's account:
		// the operator and admins name the program therapist.
		if c.as.operator || c.as.role == store.RoleAdmin {
			return "program@example.org"
		}
		return c.as.email
	}
	return map[string]cliEntry{
		"session list": {listing: true, args: func(c *cliCase) []string { return []string{"session", "list"} }, check: func(t *testing.T, c *cliCase, sees bool, out string) {
			if strings.Contains(out, c.sess.ID) != sees {
				t.Errorf("session list shows the session: %v, want %v", !sees, sees)
			}
		}},
		"session show":   {args: func(c *cliCase) []string { return []string{"session", "show", sid(c)} }, denied: noAccess},
		"session cancel": {status: store.StatusScheduled, roles: []string{store.RoleAdmin, store.RoleClinician}, args: func(c *cliCase) []string { return []string{"session", "cancel", sid(c), "--reason", "rescheduled"} }, denied: noAccess},
		"session link":   {status: store.StatusScheduled, roles: []string{store.RoleAdmin, store.RoleClinician}, args: func(c *cliCase) []string { return []string{"session", "link", sid(c)} }, denied: noAccess},
		"session reschedule": {status: store.StatusScheduled, roles: []string{store.RoleAdmin, store.RoleClinician}, args: func(c *cliCase) []string {
			return []string{"session", "reschedule", sid(c), "--at", time.Now().Add(72 * time.Hour).Format(time.RFC3339)}
		}, denied: noAccess},
		"session retry": {status: store.StatusFailed, args: func(c *cliCase) []string { return []string{"session", "retry", sid(c)} }, denied: noAccess},
		"session create": {args: func(c *cliCase) []string {
			return []string{"session", "create", "--clinician", clinician(c), "--client-alias", c.client.Alias, "--program", "mh"}
		}, denied: "already used"},
		"ingest": {args: func(c *cliCase) []string {
			return []string{"ingest", "--clinician", clinician(c), "--client-alias", c.client.Alias, "--program", "mh", filepath.Join(c.dir, "tone.wav")}
		}, denied: "already used"},
		"ingest --consent-attested": {args: func(c *cliCase) []string {
			return []string{"ingest", "--clinician", clinician(c), "--client-alias", c.client.Alias, "--program", "mh", "--consent-attested", filepath.Join(c.dir, "tone.wav")}
		}, denied: "already used", acts: "person"},
		"draft show":     {args: func(c *cliCase) []string { return []string{"draft", "show", sid(c)} }, denied: noAccess},
		"draft codes":    {args: func(c *cliCase) []string { return []string{"draft", "codes", sid(c)} }, denied: noAccess},
		"draft versions": {args: func(c *cliCase) []string { return []string{"draft", "versions", sid(c)} }, denied: noAccess},
		"draft edit": {args: func(c *cliCase) []string {
			return []string{"draft", "edit", sid(c), "--section", "plan", "--text-file", text(c)}
		}, denied: noAccess, acts: "clinician"},
		"draft resolve-flag": {args: func(c *cliCase) []string {
			return []string{"draft", "resolve-flag", sid(c), "--code", "risk_not_assessed", "--reason", "assessed"}
		}, denied: noAccess, acts: "clinician"},
		"draft sign": {args: func(c *cliCase) []string {
			return []string{"draft", "sign", sid(c), "--attest", "--override-flags", "reviewed"}
		}, denied: noAccess, acts: "clinician"},
		"draft reject": {args: func(c *cliCase) []string { return []string{"draft", "reject", sid(c), "--reason", "wrong session"} }, denied: noAccess, acts: "clinician"},
		"draft addendum": {signed: true, args: func(c *cliCase) []string {
			return []string{"draft", "addendum", sid(c), "--text-file", text(c)}
		}, denied: noAccess, acts: "clinician"},
		"draft regenerate": {args: func(c *cliCase) []string { return []string{"draft", "regenerate", sid(c)} }, denied: noAccess},
		"consent add": {args: func(c *cliCase) []string {
			return []string{"consent", "add", "--session", sid(c), "--scope", "ai_scribe", "--method", "verbal_attested", "--signature", "attested"}
		}, denied: noAccess, acts: "person"},
		"consent add --client": {args: func(c *cliCase) []string { return part2ConsentArgs(c.client.Alias) }, denied: noClient, acts: "person"},
		"consent revoke": {args: func(c *cliCase) []string {
			return []string{"consent", "revoke", c.consent, "--method", "written"}
		}, denied: "no consent", acts: "person"},
		"consent list": {args: func(c *cliCase) []string { return []string{"consent", "list", "--session", sid(c)} }, denied: noAccess,
			check: func(t *testing.T, c *cliCase, sees bool, out string) {
				if sees && !strings.Contains(out, c.consent) {
					t.Errorf("consent list of the session lacks the client's consent")
				}
			}},
		"consent list --client": {args: func(c *cliCase) []string { return []string{"consent", "list", "--client", c.client.Alias} }, denied: noClient},
		"charges": {listing: true, signed: true, args: func(c *cliCase) []string {
			day := time.Now().Format(time.DateOnly)
			return []string{"charges", "--from", day, "--to", day}
		}, check: func(t *testing.T, c *cliCase, sees bool, out string) {
			if !strings.HasPrefix(out, "date_of_service,") || strings.Contains(out, c.client.Alias) && !sees {
				t.Errorf("charges: %q", out)
			}
		}},
		"disclosures": {args: func(c *cliCase) []string { return []string{"disclosures", "--client", c.client.Alias} }, denied: noClient},
		"export fhir": {args: func(c *cliCase) []string {
			return []string{"export", "fhir", sid(c), "--recipient", "Example Health", "--purpose", "treatment"}
		}, denied: noAccess},
		"export hl7v2": {args: func(c *cliCase) []string {
			return []string{"export", "hl7v2", sid(c), "--recipient", "Example Health", "--purpose", "treatment"}
		}, denied: noAccess},
		"export text": {args: func(c *cliCase) []string {
			return []string{"export", "text", sid(c), "--recipient", "Example Health", "--purpose", "treatment"}
		}, denied: noAccess},
		"retention hold":    {args: func(c *cliCase) []string { return []string{"retention", "hold", sid(c), "--reason", "matter 7"} }, denied: noAccess},
		"retention release": {args: func(c *cliCase) []string { return []string{"retention", "release", sid(c)} }, denied: noAccess},
		"client list": {listing: true, args: func(c *cliCase) []string { return []string{"client", "list"} }, check: func(t *testing.T, c *cliCase, sees bool, out string) {
			if strings.Contains(out, c.client.ID) != sees {
				t.Errorf("client list shows the client: %v, want %v", !sees, sees)
			}
		}},
		"client show": {args: func(c *cliCase) []string { return []string{"client", "show", c.client.Alias} }, denied: noClient},
		"client add-member": {args: func(c *cliCase) []string {
			return []string{"client", "add-member", c.client.ID, "--email", "spare@example.org"}
		}, denied: noClient, adminOnly: true},
		"client remove-member": {args: func(c *cliCase) []string {
			return []string{"client", "remove-member", c.client.ID, "--email", "spare@example.org"}
		}, denied: noClient, adminOnly: true},
	}
}

var subcommandRe = regexp.MustCompile(`(?:scribe ([a-z]+) |\| )([a-z][a-z0-9-]*)`)

// TestCommandRoleClientMatrix runs every command that reads or changes
// client data as each principal against a Part 2 and a non-Part 2 client,
// each on a fresh session. A principal who may not see the client is
// refused in the same words for both clients, without the client's alias,
// and nothing changes.
func TestCommandRoleClientMatrix(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_USER", "")
	table := cliTable()
	covered := func(key string) bool {
		if _, ok := cliNone[key]; ok {
			return true
		}
		for k := range table {
			if k == key || strings.HasPrefix(k, key+" ") {
				return true
			}
		}
		return false
	}
	for _, c := range commands() {
		if !covered(c.name) {
			t.Errorf("command %q has no entry in the command × role × client matrix; add one (or say why it touches no client data)", c.name)
			continue
		}
		if _, ok := cliNone[c.name]; ok {
			continue
		}
		_, help, _ := cli(t, "", c.name, "--help")
		for _, m := range subcommandRe.FindAllStringSubmatch(help, -1) {
			if m[1] != "" && m[1] != c.name {
				continue
			}
			if sub := c.name + " " + m[2]; !covered(sub) {
				t.Errorf("subcommand %q has no entry in the matrix", sub)
			}
		}
	}
	if t.Failed() {
		return
	}

	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustCLI(t, data, "migrate")
	st, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tokens := map[string]string{} // principal's e-mail → API token file
	for _, p := range append(cliPrincipals, cliPrincipal{email: "spare@example.org", role: store.RoleClinician, part2: true}) {
		if p.operator {
			continue
		}
		h, err := auth.HashPassword(cliTestPassword)
		if err != nil {
			t.Fatal(err)
		}
		u := store.User{ID: uuid.NewString(), Email: p.email, Role: p.role, Part2Access: p.part2, PasswordHash: h}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
			t.Fatal(err)
		}
		tokens[p.email], _ = tokenFile(t, data, u)
	}
	files := filepath.Join(dir, "files")
	os.MkdirAll(files, 0o700)
	tone := make([]int16, 16000)
	for i := range tone {
		tone[i] = int16(8000 * ((i/20)%2*2 - 1))
	}
	os.WriteFile(filepath.Join(files, "tone.wav"), audio.EncodeWAV(tone, 16000), 0o600)
	os.WriteFile(filepath.Join(files, "text.txt"), []byte("Meet again next week."), 0o600)
	blobs := testBlobs(t, data)
	kinds := map[bool]store.Client{}
	for _, part2 := range []bool{true, false} {
		program := store.ProgramMH
		if part2 {
			program = store.ProgramSUD
		}
		c := store.Client{Alias: "client-" + testenv.RandomHex(3), Programs: []string{program}, CareTeam: []string{"program@example.org"}}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateClient(ctx, &c, "test") }); err != nil {
			t.Fatal(err)
		}
		kinds[part2] = c
	}

	newCase := func(client store.Client, e cliEntry, p cliPrincipal) *cliCase {
		t.Helper()
		program := store.ProgramMH
		if client.Part2() {
			program = store.ProgramSUD
		}
		sess := store.Session{ID: uuid.NewString(), Source: "ingest", Status: store.StatusReady, Template: "dap", Modality: "general", Program: program,
			ClientID: client.ID, Clinician: "program@example.org", CaptureEnded: true}
		if e.status == store.StatusScheduled {
			sess.Source, sess.CaptureEnded = "call", false
		}
		flags, _ := json.Marshal([]drafts.Flag{{Flag: summarize.Flag{Code: summarize.FlagRiskNotAssessed, Severity: summarize.SeverityHigh, Reason: "no risk assessment"}}})
		content, _ := json.Marshal(drafts.Content{Note: summarize.Note{Format: "dap", Sections: []summarize.Section{
			{Key: "data", Title: "Data", Statements: []summarize.Statement{{Text: "Client reports better sleep.", Citations: []string{"S0001"}}}},
			{Key: "plan", Title: "Plan", Statements: []summarize.Statement{{Text: "Continue weekly sessions.", Citations: []string{"S0001"}}}},
		}}})
		redacted := "sessions/" + sess.ID + "/transcript/redacted.json"
		if err := blobs.Put(ctx, redacted, []byte(`[]`)); err != nil {
			t.Fatal(err)
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &sess); err != nil {
				return err
			}
			if err := tx.PutTranscript(ctx, store.Transcript{SessionID: sess.ID, RedactedBlob: redacted, MapBlob: "sessions/" + sess.ID + "/transcript/map.bin"}); err != nil {
				return err
			}
			if _, err := tx.InsertDraft(ctx, &store.Draft{ID: uuid.NewString(), SessionID: sess.ID, Version: 1, Status: store.DraftDraft, Template: "dap",
				PromptVersion: "dap/1", Provider: "local-llm", Model: "note-model-test-1", Content: string(content), Flags: string(flags)}); err != nil {
				return err
			}
			if e.status == store.StatusScheduled {
				// A call session not yet held: no draft, nothing recorded.
				return tx.SetSessionStatus(ctx, sess.ID, store.StatusScheduled)
			}
			if e.status == store.StatusFailed {
				if _, err := tx.AddChunk(ctx, &store.Chunk{SessionID: sess.ID, Speaker: "speaker", Index: 0, StartMS: 0, EndMS: 1000, AudioBlob: "sessions/" + sess.ID + "/audio/speaker-0000.wav"}); err != nil {
					return err
				}
				return tx.FailSession(ctx, sess.ID, jobs.StageTranscribe, "the provider was unreachable")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.signed {
			if _, err := (&drafts.Service{Store: st}).Sign(ctx, sess.ID, drafts.SignOptions{Clinician: "program@example.org", Attest: true, OverrideReason: "reviewed"}); err != nil {
				t.Fatal(err)
			}
		}
		consent := store.ConsentRecord{Consent: store.Consent{ClientID: client.ID, Scope: compliance.ScopePart2TPO, Granted: true, Method: compliance.MethodWritten,
			CapturedBy: "program@example.org"}, Discloser: "Synthetic Recovery Program", Information: "progress notes", Recipients: "Example Health",
			Purpose: "treatment", ExpiryEvent: "end of treatment", Signature: "ink", RevocationNotice: true}
		if err := compliance.Add(ctx, st, &consent, "test"); err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.Client(ctx, client.ID)
			if err == nil {
				_, err = tx.AddCareTeamMember(ctx, &c, "spare@example.org", "test")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return &cliCase{client: client, sess: sess, consent: consent.ID, dir: files, as: p}
	}
	fingerprint := func(c *cliCase) string {
		var b strings.Builder
		cl, _ := st.Client(ctx, c.client.ID)
		fmt.Fprintf(&b, "client %v %v;", cl.Programs, cl.CareTeam)
		all, _ := st.ListSessions(ctx, "", 100000)
		s, _ := st.Session(ctx, c.sess.ID)
		hold, _, _ := st.LegalHold(ctx, c.sess.ID)
		fmt.Fprintf(&b, "sessions %d; session %s %d %v;", len(all), s.Status, s.UpdatedAt, hold)
		ds, _ := st.Drafts(ctx, c.sess.ID)
		for _, d := range ds {
			ad, _ := st.Addenda(ctx, d.ID)
			fmt.Fprintf(&b, "draft %d %s %d %d;", d.Version, d.Status, d.UpdatedAt, len(ad))
		}
		cs, _ := st.ConsentRecords(ctx, store.ConsentFilter{ClientID: c.client.ID})
		for _, x := range cs {
			fmt.Fprintf(&b, "consent %s %d;", x.ID, x.RevokedAt)
		}
		ds2, _ := st.Disclosures(ctx, store.DisclosureFilter{ClientID: c.client.ID})
		fmt.Fprintf(&b, "disclosures %d;", len(ds2))
		n := 0
		st.AuditEntries(ctx, 0, func(en audit.Entry) error {
			// Refusals and the use of a credential are audited; neither is a change.
			if en.Action != "session.access_denied" && !strings.HasPrefix(en.Action, "auth.") {
				n++
			}
			return nil
		})
		fmt.Fprintf(&b, "audit %d", n)
		return b.String()
	}

	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cases := 0
	for _, key := range keys {
		e := table[key]
		for _, p := range cliPrincipals {
			refusals := map[bool]string{}
			for _, part2 := range []bool{true, false} {
				cases++
				c := newCase(kinds[part2], e, p)
				args := e.args(c)
				switch {
				case p.operator:
				case e.acts != "":
					args = append(args, "--token-file", tokens[p.email])
				default:
					args = append(args, "--as", p.email)
				}
				before := fingerprint(c)
				stdout, stderr, code := cli(t, data, args...)
				what := fmt.Sprintf("scribe %s as %s on a %s client", key, p.name, map[bool]string{true: "Part 2", false: "non-Part 2"}[part2])
				sees := cliSees[p.name][part2]
				allowed := sees && (!e.adminOnly || p.operator || p.role == store.RoleAdmin) || e.listing
				denied := e.denied
				byRole := e.acts == "clinician" && p.role != store.RoleClinician && p.role != store.RoleSupervisor
				switch {
				case e.acts != "" && p.operator:
					allowed, denied = false, "own credential"
				case byRole:
					allowed, denied = false, "clinician or supervisor"
				case len(e.roles) > 0 && !p.operator && !slices.Contains(e.roles, p.role):
					allowed, denied = false, "only "
				}
				switch {
				case allowed && code != 0:
					t.Errorf("%s: exit %d: %s", what, code, stderr)
				case !allowed && code == 0:
					t.Errorf("%s: succeeded; want a refusal", what)
				case !allowed && e.adminOnly && !p.operator && p.role != store.RoleAdmin:
					if !strings.Contains(stderr, "only an admin") {
						t.Errorf("%s: refusal does not say it is for admins: %s", what, stderr)
					}
				case !allowed && !strings.Contains(stderr, denied):
					t.Errorf("%s: refusal does not say %q: %s", what, denied, stderr)
				}
				if e.check != nil {
					e.check(t, c, sees, stdout)
				}
				if !allowed {
					if strings.Contains(stdout+stderr, c.client.Alias) {
						t.Errorf("%s: the refusal names the client", what)
					}
					if after := fingerprint(c); after != before {
						t.Errorf("%s: a refused command changed something:\n before %s\n after  %s", what, before, after)
					}
					refusals[part2] = strings.NewReplacer(c.sess.ID, "SESSION", c.client.ID, "CLIENT", c.consent, "CONSENT").Replace(stderr)
				}
			}
			if len(refusals) == 2 && refusals[true] != refusals[false] {
				t.Errorf("scribe %s as %s: the refusals tell a Part 2 client from another: %q vs %q", key, p.name, refusals[true], refusals[false])
			}
		}
	}
	t.Logf("%d command × principal × client cases", cases)
}
