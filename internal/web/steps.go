package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// pipeStep is one step of the progress bar on the session page:
// recording → transcribing → removing identifiers → drafting → ready.
type pipeStep struct {
	Key   string `json:"key"`   // the stage (labels kindStage)
	Label string `json:"label"` // its human name
	State string `json:"state"` // done, current, failed or waiting
	// StateText is the state in words (the labels of the stage states).
	StateText string `json:"state_text"`
	Time      string `json:"time"` // when it finished and how long it took, in words ("" while not done)
}

// The steps in order; a stage row's name maps onto one of them.
var stepKeys = []string{"recording", jobs.StageTranscribe, jobs.StageRedact, jobs.StageDraft, "ready"}

// pipelineSteps turns a session and its stage rows into the progress bar.
// A session with no pipeline (cancelled, or nothing recorded) has none.
func pipelineSteps(sess store.Session, stages []store.Stage, draftAt int64) []pipeStep {
	cur := 0
	switch sess.Status {
	case store.StatusScheduled, store.StatusInCall, store.StatusRecording:
		cur = 0
	case store.StatusTranscribing:
		cur = 1
	case store.StatusRedacting:
		cur = 2
	case store.StatusDrafting:
		cur = 3
	case store.StatusReady:
		cur = 5 // every step done
	case store.StatusFailed:
		cur = stepIndex(sess.FailedStage)
		if cur < 0 {
			cur = 1
		}
	default:
		return nil
	}
	// A step's finish time is the latest update of its stage rows.
	finished := map[string]int64{}
	for _, st := range stages {
		if st.State == store.StateDone && st.UpdatedAt > finished[st.Stage] {
			finished[st.Stage] = st.UpdatedAt
		}
	}
	if draftAt > 0 {
		finished["ready"] = draftAt
	}
	steps := make([]pipeStep, len(stepKeys))
	var prev int64
	for i, k := range stepKeys {
		s := pipeStep{Key: k, Label: stageLabel(vocab.Stage(k)).Text, State: "waiting"}
		switch {
		case i < cur:
			s.State = "done"
		case i == cur && sess.Status == store.StatusFailed:
			s.State = "failed"
		case i == cur:
			s.State = "current"
		}
		if s.State == "done" {
			switch at := finished[k]; {
			case k == "recording":
				if sess.DurationMS > 0 {
					s.Time = "audio " + spokenDuration(sess.DurationMS)
				}
			case at > 0 && prev > 0 && at >= prev:
				s.Time = "finished " + time.UnixMilli(at).UTC().Format("15:04:05 MST") + ", took " + spokenDuration(at-prev)
			case at > 0:
				s.Time = "finished " + time.UnixMilli(at).UTC().Format("15:04:05 MST")
			}
			if at := finished[k]; at > 0 {
				prev = at
			}
		}
		s.StateText = labelOf(kindState, map[string]string{"done": store.StateDone, "current": store.StateRunning, "failed": store.StateFailed, "waiting": store.StatePending}[s.State]).Text
		steps[i] = s
	}
	return steps
}

func stepIndex(stage string) int {
	for i, k := range stepKeys {
		if k == stage {
			return i
		}
	}
	return -1
}

// spokenDuration says a duration the way a person would ("2 min 5 s").
func spokenDuration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}

// What a stage needs a model provider for.
var stageUse = map[string]string{jobs.StageTranscribe: store.UseTranscription, jobs.StageDraft: store.UseDrafting}

// reasonForPerson turns a stage's stored failure reason into words for the
// person reading the session page. The stored reason is written for the
// operator (it may name a CLI command or wrap a store error); a missing
// model provider is said plainly, with the way to fix it for an admin.
// fixURL is where an admin fixes it ("" when there is nothing to link).
func (s *Server) reasonForPerson(ctx context.Context, stage, reason string, admin bool) (text, fixURL string) {
	// The stage stored store.ProviderFor's error ("no transcription
	// provider configured …"); say so only while it is still true.
	if use, ok := stageUse[stage]; ok && strings.HasPrefix(reason, "no "+use+" provider configured") {
		if _, err := s.cfg.Store.ProviderFor(ctx, use); errors.Is(err, store.ErrNotFound) {
			what := map[string]string{store.UseTranscription: "transcription", store.UseDrafting: "note-drafting"}[use]
			if admin {
				return "No " + what + " model is set up yet — add one under Settings → Model providers, then retry.", "/admin/providers"
			}
			return "No " + what + " model is set up yet — your admin can add one under Settings → Model providers.", ""
		}
	}
	if reason == "" {
		return "", ""
	}
	if looksInternal(reason) {
		if admin {
			return "This step could not finish. The System check page and the server log say why.", "/admin/system"
		}
		return "This step could not finish. Try again; if it keeps happening, ask your admin to look at the System check.", ""
	}
	return reason, ""
}

// looksInternal: text meant for an operator, not for a clinician — a CLI
// command or flag, or a wrapped store error.
func looksInternal(msg string) bool {
	for _, frag := range []string{"scribe ", " --", ": not found", "sql:", "no rows", "goroutine ", ".go:"} {
		if strings.Contains(msg, frag) {
			return true
		}
	}
	return false
}
