// Package transcript holds the one shape every stage agrees on for a piece of
// transcribed speech. It owns no behaviour beyond ordering and formatting.
package transcript

import (
	"fmt"
	"sort"
	"strings"
)

// Segment is one stretch of one speaker's speech on the session clock.
type Segment struct {
	ID string `json:"id"` // stable within a session, e.g. "S0007"
	// Speaker is the role: "clinician", "client", "participant 3" from a
	// track (exact), or on a single-channel recording "speaker" until a
	// role is assigned ("clinician", "client", "other"; SpeakerBy says how).
	Speaker string `json:"speaker"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
	// Voice is the transcription provider's diarization label for the
	// segment's voice on a single-channel track ("" without diarization).
	Voice string `json:"voice,omitempty"`
	// SpeakerBy says how a single-channel segment's role was assigned
	// (SpeakerByModel, SpeakerByDiarization, SpeakerByClinician); "" means
	// known from the track.
	SpeakerBy string `json:"speaker_by,omitempty"`
	// Confidence is the model's confidence in an inferred role, 0 to 1.
	Confidence float64 `json:"confidence,omitempty"`
}

// Speaker roles of a single-channel recording. SpeakerMixed is the track
// of one mixed channel, whose segments have no role until one is assigned.
const (
	SpeakerMixed     = "speaker"
	SpeakerClinician = "clinician"
	SpeakerClient    = "client"
	SpeakerOther     = "other"
)

// How a single-channel segment's role was assigned (Segment.SpeakerBy).
const (
	// SpeakerByModel: the drafting model inferred the role turn by turn.
	SpeakerByModel = "inferred"
	// SpeakerByDiarization: the provider's diarization told the voices
	// apart and the drafting model named each voice's role.
	SpeakerByDiarization = "diarized"
	// SpeakerByClinician: the clinician set it on the review page.
	SpeakerByClinician = "clinician"
)

// Inferred reports whether the segment's role was assigned by a model
// (and not yet confirmed by the clinician).
func (s Segment) Inferred() bool {
	return s.SpeakerBy == SpeakerByModel || s.SpeakerBy == SpeakerByDiarization
}

// Sort orders segments by start time, then speaker, so that interleaved
// tracks read as a conversation.
func Sort(segs []Segment) {
	sort.SliceStable(segs, func(i, j int) bool {
		if segs[i].StartMS != segs[j].StartMS {
			return segs[i].StartMS < segs[j].StartMS
		}
		return segs[i].Speaker < segs[j].Speaker
	})
}

// AssignIDs numbers segments S0001, S0002 … in their current order.
func AssignIDs(segs []Segment) {
	for i := range segs {
		segs[i].ID = fmt.Sprintf("S%04d", i+1)
	}
}

// Label is how a speaker is shown to people and models ("Clinician", "Client").
func Label(speaker string) string {
	if speaker == "" {
		return "Speaker"
	}
	return strings.ToUpper(speaker[:1]) + speaker[1:]
}
