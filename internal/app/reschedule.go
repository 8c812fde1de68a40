package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

// RescheduleSession moves a booked session's appointment to start, lasting
// length (zero keeps its length). Its join links stay valid and follow the
// new window. Only a call session that has not started (nobody has joined,
// nothing is recorded) can be moved; an admin or its own clinician may
// move it. Audited with the old and the new time.
func (s *Service) RescheduleSession(ctx context.Context, by store.User, sessionID string, start time.Time, length time.Duration) (Scheduled, error) {
	var out Scheduled
	if err := requireRole(by, "reschedule a session", linkRoles...); err != nil {
		return out, err
	}
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return out, err
	}
	if length == 0 && sess.ScheduledDurationMS > 0 {
		length = time.Duration(sess.ScheduledDurationMS) * time.Millisecond
	}
	if length == 0 {
		length = pipeline.DefaultSessionLength
	}
	if err := pipeline.CheckSchedule(start, length, s.now()); err != nil {
		return out, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if cur.Source != "call" || cur.Status != store.StatusScheduled || cur.CaptureEnded || cur.ClockStartAt > 0 {
			return conflict(fmt.Sprintf("this session is %s; only a booked call that has not started can be rescheduled", strings.ReplaceAll(cur.Status, "_", " ")))
		}
		from := ""
		if st, _, ok := cur.Window(); ok {
			from = st.UTC().Format(time.RFC3339)
		}
		cur.Book(start, length)
		if err := tx.RescheduleSession(ctx, cur); err != nil {
			return err
		}
		out.Session = cur
		return tx.Audit(ctx, event(by, audit.Event{Action: "session.reschedule", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"from": from, "scheduled_at": start.UTC().Format(time.RFC3339), "minutes": strconv.Itoa(int(length / time.Minute))}}))
	})
	if err != nil {
		if _, ok := err.(*refusal); ok {
			return out, err
		}
		return out, fmt.Errorf("reschedule the session: %w", err)
	}
	out.Start, out.Length, out.ExpiresAt = start, length, time.UnixMilli(out.Session.ExpiresAt)
	return out, nil
}
