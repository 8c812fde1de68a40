package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/scribe-health/scribe/drafts"
	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

const draftUsage = `Usage: scribe draft show SESSION_ID [--json] [--reidentify] [--version N]
       scribe draft edit SESSION_ID --section NAME --text-file F
       scribe draft resolve-flag SESSION_ID --code CODE --reason TEXT
       scribe draft codes SESSION_ID [--service-kind K] [--setting S] [--json]
       scribe draft sign SESSION_ID --attest [--override-flags "reason"]
                         [--cpt 90834[,90785]] [--icd F41.1[,Z63.0]] [--service-kind K] [--setting S]
       scribe draft reject SESSION_ID --reason TEXT
       scribe draft addendum SESSION_ID --text-file F
       scribe draft regenerate SESSION_ID [--template T]
       scribe draft versions SESSION_ID

edit, resolve-flag, sign, reject and addendum act as a clinician (as do show with --reidentify or
--clinician, and regenerate with --clinician), and are done as the person whose credential they are given: --token-file FILE or SCRIBE_TOKEN (a personal
API token from the account page in the web app), or, in a terminal, their password and authenticator
code. --clinician EMAIL, when given, must be that person.

codes suggests the billing codes from the recorded time and the note's cited statements, each with
its basis; sign --cpt/--icd confirms codes (suggested or your own) with the signature. Kinds of
session: psychotherapy, intake, intake_medical, family_with_client, family_without_client, group,
crisis. Settings: in_person, telehealth_home, telehealth_other, telehealth_audio.`

// draftActsAsClinician says which draft commands record a clinician as
// their actor, and so need that clinician's credential.
func draftActsAsClinician(sub string, clinician string, reidentify bool) bool {
	switch sub {
	case "edit", "resolve-flag", "sign", "reject", "addendum":
		return true
	case "codes":
		return false
	case "show":
		return reidentify || clinician != ""
	case "regenerate":
		// Re-running the model is also an operator's task, recorded as the
		// person at the terminal; in a clinician's name it needs theirs.
		return clinician != ""
	}
	return false
}

func cmdDraft(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, draftUsage, shared(draftSub, "show", "codes", "edit", "sign", "reject", "addendum", "regenerate", "resolve-flag", "versions"))
}

// draftSub runs one subcommand of draft (they share one flag set).
func draftSub(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var err error
	fs := newFlags("draft "+sub, "draft "+sub+" SESSION_ID [flags]", stderr)
	var cfg config
	cfg.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	clinician := fs.String("clinician", "", "the clinician's e-mail: optional, and when given it must be whose credential this is")
	var cred credential
	cred.register(fs)
	section := fs.String("section", "", "edit: section key or title")
	textFile := fs.String("text-file", "", "edit/addendum: file with the text ('-' for standard input)")
	attest := fs.Bool("attest", false, "sign: I attest to the attestation statement")
	override := fs.String("override-flags", "", "sign: reason for signing over unresolved high-severity flags")
	cpt := fs.String("cpt", "", "sign: service (CPT) codes to confirm, comma-separated")
	icd := fs.String("icd", "", "sign: diagnosis (ICD-10-CM) codes to confirm, comma-separated")
	serviceKind := fs.String("service-kind", "", "codes/sign: the kind of session (default: group for a group, else psychotherapy)")
	setting := fs.String("setting", "", "codes/sign: where it took place (default: telehealth_home for a call, else in_person)")
	reason := fs.String("reason", "", "reject/resolve-flag: the reason")
	code := fs.String("code", "", "resolve-flag: the flag code")
	template := fs.String("template", "", "regenerate: another template")
	reident := fs.Bool("reidentify", false, "show: put identifiers back (audited; for the clinician of the session)")
	version := fs.Int("version", 0, "show: a specific draft version (default latest)")
	wait := fs.Bool("wait", false, "regenerate: generate the draft in this process and wait for it")
	as := asFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, draftUsage)
		return errUsage
	}
	sessionID := pos[0]
	if err := validate.Int("version", *version, 0, 1_000_000); err != nil {
		return err
	}
	readText := func() (string, error) {
		if *textFile == "" {
			return "", errors.New("--text-file is required")
		}
		var b []byte
		var err error
		if *textFile == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(*textFile) // #nosec G703 -- the operator names the file on the command line
		}
		if err != nil {
			return "", fmt.Errorf("read --text-file: %w", errors.Unwrap(err))
		}
		return string(b), nil
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	var roles []string
	if sub != "show" {
		roles = []string{store.RoleClinician, store.RoleSupervisor}
	}
	u, err := a.principalOrCredential(ctx, draftActsAsClinician(sub, *clinician, *reident), cred, *as, *clinician, "draft "+sub, stderr, roles...)
	if err != nil {
		return err
	}
	svc := a.service()
	switch sub {
	case "show", "versions":
		sess, err := svc.Session(ctx, u, sessionID)
		if err != nil {
			return err
		}
		if sub == "show" {
			return draftShow(ctx, a, sess, *version, *reident, u, *asJSON, stdout)
		}
		ds, err := a.store.Drafts(ctx, sessionID)
		if err != nil {
			return err
		}
		if *asJSON {
			if ds == nil {
				ds = []store.Draft{}
			}
			return writeJSON(stdout, ds)
		}
		for _, d := range ds {
			fmt.Fprintf(stdout, "v%d  %-8s  %-6s  %s  %s\n", d.Version, d.Status, d.Template, d.PromptVersion, d.ID)
		}
		return nil
	case "edit":
		if *section == "" {
			return errors.New("--section is required")
		}
		text, err := readText()
		if err != nil {
			return err
		}
		d, err := svc.EditSection(ctx, u, service.DraftEdit{SessionID: sessionID, Section: *section, Text: text})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "section %s updated; draft v%d is now %s\n", *section, d.Version, d.Status)
	case "resolve-flag":
		d, err := svc.ResolveFlag(ctx, u, sessionID, *code, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "flag %s resolved on draft v%d\n", *code, d.Version)
	case "codes":
		sug, err := svc.SuggestCodes(ctx, u, sessionID, service.CodeChoice{Kind: *serviceKind, Setting: *setting}, time.Local)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, sug)
		}
		printCodes(stdout, sug)
	case "sign":
		sig := service.Signature{SessionID: sessionID, Attest: *attest, Override: *override, Zone: time.Local}
		if *cpt != "" || *icd != "" || *serviceKind != "" || *setting != "" {
			sig.Codes = &service.CodeChoice{Kind: *serviceKind, Setting: *setting, Procedures: splitList(*cpt), Diagnoses: splitList(*icd)}
		}
		d, err := svc.Sign(ctx, u, sig)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "signed draft v%d by %s; content hash %s\n", d.Version, d.SignedBy, d.ContentHash)
	case "reject":
		d, err := svc.Reject(ctx, u, sessionID, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "draft v%d rejected\n", d.Version)
	case "addendum":
		text, err := readText()
		if err != nil {
			return err
		}
		ad, err := svc.AddAddendum(ctx, u, sessionID, text)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "addendum %s added\n", ad.ID)
	case "regenerate":
		v, err := svc.Regenerate(ctx, u, sessionID, *template)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "draft v%d queued\n", v)
		if *wait {
			return waitHere(ctx, a, sessionID, 4, stderr)
		}
		fmt.Fprintln(stdout, "a running `scribe serve` generates it (or add --wait to generate it here)")
	}
	return nil
}

