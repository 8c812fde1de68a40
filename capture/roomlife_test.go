package capture

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// keeperBackend is memBackend with a session life of its own, as the
// store-backed host has one: a schedule, the session clock and chunk
// numbering a reopened call continues, and sessions that are over.
type keeperBackend struct {
	*memBackend
	info   CallInfo
	clocks []time.Time // StartClock calls
	over   error       // Authorize refuses with it once set
}

func (k *keeperBackend) Authorize(ctx context.Context, sessionID, token string) (Participant, error) {
	k.mu.Lock()
	over := k.over
	k.mu.Unlock()
	if over != nil {
		return Participant{}, over
	}
	return k.memBackend.Authorize(ctx, sessionID, token)
}

func (k *keeperBackend) OpenCall(context.Context, string) (CallInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.info, nil
}

func (k *keeperBackend) StartClock(_ context.Context, _ string, at time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.clocks = append(k.clocks, at)
	k.info.ClockStart = at
	return nil
}

func (k *keeperBackend) endAll(err error) {
	k.mu.Lock()
	k.over = err
	k.mu.Unlock()
}

var _ SessionKeeper = (*keeperBackend)(nil)

func endedCalls(b *memBackend) int {
	_, _, ended, _ := b.snapshot()
	return len(ended)
}

// TestEmptyRoomClosesSessionStaysOpen: a client who opens the link early
// (nobody else there) and leaves closes the room but not the session: the
// backend is not told the call ended, and the same link joins again.
func TestEmptyRoomClosesSessionStaysOpen(t *testing.T) {
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{}, b)
	b.addToken("tok-client", "s1", client, time.Hour)
	for round := range 2 {
		cli, refused := capturetest.Dial(t, srv.URL, "s1", "tok-client")
		if cli == nil {
			t.Fatalf("round %d: join refused: %s", round, refused)
		}
		if round == 0 {
			cli.Leave()
		} else {
			cli.Close() // the tab closed without a word
		}
		b.waitFor(t, 10*time.Second, "the room closed", func() bool { return liveRoom(rl, "s1") == nil })
		if n := endedCalls(b); n != 0 {
			t.Fatalf("round %d: CallEnded called %d times: an early visit ended the session", round, n)
		}
	}
}

// TestJoinWaitsForClosingRoom: a join that arrives while the room is
// closing (here its last chunk is being stored, after one failed attempt)
// waits for it, then opens a new room: the chunk is stored before anyone is
// in the next room, so the next room cannot number a chunk before it.
func TestJoinWaitsForClosingRoom(t *testing.T) {
	_, packets := speechPackets(t)
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{ChunkMax: 20 * SampleRate}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	api := capturetest.LoopbackAPI(t)
	a, _ := clin.JoinMedia(api)
	cli.JoinMedia(api)
	waitConnected(t, clin, cli)
	if err := capturetest.Publish(context.Background(), a, nil, packets[:100]); err != nil {
		t.Fatal(err)
	}
	cli.WaitFor(15*time.Second, "the clinician's audio", func() bool { return cli.GotAudio() > 20 })
	if ch, _, _, _ := b.snapshot(); len(ch["clinician"]) != 0 {
		t.Fatalf("a chunk was stored during the call; this test needs the audio held for the end")
	}
	rm := liveRoom(rl, "s1")
	b.mu.Lock()
	b.failStores = 1 // the first attempt to store the last chunk fails: closing takes 0.5 s more
	b.mu.Unlock()
	cli.Close()
	clin.Close()
	b.waitFor(t, 10*time.Second, "the room closing", func() bool { closing, _ := rm.closing(); return closing })
	again, refused := capturetest.Dial(t, srv.URL, "s1", "tok-clin")
	if again == nil {
		t.Fatalf("a join while the room closed was refused: %s", refused)
	}
	if ch, _, _, _ := b.snapshot(); len(ch["clinician"]) != 1 {
		t.Errorf("%d clinician chunks stored when the next room took a member; want the closing room's last chunk stored first", len(ch["clinician"]))
	}
	if next := liveRoom(rl, "s1"); next == nil || next == rm {
		t.Error("the join did not open a new room")
	}
	if n := endedCalls(b); n != 0 {
		t.Errorf("CallEnded called %d times; everyone leaving must not end the session", n)
	}
}

// TestClinicianLeavesAfterStopScribe: the clinician stops the AI scribe and
// leaves: that ends the session (a participant leaving otherwise does not).
func TestClinicianLeavesAfterStopScribe(t *testing.T) {
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if refused := consent(cli, grantAIScribe()); refused != "" {
		t.Fatalf("consent refused: %s", refused)
	}
	clin.Leave() // leaving alone does not end it
	cli.WaitFor(10*time.Second, "the clinician gone", func() bool { return len(cli.State().Participants) == 1 })
	if cli.Ended() || endedCalls(b) != 0 {
		t.Fatal("the clinician leaving ended the session")
	}
	clin, refused := capturetest.Dial(t, srv.URL, "s1", "tok-clin")
	if clin == nil {
		t.Fatalf("the clinician's rejoin refused: %s", refused)
	}
	clin.StopScribe()
	b.waitFor(t, 10*time.Second, "the revocation", func() bool { _, _, _, n := b.snapshot(); return n == 1 })
	clin.Leave()
	cli.WaitFor(10*time.Second, "the call ended", cli.Ended)
	if cli.Resumable() || !strings.Contains(cli.EndReason(), "stopped the AI scribe") {
		t.Errorf("the client was told %q (resumable %v)", cli.EndReason(), cli.Resumable())
	}
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { return endedCalls(b) == 1 })
}

