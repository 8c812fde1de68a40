package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/backup"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

// Compliance and exchange commands (issue 7): consent registry, accounting
// of disclosures, FHIR and HL7 v2 exports, retention, backup and restore.
const consentUsage = `Usage: scribe consent add --scope ai_scribe|part2_tpo|recording (--session ID | --client ID_OR_ALIAS) --method electronic|written|verbal_attested
           --signature TEXT [--captured-by EMAIL] [--signed YYYY-MM-DD] [--expires YYYY-MM-DD] [--expiry-event TEXT]
           [--discloser TEXT --information TEXT --recipients TEXT --purpose TEXT --revocation-notice] [--text-version V] [--refused]
       scribe consent revoke CONSENT_ID --method written|electronic|verbal|verbal_attested [--by EMAIL]
           (add and revoke are recorded as done by the person whose credential is given:
            --token-file FILE, SCRIBE_TOKEN, or a terminal prompt)
       scribe consent list (--session ID | --client ID_OR_ALIAS) [--json]
       scribe consent text-add --scope SCOPE --version V --file F
       scribe consent texts [--scope SCOPE]`

func parseDay(name, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return 0, fmt.Errorf("--%s must be a date YYYY-MM-DD, not %q", name, v)
	}
	return t.UnixMilli(), nil
}

func cmdConsent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, consentUsage, shared(consentSub, "add", "revoke", "list", "text-add", "texts"))
}

