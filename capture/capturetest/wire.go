package capturetest

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/scribe-health/scribe/internal/vocab"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// Signaling message types (capture/signal.go).
const (
	MsgJoin            = "join"
	MsgWelcome         = "welcome"
	MsgConsent         = "consent"
	MsgConsentRecorded = "consent-recorded"
	MsgOffer           = "offer"
	MsgAnswer          = "answer"
	MsgCandidate       = "candidate"
	MsgStopScribe      = "stop-scribe"
	MsgLeave           = "leave"
	MsgEnd             = "end"
	MsgState           = "state"
	MsgError           = "error"
	MsgEnded           = "ended"
	MsgNotice          = "notice"
	MsgEarly           = "early" // the link opens the call later
)

// Consent scopes and methods as the protocol spells them.
const (
	ScopeAIScribe        = string(vocab.ScopeAIScribe)
	ScopePart2TPO        = string(vocab.ScopePart2TPO)
	MethodElectronic     = "electronic"
	MethodVerbalAttested = "verbal_attested"
)

// Participant is who the server says a peer is.
type Participant struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Label string `json:"label"`
}

// ConsentInfo is the consent text sent with the welcome.
type ConsentInfo struct {
	AIScribeText string `json:"aiScribeText"`
	Part2Text    string `json:"part2Text,omitempty"`
	Version      string `json:"version"`
	Part2        bool   `json:"part2"`
}

// ConsentDecision is a grant or refusal sent on the consent message. Its
// fields match capture.ConsentDecision, so one converts to the other.
type ConsentDecision struct {
	Scope       string `json:"scope"`
	Granted     bool   `json:"granted"`
	Method      string `json:"method"`
	TextVersion string `json:"textVersion"`
}

// Grant is an electronic AI-scribe grant of the given consent text version.
func Grant(textVersion string) ConsentDecision {
	return ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodElectronic, TextVersion: textVersion}
}

// Decline is an electronic AI-scribe refusal of the given consent text version.
func Decline(textVersion string) ConsentDecision {
	return ConsentDecision{Scope: ScopeAIScribe, Granted: false, Method: MethodElectronic, TextVersion: textVersion}
}

// RoomState is what the server tells every participant about the call.
type RoomState struct {
	Recording    bool               `json:"recording"`
	Participants []ParticipantState `json:"participants"`
}

// ParticipantState is one member as the others see it.
type ParticipantState struct {
	Participant
	InCall bool `json:"inCall"`
}

// Message is the one JSON shape of every signaling message.
type Message struct {
	Type        string                     `json:"type"`
	Token       string                     `json:"token,omitempty"`
	SDP         *webrtc.SessionDescription `json:"sdp,omitempty"`
	Candidate   *webrtc.ICECandidateInit   `json:"candidate,omitempty"`
	Consent     *ConsentDecision           `json:"consent,omitempty"`
	Participant *Participant               `json:"participant,omitempty"`
	ConsentInfo *ConsentInfo               `json:"consentInfo,omitempty"`
	State       *RoomState                 `json:"state,omitempty"`
	Error       string                     `json:"error,omitempty"`
	Reason      string                     `json:"reason,omitempty"`
	ICEServers  []webrtc.ICEServer         `json:"iceServers,omitempty"`
	Schedule    *ScheduleInfo              `json:"schedule,omitempty"`
	Resumable   bool                       `json:"resumable,omitempty"`
	Status      string                     `json:"status,omitempty"`
}

// ScheduleInfo is the session's appointment window sent with the welcome
// (RFC 3339).
type ScheduleInfo struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Opens string `json:"opens,omitempty"` // (early) when the link opens the call
}

// maxMsgBytes matches the server's read limit.
const maxMsgBytes = 512 << 10

var errNotText = errors.New("signaling message is not a text frame")

func readMessage(ctx context.Context, conn *websocket.Conn, msg *Message) error {
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return err
	}
	if typ != websocket.MessageText {
		return errNotText
	}
	return json.Unmarshal(b, msg)
}
