package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/transcribe"
)

// A call session's life belongs to its schedule, not to who is in its
// call: participants come and go until the clinician ends the call
// (CallBackend.CallEnded), an admin or its clinician cancels it
// (CancelSession), or its appointment window and grace period pass with
// nobody recording (EndExpiredSessions). Each of them ends it here.

// endCapture ends a session's capture inside tx. With chunks stored, the
// session moves on to transcription (redaction follows once every chunk is
// transcribed); without, it takes emptyStatus with emptyReason. ev is the
// audit entry of the ending (chunk count and duration are added). A
// session whose capture ended already is left as it is: ended is false.
func endCapture(ctx context.Context, tx *store.Tx, sessionID, emptyStatus, emptyReason string, ev audit.Event) (ended bool, err error) {
	sess, err := tx.Session(ctx, sessionID, true)
	if err != nil {
		return false, err
	}
	if sess.CaptureEnded {
		return false, nil
	}
	chunks, err := tx.Chunks(ctx, sessionID)
	if err != nil {
		return false, err
	}
	var dur int64
	for _, c := range chunks {
		dur = max(dur, c.EndMS)
	}
	if err := tx.EndCapture(ctx, sessionID, dur); err != nil {
		return false, err
	}
	details := map[string]string{"chunks": fmt.Sprint(len(chunks)), "duration_ms": fmt.Sprint(dur)}
	for k, v := range ev.Details {
		details[k] = v
	}
	ev.Details = details
	if err := tx.Audit(ctx, ev); err != nil {
		return false, err
	}
	if len(chunks) == 0 {
		if err := tx.SetSessionStatus(ctx, sessionID, emptyStatus); err != nil {
			return false, err
		}
		return true, tx.SetEndReason(ctx, sessionID, emptyReason)
	}
	if err := tx.SetSessionStatus(ctx, sessionID, store.StatusTranscribing); err != nil {
		return false, err
	}
	return true, transcribe.EnqueueRedactIfComplete(ctx, tx, sessionID)
}

// CancelReason is why a session is cancelled: a closed set, so that the
// session and its audit entry never carry free text about a client.
type CancelReason struct {
	Code  string // stored in the audit entry
	Label string // what people are shown
}

// CancelReasons are the reasons a session can be cancelled for.
var CancelReasons = []CancelReason{
	{"client_cancelled", "the client cancelled"},
	{"clinician_cancelled", "the clinician cancelled"},
	{"rescheduled", "rescheduled"},
	{"no_show", "the client did not attend"},
	{"scheduled_in_error", "scheduled by mistake"},
}

// CancelReasonCodes lists the codes of CancelReasons.
func CancelReasonCodes() []string {
	codes := make([]string, len(CancelReasons))
	for i, r := range CancelReasons {
		codes[i] = r.Code
	}
	return codes
}

// ErrSessionNotOpen: the session cannot be cancelled because it is not a
// call session that is still open (it ended, or it is an upload).
var ErrSessionNotOpen = errors.New("only a scheduled call session that has not ended can be cancelled")

// Cancelled is what CancelSession did.
type Cancelled struct {
	// Recorded is true when the session had recorded audio: it was ended
	// and moves on to transcription and a draft (nothing recorded under
	// consent is thrown away by a cancellation; revoke the consent for
	// that). Otherwise its status is now "cancelled".
	Recorded bool
	Reason   CancelReason
}

// CancelSession cancels an open call session for reasonCode (one of
// CancelReasons), audited as actor (a user ID or e-mail) in agentRole. A
// live call of the session ends within a renewal interval of its relay
// (capture.HostRenewInterval). Who may cancel is the caller's to check
// (an admin, or the session's own clinician).
func CancelSession(ctx context.Context, st *store.Store, sessionID, actor, agentRole, reasonCode string) (Cancelled, error) {
	var out Cancelled
	found := false
	for _, r := range CancelReasons {
		if r.Code == reasonCode {
			out.Reason, found = r, true
		}
	}
	if !found {
		return out, &validate.Error{Field: FieldCancelReason, Value: reasonCode, Problem: "is not one of the reasons", Allowed: CancelReasonCodes()}
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if !sess.Open() && !sess.UnstartedRoom() {
			return fmt.Errorf("%w (this one is %s)", ErrSessionNotOpen, strings.ReplaceAll(sess.Status, "_", " "))
		}
		if _, err := endCapture(ctx, tx, sessionID, store.StatusCancelled, out.Reason.Label,
			audit.Event{Actor: actor, AgentRole: agentRole, Action: "session.cancel", EntityType: "session", EntityID: sessionID,
				Details: map[string]string{"reason": out.Reason.Code}}); err != nil {
			return err
		}
		after, err := tx.Session(ctx, sessionID, false)
		out.Recorded = after.Status != store.StatusCancelled
		return err
	})
	return out, err
}