// consentSub runs one subcommand of consent (they share one flag set).
func consentSub(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var err error
	fs := newFlags("consent "+sub, "consent "+sub+" [flags]", stderr)
	var cfg config
	cfg.register(fs)
	var c store.ConsentRecord
	fs.StringVar(&c.SessionID, "session", "", "the session the consent is for")
	fs.StringVar(&c.ClientAlias, "client", "", "the client's ID or alias (a client-wide consent when no --session)")
	fs.StringVar(&c.Scope, "scope", "", "ai_scribe, part2_tpo or recording")
	fs.StringVar(&c.Method, "method", "", "add: electronic, written or verbal_attested; revoke: written, electronic, verbal or verbal_attested")
	fs.StringVar(&c.CapturedBy, "captured-by", "", "who obtained the consent (optional; it must be whose credential is given)")
	fs.StringVar(&c.Signature, "signature", "", "the signature: typed name, e-signature ID, or the attesting clinician")
	fs.StringVar(&c.Discloser, "discloser", "", "who may disclose (the program or organisation)")
	fs.StringVar(&c.Information, "information", "", "how much and what kind of information may be disclosed")
	fs.StringVar(&c.Recipients, "recipients", "", "recipients by name or class")
	fs.StringVar(&c.Purpose, "purpose", "", "purpose of the disclosure")
	fs.StringVar(&c.ExpiryEvent, "expiry-event", "", "event on which the consent expires")
	fs.StringVar(&c.TextVersion, "text-version", "", "version of the consent text shown to the client")
	fs.BoolVar(&c.RevocationNotice, "revocation-notice", false, "the client was told of the right to revoke")
	signed := fs.String("signed", "", "date signed YYYY-MM-DD (default today)")
	expires := fs.String("expires", "", "expiry date YYYY-MM-DD")
	refused := fs.Bool("refused", false, "record a refusal instead of a grant")
	by := fs.String("by", "", "revoke: who records the revocation (optional; it must be whose credential is given)")
	var cred credential
	cred.register(fs)
	version := fs.String("version", "", "text-add: the text version")
	file := fs.String("file", "", "text-add: file with the consent text")
	asJSON := fs.Bool("json", false, "print JSON")
	as := asFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	// A consent, its refusal and its revocation are recorded in the name of
	// whoever records them: the person whose credential this is, never a
	// name typed on the command line.
	claimed := *by
	if sub == "add" {
		claimed = c.CapturedBy
	}
	u, err := a.principalOrCredential(ctx, sub == "add" || sub == "revoke", cred, *as, claimed, "consent "+sub, stderr)
	if err != nil {
		return err
	}
	actor := actorOf(u)
	// The consent's session or client, as the principal may see it.
	pointAt := func() error {
		if c.SessionID != "" {
			sess, err := sessionFor(ctx, a, u, c.SessionID)
			if err != nil {
				return err
			}
			if c.ClientAlias != "" && c.ClientAlias != sess.ClientAlias && c.ClientAlias != sess.ClientID {
				return fmt.Errorf("--client is not the client of session %s", sess.ID)
			}
			c.ClientID, c.ClientAlias = sess.ClientID, ""
			return nil
		}
		if c.ClientAlias == "" {
			return errors.New("give --session ID or --client ID_OR_ALIAS")
		}
		cl, err := findClient(ctx, a, u, c.ClientAlias)
		if err != nil {
			return err
		}
		c.ClientID, c.ClientAlias = cl.ID, ""
		return nil
	}
	switch sub {
	case "add":
		in := service.ConsentInput{SessionID: c.SessionID, Client: c.ClientAlias, Scope: c.Scope, Method: c.Method, Granted: !*refused,
			Signature: c.Signature, ExpiryEvent: c.ExpiryEvent, Discloser: c.Discloser, Information: c.Information, Recipients: c.Recipients,
			Purpose: c.Purpose, RevocationNotice: c.RevocationNotice, TextVersion: c.TextVersion}
		var day int64
		if day, err = parseDay("signed", *signed); err != nil {
			return err
		} else if day != 0 {
			in.Signed = time.UnixMilli(day)
		}
		if day, err = parseDay("expires", *expires); err != nil {
			return err
		} else if day != 0 {
			in.Expires = time.UnixMilli(day)
		}
		rec, err := a.service().AddConsent(ctx, u, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "consent %s recorded (%s, %s)\n", rec.ID, rec.Scope, map[bool]string{true: "granted", false: "refused"}[rec.Granted])
	case "revoke":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, consentUsage)
			return errUsage
		}
		r, err := a.service().RevokeConsent(ctx, u, service.Revocation{ConsentID: pos[0], Method: c.Method})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "consent %s revoked at %s by %s (%s)\n", r.ID, time.UnixMilli(r.RevokedAt).UTC().Format(time.RFC3339), r.RevokedBy, r.RevokeMethod)
	case "list":
		session := c.SessionID
		if err := pointAt(); err != nil {
			return err
		}
		list, err := a.store.ConsentRecords(ctx, store.ConsentFilter{SessionID: session, ClientID: c.ClientID})
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []store.ConsentRecord{}
			}
			return writeJSON(stdout, list)
		}
		now := a.store.NowMS()
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSCOPE\tSTATUS NOW\tMETHOD\tSIGNED\tEXPIRES\tREVOKED")
		for _, r := range list {
			d := compliance.Decide([]store.ConsentRecord{r}, r.Scope, now)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Scope, d.Status, r.Method, dayOr(r.SignedAt), dayOr(r.ExpiresAt)+expiryEvent(r), dayOr(r.RevokedAt))
		}
		return tw.Flush()
	case "text-add":
		if *file == "" {
			return errors.New("--file is required")
		}
		body, err := os.ReadFile(*file) // #nosec G703 -- the operator names the file on the command line
		if err != nil {
			return fmt.Errorf("read --file: %w", err)
		}
		t, err := compliance.AddText(ctx, a.store, c.Scope, *version, string(body), actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "consent text %s version %s stored (sha256 %s)\n", t.Scope, t.Version, t.SHA256)
	case "texts":
		ts, err := a.store.ConsentTexts(ctx, c.Scope)
		if err != nil {
			return err
		}
		for _, t := range ts {
			fmt.Fprintf(stdout, "%s  %s  %s  sha256 %s\n", t.Scope, t.Version, dayOr(t.CreatedAt), t.SHA256)
		}
	}
	return nil
}

func dayOr(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format(time.DateOnly)
}

func expiryEvent(r store.ConsentRecord) string {
	if r.ExpiryEvent == "" {
		return ""
	}
	return " or on event"
}

func cmdDisclosures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("disclosures", "disclosures --client ID_OR_ALIAS [--since YYYY-MM-DD] [--csv]", stderr)
	var cfg config
	cfg.register(fs)
	client := fs.String("client", "", "the client's ID or alias")
	since := fs.String("since", "", "first day (default: three years ago)")
	asCSV := fs.Bool("csv", false, "print CSV")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	sinceMS, err := parseDay("since", *since)
	if err != nil {
		return err
	}
	var sinceT time.Time
	if sinceMS != 0 {
		sinceT = time.UnixMilli(sinceMS)
	}
	x, err := openActing(ctx, cfg, *as)
	if err != nil {
		return err
	}
	defer x.Close()
	a, u := x.app, x.by
	if strings.TrimSpace(*client) == "" {
		return errors.New("an accounting of disclosures is per client: give --client ID_OR_ALIAS")
	}
	cl, err := findClient(ctx, a, u, *client)
	if err != nil {
		return err
	}
	acc, err := compliance.BuildAccounting(ctx, a.store, cl, sinceT, time.UnixMilli(a.store.NowMS()))
	if err != nil {
		return err
	}
	if err := a.store.Audit(ctx, audit.Event{Actor: actorOf(u), Action: "disclosures.read", EntityType: "client", EntityID: cl.ID,
		Details: map[string]string{"entries": fmt.Sprint(len(acc.Entries)), "csv": fmt.Sprint(*asCSV)}}); err != nil {
		return fmt.Errorf("cannot record the audit entry for this read, so the accounting is not shown: %w", err)
	}
	if *asCSV {
		return acc.WriteCSV(stdout)
	}
	return acc.WriteText(stdout)
}

