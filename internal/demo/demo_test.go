package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/demo"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

const clinician = "therapist@example.org"

func open(t *testing.T, b testenv.Backend) (*store.Store, *blob.Dir) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: b.URL(t), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return st, blobs
}

func auditCount(t *testing.T, st *store.Store, action string) int {
	t.Helper()
	n := 0
	if err := st.AuditEntries(context.Background(), 0, func(e audit.Entry) error {
		if e.Action == action {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDemo: scribe demo's sample on both databases — a finished session
// with a transcript and a draft whose statements cite it and whose flag
// is the one Scribe raises; loaded twice it is there once; it can be
// signed and exported, every export says SAMPLE; nothing real can join it;
// removed, audited, it is gone.
func TestDemo(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st, blobs := open(t, b)
			o := demo.Options{Store: st, Blobs: blobs, Clinician: clinician, Actor: "cli:test"}
			loaded, err := demo.Load(ctx, o)
			if err != nil || !loaded {
				t.Fatalf("Load: %v, %v", loaded, err)
			}
			again, err := demo.Load(ctx, o)
			if err != nil || again {
				t.Fatalf("second Load: loaded %v, %v; want nothing new", again, err)
			}
			sessions, err := st.ListSessions(ctx, "", 100)
			if err != nil || len(sessions) != 1 {
				t.Fatalf("sessions after two loads: %d, %v", len(sessions), err)
			}
			sess := sessions[0]
			if !sess.Sample() || sess.Status != store.StatusReady || sess.ClientAlias != store.SampleAlias || sess.Clinician != clinician {
				t.Fatalf("sample session: %+v", sess)
			}
			ds, err := st.Drafts(ctx, sess.ID)
			if err != nil || len(ds) != 1 {
				t.Fatalf("drafts: %d, %v", len(ds), err)
			}
			// The consent the draft relies on is on the session, in force
			// and labelled as fictional.
			cs, err := st.ConsentRecords(ctx, store.ConsentFilter{SessionID: sess.ID})
			if err != nil || len(cs) != 1 || !cs[0].Granted || cs[0].RevokedAt != 0 || !strings.Contains(cs[0].CapturedBy, "SAMPLE") {
				t.Fatalf("sample consents: %+v, %v; want one granted, fictional", cs, err)
			}
			if d := compliance.Decide(cs, compliance.ScopeAIScribe, st.NowMS()); d.Status != "in_force" {
				t.Errorf("sample consent is %s, want in force", d.Status)
			}
			if n := auditCount(t, st, "sample.load"); n != 1 {
				t.Errorf("sample.load audited %d times, want 1", n)
			}
			c, err := st.Client(ctx, store.SampleClientID)
			if err != nil || !c.Sample() || !c.OnCareTeam(clinician) {
				t.Fatalf("sample client: %+v, %v", c, err)
			}

			// The transcript and a draft whose every statement is grounded.
			raw, err := blobs.Get(ctx, pipeline.RedactedBlobID(sess.ID))
			if err != nil || !strings.Contains(string(raw), "S0009") {
				t.Fatalf("sample transcript: %v", err)
			}
			var content drafts.Content
			if err := json.Unmarshal([]byte(ds[0].Content), &content); err != nil {
				t.Fatal(err)
			}
			cites := 0
			for _, s := range content.Note.Sections {
				for _, stmt := range s.Statements {
					cites += len(stmt.Citations)
					if stmt.Unsupported {
						t.Errorf("sample statement in %s is not supported by the transcript: %s", s.Key, stmt.UnsupportedReason)
					}
				}
			}
			var flags []drafts.Flag
			json.Unmarshal([]byte(ds[0].Flags), &flags)
			if cites < 7 || len(flags) != 1 || flags[0].Code != summarize.FlagRiskNotAssessed {
				t.Fatalf("sample draft: %d citations, flags %+v; want citations and the risk flag", cites, flags)
			}

			// Nothing real mixes with it.
			err = st.InTx(ctx, func(tx *store.Tx) error {
				_, err := clients.Resolve(ctx, tx, clients.Request{Alias: " sample-CLIENT ", Program: store.ProgramMH,
					Clinician: store.User{Email: clinician, Role: store.RoleClinician}, By: store.User{Role: store.RoleAdmin}, Actor: "u1"})
				return err
			})
			if !errors.Is(err, clients.ErrAliasReserved) || !errors.Is(err, clients.ErrAliasTaken) {
				t.Errorf("a real session under the sample alias: %v", err)
			}
			err = st.InTx(ctx, func(tx *store.Tx) error {
				return tx.CreateSession(ctx, &store.Session{ID: "real-1", Source: "ingest", Status: store.StatusTranscribing, ClientID: store.SampleClientID})
			})
			if !errors.Is(err, store.ErrSampleClient) {
				t.Errorf("a real session on the sample client: %v", err)
			}

			// Review, resolve, sign, export: every format says SAMPLE.
			svc := &drafts.Service{Store: st}
			if _, err := svc.ResolveFlag(ctx, sess.ID, summarize.FlagRiskNotAssessed, "asked about it; no current risk", clinician); err != nil {
				t.Fatal(err)
			}
			signed, err := svc.Sign(ctx, sess.ID, drafts.SignOptions{Clinician: clinician, Attest: true})
			if err != nil {
				t.Fatal(err)
			}
			// The sample leaves no trace in how much the clinician changes
			// their drafts (the account page's measure).
			if ms, err := st.EditMeasures(ctx, "", 10); err != nil || len(ms) != 0 {
				t.Errorf("signing the sample recorded an edit measure: %+v, %v", ms, err)
			}
			view, err := drafts.BuildView(signed, nil, drafts.RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for format, marks := range map[string][]string{
				exchange.FormatText:  {store.SampleMarker},
				exchange.FormatHL7v2: {"SAMPLE — fictional", "|MDM^T02^MDM_T02|"},
				exchange.FormatFHIR:  {"HTEST", "test health data"},
			} {
				ex, err := exchange.Run(ctx, st, exchange.Request{Input: exchange.Input{Session: sess, Draft: signed, View: view, Now: time.Now()}, Format: format, Actor: clinician})
				if err != nil {
					t.Fatalf("export %s: %v", format, err)
				}
				body := string(ex.Body)
				if format == exchange.FormatFHIR {
					body = fhirText(t, ex.Body) + string(ex.Body)
					marks = append(marks, store.SampleMarker)
				}
				for _, m := range marks {
					if !strings.Contains(body, m) {
						t.Errorf("the %s export does not carry %q", format, m)
					}
				}
				if format == exchange.FormatHL7v2 && !strings.Contains(strings.SplitN(body, "\r", 2)[0], "|T|2.5.1") {
					t.Errorf("HL7 MSH-11 is not T (training): %q", strings.SplitN(body, "\r", 2)[0])
				}
			}

			// Removed, audited; removing again finds nothing; it loads again.
			removed, err := demo.Remove(ctx, o)
			if err != nil || !removed {
				t.Fatalf("Remove: %v, %v", removed, err)
			}
			if _, err := st.Session(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the sample session is still there: %v", err)
			}
			if _, err := st.Client(ctx, store.SampleClientID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the sample client is still there: %v", err)
			}
			if _, err := blobs.Get(ctx, pipeline.RedactedBlobID(sess.ID)); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("the sample transcript is still stored: %v", err)
			}
			if n := auditCount(t, st, "sample.remove"); n != 1 {
				t.Errorf("sample.remove audited %d times, want 1", n)
			}
			if removed, err := demo.Remove(ctx, o); err != nil || removed {
				t.Errorf("second Remove: %v, %v", removed, err)
			}
			if loaded, err := demo.Load(ctx, demo.Options{Store: st, Blobs: blobs, Actor: "cli:test"}); err != nil || !loaded {
				t.Fatalf("Load after Remove: %v, %v", loaded, err)
			}
		})
	}
}

// fhirText returns the decoded note text of a FHIR export's attachments.
func fhirText(t *testing.T, body []byte) string {
	t.Helper()
	var bundle struct {
		Entry []struct {
			Resource struct {
				Content []struct {
					Attachment struct {
						Data []byte `json:"data"`
					} `json:"attachment"`
				} `json:"content"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &bundle); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, e := range bundle.Entry {
		for _, c := range e.Resource.Content {
			out.Write(c.Attachment.Data)
		}
	}
	return out.String()
}
