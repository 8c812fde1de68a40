//go:build cgo && nolibopusfile

package pipeline_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// waitRoomClosed waits until no relay holds the session's call (its room
// closed and gave up its claim): a probe relay can claim it, and releases
// it at once.
func (r *callRig) waitRoomClosed(id string, d time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, err := r.store.ClaimCall(r.ctx, id, "probe-relay", time.Now().UnixMilli(), time.Minute)
		if err != nil {
			r.t.Fatal(err)
		}
		if ok {
			if err := r.store.ReleaseCall(r.ctx, id, "probe-relay"); err != nil {
				r.t.Fatal(err)
			}
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the call of session %s still holds its claim after %v", id, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stillOpen fails the test unless the session is open: not ended, no
// call.end audited.
func (r *callRig) stillOpen(id, after string) {
	r.t.Helper()
	s, err := r.store.Session(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	if !s.Open() {
		r.t.Fatalf("after %s the session is %q (capture ended %v); want it still open", after, s.Status, s.CaptureEnded)
	}
	if n := r.auditActions(id)["call.end"]; n != 0 {
		r.t.Fatalf("after %s %d call.end audited", after, n)
	}
}

// TestEarlyPeekThenFullCall (issue 11): the client opens the join link long
// before the appointment, declines and leaves; opens it again, consents and
// closes the tab. Neither ends the session (it used to end as no_recording,
// refusing both links). Later the clinician and the client hold the whole
// call, which is recorded and reaches a draft, on a clock started by the
// call's first recording, not by the peeks.
func TestEarlyPeekThenFullCall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		script := callScript(t)
		id, tokens := r.createCall(time.Hour)

		peek := r.join(id, tokens["client"])
		if ps := peek.Welcome().State.Participants; len(ps) != 1 {
			t.Errorf("the early client sees %d participants, want only itself", len(ps))
		}
		if refused := peek.Consent(capturetest.Decline(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("declining was refused: %s", refused)
		}
		peek.Leave()
		r.waitRoomClosed(id, 15*time.Second)
		r.stillOpen(id, "the client peeked, declined and left")

		peek = r.join(id, tokens["client"])
		if refused := peek.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		peek.Close() // the tab is closed
		r.waitRoomClosed(id, 15*time.Second)
		r.stillOpen(id, "the client peeked again, consented and closed the tab")
		time.Sleep(2 * time.Second) // the call comes later: the peeks must not start its clock

		clin := r.join(id, tokens["clinician"])
		cli := r.join(id, tokens["client"])
		if refused := cli.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		mics := connect(t, clin, cli)
		clin.WaitFor(10*time.Second, "recording on", func() bool { return clin.State().Recording })
		publishBoth(t, mics, script["clinician"], script["client"])
		// Each has received (through the relay, which records what it
		// forwards) nearly all the other said before the call ends.
		clin.WaitFor(30*time.Second, "the client's audio through the relay", func() bool { return clin.GotAudio() >= int64(len(script["client"]))*97/100 })
		cli.WaitFor(30*time.Second, "the clinician's audio through the relay", func() bool { return cli.GotAudio() >= int64(len(script["clinician"]))*97/100 })
		clin.End()
		if err := r.wait(id); err != nil {
			t.Fatal(err)
		}
		r.noFakeProblems()

		chunks := r.chunks(id)
		per := map[string]int{}
		first := int64(-1)
		for _, c := range chunks {
			per[c.Speaker]++
			if first < 0 || c.StartMS < first {
				first = c.StartMS
			}
		}
		if per["clinician"] == 0 || per["client"] == 0 || len(per) != 2 {
			t.Errorf("chunks per speaker %v, want clinician and client", per)
		}
		if first > 1500 {
			t.Errorf("the first chunk starts %d ms into the session's clock: the peeks started it", first)
		}
		// What was said is in the transcript under its speaker, in order.
		// (Speech recognition on a loaded machine may miss a word: every
		// keyword recognised counts, and each speaker must have one.)
		segs := r.segments(id)
		var order []string
		heard := map[string]bool{}
		for _, s := range segs {
			for _, tu := range turns {
				if strings.Contains(strings.ToLower(s.Text), tu.keyword) {
					order = append(order, tu.keyword)
					heard[s.Speaker] = true
					if s.Speaker != tu.speaker {
						t.Errorf("%q attributed to %q, want %q", tu.keyword, s.Speaker, tu.speaker)
					}
				}
			}
		}
		var want []string
		for _, tu := range turns {
			if slices.Contains(order, tu.keyword) {
				want = append(want, tu.keyword)
			}
		}
		if !slices.Equal(order, want) || !heard["clinician"] || !heard["client"] {
			t.Errorf("keywords in the transcript: %v, want them in the order said (sleep, morning, progress, family), some from each speaker; segments %+v", order, segs)
		}
		if d, err := r.store.LatestDraft(r.ctx, id); err != nil || d.Status != store.DraftDraft {
			t.Errorf("draft %+v, %v", d, err)
		}
		if acts := r.auditActions(id); acts["call.end"] != 1 || acts["consent.record"] != 3 {
			t.Errorf("audit actions %v; want one call.end and three consent decisions", acts)
		}
	})
}

// TestLoneParticipantRejoinKeepsOneRecording (issue 11): the therapist joins
// first, the client consents, both speak; the client's network drops, then
// the therapist's tab reloads (the room empties: it closes, the session
// stays open). Both come back with the same links and speak again. The
// session has one recording: one track per participant identity, chunk
// indexes that go on without a collision, the time away a gap on the
// session clock, and everything said before and after in the draft's
// transcript under the right speaker.
func TestLoneParticipantRejoinKeepsOneRecording(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		id, tokens := r.createCall(time.Hour)
		say := func(text string) [][]byte {
			return capturetest.EncodeOpus(t, testenv.Concat(testenv.Silence(300), testenv.Speech(t, text), testenv.Silence(9000)))
		}

		clin := r.join(id, tokens["clinician"])
		cli := r.join(id, tokens["client"])
		if refused := cli.Consent(capturetest.Grant(pipeline.ConsentTextVersion)); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		mics := connect(t, clin, cli)
		clin.WaitFor(10*time.Second, "recording on", func() bool { return clin.State().Recording })
		publishBoth(t, mics, say(turns[0].text), say(turns[1].text))
		firstSpoken := time.Now()

		cli.Close() // the client's network drops
		clin.WaitFor(10*time.Second, "the client gone", func() bool { return len(clin.State().Participants) == 1 })
		clin.Close() // the therapist's tab reloads: the room is empty now
		r.waitRoomClosed(id, 15*time.Second)
		r.stillOpen(id, "everyone dropped")
		time.Sleep(3 * time.Second) // time away: a gap on the session clock

		clin = r.join(id, tokens["clinician"])
		cli = r.join(id, tokens["client"])
		mics = connect(t, clin, cli)
		// The consent on file holds: recording starts with their audio.
		publishBoth(t, mics, say(turns[2].text), say(turns[3].text))
		if !clin.State().Recording {
			t.Error("the call back together is not recording under the consent on file")
		}
		secondSpoken := time.Since(firstSpoken)
		clin.End()
		if err := r.wait(id); err != nil {
			t.Fatal(err)
		}
		r.noFakeProblems()

		bySpeaker := map[string][]store.Chunk{}
		resumedMS := map[string]int64{} // each speaker's first clock position after the time away
		blobs := map[string]bool{}
		for _, c := range r.chunks(id) {
			bySpeaker[c.Speaker] = append(bySpeaker[c.Speaker], c)
			if blobs[c.AudioBlob] {
				t.Errorf("two chunks name one audio object %s", c.AudioBlob)
			}
			blobs[c.AudioBlob] = true
		}
		if len(bySpeaker) != 2 || len(bySpeaker["clinician"]) == 0 || len(bySpeaker["client"]) == 0 {
			t.Fatalf("speakers %v: want one track each for clinician and client", slices.Sorted(maps.Keys(bySpeaker)))
		}
		for who, cs := range bySpeaker {
			slices.SortFunc(cs, func(a, b store.Chunk) int { return a.Index - b.Index })
			var gap int64
			for i, c := range cs {
				if c.Index != i {
					t.Fatalf("%s chunk indexes %v: want 0..%d without collision or hole", who, indexes(cs), len(cs)-1)
				}
				if i > 0 {
					if c.StartMS < cs[i-1].EndMS {
						t.Errorf("%s chunk %d starts at %d ms, before chunk %d ends (%d ms): audio placed over audio", who, i, c.StartMS, i-1, cs[i-1].EndMS)
					}
					if d := c.StartMS - cs[i-1].EndMS; d > gap {
						gap, resumedMS[who] = d, c.StartMS
					}
				}
			}
			// The time away (more than the 3 s nobody was connected) is a
			// gap on the clock, no longer than from the end of the first
			// utterances to the end of the second.
			if gap < 2900 || time.Duration(gap)*time.Millisecond > secondSpoken {
				t.Errorf("%s: largest gap between chunks %d ms; want at least the 3 s away, at most %v", who, gap, secondSpoken.Round(time.Millisecond))
			}
		}
		// Both speakers' speech from before the drop and from after the
		// rejoin is in the transcript under them, nothing overwritten.
		// (Speech recognition on a loaded machine may miss a word: each
		// keyword recognised must be in its place, and each half of the
		// call must have one.)
		segs := r.segments(id)
		spoke := map[string]int{}
		keywords := map[bool]int{}
		for _, s := range segs {
			after := s.StartMS >= resumedMS[s.Speaker]
			if strings.TrimSpace(s.Text) != "" {
				spoke[s.Speaker+map[bool]string{false: " before", true: " after"}[after]]++
			}
			for i, tu := range turns {
				if !strings.Contains(strings.ToLower(s.Text), tu.keyword) {
					continue
				}
				keywords[after]++
				if s.Speaker != tu.speaker || after != (i >= 2) {
					t.Errorf("%q is under %s %s the time away; it was said by the %s %s it", tu.keyword, s.Speaker,
						map[bool]string{false: "before", true: "after"}[after], tu.speaker, map[bool]string{false: "before", true: "after"}[i >= 2])
				}
			}
		}
		for _, want := range []string{"clinician before", "clinician after", "client before", "client after"} {
			if spoke[want] == 0 {
				t.Errorf("no transcript of the %s the time away (segments %+v)", want, segs)
			}
		}
		if keywords[false] == 0 || keywords[true] == 0 {
			t.Errorf("keywords recognised before and after the time away: %d, %d; want some of each (segments %+v)", keywords[false], keywords[true], segs)
		}
		att, err := r.store.AttendanceOf(r.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		joins := map[string]int{}
		for _, a := range att {
			if a.Event == "join" {
				joins[a.Participant]++
			}
		}
		if joins["clinician"] != 2 || joins["client"] != 2 {
			t.Errorf("joins %v, want two each", joins)
		}
		if acts := r.auditActions(id); acts["call.end"] != 1 {
			t.Errorf("audit actions %v; want one call.end", acts)
		}
	})
}

// publishBoth sends each microphone its packets at once and waits until both
// are sent.
func publishBoth(t *testing.T, mics []*webrtc.TrackLocalStaticSample, a, b [][]byte) {
	t.Helper()
	done := make(chan error, 2)
	go func() { done <- capturetest.Publish(context.Background(), mics[0], nil, a) }()
	go func() { done <- capturetest.Publish(context.Background(), mics[1], nil, b) }()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func indexes(cs []store.Chunk) []int {
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.Index
	}
	return out
}
