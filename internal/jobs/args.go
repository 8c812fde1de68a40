// Package jobs holds the River job argument types of every pipeline stage.
// Stages import this package to enqueue the next stage; they never import
// each other.
package jobs

import "github.com/scribe-health/scribe/internal/vocab"

// Stage names, also used as the stage column of a session's stage rows.
const (
	StageTranscribe = string(vocab.StageTranscribe)
	StageRedact     = string(vocab.StageRedact)
	StageDraft      = string(vocab.StageDraft)
	StagePurge      = string(vocab.StagePurge)
)

// TranscribeChunkArgs transcribes one stored audio chunk.
type TranscribeChunkArgs struct {
	SessionID string `json:"session_id" river:"unique"`
	ChunkID   int64  `json:"chunk_id" river:"unique"`
}

func (TranscribeChunkArgs) Kind() string { return StageTranscribe }

// RedactArgs merges a session's transcript and removes identifiers.
type RedactArgs struct {
	SessionID string `json:"session_id" river:"unique"`
}

func (RedactArgs) Kind() string { return StageRedact }

// DraftArgs drafts the progress note from the redacted transcript.
type DraftArgs struct {
	SessionID string `json:"session_id" river:"unique"`
	// Version distinguishes regenerations so each is its own unique job.
	Version  int    `json:"version" river:"unique"`
	Template string `json:"template,omitempty"`
}

func (DraftArgs) Kind() string { return StageDraft }

// ReconcileArgs is the periodic reconciler pass (internal/pipeline): it
// repairs sessions whose state and jobs disagree.
type ReconcileArgs struct{}

func (ReconcileArgs) Kind() string { return "reconcile" }
