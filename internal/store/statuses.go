package store

import (
	"github.com/scribe-health/scribe/internal/vocab"
)

// SessionStatuses lists every session status in the order a session moves
// through them, for the checks of a status a person types (a list filter).
var SessionStatuses = vocab.Strings(vocab.SessionStatuses())
