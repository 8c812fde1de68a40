package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestPipelineSteps: the progress bar's steps follow the session's status
// and the stage rows — done, under way, stopped or waiting — and a finished
// step says when it finished and how long it took after the step before.
func TestPipelineSteps(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixMilli()
	done := func(stage string, chunk int64, at int64) store.Stage {
		return store.Stage{Stage: stage, ChunkID: chunk, State: store.StateDone, UpdatedAt: at}
	}
	rows := []store.Stage{done(jobs.StageTranscribe, 1, t0+8000), done(jobs.StageTranscribe, 2, t0+10000), done(jobs.StageRedact, 0, t0+12000), done(jobs.StageDraft, 0, t0+100000)}
	cases := []struct {
		name   string
		sess   store.Session
		stages []store.Stage
		draft  int64
		states string
		times  []string
	}{
		{"ready", store.Session{Status: store.StatusReady, DurationMS: 50 * 60000}, rows, t0 + 100500, "done done done done done",
			[]string{"audio 50 min 0 s", "finished 09:00:10 UTC", "finished 09:00:12 UTC, took 2 s", "finished 09:01:40 UTC, took 1 min 28 s", "finished 09:01:40 UTC, took under a second"}},
		{"transcribing", store.Session{Status: store.StatusTranscribing, DurationMS: 65000}, rows[:1], 0, "done current waiting waiting waiting",
			[]string{"audio 1 min 5 s", "", "", "", ""}},
		{"stopped at redaction", store.Session{Status: store.StatusFailed, FailedStage: jobs.StageRedact}, rows[:2], 0, "done done failed waiting waiting",
			[]string{"", "finished 09:00:10 UTC", "", "", ""}},
		{"scheduled", store.Session{Status: store.StatusScheduled}, nil, 0, "current waiting waiting waiting waiting", []string{"", "", "", "", ""}},
	}
	for _, c := range cases {
		steps := pipelineSteps(c.sess, c.stages, c.draft)
		var states, times []string
		for _, s := range steps {
			states = append(states, s.State)
			times = append(times, s.Time)
			if s.StateText == "" || s.Label == "" {
				t.Errorf("%s: step %s has no words", c.name, s.Key)
			}
		}
		if strings.Join(states, " ") != c.states {
			t.Errorf("%s: states %v, want %s", c.name, states, c.states)
		}
		if strings.Join(times, "|") != strings.Join(c.times, "|") {
			t.Errorf("%s: times %q, want %q", c.name, times, c.times)
		}
	}
	for _, st := range []string{store.StatusCancelled, store.StatusNoRecording} {
		if s := pipelineSteps(store.Session{Status: st}, nil, 0); s != nil {
			t.Errorf("a %s session has a progress bar: %v", st, s)
		}
	}

	// On the page, on both databases: the steps in order, the current one
	// marked for assistive technology.
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			clin := e.addUser("therapist@example.org", store.RoleClinician, false)
			sess := e.seedSession(clin.Email, store.ProgramMH, store.StatusRedacting)
			if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
				return tx.SetStage(e.ctx, sess.ID, jobs.StageTranscribe, 1, store.StateDone, 1, "")
			}); err != nil {
				t.Fatal(err)
			}
			b := e.client()
			b.login(clin.Email, "")
			p := b.get("/sessions/" + sess.ID)
			if p.status != http.StatusOK {
				t.Fatalf("session page: HTTP %d", p.status)
			}
			ol := regexp.MustCompile(`(?s)<ol class="steps"[^>]*data-testid="pipeline-steps".*?</ol>`).FindString(p.body)
			got := regexp.MustCompile(`<li class="step step-([a-z]+)" data-step="([a-z_]+)"( aria-current="step")?>`).FindAllStringSubmatch(ol, -1)
			var seq []string
			for _, m := range got {
				seq = append(seq, m[2]+":"+m[1]+m[3])
			}
			want := `recording:done transcribe_chunk:done redact:current aria-current="step" draft:waiting ready:waiting`
			if strings.Join(seq, " ") != want {
				t.Fatalf("steps on the page: %s\nwant %s", strings.Join(seq, " "), want)
			}
			if !strings.Contains(ol, "finished ") {
				t.Error("the finished transcription step does not say when it finished")
			}
		})
	}
}
