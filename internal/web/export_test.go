package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
)

// TestExportFromReview: the clinician downloads the note for the EHR as
// plain text, FHIR R4 or HL7 v2, with identifiers put back or not; each
// export is audited; a Part 2 record needs a recipient, a purpose and a
// consent in force, and a refusal exports nothing.
func TestExportFromReview(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("c1@example.org", store.RoleClinician, true)
	sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
	e.seedDraft(sess.ID, 1)
	b := e.client()
	b.login("c1@example.org", "")
	if r := b.get("/sessions/" + sess.ID + "/review"); !strings.Contains(r.body, `data-testid="export-download"`) {
		t.Fatal("the review page offers no export")
	}
	export := func(id string, f url.Values) resp {
		t.Helper()
		b.get("/sessions/" + id + "/review")
		return b.post("/sessions/"+id+"/export", f)
	}

	r := export(sess.ID, url.Values{"format": {"text"}, "identifiers": {"1"}})
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename="note-`+sess.ID+`-v1.txt"`) {
		t.Fatalf("text export: %d %v %s", r.status, r.header, errorText(r.body))
	}
	if !strings.Contains(r.body, "Dana Whitfield") || !strings.Contains(r.body, "AI-GENERATED DRAFT") || strings.Contains(r.body, "[NAME_") {
		t.Errorf("text export should carry the identifiers and the AI-draft banner:\n%s", r.body)
	}
	r = export(sess.ID, url.Values{"format": {"hl7v2"}})
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, `MSH|^~\&|`) || strings.Contains(r.body, "Whitfield") || !strings.Contains(r.body, "[NAME_") {
		t.Fatalf("HL7 export without identifiers: %d %s", r.status, errorText(r.body))
	}
	r = export(sess.ID, url.Values{"format": {"fhir"}, "identifiers": {"1"}})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/fhir+json" {
		t.Fatalf("FHIR export: %d %s", r.status, errorText(r.body))
	}
	if err := fhirschema.Validate([]byte(r.body)); err != nil {
		t.Fatalf("FHIR export does not validate: %v", err)
	}
	if r := export(sess.ID, url.Values{"format": {"xml"}}); r.status != http.StatusBadRequest {
		t.Fatalf("unknown format: %d", r.status)
	}
	var exports []string
	for _, a := range e.auditActions() {
		if a == "draft.export" {
			exports = append(exports, a)
		}
	}
	if len(exports) != 3 {
		t.Errorf("%d draft.export audit entries, want 3 (one per download, none for the refusal)", len(exports))
	}

	// A Part 2 record: recipient and purpose required; without consent nothing is exported.
	p2 := e.seedSession("c1@example.org", "sud", store.StatusReady)
	e.seedDraft(p2.ID, 1)
	if r := export(p2.ID, url.Values{"format": {"text"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "recipient") {
		t.Fatalf("Part 2 export without recipient: %d %s", r.status, errorText(r.body))
	}
	if r := export(p2.ID, url.Values{"format": {"text"}, "recipient": {"Example Health clinic"}, "purpose": {"treatment"}}); r.status != http.StatusForbidden || strings.Contains(r.body, "AI-GENERATED") {
		t.Fatalf("Part 2 export without consent: %d %s", r.status, errorText(r.body))
	}
}
