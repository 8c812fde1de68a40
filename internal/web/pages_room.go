package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/validate"
)

// Room mode's pages: the room page (a public address that only works with
// a room link's token) and its JSON calls, authorised by that token in the
// X-Room-Token header, which a page of another site cannot send. The
// operations are the service layer's (internal/app, room.go).

// roomTokenHeader carries the room link's token on the page's requests.
const roomTokenHeader = "X-Room-Token"

// startRoom issues a room link for a booked session and opens the room
// page ("Record in the room").
func (s *Server) startRoom(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if s.cfg.NewJoinToken == nil || s.cfg.Ingester == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "recording in the room is not available on this server")
		return
	}
	res, err := s.service().StartRoomLink(r.Context(), c.user, sess.ID)
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	http.Redirect(w, r, "/room/"+sess.ID+"?token="+res.Link.Token, http.StatusSeeOther)
}

// roomData is the room page's template data. The page holds no PHI: the
// consent text and state come from the token-authorised JSON calls.
type roomData struct {
	SessionID string
}

func (s *Server) roomPage(w http.ResponseWriter, r *http.Request, _ *call) {
	id := r.PathValue("id")
	// The token is checked here too, so a wrong link says so at once
	// rather than after the page's first call.
	if err := s.service().CheckRoomLink(r.Context(), id, r.URL.Query().Get("token")); err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	w.Header().Set("Permissions-Policy", "microphone=(self), camera=()")
	s.render(w, r, http.StatusOK, "room", nil, page{Title: "Record in the room", Data: roomData{SessionID: id}})
}

func (s *Server) roomState(w http.ResponseWriter, r *http.Request, _ *call) {
	st, err := s.service().RoomState(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader))
	if err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) roomConsent(w http.ResponseWriter, r *http.Request, _ *call) {
	var in struct {
		Choice      string `json:"choice"`
		TextVersion string `json:"textVersion"`
	}
	// An unreadable answer is no answer: the service refuses it (after the
	// token, so a stranger learns nothing from the body's shape).
	_ = json.NewDecoder(r.Body).Decode(&in)
	st, err := s.service().RecordRoomConsent(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader), app.RoomConsentInput{Choice: in.Choice, TextVersion: in.TextVersion})
	if err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) roomPiece(w http.ResponseWriter, r *http.Request, _ *call) {
	// The token before the body: a stranger's upload is not read.
	if err := s.service().CheckRoomLink(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader)); err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	take, err1 := strconv.Atoi(r.PathValue("take"))
	seq, err2 := strconv.Atoi(r.PathValue("seq"))
	started, err3 := strconv.ParseInt(r.URL.Query().Get("startedAt"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		s.fail(w, r, http.StatusBadRequest, "the piece's number is not a number; reload the page")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, tooLarge(tooBig.Limit))
			return
		}
		s.fail(w, r, http.StatusBadRequest, "the piece did not arrive whole; it is sent again")
		return
	}
	res, err := s.service().AddRoomPiece(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader), app.RoomPieceInput{Take: take, Seq: seq, StartedAt: started, Data: data})
	if err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) roomFinish(w http.ResponseWriter, r *http.Request, _ *call) {
	var in struct {
		Pieces map[string]int `json:"pieces"` // take → pieces recorded
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		if aerr := s.service().CheckRoomLink(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader)); aerr != nil {
			s.roomRefusal(w, r, aerr)
			return
		}
		s.fail(w, r, http.StatusBadRequest, "the request could not be read; reload the page and press Stop again")
		return
	}
	fin := app.RoomFinishInput{Pieces: map[int]int{}}
	for k, n := range in.Pieces {
		take, err := strconv.Atoi(k)
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "a take's number is not a number; reload the page and press Stop again")
			return
		}
		fin.Pieces[take] = n
	}
	res, err := s.service().FinishRoom(r.Context(), s.cfg.Ingester, r.PathValue("id"), r.Header.Get(roomTokenHeader), fin)
	if errors.Is(err, app.ErrRoomIncomplete) {
		writeJSON(w, http.StatusConflict, res)
		return
	}
	if err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) roomScribeStop(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.service().StopRoomScribe(r.Context(), r.PathValue("id"), r.Header.Get(roomTokenHeader)); err != nil {
		s.roomRefusal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"stopped": true})
}

// roomRefusal answers a room operation's error: a validation error is the
// request's fault (400), the rest as every page does.
func (s *Server) roomRefusal(w http.ResponseWriter, r *http.Request, err error) {
	if ve, ok := validate.As(err); ok {
		s.fail(w, r, http.StatusBadRequest, capitalize(ve.Error())+".")
		return
	}
	s.refusal(w, r, err)
}
