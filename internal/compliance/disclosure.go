package compliance

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// Disclosure kinds.
const (
	KindView      = "view"
	KindExport    = "export"
	KindModelCall = "model_call"
)

// Disclosure says what is being disclosed, to whom and why.
type Disclosure struct {
	Kind        string // view | export | model_call
	Recipient   string // a user's e-mail, a provider name, an organisation: never the client
	Description string // what was disclosed: "progress note v2 (FHIR R4 DocumentReference)"
	Purpose     string // treatment, payment, health care operations, ...
	Actor       string // who caused it
}

// RecordDisclosure records a disclosure entry for a Part 2 record, with
// the part2_tpo consent in force at this moment, and audits it, inside the
// caller's transaction (so the view, export or model call and its record
// commit together). For a session that is not a Part 2 record it records
// nothing and returns recorded=false.
//
// It records; it does not refuse. Callers that must not disclose without
// consent check the returned Decision (see RequirePart2Consent).
func RecordDisclosure(ctx context.Context, tx *store.Tx, sessionID string, d Disclosure) (dec Decision, recorded bool, err error) {
	sess, err := tx.Session(ctx, sessionID, false)
	if err != nil {
		return dec, false, err
	}
	if !sess.Part2() {
		return Decision{Scope: ScopePart2TPO, Status: statusUnchecked}, false, nil
	}
	switch d.Kind {
	case KindView, KindExport, KindModelCall:
	default:
		return dec, false, fmt.Errorf("disclosure kind must be view, export or model_call, not %q", d.Kind)
	}
	if strings.TrimSpace(d.Recipient) == "" || strings.TrimSpace(d.Description) == "" || strings.TrimSpace(d.Purpose) == "" || d.Actor == "" {
		return dec, false, errors.New("a disclosure needs a recipient, a description of what is disclosed, a purpose and an actor")
	}
	dec, err = AtTx(ctx, tx, sess, ScopePart2TPO)
	if err != nil {
		return dec, false, err
	}
	row := store.Disclosure{ID: uuid.NewString(), SessionID: sess.ID, ClientID: sess.ClientID, ClientAlias: sess.ClientAlias, Kind: d.Kind, Recipient: d.Recipient,
		Description: d.Description, Purpose: d.Purpose, Actor: d.Actor, ConsentStatus: dec.Status, At: dec.AtMS}
	if dec.Consent != nil {
		row.ConsentID = dec.Consent.ID
	}
	if err := tx.AddDisclosure(ctx, &row); err != nil {
		return dec, false, err
	}
	if err := tx.Audit(ctx, audit.Event{Actor: d.Actor, Action: "part2.disclosure", EntityType: "session", EntityID: sess.ID, Details: map[string]string{
		"disclosure": row.ID, "kind": d.Kind, "consent": row.ConsentID, "consent_status": dec.Status}}); err != nil {
		return dec, false, err
	}
	return dec, true, nil
}

// ErrPart2NoConsent is returned when a Part 2 record would be disclosed
// outside the program without a part2_tpo consent in force.
var ErrPart2NoConsent = errors.New("42 CFR Part 2 record: no part2_tpo consent in force")

// RequirePart2Consent refuses a disclosure decided without consent.
func RequirePart2Consent(sessionID string, dec Decision) error {
	if dec.Status == statusUnchecked || dec.InForce() {
		return nil
	}
	return &Part2ConsentError{SessionID: sessionID, Status: dec.Status}
}

// Part2ConsentError is a disclosure refused for want of a part2_tpo consent
// in force; Status says what the consent is (none, revoked, expired …).
type Part2ConsentError struct {
	SessionID string
	Status    string
}

func (e *Part2ConsentError) Error() string {
	return fmt.Sprintf("session %s: %v (status %s); nothing was disclosed. Record the client's written consent with scribe consent add --scope part2_tpo", e.SessionID, ErrPart2NoConsent, e.Status)
}

func (e *Part2ConsentError) Unwrap() error { return ErrPart2NoConsent }

// AccountingYears is how far back an accounting of disclosures reaches by default.
const AccountingYears = 3

// Accounting is the list of disclosures of one client's records.
type Accounting struct {
	ClientAlias string
	ClientID    string
	Since       time.Time
	Until       time.Time
	Entries     []store.Disclosure
}

// BuildAccounting reads the disclosures of a client's Part 2 records from
// since (default: three years before now) to now. Who may read it is the
// caller's question (internal/clients finds the client for a person).
func BuildAccounting(ctx context.Context, s *store.Store, client store.Client, since, now time.Time) (Accounting, error) {
	if client.ID == "" {
		return Accounting{}, errors.New("an accounting of disclosures is per client: give --client")
	}
	if since.IsZero() {
		since = now.AddDate(-AccountingYears, 0, 0)
	}
	if since.After(now) {
		return Accounting{}, fmt.Errorf("--since %s is in the future", since.UTC().Format(time.DateOnly))
	}
	rows, err := s.Disclosures(ctx, store.DisclosureFilter{ClientID: client.ID, SinceMS: since.UnixMilli(), UntilMS: now.UnixMilli() + 1})
	if err != nil {
		return Accounting{}, fmt.Errorf("read disclosures: %w", err)
	}
	return Accounting{ClientAlias: client.Alias, ClientID: client.ID, Since: since, Until: now, Entries: rows}, nil
}

// Header is the column order of the text and CSV forms.
var Header = []string{"date", "recipient", "description", "purpose", "consent", "consent_status", "kind", "session", "actor"}

func (a Accounting) row(d store.Disclosure) []string {
	consent := d.ConsentID
	if consent == "" {
		consent = "-"
	}
	return []string{time.UnixMilli(d.At).UTC().Format(time.RFC3339), d.Recipient, d.Description, d.Purpose, consent, d.ConsentStatus, d.Kind, d.SessionID, d.Actor}
}

// WriteText writes the accounting as an aligned table with a heading.
func (a Accounting) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Accounting of disclosures (42 CFR 2.25, 45 CFR 164.528) for client %s, %s to %s: %d disclosure(s)\n\n",
		a.ClientAlias, a.Since.UTC().Format(time.DateOnly), a.Until.UTC().Format(time.DateOnly), len(a.Entries))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(Header, "\t")))
	for _, d := range a.Entries {
		fmt.Fprintln(tw, strings.Join(sanitizeTabs(a.row(d)), "\t"))
	}
	return tw.Flush()
}

func sanitizeTabs(f []string) []string {
	for i := range f {
		f[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(f[i])
	}
	return f
}

// WriteCSV writes the accounting as RFC 4180 CSV with a header row.
func (a Accounting) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, d := range a.Entries {
		if err := cw.Write(a.row(d)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
