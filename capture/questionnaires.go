package capture

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// Questionnaires is implemented by a backend that asks a client to answer
// screening questionnaires through their join link before the call (on
// the waiting page). The link's token authorises each request; it is not
// spent.
type Questionnaires interface {
	// PendingQuestionnaires lists what the client of the link has yet to
	// answer for the session.
	PendingQuestionnaires(ctx context.Context, sessionID, token string) ([]Questionnaire, error)
	// AnswerQuestionnaire stores the client's answers (one value per item).
	AnswerQuestionnaire(ctx context.Context, sessionID, token, instrument string, answers []int) (QuestionnaireResult, error)
}

// Questionnaire is one questionnaire as the client's page shows it.
type Questionnaire struct {
	ID    string              `json:"id"`
	Name  string              `json:"name"`
	Stem  string              `json:"stem"`
	Items []QuestionnaireItem `json:"items"`
}

// QuestionnaireItem is one question and its answers.
type QuestionnaireItem struct {
	Text    string               `json:"text"`
	Options []QuestionnaireValue `json:"options"`
}

// QuestionnaireValue is one answer and what it scores.
type QuestionnaireValue struct {
	Value int    `json:"value"`
	Text  string `json:"text"`
}

// QuestionnaireResult is what the client is told after answering; Crisis
// asks the page to show crisis resources at once.
type QuestionnaireResult struct {
	Message string `json:"message"`
	Crisis  bool   `json:"crisis"`
}

// ErrQuestionnaireRefused is a backend's refusal of a link for
// questionnaires (not the client's link, or the session is over).
var ErrQuestionnaireRefused = errors.New("this link cannot be used for questionnaires")

// serveQuestionnaires answers GET (pending) and POST (answers) on
// /call/{id}/questionnaires; the join token comes in the X-Join-Token
// header, never in the address.
func (r *Relay) serveQuestionnaires(w http.ResponseWriter, req *http.Request, sessionID string) {
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	q, ok := r.backend.(Questionnaires)
	token := req.Header.Get("X-Join-Token")
	if !ok || !validSessionID(sessionID) || token == "" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch req.Method {
	case http.MethodGet:
		list, err := q.PendingQuestionnaires(req.Context(), sessionID, token)
		if err != nil {
			r.log.Info("capture: questionnaires refused", "session_id", sessionID, "err", err)
			answer(http.StatusForbidden, map[string]string{"error": "This link cannot show questionnaires; ask your clinician for a new link."})
			return
		}
		if list == nil {
			list = []Questionnaire{}
		}
		answer(http.StatusOK, list)
	case http.MethodPost:
		var body struct {
			ID      string `json:"id"`
			Answers []int  `json:"answers"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 4096)).Decode(&body); err != nil {
			answer(http.StatusBadRequest, map[string]string{"error": "The answers could not be read; try again."})
			return
		}
		res, err := q.AnswerQuestionnaire(req.Context(), sessionID, token, body.ID, body.Answers)
		switch {
		case errors.Is(err, ErrQuestionnaireRefused):
			answer(http.StatusForbidden, map[string]string{"error": "This link cannot take answers; ask your clinician for a new link."})
		case err != nil:
			answer(http.StatusBadRequest, map[string]string{"error": err.Error()})
		default:
			answer(http.StatusOK, res)
		}
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