// TestRelayCloseKeepsSessionsOpen: a relay shutting down (a restart) closes
// its calls without ending their sessions; the participants are told and
// their connections close as "going away", on which the call page
// reconnects.
func TestRelayCloseKeepsSessionsOpen(t *testing.T) {
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	if err := rl.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*testPeer{clin, cli} {
		p.WaitFor(10*time.Second, "the restart notice", func() bool { return len(p.Notices()) > 0 })
		if !strings.Contains(p.Notices()[0], "restarting") || p.Ended() {
			t.Errorf("told %q (ended %v); want a restart notice and no end", p.Notices(), p.Ended())
		}
	}
	if n := endedCalls(b); n != 0 {
		t.Errorf("CallEnded called %d times by a relay shutting down", n)
	}
}

// TestSessionOverSaysSo: the link of a session that is over (ended,
// cancelled) says so in words, not "invalid or expired".
func TestSessionOverSaysSo(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ErrSessionEnded, "This session has ended"},
		{ErrSessionCancelled, "This session was cancelled"},
	} {
		k := &keeperBackend{memBackend: newMemBackend()}
		_, srv := startRelay(t, RelayConfig{}, k)
		k.addToken("tok-client", "s1", client, time.Hour)
		k.endAll(tc.err)
		if p, refused := capturetest.Dial(t, srv.URL, "s1", "tok-client"); p != nil || !strings.HasPrefix(refused, tc.want) {
			t.Errorf("%v: joined %v, told %q; want %q", tc.err, p != nil, refused, tc.want)
		}
	}
}

// TestScheduleAndDeadline: the welcome carries the session's appointment
// (for the waiting page); past the session's deadline a room with one
// participant and nothing recorded ends the session.
func TestScheduleAndDeadline(t *testing.T) {
	start := time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC)
	k := &keeperBackend{memBackend: newMemBackend(), info: CallInfo{Schedule: Schedule{Start: start, End: start.Add(50 * time.Minute), Deadline: time.Now().Add(time.Second)}}}
	_, srv := startRelay(t, RelayConfig{AloneTimeout: 400 * time.Millisecond}, k)
	k.addToken("tok-client", "s1", client, time.Hour)
	cli, refused := capturetest.Dial(t, srv.URL, "s1", "tok-client")
	if cli == nil {
		t.Fatalf("join refused: %s", refused)
	}
	if s := cli.Welcome().Schedule; s == nil || s.Start != "2026-12-10T14:00:00Z" || s.End != "2026-12-10T14:50:00Z" {
		t.Errorf("welcome schedule %+v", s)
	}
	cli.WaitFor(10*time.Second, "the session's end at its deadline", cli.Ended)
	if r := cli.EndReason(); !strings.Contains(r, "time is over") || cli.Resumable() {
		t.Errorf("told %q (resumable %v)", r, cli.Resumable())
	}
	k.waitFor(t, 10*time.Second, "CallEnded", func() bool { return endedCalls(k.memBackend) == 1 })
}

// TestReopenedCallContinuesTimeline: a room that opens for a session with
// a recording continues the session's clock and each speaker's chunk
// numbering (CallInfo), so its chunks follow the stored ones; a session's
// first recording starts its clock and gives it to the SessionKeeper.
func TestReopenedCallContinuesTimeline(t *testing.T) {
	_, packets := speechPackets(t)
	record := func(k *keeperBackend) []Chunk {
		t.Helper()
		_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, k)
		clin, cli := joinBoth(t, srv.URL, k.memBackend)
		if refused := consent(cli, grantAIScribe()); refused != "" {
			t.Fatalf("consent refused: %s", refused)
		}
		a, _ := clin.JoinMedia(capturetest.LoopbackAPI(t))
		waitConnected(t, clin)
		if err := capturetest.Publish(context.Background(), a, nil, packets[:150]); err != nil {
			t.Fatal(err)
		}
		clin.End()
		k.waitFor(t, 10*time.Second, "CallEnded", func() bool { return endedCalls(k.memBackend) == 1 })
		chunks, _, _, _ := k.snapshot()
		if len(chunks["clinician"]) == 0 {
			t.Fatal("nothing recorded")
		}
		return chunks["clinician"]
	}

	t.Run("first recording", func(t *testing.T) {
		k := &keeperBackend{memBackend: newMemBackend()}
		before := time.Now()
		cs := record(k)
		k.mu.Lock()
		clocks := k.clocks
		k.mu.Unlock()
		// Saved once, or again at the close if that raced the first save:
		// always the same clock.
		if len(clocks) == 0 || clocks[0].Before(before) || slices.ContainsFunc(clocks, func(c time.Time) bool { return !c.Equal(clocks[0]) }) ||
			cs[0].Index != 0 || cs[0].StartSample > SampleRate {
			t.Errorf("clock kept %v (call began %v); first chunk %d at sample %d; want this call's clock, chunks from 0 near its start",
				clocks, before, cs[0].Index, cs[0].StartSample)
		}
	})
	t.Run("reopened", func(t *testing.T) {
		k := &keeperBackend{memBackend: newMemBackend(), info: CallInfo{ClockStart: time.Now().Add(-40 * time.Second), NextIndex: map[string]int{"clinician": 7}}}
		for i, c := range record(k) {
			if c.Index != 7+i {
				t.Errorf("chunk %d has index %d, want %d (numbering continues after the stored chunks)", i, c.Index, 7+i)
			}
			if c.StartSample < 40*SampleRate {
				t.Errorf("chunk %d starts at sample %d, before this call began on the session's clock (%d)", c.Index, c.StartSample, 40*SampleRate)
			}
		}
		if len(k.clocks) != 0 {
			t.Errorf("the session's clock was started again: %v", k.clocks)
		}
	})
}