const exportUsage = `Usage: scribe export fhir|hl7v2|text SESSION_ID [--out FILE] [--version N] [--recipient NAME --purpose TEXT] [--actor EMAIL] [--reidentify]
  Part 2 records need --recipient and --purpose and a part2_tpo consent in force; each export is recorded as a disclosure.
  The note keeps its redaction placeholders unless the session's clinician asks for --reidentify.
  --reidentify (and --actor EMAIL) act as that clinician and need their credential: --token-file FILE or
  SCRIBE_TOKEN (a personal API token from the account page in the web app), or a terminal prompt.`

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, exportUsage, shared(exportSub, "fhir", "hl7v2", "text"))
}

// exportSub runs one subcommand of export (they share one flag set).
func exportSub(ctx context.Context, format string, args []string, stdout, stderr io.Writer) error {
	var err error
	fs := newFlags("export "+format, "export "+format+" SESSION_ID [flags]", stderr)
	var cfg config
	cfg.register(fs)
	out := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	version := fs.Int("version", 0, "draft version (default latest)")
	recipient := fs.String("recipient", "", "who receives the export (required for Part 2 records)")
	purpose := fs.String("purpose", "", "why it is disclosed (required for Part 2 records)")
	actorFlag := fs.String("actor", "", "export as this clinician (needs their credential; default the CLI user)")
	reidentify := fs.Bool("reidentify", false, "put the identifiers back in the exported note (the session's clinician only, with their credential; audited)")
	var cred credential
	cred.register(fs)
	receivingApp := fs.String("receiving-app", "", "hl7v2: MSH-5 receiving application")
	receivingFac := fs.String("receiving-facility", "", "hl7v2: MSH-6 receiving facility")
	as := asFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, exportUsage)
		return errUsage
	}
	if *out != "" {
		if _, err := os.Stat(*out); err == nil { // #nosec G703 -- the operator names the file on the command line
			return fmt.Errorf("--out %s already exists; choose a new file", *out)
		}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.principalOrCredential(ctx, *actorFlag != "" || *reidentify, cred, *as, *actorFlag, "export "+format, stderr)
	if err != nil {
		return err
	}
	ex, err := a.service().Export(ctx, u, service.ExportInput{SessionID: pos[0], Format: format, Version: *version, Reidentify: *reidentify,
		Recipient: *recipient, Purpose: *purpose, Via: "cli",
		HL7: exchange.HL7Options{ReceivingApp: *receivingApp, ReceivingFacility: *receivingFac}})
	if ve, ok := validate.As(err); ok && (ve.Field == service.FieldRecipient || ve.Field == service.FieldPurpose) {
		return fmt.Errorf("session %s is a 42 CFR Part 2 record: give --recipient and --purpose; the export is recorded as a disclosure", pos[0])
	}
	if err != nil {
		return err
	}
	body := ex.Body
	if *out == "" {
		_, err = stdout.Write(body)
		if err == nil && format != "hl7v2" {
			_, err = io.WriteString(stdout, "\n")
		}
		return err
	}
	if err := writeNewFile(*out, body); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", *out, len(body))
	return nil
}

// writeNewFile writes a file that must not exist yet, mode 0600, via a
// temporary file so a failed write leaves nothing behind.
func writeNewFile(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scribe-tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

const retentionUsage = `Usage: scribe retention show [--json]
       scribe retention set [--audio-days N] [--transcript-days N] [--purge-after-transcription=true|false]
       scribe retention sweep
       scribe retention hold SESSION_ID --reason TEXT
       scribe retention release SESSION_ID`

func cmdRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, retentionUsage, shared(retentionSub, "show", "set", "sweep", "hold", "release"))
}

