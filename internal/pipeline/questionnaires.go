package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
)

// CrisisMessage is what a client reads after a positive suicide-risk item:
// where to get help now, and that their clinician will see the answer.
const CrisisMessage = "Thank you for telling us. If you are thinking about hurting yourself, or are in danger now, call or text 988 " +
	"(Suicide and Crisis Lifeline) or call 911. Your clinician will see your answers before your session."

// questionnaireLink checks a client's join link for questionnaires: the
// client's own link of the session, at any time before the session is over
// (also before the call opens: the waiting page is where they answer).
func (b *CallBackend) questionnaireLink(ctx context.Context, sessionID, token string) (store.Session, capture.Participant, error) {
	t, err := b.Store.JoinTokenByHash(ctx, HashJoinToken(token))
	if err != nil || t.SessionID != sessionID || t.Role == capture.RoleClinician {
		return store.Session{}, capture.Participant{}, capture.ErrQuestionnaireRefused
	}
	sess, err := b.Store.Session(ctx, sessionID)
	if err != nil || sessionOver(sess) != nil || sess.ClientID == "" {
		return store.Session{}, capture.Participant{}, capture.ErrQuestionnaireRefused
	}
	if sess.ExpiresAt > 0 && b.now().UnixMilli() >= sess.ExpiresAt {
		return store.Session{}, capture.Participant{}, capture.ErrQuestionnaireRefused
	}
	return sess, capture.Participant{ID: participantID(sessionID, t.Role, t.Label), Role: t.Role, Label: t.Label}, nil
}

// PendingQuestionnaires lists the questionnaires the clinician sent to the
// session's client that the client has not answered for it yet.
func (b *CallBackend) PendingQuestionnaires(ctx context.Context, sessionID, token string) ([]capture.Questionnaire, error) {
	sess, _, err := b.questionnaireLink(ctx, sessionID, token)
	if err != nil {
		return nil, err
	}
	asked, err := b.Store.MeasureRequests(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	done, err := b.Store.MeasuresOfSession(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	answered := map[string]bool{}
	for _, m := range done {
		if m.Source == store.MeasureByClient {
			answered[m.Instrument] = true
		}
	}
	var out []capture.Questionnaire
	for _, id := range asked {
		in, err := instruments.ByID(id)
		if err != nil || answered[id] {
			continue
		}
		q := capture.Questionnaire{ID: in.ID, Name: in.Name, Stem: in.Stem}
		for _, it := range in.Items {
			qi := capture.QuestionnaireItem{Text: it.Text}
			for _, o := range it.Options {
				qi.Options = append(qi.Options, capture.QuestionnaireValue{Value: o.Value, Text: o.Text})
			}
			q.Items = append(q.Items, qi)
		}
		out = append(out, q)
	}
	return out, nil
}

// AnswerQuestionnaire stores the client's answers to a questionnaire the
// clinician sent (scored, audited as the link; a positive risk item raises
// the flag on the session's note) and says what to tell the client.
func (b *CallBackend) AnswerQuestionnaire(ctx context.Context, sessionID, token, instrument string, answers []int) (capture.QuestionnaireResult, error) {
	sess, p, err := b.questionnaireLink(ctx, sessionID, token)
	if err != nil {
		return capture.QuestionnaireResult{}, err
	}
	asked, err := b.Store.MeasureRequests(ctx, sess.ID)
	if err != nil {
		return capture.QuestionnaireResult{}, err
	}
	wanted := false
	for _, id := range asked {
		wanted = wanted || id == instrument
	}
	in, err := instruments.ByID(instrument)
	if err != nil || !wanted {
		return capture.QuestionnaireResult{}, errors.New("your clinician did not ask for this questionnaire")
	}
	res, err := in.Score(answers)
	if err != nil {
		return capture.QuestionnaireResult{}, fmt.Errorf("please answer every question of the %s", in.Name)
	}
	if _, _, err := drafts.RecordMeasure(ctx, b.Store, drafts.Administration{Session: sess, Instrument: in, Answers: answers, Result: res,
		At: b.now(), Source: store.MeasureByClient, Actor: audit.Event{Actor: "call:" + p.Role, AgentRole: p.Role}}); err != nil {
		return capture.QuestionnaireResult{}, err
	}
	if res.Risk {
		return capture.QuestionnaireResult{Message: CrisisMessage, Crisis: true}, nil
	}
	return capture.QuestionnaireResult{Message: "Thank you. Your answers are saved for your clinician."}, nil
}
