package web

import (
	"context"
	"fmt"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/validate"
	"net/http"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
)

// Consent management on the session page (issue 7: what `scribe consent
// add|revoke|list` does, in the web app). The rules — what a valid consent
// is, which one is in force — are internal/compliance's; this file builds
// the records from forms, as cmd/scribe does from flags, and shows them.

// consentRow is one consent record as the session page lists it.
type consentRow struct {
	store.ConsentRecord
	ClientWide bool   // a client-wide record (no session), listed because it covers this client
	StatusNow  string // the record's own status now: in_force, revoked, expired, refused, ...
	Deciding   bool   // this record decides its scope for the session now
}

// scopeStatus is the consent position of one scope for the session now.
type scopeStatus struct {
	Scope, Status, ConsentID string
}

// consentForm is the add form of one scope, pre-filled or as submitted.
type consentForm struct {
	Scope       string
	TextVersion string // current consent text version of the scope ("" when none is on file)
	TextBody    string
	Values      map[string]string
	Problems    []string // what was missing or wrong in the last submission
}

type consentData struct {
	Rows    []consentRow
	Scopes  []scopeStatus
	Forms   []consentForm
	Methods []string
	Revoke  []string
}

var consentMethods = []string{compliance.MethodElectronic, compliance.MethodWritten, compliance.MethodVerbalAttested}
var revokeMethods = []string{compliance.MethodWritten, compliance.MethodElectronic, "verbal", compliance.MethodVerbalAttested}

// consentData reads the session's consent records (and the client's
// client-wide ones), decides each scope now, and builds one pre-filled add
// form per scope. failed, when set, replaces that scope's form.
func (s *Server) consentData(ctx context.Context, sess store.Session, failed *consentForm) (consentData, error) {
	d := consentData{Methods: consentMethods, Revoke: revokeMethods}
	recs, err := s.cfg.Store.ConsentRecords(ctx, store.ConsentFilter{SessionID: sess.ID, ClientID: sess.ClientID})
	if err != nil {
		return d, fmt.Errorf("read consents of session %s: %w", sess.ID, err)
	}
	now := s.cfg.Now().UnixMilli()
	deciding := map[string]bool{}
	for _, scope := range compliance.Scopes {
		dec := compliance.Decide(recs, scope, now)
		st := scopeStatus{Scope: scope, Status: dec.Status}
		if dec.Consent != nil {
			st.ConsentID = dec.Consent.ID
			if dec.InForce() {
				deciding[dec.Consent.ID] = true
			}
		}
		d.Scopes = append(d.Scopes, st)
	}
	for _, r := range recs {
		own := compliance.Decide([]store.ConsentRecord{r}, r.Scope, now)
		d.Rows = append(d.Rows, consentRow{ConsentRecord: r, ClientWide: r.SessionID == "", StatusNow: own.Status, Deciding: deciding[r.ID]})
	}
	texts, err := s.cfg.Store.ConsentTexts(ctx, "")
	if err != nil {
		return d, fmt.Errorf("read consent texts: %w", err)
	}
	current := map[string]store.ConsentText{}
	for _, t := range texts { // oldest first: the last of a scope is current
		current[t.Scope] = t
	}
	today := s.cfg.Now().UTC()
	for _, scope := range compliance.Scopes {
		t := current[scope]
		f := consentForm{Scope: scope, TextVersion: t.Version, TextBody: t.Body, Values: prefill(t.Body, today)}
		f.Values["text_version"] = t.Version
		if failed != nil && failed.Scope == scope {
			f.Values, f.Problems = failed.Values, failed.Problems
		}
		d.Forms = append(d.Forms, f)
	}
	return d, nil
}

// prefill takes the 42 CFR 2.31 elements a consent text states ("Who may
// disclose: …. Information: …. Recipients: …. Purpose: ….") so the form
// records what the client was shown; the person recording can correct them.
func prefill(body string, today time.Time) map[string]string {
	v := map[string]string{"method": compliance.MethodElectronic, "decision": "granted", "signed": today.Format(time.DateOnly)}
	labels := map[string]string{"who may disclose:": "discloser", "information:": "information", "recipients:": "recipients", "purpose:": "purpose"}
	for _, sentence := range strings.SplitAfter(body, ". ") {
		sentence = strings.TrimSpace(sentence)
		low := strings.ToLower(sentence)
		for label, field := range labels {
			if strings.HasPrefix(low, label) {
				v[field] = strings.TrimSuffix(strings.TrimSpace(sentence[len(label):]), ".")
			}
		}
		if strings.Contains(low, "expires") {
			if strings.Contains(low, "one year") {
				v["expires"] = today.AddDate(1, 0, 0).Format(time.DateOnly)
			} else {
				v["expiry_event"] = strings.TrimSuffix(sentence, ".")
			}
		}
	}
	if strings.Contains(strings.ToLower(body), "revoke") {
		v["revocation_notice"] = "1"
	}
	return v
}

