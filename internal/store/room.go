package store

import (
	"context"
	"errors"
)

// RoomPiece is one numbered piece of a room recording: bytes Seq of the
// MediaRecorder run Take (a reload starts a new take), stored sealed as
// BlobID. SHA256 is of the piece's bytes, so a second upload of the same
// piece is told from a different piece under the same number.
type RoomPiece struct {
	SessionID  string
	Take       int
	Seq        int
	BlobID     string
	Size       int64
	SHA256     string
	StartedAt  int64 // when the take started, by the recording browser's clock (ms)
	ReceivedAt int64
}

// AddRoomPiece stores a piece's row unless one with its number is there
// already: added is false then, and existing is the stored one.
func (tx *Tx) AddRoomPiece(ctx context.Context, p RoomPiece) (added bool, existing RoomPiece, err error) {
	n, err := tx.q.exec(ctx, `INSERT INTO room_pieces (session_id, take, seq, blob_id, size, sha256, started_at, received_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (session_id, take, seq) DO NOTHING`,
		p.SessionID, p.Take, p.Seq, p.BlobID, p.Size, p.SHA256, p.StartedAt, tx.s.nowMS())
	if err != nil || n == 1 {
		return n == 1, RoomPiece{}, err
	}
	existing = RoomPiece{SessionID: p.SessionID, Take: p.Take, Seq: p.Seq}
	err = tx.q.queryRow(ctx, `SELECT blob_id, size, sha256, started_at, received_at FROM room_pieces WHERE session_id = $1 AND take = $2 AND seq = $3`,
		p.SessionID, p.Take, p.Seq).Scan(&existing.BlobID, &existing.Size, &existing.SHA256, &existing.StartedAt, &existing.ReceivedAt)
	if errors.Is(err, ErrNotFound) {
		// Deleted between the two statements (the recording was discarded).
		return false, existing, errors.New("room piece: removed while it was being stored")
	}
	return false, existing, err
}

// RoomPieces lists a session's pieces in recording order: by take, then
// by number.
func (s *Store) RoomPieces(ctx context.Context, sessionID string) ([]RoomPiece, error) {
	return listRoomPieces(ctx, s.conn, sessionID)
}

// RoomPieces is Store.RoomPieces inside the transaction.
func (tx *Tx) RoomPieces(ctx context.Context, sessionID string) ([]RoomPiece, error) {
	return listRoomPieces(ctx, tx.q, sessionID)
}

func listRoomPieces(ctx context.Context, q querier, sessionID string) ([]RoomPiece, error) {
	return collect(ctx, q, func(r rows) (RoomPiece, error) {
		p := RoomPiece{SessionID: sessionID}
		err := r.Scan(&p.Take, &p.Seq, &p.BlobID, &p.Size, &p.SHA256, &p.StartedAt, &p.ReceivedAt)
		return p, err
	}, `SELECT take, seq, blob_id, size, sha256, started_at, received_at FROM room_pieces WHERE session_id = $1 ORDER BY take, seq`, sessionID)
}

// DeleteRoomPieces removes a session's piece rows (their blobs are the
// caller's to delete) and returns how many there were.
func (tx *Tx) DeleteRoomPieces(ctx context.Context, sessionID string) (int64, error) {
	return tx.q.exec(ctx, `DELETE FROM room_pieces WHERE session_id = $1`, sessionID)
}

// MarkRoomSession makes a booked session one recorded in the room (the
// clinician chose "Record in the room" instead of the call). Only a call
// or room session can be.
func (tx *Tx) MarkRoomSession(ctx context.Context, id string) error {
	n, err := tx.q.exec(ctx, `UPDATE sessions SET source = 'room', updated_at = $2 WHERE id = $1 AND source IN ('call', 'room')`, id, tx.s.nowMS())
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}

// UnstartedRoom reports a room session booked and not yet recording: it
// can be cancelled or expire like a call nobody joined (a room session
// with pieces waits for its clinician's Stop).
func (s Session) UnstartedRoom() bool {
	return s.Source == "room" && s.Status == StatusScheduled && !s.CaptureEnded
}

// AbandonedRoomSessions lists room sessions still "recording" (pieces
// arrived, Stop never pressed) whose appointment time and grace are over
// (expires_at <= now) and to which no piece has come since idleSince:
// the clinician left without stopping. At most limit, oldest first.
func (s *Store) AbandonedRoomSessions(ctx context.Context, now, idleSince int64, limit int) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	}, `SELECT s.id FROM sessions s
		WHERE s.source = 'room' AND s.status = 'recording' AND s.capture_ended = 0 AND s.expires_at > 0 AND s.expires_at <= $1
		AND NOT EXISTS (SELECT 1 FROM room_pieces p WHERE p.session_id = s.id AND p.received_at >= $2)
		ORDER BY s.expires_at, s.id LIMIT $3`, now, idleSince, limit)
}
