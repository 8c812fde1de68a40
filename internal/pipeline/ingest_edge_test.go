package pipeline_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/validate"
)

// nothingCreated fails the test when a refused ingest left a session,
// a chunk, a job or a blob behind.
func (h *harness) nothingCreated(what string) {
	h.t.Helper()
	for _, table := range []string{"sessions", "chunks", "river_job"} {
		if n := testenv.CountRows(h.t, h.dbURL, h.dataDir, table); n != 0 {
			h.t.Errorf("%s: %d row(s) left in %s", what, n, table)
		}
	}
	if n := blobFiles(h.t, filepath.Join(h.dataDir, "blobs")); n != 0 {
		h.t.Errorf("%s: %d blob(s) left behind", what, n)
	}
}

func blobFiles(t testing.TB, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func tone(freq float64, ms int) []int16 {
	out := make([]int16, 16*ms)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/16000))
	}
	return out
}

// TestIngestRefusesBadChoicesAndCreatesNothing: each bad value is refused
// before any audio is read, as a validate.Error naming the input and what
// is allowed, on one line, and nothing is stored (both backends).
func TestIngestRefusesBadChoicesAndCreatesNothing(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			h := newHarness(t, be)
			addUser := func(email, role string, disabled bool) {
				u := store.User{ID: uuid.NewString(), Email: email, Role: role, Disabled: disabled}
				if err := h.store.InTx(h.ctx, func(tx *store.Tx) error { return tx.CreateUser(h.ctx, &u) }); err != nil {
					t.Fatal(err)
				}
			}
			addUser("dr@example.org", store.RoleClinician, false)
			addUser("boss@example.org", store.RoleAdmin, false)
			addUser("gone@example.org", store.RoleClinician, true)
			wav := testenv.WAV(16000, tone(300, 2000))
			cases := []struct {
				name     string
				chunkMax time.Duration
				opt      pipeline.IngestOptions
				field    validate.Field
				mention  string
			}{
				{"template", 0, pipeline.IngestOptions{Template: "bogus"}, pipeline.FieldTemplate, "soap"},
				{"modality", 0, pipeline.IngestOptions{Modality: "astrology"}, pipeline.FieldModality, "cbt"},
				{"program", 0, pipeline.IngestOptions{Program: "psych"}, pipeline.FieldProgram, "mh or sud"},
				{"speakers", 0, pipeline.IngestOptions{Speakers: "both"}, pipeline.FieldSpeakers, "stereo or mono"},
				{"stereo of a mono file", 0, pipeline.IngestOptions{Speakers: "stereo"}, pipeline.FieldSpeakers, "2-channel"},
				{"unknown clinician", 0, pipeline.IngestOptions{Clinician: "nobody@example.org"}, pipeline.FieldClinician, "no account"},
				{"clinician not an e-mail", 0, pipeline.IngestOptions{Clinician: "dr smith"}, pipeline.FieldClinician, "not an e-mail"},
				{"admin as clinician", 0, pipeline.IngestOptions{Clinician: "boss@example.org"}, pipeline.FieldClinician, "not a clinician"},
				{"disabled clinician", 0, pipeline.IngestOptions{Clinician: "gone@example.org"}, pipeline.FieldClinician, "disabled"},
				{"missing clinician", 0, pipeline.IngestOptions{RequireClinician: true}, pipeline.FieldClinician, "required"},
				{"missing alias", 0, pipeline.IngestOptions{RequireAlias: true}, pipeline.FieldClientAlias, "required"},
				{"alias on two lines", 0, pipeline.IngestOptions{ClientAlias: "client\n17"}, pipeline.FieldClientAlias, "one line"},
				{"attester", 0, pipeline.IngestOptions{ConsentAttestedBy: "me"}, pipeline.FieldConsentAttestedBy, "e-mail"},
				{"chunk-max 1ns", time.Nanosecond, pipeline.IngestOptions{}, pipeline.FieldChunkMax, "5s to 12m30s"},
				{"chunk-max 1h", time.Hour, pipeline.IngestOptions{}, pipeline.FieldChunkMax, "5s to 12m30s"},
			}
			for _, c := range cases {
				in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, ChunkMax: c.chunkMax}
				_, err := in.Ingest(h.ctx, bytes.NewReader(wav), c.opt)
				ve, ok := validate.As(err)
				if !ok || ve.Field != c.field {
					t.Errorf("%s: got %v, want a validation error on %s", c.name, err, c.field)
					continue
				}
				if msg := err.Error(); !strings.Contains(msg, c.mention) || strings.ContainsAny(msg, "\n\r") {
					t.Errorf("%s: message %q should be one line mentioning %q", c.name, msg, c.mention)
				}
				if strings.Contains(err.Error(), "--") {
					t.Errorf("%s: a domain error names a command-line flag: %q", c.name, err)
				}
				h.nothingCreated(c.name)
			}
			// A known clinician's e-mail is accepted in any case and stored as the account has it.
			in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs}
			id, err := in.Ingest(h.ctx, bytes.NewReader(wav), pipeline.IngestOptions{Clinician: "DR@example.org", Template: "DAP", Modality: "CBT"})
			if err != nil {
				t.Fatal(err)
			}
			sess, _ := h.store.Session(h.ctx, id)
			if sess.Clinician != "dr@example.org" || sess.Template != "dap" || sess.Modality != "cbt" {
				t.Fatalf("stored choices %q %q %q, want them normalised", sess.Clinician, sess.Template, sess.Modality)
			}
		})
	}
}