var consentFields = []string{"scope", "decision", "method", "signature", "signed", "expires", "expiry_event", "discloser", "information", "recipients", "purpose", "revocation_notice", "text_version"}

// consentAdd records a consent for the session from the add form, through
// the service layer (validated, audited, one transaction). An incomplete
// record is refused with every missing element named, and nothing stored.
func (s *Server) consentAdd(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	f := consentForm{Values: map[string]string{}}
	for _, k := range consentFields {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	f.Scope = f.Values["scope"]
	in := app.ConsentInput{SessionID: sess.ID, Scope: f.Scope, Method: f.Values["method"], Signature: f.Values["signature"],
		Discloser: f.Values["discloser"], Information: f.Values["information"], Recipients: f.Values["recipients"], Purpose: f.Values["purpose"],
		ExpiryEvent: f.Values["expiry_event"], RevocationNotice: f.Values["revocation_notice"] == "1", TextVersion: f.Values["text_version"]}
	switch f.Values["decision"] {
	case "granted":
		in.Granted = true
	case "refused":
	default:
		f.Problems = append(f.Problems, fmt.Sprintf("decision must be granted or refused, not %q", f.Values["decision"]))
	}
	var err error
	if in.Signed, err = formDay("date of signature", f.Values["signed"]); err != nil {
		f.Problems = append(f.Problems, err.Error())
	}
	if in.Expires, err = formDay("expiry date", f.Values["expires"]); err != nil {
		f.Problems = append(f.Problems, err.Error())
	}
	if len(f.Problems) == 0 {
		rec, err := s.service().AddConsent(r.Context(), c.user, in)
		if err == nil {
			back(w, r, "/sessions/"+sess.ID+"#consents", fmt.Sprintf("Consent %s recorded (%s, %s).", rec.ID, rec.Scope, f.Values["decision"]))
			return
		}
		ve, invalid := validate.As(err)
		switch {
		case invalid && len(ve.Problems) > 0:
			f.Problems = append(f.Problems, ve.Problems...)
		case invalid:
			f.Problems = append(f.Problems, strings.TrimSuffix(formError(err), "."))
		default:
			s.refusal(w, r, err)
			return
		}
	}
	msg := "The consent was not recorded: " + strings.Join(f.Problems, "; ") + "."
	if wantsJSON(r) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg, "problems": f.Problems})
		return
	}
	s.renderSession(w, r, c, sess, http.StatusBadRequest, msg, &f)
}

// formDay parses an optional YYYY-MM-DD form date.
func formDay(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a date YYYY-MM-DD, not %q", name, v)
	}
	return t, nil
}

// consentRevoke revokes one of the consent records the session page lists
// (the session's own or the client's client-wide ones), through
// compliance.Revoke, which records when, by whom and how, and audits it.
func (s *Server) consentRevoke(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "1" && strings.TrimSpace(r.PostFormValue("consent")) != "" {
		s.fail(w, r, http.StatusBadRequest, "confirm the revocation (tick the box); nothing was revoked")
		return
	}
	rec, err := s.service().RevokeConsent(r.Context(), c.user, app.Revocation{ConsentID: r.PostFormValue("consent"), SessionID: sess.ID, Method: r.PostFormValue("method")})
	if _, invalid := validate.As(err); invalid {
		s.fail(w, r, http.StatusBadRequest, err.Error()+"; nothing was revoked.")
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/sessions/"+sess.ID+"#consents", fmt.Sprintf("Consent %s revoked (%s).", rec.ID, rec.RevokeMethod))
}

func dayOrDash(ms int64) string {
	if ms == 0 {
		return "—"
	}
	return time.UnixMilli(ms).UTC().Format(time.DateOnly)
}

// Signed is the date of signature, for the list.
func (r consentRow) Signed() string { return dayOrDash(r.SignedAt) }

// Expiry is the expiry date and/or event, for the list.
func (r consentRow) Expiry() string {
	switch {
	case r.ExpiresAt != 0 && r.ExpiryEvent != "":
		return dayOrDash(r.ExpiresAt) + " or " + r.ExpiryEvent
	case r.ExpiryEvent != "":
		return r.ExpiryEvent
	}
	return dayOrDash(r.ExpiresAt)
}

// StatusLabel is the record's status now, in words.
func (r consentRow) StatusLabel() string { return strings.ReplaceAll(r.StatusNow, "_", " ") }

// Label is the scope's status now, in words.
func (s scopeStatus) Label() string { return strings.ReplaceAll(s.Status, "_", " ") }

// V is a form value.
func (f consentForm) V(k string) string { return f.Values[k] }
