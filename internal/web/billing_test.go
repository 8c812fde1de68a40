package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestReviewPageBillingCodes: the sign panel suggests the codes with their
// basis, the kind of session changes the suggestion, a code Scribe does
// not know is refused in place with every choice kept, the confirmed codes
// are shown on the signed note, and the charges page lists them (and
// downloads them as CSV).
func TestReviewPageBillingCodes(t *testing.T) {
	e := newEnv(t, testenv.Backends[0].URL(t), nil)
	e.addUser("c1@example.org", store.RoleClinician, false)
	sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
	e.seedDraft(sess.ID, 2)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.StartClock(e.ctx, sess.ID, start.UnixMilli()); err != nil {
			return err
		}
		return tx.EndCapture(e.ctx, sess.ID, (45 * time.Minute).Milliseconds())
	}); err != nil {
		t.Fatal(err)
	}
	b := e.client()
	b.login("c1@example.org", "")
	page := b.get("/sessions/" + sess.ID + "/review")
	for _, want := range []string{`data-testid="codes"`, `data-testid="code-90834" checked`, "45 min recorded, ", "place of service 10", "Video, client at home"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the sign panel lacks %q", want)
		}
	}
	if crisis := b.get("/sessions/" + sess.ID + "/review?kind=crisis&setting=in_person"); !strings.Contains(crisis.body, `data-testid="code-90839"`) || !strings.Contains(crisis.body, "place of service 11") {
		t.Error("choosing crisis psychotherapy in person does not suggest 90839 at place 11")
	}
	if r := b.post("/sessions/"+sess.ID+"/draft/flags/risk_not_assessed/resolve", url.Values{"reason": {"screened verbally, negative"}}); r.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", r.status)
	}
	form := url.Values{"attest": {"1"}, "credential": {testPassword}, "kind": {"psychotherapy"}, "setting": {"telehealth_home"}, "cpt": {"90834"}, "cpt_other": {"99499"}, "icd_other": {"F41.1"}}
	r := b.post("/sessions/"+sess.ID+"/draft/sign", form)
	if r.status != http.StatusBadRequest || !strings.Contains(signErrorText(r.body), "99499") || !strings.Contains(r.body, `value="99499"`) ||
		!strings.Contains(r.body, `value="F41.1"`) || !strings.Contains(r.body, `data-testid="code-90834" checked`) || strings.Contains(signErrorText(r.body), "--cpt") {
		t.Fatalf("an unknown code: HTTP %d %q", r.status, signErrorText(r.body))
	}
	if d, _ := e.store.LatestDraft(e.ctx, sess.ID); d.Status == store.DraftSigned {
		t.Fatal("a refused code signed the note")
	}
	form.Set("cpt_other", "")
	if r := b.post("/sessions/"+sess.ID+"/draft/sign", form); r.status != http.StatusSeeOther {
		t.Fatalf("sign: HTTP %d %q", r.status, signErrorText(r.body))
	}
	signed := b.get("/sessions/" + sess.ID + "/review")
	if !strings.Contains(signed.body, `data-testid="signed-codes"`) || !strings.Contains(signed.body, "90834-95") || !strings.Contains(signed.body, "F41.1 Generalized anxiety disorder — chosen by the clinician") {
		t.Fatal("the signed note does not show its confirmed codes")
	}
	day := time.Now().Format(time.DateOnly)
	list := b.get("/charges?from=" + day + "&to=" + day)
	if !strings.Contains(list.body, `data-testid="charges-table"`) || !strings.Contains(list.body, sess.ClientAlias) || !strings.Contains(list.body, "90834-95") {
		t.Fatalf("charges page:\n%s", errorText(list.body))
	}
	csv := b.get("/charges?from=" + day + "&to=" + day + "&format=csv")
	if csv.status != 200 || !strings.HasPrefix(csv.body, "date_of_service,") || !strings.Contains(csv.body, ","+sess.ID+","+sess.ClientAlias+",c1@example.org,90834,95,1,10,F41.1,\"45 min recorded") {
		t.Fatalf("charges CSV: %d\n%s", csv.status, csv.body)
	}
	if bad := b.get("/charges?from=yesterday&to=" + day); bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "Give both days as dates") {
		t.Errorf("a bad date: %d", bad.status)
	}
}
