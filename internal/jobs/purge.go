package jobs

// StagePurgeAudio is the kind of the audio purge job.
const StagePurgeAudio = "purge_audio"

// PurgeAudioArgs deletes a session's audio once its transcription has
// succeeded (internal/retention works it). ChunkID 0 means every chunk of
// the session whose transcription is done.
type PurgeAudioArgs struct {
	SessionID string `json:"session_id" river:"unique"`
	ChunkID   int64  `json:"chunk_id" river:"unique"`
}

func (PurgeAudioArgs) Kind() string { return StagePurgeAudio }

// StageRetentionSweep is the kind of the periodic retention sweep.
const StageRetentionSweep = "retention_sweep"

// RetentionSweepArgs applies the retention policy by age (hourly).
type RetentionSweepArgs struct{}

func (RetentionSweepArgs) Kind() string { return StageRetentionSweep }
