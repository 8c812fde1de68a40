package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

const cliTestPassword = "correct horse battery staple"

// webUser adds a web app user with a password (as an invitation would).
func webUser(t *testing.T, dataDir, email, role string) store.User {
	t.Helper()
	return webUserWith(t, dataDir, store.User{Email: email, Role: role})
}

// webUserWith is webUser for a user with more set (Part 2 access).
func webUserWith(t *testing.T, dataDir string, u store.User) store.User {
	t.Helper()
	a, err := openApp(context.Background(), config{dataDir: dataDir, databaseURL: os.Getenv("DATABASE_URL")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h, err := auth.HashPassword(cliTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	u.ID, u.PasswordHash = uuid.NewString(), h
	if err := a.store.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

// tokenFile makes a personal API token for u with the function the account
// page calls, and writes it to a file only the owner can read.
func tokenFile(t *testing.T, dataDir string, u store.User) (path, token string) {
	t.Helper()
	a, err := openApp(context.Background(), config{dataDir: dataDir, databaseURL: os.Getenv("DATABASE_URL")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tok, _, err := a.authService().CreateToken(context.Background(), u, "laptop", cliTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tok
}

func draftStatus(t *testing.T, dataDir, sessionID string) store.Draft {
	t.Helper()
	a, err := openApp(context.Background(), config{dataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	d, err := a.store.LatestDraft(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// userID is the ID of the account with email.
func userID(t *testing.T, dataDir, email string) string {
	t.Helper()
	a, err := openApp(context.Background(), config{dataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestDraftSignNeedsTheClinicianCredential (finding 7): `scribe draft sign
// --clinician EMAIL` no longer signs as whoever is named. It signs only with
// that clinician's credential — a personal API token from the web app's
// account page, or their password and code at a terminal — as that person,
// and only a note the web app would let them sign; the audit log names them.
func TestDraftSignNeedsTheClinicianCredential(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_TOKEN", "")
	data := filepath.Join(t.TempDir(), "data")
	seedDraft(t, data, "s1", "mh", "client-a")

	// A name is not a credential.
	errOut := failCLI(t, data, "draft", "sign", "s1", "--clinician", "therapist@example.org", "--attest")
	if !strings.Contains(errOut, "credential") || !strings.Contains(errOut, "account page") {
		t.Fatalf("sign without a credential: %s", errOut)
	}
	if d := draftStatus(t, data, "s1"); d.Status == store.DraftSigned {
		t.Fatal("the note was signed with no credential")
	}

	therapist := webUser(t, data, "therapist@example.org", store.RoleClinician)
	other := webUser(t, data, "other@example.org", store.RoleClinician)
	admin := webUser(t, data, "admin@example.org", store.RoleAdmin)
	tf, tok := tokenFile(t, data, therapist)
	otherTF, _ := tokenFile(t, data, other)
	adminTF, _ := tokenFile(t, data, admin)

	// A credential is one person's: it does not sign in another's name,
	// another clinician's note, or for an admin.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--token-file", tf, "--clinician", "other@example.org"}, "not other@example.org's"},
		{[]string{"--token-file", otherTF}, "another clinician"},
		{[]string{"--token-file", adminTF}, "clinician or supervisor"},
	} {
		args := append([]string{"draft", "sign", "s1", "--attest"}, c.args...)
		if errOut := failCLI(t, data, args...); !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %s (want %q)", c.args, errOut, c.want)
		}
	}
	// A token file others can read is refused.
	loose := filepath.Join(t.TempDir(), "loose")
	os.WriteFile(loose, []byte(tok), 0o644)
	os.Chmod(loose, 0o644)
	if errOut := failCLI(t, data, "draft", "sign", "s1", "--attest", "--token-file", loose); !strings.Contains(errOut, "chmod 600") {
		t.Fatalf("a world-readable token file: %s", errOut)
	}
	if d := draftStatus(t, data, "s1"); d.Status == store.DraftSigned {
		t.Fatal("a refused credential signed the note")
	}

	// The clinician's own token (in the environment) signs, as them.
	t.Setenv("SCRIBE_TOKEN", tok)
	out := mustCLI(t, data, "draft", "sign", "s1", "--attest")
	if !strings.Contains(out, "by therapist@example.org") || draftStatus(t, data, "s1").SignedBy != "therapist@example.org" {
		t.Fatalf("sign with the token: %s", out)
	}
	t.Setenv("SCRIBE_TOKEN", "")
	audit := mustCLI(t, data, "audit", "export")
	// The audit log names people by their user ID (the viewer shows the
	// e-mail beside it).
	therapistID := userID(t, data, "therapist@example.org")
	if !strings.Contains(audit, `"action":"draft.sign","actor":"`+therapistID+`"`) {
		t.Fatalf("the signature's audit entry does not name the clinician (%s):\n%s", therapistID, audit)
	}
	if !strings.Contains(audit, `"action":"auth.token_used"`) {
		t.Fatal("the token's use was not audited")
	}

	// A revoked token no longer works.
	a, err := openApp(context.Background(), config{dataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	toks, _ := a.store.APITokens(context.Background(), therapist.ID)
	if err := a.authService().RevokeToken(context.Background(), therapist, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if errOut := failCLI(t, data, "draft", "addendum", "s1", "--text-file", tf, "--token-file", tf); !strings.Contains(errOut, "not valid") {
		t.Fatalf("a revoked token: %s", errOut)
	}
}

// openPTY opens a pseudo-terminal pair: what the test writes to master, a
// program reading slave reads as typed at a terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skip("cannot unlock a pseudo-terminal:", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skip("no pseudo-terminal number:", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skip("cannot open the pseudo-terminal:", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// TestDraftSignAtATerminal: without a token, a terminal asks for the
// password and the authenticator code (not echoed), with the web app's
// counters: a wrong code is refused and counted.
func TestDraftSignAtATerminal(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_TOKEN", "")
	data := filepath.Join(t.TempDir(), "data")
	seedDraft(t, data, "s1", "mh", "client-a")
	u := webUser(t, data, "therapist@example.org", store.RoleClinician)
	a, err := openApp(context.Background(), config{dataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	svc := a.authService()
	secret, err := svc.NewPendingTOTP(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(secret, time.Now())
	if _, err := svc.ConfirmTOTP(context.Background(), u.ID, code, nil); err != nil {
		t.Fatal(err)
	}
	a.Close()

	master, slave := openPTY(t)
	old := os.Stdin
	os.Stdin = slave
	defer func() { os.Stdin = old }()
	typeLines := func(lines ...string) {
		for _, l := range lines {
			if _, err := master.WriteString(l + "\n"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A wrong code: refused, counted, nothing signed.
	wrong := "000000"
	for _, off := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		if c, _ := auth.TOTPCode(secret, time.Now().Add(off)); c == wrong {
			wrong = "111111"
		}
	}
	typeLines(cliTestPassword, wrong)
	_, errOut, exit := cli(t, data, "draft", "sign", "s1", "--attest", "--clinician", "therapist@example.org")
	if exit == 0 || !strings.Contains(errOut, "Password for therapist@example.org") || !strings.Contains(errOut, "not right") {
		t.Fatalf("a wrong code at the terminal: exit %d %s", exit, errOut)
	}
	if strings.Contains(errOut, cliTestPassword) {
		t.Fatal("the password was echoed")
	}
	// The password and the current code sign, as that clinician.
	// The back-off after one wrong code is a second: wait for the state.
	deadline := time.Now().Add(30 * time.Second)
	for {
		a, _ := openApp(context.Background(), config{dataDir: data})
		w, err := a.authService().MFAPause(context.Background(), u.ID)
		a.Close()
		if err == nil && w == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the back-off after one wrong code did not pass")
		}
		time.Sleep(100 * time.Millisecond)
	}
	next, _ := auth.TOTPCode(secret, time.Now().Add(30*time.Second)) // a later step than the enrolment's
	typeLines(cliTestPassword, next)
	out, errOut, exit := cli(t, data, "draft", "sign", "s1", "--attest", "--clinician", "therapist@example.org")
	if exit != 0 || draftStatus(t, data, "s1").SignedBy != "therapist@example.org" {
		t.Fatalf("sign at the terminal: exit %d\n%s%s", exit, out, errOut)
	}
	if auditOut := mustCLI(t, data, "audit", "export"); !strings.Contains(auditOut, `"action":"auth.cli"`) {
		t.Fatal("the terminal sign-in was not audited")
	}
}

// TestConsentIsRecordedInTheNameOfTheCredentialOwner: `scribe consent add
// --captured-by EMAIL` and `scribe ingest --consent-attested-by EMAIL` wrote
// whatever name was typed into the consent record, with no credential. A
// consent, its refusal and an attestation are now recorded in the name of
// the person whose credential is given, and a typed name must be theirs.
func TestConsentIsRecordedInTheNameOfTheCredentialOwner(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_TOKEN", "")
	data := filepath.Join(t.TempDir(), "data")
	seedDraft(t, data, "s1", "mh", "client-a")
	therapist := webUser(t, data, "therapist@example.org", store.RoleClinician)
	other := webUser(t, data, "other@example.org", store.RoleClinician)
	tf, _ := tokenFile(t, data, therapist)
	otherTF, _ := tokenFile(t, data, other)
	consentArgs := []string{"consent", "add", "--session", "s1", "--scope", "ai_scribe", "--method", "verbal_attested", "--signature", "attested"}
	consents := func() []store.ConsentRecord {
		t.Helper()
		out := mustCLI(t, data, "consent", "list", "--session", "s1", "--json")
		var list []store.ConsentRecord
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("consent list --json: %v: %s", err, out)
		}
		return list
	}

	// A typed name is no credential, and nothing is recorded.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--captured-by", "therapist@example.org"}, "account page"},
		{[]string{"--captured-by", "therapist@example.org", "--token-file", otherTF}, "not therapist@example.org's"},
		{[]string{"--token-file", otherTF}, "care team"}, // another clinician's session
	} {
		if errOut := failCLI(t, data, append(consentArgs, c.args...)...); !strings.Contains(errOut, c.want) {
			t.Errorf("consent add %v: %s (want %q)", c.args, errOut, c.want)
		}
	}
	if n := len(consents()); n != 0 {
		t.Fatalf("a refused consent add recorded %d consents", n)
	}
	// With the therapist's own credential it is recorded in their name.
	mustCLI(t, data, append(consentArgs, "--token-file", tf)...)
	list := consents()
	if len(list) != 1 || list[0].CapturedBy != "therapist@example.org" {
		t.Fatalf("consent recorded as %+v; want one, captured by the credential's owner", list)
	}

	// Ingest: an attestation needs the attesting person's credential.
	wav := filepath.Join(t.TempDir(), "in.wav")
	os.WriteFile(wav, testenv.WAV(16000, sine(2)), 0o600)
	if errOut := failCLI(t, data, "ingest", "--clinician", "therapist@example.org", "--consent-attested-by", "therapist@example.org", wav); !strings.Contains(errOut, "account page") {
		t.Fatalf("ingest attested by a typed name: %s", errOut)
	}
	if errOut := failCLI(t, data, "ingest", "--clinician", "therapist@example.org", "--consent-attested-by", "therapist@example.org", "--token-file", otherTF, wav); !strings.Contains(errOut, "not therapist@example.org's") {
		t.Fatalf("ingest attested with another's credential: %s", errOut)
	}
	out := mustCLI(t, data, "ingest", "--clinician", "therapist@example.org", "--consent-attested", "--token-file", tf, wav)
	id := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	att := mustCLI(t, data, "consent", "list", "--session", id, "--json", "--as", "therapist@example.org")
	var recs []store.ConsentRecord
	if err := json.Unmarshal([]byte(att), &recs); err != nil || len(recs) != 1 || recs[0].CapturedBy != "therapist@example.org" {
		t.Fatalf("the attested consent is %s (%v); want one, by the credential's owner", att, err)
	}
	// The refused ingests made no session: s1 and the attested one are all.
	st, err := store.Open(context.Background(), store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if all, err := st.ListSessions(context.Background(), "", 100); err != nil || len(all) != 2 {
		t.Errorf("sessions after two refused ingests and one accepted: %d (%v); want 2", len(all), err)
	}
}