func draftShow(ctx context.Context, a *app, sess store.Session, version int, reidentify bool, u store.User, asJSON bool, stdout io.Writer) error {
	actor := actorOf(u)
	var d store.Draft
	var err error
	if version > 0 {
		ds, err := a.store.Drafts(ctx, sess.ID)
		if err != nil {
			return err
		}
		found := false
		for _, x := range ds {
			if x.Version == version {
				d, found = x, true
			}
		}
		if !found {
			return fmt.Errorf("session %s has no draft version %d", sess.ID, version)
		}
	} else if d, err = a.store.LatestDraft(ctx, sess.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("session %s has no draft yet (status %s)", sess.ID, sess.Status)
		}
		return err
	}
	addenda, err := a.store.Addenda(ctx, d.ID)
	if err != nil {
		return err
	}
	tokenMap, err := a.service().TokenMap(ctx, sess.ID)
	if err != nil {
		return err
	}
	if reidentify && (sess.Clinician == "" || u.Email != store.NormalizeEmail(sess.Clinician)) {
		return errors.New("only the session's clinician may see identifiers from the command line, with their own credential")
	}
	var consent compliance.Decision
	if err := a.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if consent, _, err = compliance.RecordDisclosure(ctx, tx, sess.ID, compliance.Disclosure{Kind: compliance.KindView, Recipient: cmp.Or(u.Email, u.ID),
			Description: fmt.Sprintf("progress note v%d (%s) shown on the command line", d.Version, d.Status), Purpose: "treatment", Actor: actor}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "draft.read", EntityType: "draft", EntityID: d.ID,
			Details: map[string]string{"session": sess.ID, "reidentified": fmt.Sprint(reidentify), "part2": fmt.Sprint(sess.Part2()), "via": "cli"}})
	}); err != nil {
		return fmt.Errorf("cannot record the audit entry for this read, so the draft is not shown: %w", err)
	}
	v, err := drafts.BuildView(d, addenda, drafts.RenderOptions{TokenMap: tokenMap, Reidentify: reidentify, Part2: sess.Part2(), Dictation: sess.Dictation()})
	if err != nil {
		return err
	}
	if err := drafts.WithSupervision(ctx, a.store, d, &v); err != nil {
		return err
	}
	if asJSON {
		b, err := v.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	text := v.Text()
	if sess.Part2() {
		text += "\nConsent: " + consent.Describe() + "\n"
	}
	_, err = io.WriteString(stdout, text)
	return err
}

var _ = json.Marshal

// printCodes writes a billing suggestion with each code's basis.
func printCodes(w io.Writer, sug service.CodeSuggestion) {
	fmt.Fprintf(w, "kind of session: %s; setting: %s; place of service %s (%s)\n", sug.Kind, sug.Setting, sug.PlaceOfService, sug.PlaceOfServiceBasis)
	if sug.NoCode != "" {
		fmt.Fprintf(w, "no service code: %s\n", sug.NoCode)
	}
	for _, c := range sug.Procedures {
		mods := ""
		if len(c.Modifiers) > 0 {
			mods = "-" + strings.Join(c.Modifiers, "-")
		}
		fmt.Fprintf(w, "service    %s%s × %d  %s\n           basis: %s%s\n", c.Code, mods, max(c.Units, 1), c.Display, c.Basis, evidence(c.Evidence))
	}
	for _, c := range sug.Diagnoses {
		fmt.Fprintf(w, "diagnosis  %s  %s\n           basis: %s%s\n", c.Code, c.Display, c.Basis, evidence(c.Evidence))
	}
	fmt.Fprintln(w, "These are suggestions: confirm them with `scribe draft sign --cpt … --icd …`; nothing is submitted.")
}

func evidence(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (segments " + strings.Join(ids, ", ") + ")"
}

// splitList reads a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
