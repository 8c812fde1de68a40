//go:build cgo && nolibopusfile

package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// TestClinicianRejoinsWithNewLink: mid-call the clinician starts the call
// again from the session page (a new join link, as a second tab or after a
// browser crash). The new window replaces the old one and continues the
// same speaker's recording: chunk numbers go on, nothing stored is
// overwritten, and what was said on both connections is in the transcript
// under "clinician".
func TestClinicianRejoinsWithNewLink(t *testing.T) {
	r := newCallRig(t, testenv.Backends[0])
	id, tokens := r.createCall(time.Hour)
	say := func(text string) [][]byte {
		return capturetest.EncodeOpus(t, testenv.Concat(testenv.Silence(300), testenv.Speech(t, text), testenv.Silence(9000)))
	}
	first, second := say("How are you feeling about your sleep this week"), say("I want to go back to work and call my family more often")

	clin := r.join(id, tokens["clinician"])
	cli := r.join(id, tokens["client"])
	if refused := cli.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	mics := connect(t, clin, cli)
	clin.WaitFor(10*time.Second, "recording on", func() bool { return clin.State().Recording })
	if err := capturetest.Publish(context.Background(), mics[0], nil, first); err != nil {
		t.Fatal(err)
	}

	// "Start the call" again: a new clinician link, as the web app makes one.
	tok := newJoinToken(t)
	if err := r.store.InTx(r.ctx, func(tx *store.Tx) error {
		return tx.AddJoinToken(r.ctx, store.JoinToken{TokenHash: pipeline.HashJoinToken(tok), SessionID: id, Role: capture.RoleClinician, Label: capture.RoleClinician,
			ExpiresAt: time.Now().Add(time.Hour).UnixMilli()})
	}); err != nil {
		t.Fatal(err)
	}
	again := r.join(id, tok)
	clin.WaitFor(10*time.Second, "the old window told it was replaced", func() bool {
		return slices.ContainsFunc(clin.Errors(), func(e string) bool { return strings.Contains(e, "another window") })
	})
	again.WaitFor(5*time.Second, "the room state", func() bool { return len(again.State().Participants) > 0 })
	time.Sleep(200 * time.Millisecond) // any later state would show a third participant
	if ps := again.State().Participants; len(ps) != 2 {
		t.Errorf("%d participants after the clinician's second window joined; want 2 (the same clinician): %+v", len(ps), ps)
	}
	mic2 := connect(t, again)
	if err := capturetest.Publish(context.Background(), mic2[0], nil, second); err != nil {
		t.Fatal(err)
	}
	again.End()
	if err := r.wait(id); err != nil {
		t.Fatal(err)
	}
	r.noFakeProblems()

	var idx []int
	var recordedMS int64
	for _, c := range r.chunks(id) {
		if c.Speaker == "clinician" {
			idx = append(idx, c.Index)
			recordedMS += c.EndMS - c.StartMS
		}
	}
	slices.Sort(idx)
	for i, x := range idx {
		if x != i {
			t.Fatalf("clinician chunk indices %v: want 0..%d without gaps", idx, len(idx)-1)
		}
	}
	spokenMS := int64(len(first)+len(second)) * 20
	if recordedMS < spokenMS*9/10 {
		t.Errorf("clinician recorded %d ms of the %d ms spoken on both connections", recordedMS, spokenMS)
	}
	segs, err := transcribe.Merge(r.ctx, r.store, r.blobs, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, kw := range []string{"sleep", "family"} {
		found := false
		for _, s := range segs {
			if strings.Contains(strings.ToLower(s.Text), kw) {
				found = true
				if s.Speaker != "clinician" {
					t.Errorf("%q under %s, want clinician", kw, s.Speaker)
				}
			}
		}
		if !found {
			t.Errorf("%q (said on the %s connection) is not in the transcript", kw, map[string]string{"sleep": "first", "family": "second"}[kw])
		}
	}
}
