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
	ID      string `json:"id"`      // stable within a session, e.g. "S0007"
	Speaker string `json:"speaker"` // "clinician", "client", "participant 3" — from the track, never guessed
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
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
