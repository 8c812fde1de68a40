package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/demo"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestSampleMarkedAndKeptApart: scribe demo's sample is marked SAMPLE in
// the session list, on its session page and on its review page — and only
// it; a session scheduled under its alias is refused in the words of a
// taken alias; on both databases.
func TestSampleMarkedAndKeptApart(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			clin := e.addUser("therapist@example.org", store.RoleClinician, false)
			if _, err := demo.Load(e.ctx, demo.Options{Store: e.store, Blobs: e.blobs, Clinician: clin.Email, Actor: "cli:test"}); err != nil {
				t.Fatal(err)
			}
			real := e.seedSession(clin.Email, store.ProgramMH, store.StatusReady)
			b := e.client()
			b.login(clin.Email, "")

			list := b.get("/sessions")
			if n := strings.Count(list.body, `data-testid="sample-badge"`); n != 1 {
				t.Fatalf("the session list shows %d SAMPLE badge(s), want 1", n)
			}
			for _, row := range strings.Split(list.body, "<tr>") {
				if strings.Contains(row, real.ID) && strings.Contains(row, "sample-badge") {
					t.Error("a real session is marked SAMPLE")
				}
				if strings.Contains(row, store.SampleSessionID) && !strings.Contains(row, "sample-badge") {
					t.Error("the sample's row is not marked SAMPLE")
				}
			}
			for _, path := range []string{"/sessions/" + store.SampleSessionID, "/sessions/" + store.SampleSessionID + "/review", "/sessions/" + store.SampleSessionID + "/versions"} {
				if p := b.get(path); p.status != http.StatusOK || !strings.Contains(p.body, `data-testid="sample-banner"`) || !strings.Contains(p.body, `data-testid="sample-badge"`) {
					t.Errorf("%s: HTTP %d, SAMPLE banner shown: %v", path, p.status, strings.Contains(p.body, "sample-banner"))
				}
			}
			if p := b.get("/sessions/" + real.ID); strings.Contains(p.body, "sample-banner") {
				t.Error("a real session's page says SAMPLE")
			}

			admin := e.addUser("admin@example.org", store.RoleAdmin, false)
			a := e.client()
			a.login(admin.Email, e.enableTOTP(admin))
			if p := a.get("/admin/clients"); strings.Count(p.body, `data-testid="sample-badge"`) != 1 {
				t.Error("the admin client list does not mark the SAMPLE client once")
			}
			if p := a.get("/admin/clients/" + store.SampleClientID); !strings.Contains(p.body, `data-testid="sample-banner"`) {
				t.Error("the SAMPLE client's admin page has no SAMPLE banner")
			}

			b.get("/sessions/new")
			r := b.post("/sessions", url.Values{"alias": {"sample-client"}, "program": {"mh"}, "template": {"soap"}, "modality": {"general"}, "kind": {"individual"}, "clients": {"1"}})
			if r.status != http.StatusConflict || !strings.Contains(errorText(r.body), "reserved for the SAMPLE client") {
				t.Fatalf("scheduling under the sample's alias: HTTP %d %s", r.status, errorText(r.body))
			}
			sessions, err := e.store.ListSessions(e.ctx, "", 100)
			if err != nil || len(sessions) != 2 {
				t.Fatalf("sessions after the refusal: %d, %v", len(sessions), err)
			}
		})
	}
}
