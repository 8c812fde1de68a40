package capture

import (
	"time"
)

// Attendance writes are retried so that a brief storage outage does not
// lose a join or leave time: group-therapy attendance comes from the call.
const (
	attendanceFirstWait = 250 * time.Millisecond
	attendanceMaxWait   = 8 * time.Second
	// attendanceGiveUp is how long one event is retried before it is
	// logged as lost.
	attendanceGiveUp = 2 * time.Minute
	// attendanceDrain bounds how long the end of a call waits for pending
	// attendance before reporting the call ended.
	attendanceDrain = 30 * time.Second
)

type attendanceEvent struct {
	p     Participant
	event string
	at    time.Time
}

// recordAttendance queues a join or leave for the backend. Events are
// written in order, one at a time, each retried with backoff, by a
// goroutine of the room's; the call never waits for them.
func (rm *room) recordAttendance(p Participant, event string, at time.Time) {
	rm.attMu.Lock()
	defer rm.attMu.Unlock()
	rm.attQueue = append(rm.attQueue, attendanceEvent{p: p, event: event, at: at})
	if rm.attDone == nil {
		rm.attDone = make(chan struct{})
		go rm.writeAttendance(rm.attDone)
	}
}

func (rm *room) writeAttendance(done chan struct{}) {
	for {
		rm.attMu.Lock()
		if len(rm.attQueue) == 0 {
			rm.attDone = nil
			rm.attMu.Unlock()
			close(done)
			return
		}
		ev := rm.attQueue[0]
		rm.attMu.Unlock()
		rm.writeAttendanceEvent(ev)
		rm.attMu.Lock()
		rm.attQueue = rm.attQueue[1:]
		rm.attMu.Unlock()
	}
}

func (rm *room) writeAttendanceEvent(ev attendanceEvent) {
	ctx := rm.relay.ctx
	deadline := time.Now().Add(attendanceGiveUp)
	for attempt, wait := 1, attendanceFirstWait; ; attempt++ {
		err := rm.relay.backend.Attendance(ctx, rm.id, ev.p, ev.event, ev.at)
		if err == nil {
			if attempt > 1 {
				rm.relay.log.Info("capture: attendance recorded after retrying", "session_id", rm.id, "participant", ev.p.ID, "event", ev.event, "attempts", attempt)
			}
			return
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			rm.relay.log.Error("capture: recording attendance failed; event lost", "session_id", rm.id, "participant", ev.p.ID, "event", ev.event, "attempts", attempt, "err", err)
			return
		}
		rm.relay.log.Warn("capture: recording attendance failed; retrying", "session_id", rm.id, "participant", ev.p.ID, "event", ev.event, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, attendanceMaxWait)
	}
}

// attendanceWritten waits, up to limit, until every queued attendance
// event has been written (or given up on). It reports whether it did.
func (rm *room) attendanceWritten(limit time.Duration) bool {
	rm.attMu.Lock()
	done := rm.attDone
	rm.attMu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}
