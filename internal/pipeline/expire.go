package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
)

// expireBatch bounds the sessions one sweep ends; the next run takes the rest.
const expireBatch = 500

// ExpiredReason is the end reason of a session whose time passed with
// nothing recorded.
const ExpiredReason = "the appointment time passed with nothing recorded"

// EndExpiredSessions ends every open call session whose life is over at
// now: its appointment window and the grace period (store.ScheduleGrace)
// have passed, and nobody is in its call (no relay renewed a claim on it
// within the claim's lifetime; a call that overran while recording ends
// when its room closes, and is swept then). A session with recorded audio
// moves on to transcription, as when the clinician ends the call; one
// without becomes no_recording with ExpiredReason. Each is audited as a
// system action (session.expire). It returns how many sessions it ended;
// an error on one session does not stop the others.
func EndExpiredSessions(ctx context.Context, st *store.Store, now time.Time) (int, error) {
	ids, err := st.ExpiredCallSessions(ctx, now.UnixMilli(), now.Add(-callHostTTL).UnixMilli(), expireBatch)
	if err != nil {
		return 0, fmt.Errorf("find expired sessions: %w", err)
	}
	var n int
	var errs []error
	for _, id := range ids {
		var ended bool
		err := st.InTx(ctx, func(tx *store.Tx) error {
			sess, err := tx.Session(ctx, id, true)
			if err != nil {
				return err
			}
			if !(sess.Open() || sess.UnstartedRoom()) || sess.ExpiresAt == 0 || sess.ExpiresAt > now.UnixMilli() {
				return nil // ended or rebooked meanwhile
			}
			ended, err = endCapture(ctx, tx, id, store.StatusNoRecording, ExpiredReason,
				audit.Event{Actor: "system", Action: "session.expire", EntityType: "session", EntityID: id,
					Details: map[string]string{"expires_at": time.UnixMilli(sess.ExpiresAt).UTC().Format(time.RFC3339)}})
			return err
		})
		if err != nil {
			st.Logger().Error("ending an expired session failed", "session_id", id, "err", err)
			errs = append(errs, fmt.Errorf("session %s: %w", id, err))
			continue
		}
		if ended {
			n++
			st.Logger().Info("session expired: its appointment time is over", "session_id", id)
		}
	}
	return n, errors.Join(errs...)
}

// ExpireWorker runs EndExpiredSessions as a River job (ExpirePeriodic).
type ExpireWorker struct {
	river.WorkerDefaults[jobs.ExpireSessionsArgs]
	Store *store.Store
	// Blobs, when set, lets the sweep also finish room recordings whose
	// clinician left without Stop (FinishAbandonedRooms).
	Blobs blob.Store
	Now   func() time.Time
}

func (w *ExpireWorker) Work(ctx context.Context, job *river.Job[jobs.ExpireSessionsArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	_, err := EndExpiredSessions(ctx, w.Store, now)
	if w.Blobs != nil {
		_, rerr := FinishAbandonedRooms(ctx, w.Store, w.Blobs, now)
		err = errors.Join(err, rerr)
	}
	return err
}

// ExpirePeriodic schedules the expiry sweep every minute (on the leader of
// the River clients, so once per cluster).
func ExpirePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
		return jobs.ExpireSessionsArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