// TestIngestStreamFailuresLeaveNothing: a stream that is cut off mid-data
// (an upload whose connection dropped), and a caller that refuses at the
// last moment (a second file in the form), leave no chunk, blob or job.
func TestIngestStreamFailuresLeaveNothing(t *testing.T) {
	h := newHarness(t, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, ChunkMax: 5 * time.Second}
	wav := testenv.WAV(16000, tone(300, 30_000), tone(500, 30_000)) // 30 s stereo: several chunks stored before the end
	cut := io.MultiReader(bytes.NewReader(wav[:len(wav)-1000]), errReader{io.ErrUnexpectedEOF})
	if _, err := in.Ingest(h.ctx, streamOnly{cut}, pipeline.IngestOptions{}); !errors.Is(err, audio.ErrCorrupt) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut-off stream: %v", err)
	}
	h.nothingCreated("cut-off stream")
	short := bytes.NewReader(wav[:len(wav)-1000])
	_, err := in.Ingest(h.ctx, streamOnly{short}, pipeline.IngestOptions{})
	if !errors.Is(err, audio.ErrCorrupt) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated stream: %v", err)
	}
	h.nothingCreated("truncated stream")
	refuse := errors.New("a second file in the form")
	if _, err := in.Ingest(h.ctx, streamOnly{bytes.NewReader(wav)}, pipeline.IngestOptions{BeforeCommit: func() error { return refuse }}); !errors.Is(err, refuse) {
		t.Fatalf("BeforeCommit error not returned: %v", err)
	}
	h.nothingCreated("refused before commit")
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestIngestStereoSpeakers: a stereo file with different channels becomes
// two speakers; one whose channels carry the same signal (a mono recording
// saved as stereo) becomes one, with the copy's chunks not kept.
func TestIngestStereoSpeakers(t *testing.T) {
	h := newHarness(t, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, ChunkMax: 5 * time.Second}
	a, b := tone(300, 12_000), tone(700, 12_000)
	for _, c := range []struct {
		name     string
		wav      []byte
		speakers []string
	}{
		{"two voices", testenv.WAV(16000, a, b), []string{pipeline.SpeakerClinician, pipeline.SpeakerClient}},
		{"same signal twice", testenv.WAV(16000, a, a), []string{pipeline.SpeakerMixed}},
	} {
		before := blobFiles(t, filepath.Join(h.dataDir, "blobs"))
		id, err := in.Ingest(h.ctx, streamOnly{bytes.NewReader(c.wav)}, pipeline.IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := h.store.Chunks(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int64{}
		for _, ch := range chunks {
			seen[ch.Speaker] = max(seen[ch.Speaker], ch.EndMS)
			if ok, _ := h.blobs.Exists(h.ctx, ch.AudioBlob); !ok {
				t.Errorf("%s: chunk %d's audio is missing", c.name, ch.Index)
			}
		}
		if len(seen) != len(c.speakers) {
			t.Fatalf("%s: speakers %v, want %v", c.name, seen, c.speakers)
		}
		for _, sp := range c.speakers {
			if seen[sp] != 12_000 {
				t.Errorf("%s: speaker %s covers %d ms, want 12000", c.name, sp, seen[sp])
			}
		}
		if added := blobFiles(t, filepath.Join(h.dataDir, "blobs")) - before; added != len(chunks) {
			t.Errorf("%s: %d blobs stored for %d chunks", c.name, added, len(chunks))
		}
	}
}
