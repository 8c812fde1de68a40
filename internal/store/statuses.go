package store

// SessionStatuses lists every session status in the order a session moves
// through them, for the checks of a status a person types (a list filter).
var SessionStatuses = []string{StatusScheduled, StatusInCall, StatusRecording, StatusTranscribing, StatusRedacting,
	StatusDrafting, StatusReady, StatusFailed, StatusNoRecording, StatusCancelled}