// retentionSub runs one subcommand of retention (they share one flag set).
func retentionSub(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var err error
	fs := newFlags("retention "+sub, "retention "+sub+" [flags]", stderr)
	var cfg config
	cfg.register(fs)
	audioDays := fs.Int("audio-days", -1, "purge audio older than N days (0 = never by age)")
	transcriptDays := fs.Int("transcript-days", -1, "purge transcripts and identifier maps older than N days (0 = keep)")
	purgeAfter := fs.String("purge-after-transcription", "", "true or false: delete audio once its transcription succeeds")
	reason := fs.String("reason", "", "hold: the reason (a case or matter number, no PHI)")
	asJSON := fs.Bool("json", false, "print JSON")
	as := asFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	x, err := openActing(ctx, cfg, *as)
	if err != nil {
		return err
	}
	defer x.Close()
	a, u := x.app, x.by
	if sub == "sweep" && u.Role != store.RoleAdmin {
		return errors.New("the retention policy and sweeps are for admins")
	}
	switch sub {
	case "show":
		p, err := a.store.RetentionPolicy(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, p)
		}
		printPolicy(stdout, p)
	case "set":
		p, err := a.store.RetentionPolicy(ctx)
		if err != nil {
			return err
		}
		if *audioDays != -1 {
			p.AudioDays = *audioDays
		}
		if *transcriptDays != -1 {
			p.TranscriptDays = *transcriptDays
		}
		switch *purgeAfter {
		case "":
		case "true":
			p.PurgeAudioAfterTranscription = true
		case "false":
			p.PurgeAudioAfterTranscription = false
		default:
			return fmt.Errorf("--purge-after-transcription must be true or false, not %q", *purgeAfter)
		}
		if p, err = a.service().SetPolicy(ctx, u, service.PolicyInput{PurgeAudioAfterTranscription: p.PurgeAudioAfterTranscription,
			AudioDays: p.AudioDays, TranscriptDays: p.TranscriptDays}); err != nil {
			return err
		}
		printPolicy(stdout, p)
	case "sweep":
		r, err := retention.Sweep(ctx, a.store, a.blobs, time.UnixMilli(a.store.NowMS()))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "purged audio of %d session(s) (%d chunk(s)), transcripts of %d session(s); %d session(s) on legal hold left alone\n",
			r.AudioSessions, r.AudioChunks, r.TranscriptSessions, r.Held)
	case "hold", "release":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, retentionUsage)
			return errUsage
		}
		on := sub == "hold"
		if err := a.service().SetLegalHold(ctx, u, pos[0], on, *reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "session %s: legal hold %s\n", pos[0], map[bool]string{true: "placed", false: "lifted"}[on])
	}
	return nil
}

func printPolicy(w io.Writer, p store.RetentionPolicy) {
	never := func(n int, what string) string {
		if n == 0 {
			return what
		}
		return fmt.Sprintf("%d days", n)
	}
	fmt.Fprintf(w, "audio purged after transcription: %v\naudio kept at most: %s\ntranscripts and identifier maps kept: %s\ndrafts and signed notes: kept (clinical record)\nsessions on legal hold: never purged\n",
		p.PurgeAudioAfterTranscription, never(p.AudioDays, "no age limit"), never(p.TranscriptDays, "indefinitely"))
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "backup FILE [--exclude-keys]", stderr)
	var cfg config
	cfg.register(fs)
	excludeKeys := fs.Bool("exclude-keys", false, "leave master.key and the audit checkpoint key out (keep them in your secret manager)")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil { // #nosec G703 -- the operator names the file on the command line
		return fmt.Errorf("%s already exists; a backup never overwrites a file", file)
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	tmp, err := os.CreateTemp(filepath.Dir(file), ".scribe-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	m, err := backup.Write(ctx, a.store, cfg.dataDir, tmp, backup.Options{ExcludeKeys: *excludeKeys, Now: time.UnixMilli(a.store.NowMS())})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup failed, nothing was written: %w", err)
	}
	if err := os.Link(tmp.Name(), file); err != nil {
		return err
	}
	if err := a.store.Audit(ctx, audit.Event{Actor: cliActor(), Action: "backup", EntityType: "data_dir", EntityID: "backup", Details: map[string]string{
		"dialect": string(m.Dialect), "blobs": fmt.Sprint(m.Blobs), "keys": strings.Join(m.IncludesKeys, ",")}}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%s database snapshot: %v, %d blob(s), %d bytes)\n", file, m.Dialect, m.Database, m.Blobs, m.Bytes)
	if len(m.IncludesKeys) > 0 {
		fmt.Fprintf(stdout, "the archive holds the key files (%s): store it as securely as the data dir, or use --exclude-keys\n", strings.Join(m.IncludesKeys, ", "))
	}
	if m.Note != "" {
		fmt.Fprintln(stdout, m.Note)
	}
	return nil
}

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "restore FILE --data-dir EMPTY_DIR [--public-key BASE64] [--audit-witness PATH]", stderr)
	var cfg config
	cfg.register(fs)
	cfg.registerAuditWitness(fs)
	pinned := fs.String("public-key", "", "audit checkpoint public key to trust (default: the restored key file)")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0]) // #nosec G703 -- the operator names the file on the command line
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	m, err := backup.Restore(ctx, f, cfg.dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s backup of %s into %s (%d blob(s))\n", m.Dialect, m.CreatedAt.Format(time.RFC3339), cfg.dataDir, m.Blobs)
	if m.Dialect != store.SQLite {
		fmt.Fprintln(stdout, m.Note)
		return nil
	}
	cfg.databaseURL = "" // the archive holds the embedded database: verify that one
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	bc, err := verifyRestoredBlobs(ctx, a)
	if err != nil {
		return err
	}
	if len(bc.Corrupt) > 0 {
		return fmt.Errorf("%d of %d restored blob(s) do not open with this data dir's key (first: %s); restore the matching master.key or set SCRIBE_MASTER_KEY", len(bc.Corrupt), len(bc.Corrupt)+bc.OK, bc.Corrupt[0])
	}
	fmt.Fprintf(stdout, "all %d blob(s) open with the restored key\n", bc.OK)
	return auditVerifyReport(ctx, a, *pinned, stdout)
}

