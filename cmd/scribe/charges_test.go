package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fhirschema"
	"github.com/scribe-health/scribe/internal/store"
)

// TestBillingCodesFromTheCommandLine: `draft codes` shows the suggestion
// with its basis, `draft sign --cpt --icd` confirms codes with the
// signature, the FHIR export carries them as a ChargeItem and `charges`
// writes the CSV row billing staff need; a code Scribe does not know is
// refused in the command line's words and signs nothing.
func TestBillingCodesFromTheCommandLine(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	seedRedactedDraft(t, data, "s-bill")
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.EndCapture(ctx, "s-bill", (40*time.Minute + 5*time.Second).Milliseconds())
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := mustCLI(t, data, "draft", "codes", "s-bill")
	if !strings.Contains(out, "service    90834 × 1") || !strings.Contains(out, "basis: 40 min recorded") || !strings.Contains(out, "place of service 11") {
		t.Fatalf("draft codes:\n%s", out)
	}
	tf, _ := tokenFile(t, data, webUser(t, data, "therapist@example.org", "clinician"))
	if errOut := failCLI(t, data, "draft", "sign", "s-bill", "--attest", "--cpt", "99999", "--token-file", tf); !strings.Contains(errOut, "--cpt") || !strings.Contains(errOut, "90834") {
		t.Fatalf("an unknown code: %s", errOut)
	}
	mustCLI(t, data, "draft", "sign", "s-bill", "--attest", "--cpt", "90834", "--icd", "F43.10", "--token-file", tf)
	fhir := mustCLI(t, data, "export", "fhir", "s-bill")
	if err := fhirschema.Validate([]byte(fhir)); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal([]byte(fhir), &bundle); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range bundle.Entry {
		if e.Resource["resourceType"] == "ChargeItem" {
			b, _ := json.Marshal(e.Resource)
			found = strings.Contains(string(b), `"code":"90834"`) && strings.Contains(string(b), `"code":"F43.10"`)
		}
	}
	if !found {
		t.Fatalf("no ChargeItem for 90834 with F43.10 in\n%s", fhir)
	}
	day := time.Now().Format(time.DateOnly)
	csv := mustCLI(t, data, "charges", "--from", day, "--to", day)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], ",s-bill,client-r,therapist@example.org,90834,,1,11,F43.10,40 min recorded") {
		t.Fatalf("charges:\n%s", csv)
	}
	if errOut := failCLI(t, data, "charges", "--from", "yesterday", "--to", day); !strings.Contains(errOut, "--from must be a date") {
		t.Fatalf("a bad date: %s", errOut)
	}
}
