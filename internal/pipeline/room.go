package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
)

// AssembleRoom feeds a room recording's pieces to the pipeline as one
// recording of the session (each take one WebM or Ogg stream, the takes
// in order) and then deletes the pieces, audited as "room.finish" by
// actor. It is what Stop does on the room page, and what the sweep does
// for a recording whose clinician left without stopping.
func AssembleRoom(ctx context.Context, ing *Ingester, sess store.Session, pieces []store.RoomPiece, actor string) error {
	var takes [][]store.RoomPiece
	for i, p := range pieces {
		if i == 0 || p.Take != pieces[i-1].Take {
			takes = append(takes, nil)
		}
		takes[len(takes)-1] = append(takes[len(takes)-1], p)
	}
	open := func(o audio.Options) (audio.Source, error) {
		fns := make([]func() (audio.Source, error), len(takes))
		for i, t := range takes {
			fns[i] = func() (audio.Source, error) {
				return audio.Open(&pieceReader{ctx: ctx, blobs: ing.Blobs, pieces: t}, o)
			}
		}
		return audio.Sequence(fns)
	}
	if _, err := ing.IngestSource(ctx, open, IngestOptions{Into: sess.ID, Speakers: "mono", Actor: actor,
		Template: sess.Template, Modality: sess.Modality, Program: sess.Program, ClientAlias: sess.ClientAlias, Clinician: sess.Clinician}); err != nil {
		return fmt.Errorf("assemble the room recording: %w", err)
	}
	return DropRoomPieces(ctx, ing.Store, ing.Blobs, sess.ID, pieces, actor, "room.finish",
		map[string]string{"takes": strconv.Itoa(len(takes)), "pieces": strconv.Itoa(len(pieces))})
}

// DropRoomPieces deletes a room recording's piece rows (audited as action
// by actor) and then their audio.
func DropRoomPieces(ctx context.Context, st *store.Store, blobs blob.Store, sessionID string, pieces []store.RoomPiece, actor, action string, details map[string]string) error {
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteRoomPieces(ctx, sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: action, EntityType: "session", EntityID: sessionID, Details: details})
	})
	if err != nil {
		return fmt.Errorf("remove the recording's pieces: %w", err)
	}
	failed := 0
	for _, p := range pieces {
		if err := blobs.Delete(ctx, p.BlobID); err != nil && !errors.Is(err, blob.ErrNotFound) {
			failed++
		}
	}
	if failed > 0 {
		st.Logger().Warn("room: deleting recording pieces failed", "session_id", sessionID, "failed", failed)
	}
	return nil
}

// pieceReader reads a take's pieces one after another, each fetched (and
// decrypted) when the one before is used up.
type pieceReader struct {
	ctx    context.Context
	blobs  blob.Store
	pieces []store.RoomPiece
	cur    *bytes.Reader
}

func (r *pieceReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if len(r.pieces) == 0 {
			return 0, io.EOF
		}
		b, err := r.blobs.Get(r.ctx, r.pieces[0].BlobID)
		if err != nil {
			return 0, fmt.Errorf("read piece %d of take %d: %w", r.pieces[0].Seq, r.pieces[0].Take+1, err)
		}
		r.cur, r.pieces = bytes.NewReader(b), r.pieces[1:]
	}
	return r.cur.Read(p)
}

// RoomIdle is how long a room recording past its appointment time must
// have received no piece before the sweep finishes it for the clinician.
const RoomIdle = 30 * time.Minute

// FinishAbandonedRooms finishes the room recordings whose clinician left
// without pressing Stop (past the appointment's time and grace, no piece
// for RoomIdle): with the AI-scribe consent in force the pieces that
// arrived go to the pipeline, as Stop would send them; without it they are
// deleted and the session ends with nothing recorded. Nothing is left
// waiting forever, outside the pipeline and the retention rules. Each is
// audited as the system's. It returns how many it finished.
func FinishAbandonedRooms(ctx context.Context, st *store.Store, blobs blob.Store, now time.Time) (int, error) {
	ids, err := st.AbandonedRoomSessions(ctx, now.UnixMilli(), now.Add(-RoomIdle).UnixMilli(), expireBatch)
	if err != nil {
		return 0, fmt.Errorf("find abandoned room recordings: %w", err)
	}
	ing := &Ingester{Store: st, Blobs: blobs}
	cb := &CallBackend{Store: st, Blobs: blobs, Now: func() time.Time { return now }}
	var n int
	var errs []error
	for _, id := range ids {
		err := func() error {
			sess, err := st.Session(ctx, id)
			if err != nil {
				return err
			}
			pieces, err := st.RoomPieces(ctx, id)
			if err != nil {
				return err
			}
			allowed, err := cb.RecordingAllowed(ctx, id)
			if err != nil {
				return err
			}
			if !allowed || len(pieces) == 0 {
				if err := DropRoomPieces(ctx, st, blobs, id, pieces, "system", "room.discard", map[string]string{"pieces": strconv.Itoa(len(pieces)), "reason": "abandoned_without_consent"}); err != nil {
					return err
				}
				return cb.CallEnded(ctx, id, "the room recording was left without Stop and no AI-scribe consent is in force")
			}
			return AssembleRoom(ctx, ing, sess, pieces, "system")
		}()
		if err != nil {
			st.Logger().Error("finishing an abandoned room recording failed", "session_id", id, "err", err)
			errs = append(errs, fmt.Errorf("session %s: %w", id, err))
			continue
		}
		n++
		st.Logger().Info("room recording finished by the sweep: its clinician left without Stop", "session_id", id)
	}
	return n, errors.Join(errs...)
}