// verifyRestoredBlobs opens every restored object with this data dir's key:
// the files in the blob directory and the rows of the blobs table (the
// database blob store), whichever the archive holds.
func verifyRestoredBlobs(ctx context.Context, a *app) (backup.BlobCheck, error) {
	kek, _, err := blob.LoadKEK(a.cfg.dataDir)
	if err != nil {
		return backup.BlobCheck{}, err
	}
	dir, err := blob.NewDir(filepath.Join(a.cfg.dataDir, backup.BlobsDir), kek)
	if err != nil {
		return backup.BlobCheck{}, err
	}
	bc, err := backup.VerifyBlobs(ctx, a.cfg.dataDir, dir)
	if err != nil {
		return bc, err
	}
	table, err := blob.NewTable(a.store, kek)
	if err != nil {
		return bc, err
	}
	ids, err := a.store.BlobIDs(ctx)
	if err != nil {
		return bc, err
	}
	for _, id := range ids {
		if _, err := table.Get(ctx, id); err != nil {
			bc.Corrupt = append(bc.Corrupt, id)
			continue
		}
		bc.OK++
	}
	return bc, nil
}

// ---- audit checkpoint: called from cmd/scribe/audit.go (the lead's) ----

// auditCheckpoint signs the audit chain head: `scribe audit checkpoint`.
func auditCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit checkpoint", "audit checkpoint [--audit-witness PATH]", stderr)
	var cfg config
	cfg.register(fs)
	cfg.registerAuditWitness(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	cp, created, err := compliance.CheckpointAudit(ctx, a.store, cfg.auditTrust(""), cliActor())
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "created the audit checkpoint key %s (mode 0600)\n", filepath.Join(cfg.dataDir, audit.CheckpointKeyFile))
	}
	fmt.Fprintf(stdout, "checkpoint signed: entry %d, head %s (also appended to the witness %s)\npublic key: %s\nRecord the public key outside Scribe; `scribe audit verify --public-key KEY` checks against it.\n",
		cp.Seq, cp.Head, cfg.auditTrust("").WitnessPath(), cp.PublicKey)
	return nil
}

// auditVerifyReport runs the one audit verification (the web page's Verify
// runs the same), records its outcome for the admin page, and prints it;
// a failure is the error.
func auditVerifyReport(ctx context.Context, a *app, pinned string, stdout io.Writer) error {
	rep, err := compliance.VerifyAudit(ctx, a.store, a.cfg.auditTrust(pinned))
	compliance.RecordVerify(ctx, a.store, rep, err, cliActor(), time.Now())
	if err != nil {
		return fmt.Errorf("the audit log does NOT verify: %w", err)
	}
	fmt.Fprintln(stdout, compliance.DescribeVerify(rep, nil))
	return nil
}
