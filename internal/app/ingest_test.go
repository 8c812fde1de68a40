package app_test

import (
	"bytes"
	"testing"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestIngest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ing := &pipeline.Ingester{Store: e.st, Blobs: e.blobs}
		wav := func() *bytes.Reader { return bytes.NewReader(testenv.WAV(16000, testenv.Silence(3000))) }
		id, err := e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "client-1", ConsentAttested: true, RequireChoices: true})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := e.st.Session(e.ctx, id)
		if err != nil || sess.Clinician != e.clinician.Email || sess.ClientID == "" || sess.Source != "ingest" {
			t.Fatalf("ingested %+v %v", sess, err)
		}
		if a := e.lastAudit("consent.add"); a.Actor != e.clinician.ID {
			t.Errorf("the attested consent was audited as %q", a.Actor)
		}
		if recs, _ := e.st.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: id}); len(recs) != 1 || recs[0].CapturedBy != e.clinician.Email {
			t.Errorf("attested consent %+v", recs)
		}

		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Template: "haiku"})
		wantValidation(t, "an unknown template", err, pipeline.FieldTemplate)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), RequireChoices: true})
		wantValidation(t, "no alias", err, pipeline.FieldClientAlias)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Clinician: e.other.Email})
		wantKind(t, "a clinician uploading for another", err, app.ErrForbidden)
		_, err = e.svc.Ingest(e.ctx, e.clinician, ing, app.IngestInput{Recording: wav(), ClientAlias: "c", Program: "sud"})
		wantKind(t, "a Part 2 upload without Part 2 access", err, app.ErrForbidden)
		if _, err := e.svc.Ingest(e.ctx, e.part2, ing, app.IngestInput{Recording: wav(), ClientAlias: "c-mh"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Ingest(e.ctx, e.part2, ing, app.IngestInput{Recording: wav(), ClientAlias: "c-mh", Program: "sud"})
		wantKind(t, "a Part 2 session for a client outside the program", err, app.ErrConflict)
		if all, _ := e.st.ListSessions(e.ctx, "", 100); len(all) != 2 {
			t.Errorf("%d sessions after two accepted uploads and five refused ones, want 2", len(all))
		}
	})
}
