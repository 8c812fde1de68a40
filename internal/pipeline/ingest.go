// Package pipeline wires the stages of a session together: ingest of a
// recording (decode, chunk, encrypt, store, enqueue), the redact stage's
// worker (redaction itself is a library), waiting for a session to finish,
// and the one place that builds the River worker set.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
)

// Ingester stores recordings and starts their pipeline.
type Ingester struct {
	Store       *store.Store
	Blobs       blob.Store
	ChunkMax    time.Duration // longest chunk; default 10 minutes
	MaxDuration time.Duration // longest recording accepted; default 4 hours
}

// IngestOptions describe the session a recording becomes.
type IngestOptions struct {
	Template          string
	Modality          string
	Program           string // "mh" or "sud"
	ClientAlias       string
	Clinician         string
	ConsentAttestedBy string
	Speakers          string // "stereo" (left clinician, right client), "mono", or "" (stereo files split)
	Actor             string
	Progress          func(stage string, done, total int)
	// Prepare, when set, runs in the transaction that stores the session,
	// just before it does: the caller points the session at its client
	// (internal/clients.Resolve). An error stores nothing.
	Prepare func(ctx context.Context, tx *store.Tx, s *store.Session) error
}

// Speaker labels for stereo call recordings.
const (
	SpeakerClinician = "clinician"
	SpeakerClient    = "client"
	SpeakerMixed     = "speaker"
)

// AudioBlobID is where a chunk's encrypted WAV lives.
func AudioBlobID(sessionID, speaker string, idx int) string {
	return fmt.Sprintf("sessions/%s/audio/%s-%04d.wav", sessionID, speaker, idx)
}

// Ingest decodes, resamples, chunks, encrypts and stores a WAV recording,
// then creates the session and one transcription job per chunk in a single
// transaction. On any error nothing is left behind.
func (in *Ingester) Ingest(ctx context.Context, r io.ReadSeeker, opt IngestOptions) (string, error) {
	chunkMax := in.ChunkMax
	if chunkMax <= 0 {
		chunkMax = 10 * time.Minute
	}
	maxDur := in.MaxDuration
	if maxDur <= 0 {
		maxDur = 4 * time.Hour
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	switch opt.Speakers {
	case "", "stereo", "mono":
	default:
		return "", fmt.Errorf("--speakers must be stereo or mono, not %q", opt.Speakers)
	}
	switch opt.Program {
	case "":
		opt.Program = "mh"
	case "mh", "sud":
	default:
		return "", fmt.Errorf("--program must be mh or sud, not %q", opt.Program)
	}
	info, err := audio.Probe(r, audio.Options{MaxDuration: maxDur})
	if err != nil {
		return "", err
	}
	if opt.Speakers == "stereo" && info.Channels != 2 {
		return "", fmt.Errorf("--speakers stereo needs a 2-channel recording; this one has %d channel(s)", info.Channels)
	}
	split := info.Channels == 2 && opt.Speakers != "mono"
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	progress("decoding", 0, 0)
	_, channels, err := audio.Decode16k(r, audio.Options{MaxDuration: maxDur, Split: split})
	if err != nil {
		return "", err
	}
	speakers := []string{SpeakerMixed}
	if split {
		if opt.Speakers == "" && nearlyIdentical(channels[0], channels[1]) {
			// A mono recording saved as stereo: one speaker track, not two copies.
			channels = channels[:1]
		} else {
			speakers = []string{SpeakerClinician, SpeakerClient}
		}
	}
	sessionID := uuid.NewString()
	maxSamples := audio.MaxChunkSamples(16000, chunkMax)
	type stored struct {
		c    store.Chunk
		blob string
	}
	var chunks []stored
	cleanup := func() {
		for _, c := range chunks {
			_ = in.Blobs.Delete(context.WithoutCancel(ctx), c.blob)
		}
	}
	progress("chunking", 0, 0)
	var durationMS int64
	for ch, samples := range channels {
		if d := int64(len(samples)) * 1000 / 16000; d > durationMS {
			durationMS = d
		}
		for _, c := range audio.Split(samples, 16000, maxSamples) {
			id := AudioBlobID(sessionID, speakers[ch], c.Index)
			if err := in.Blobs.Put(ctx, id, audio.EncodeWAV(c.Samples, 16000)); err != nil {
				cleanup()
				return "", fmt.Errorf("store audio chunk: %w", err)
			}
			chunks = append(chunks, stored{blob: id, c: store.Chunk{SessionID: sessionID, Speaker: speakers[ch], Index: c.Index,
				StartMS: c.StartSample * 1000 / 16000, EndMS: c.EndSample * 1000 / 16000, AudioBlob: id}})
		}
	}
	if durationMS == 0 {
		cleanup()
		return "", audio.ErrNoAudio
	}
	template := opt.Template
	if template == "" {
		template = "soap"
	}
	modality := opt.Modality
	if modality == "" {
		modality = "general"
	}
	err = in.Store.InTx(ctx, func(tx *store.Tx) error {
		sess := &store.Session{ID: sessionID, Source: "ingest", Status: store.StatusTranscribing, Template: template, Modality: modality,
			Program: opt.Program, ClientAlias: opt.ClientAlias, Clinician: opt.Clinician, ConsentAttestedBy: opt.ConsentAttestedBy, CaptureEnded: true, DurationMS: durationMS}
		if opt.Prepare != nil {
			if err := opt.Prepare(ctx, tx, sess); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if opt.ConsentAttestedBy != "" {
			if err := compliance.AddTx(ctx, tx, compliance.AttestedAIScribeConsent(sessionID, opt.ClientAlias, opt.ConsentAttestedBy), actor(opt.Actor)); err != nil {
				return fmt.Errorf("record the attested consent: %w", err)
			}
		}
		for i := range chunks {
			id, err := tx.AddChunk(ctx, &chunks[i].c)
			if err != nil {
				return err
			}
			if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, id, store.StatePending, 0, ""); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, jobs.TranscribeChunkArgs{SessionID: sessionID, ChunkID: id}, nil); err != nil {
				return fmt.Errorf("enqueue transcription: %w", err)
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: actor(opt.Actor), Action: "session.ingest", EntityType: "session", EntityID: sessionID, Details: map[string]string{
			"chunks": fmt.Sprint(len(chunks)), "speakers": fmt.Sprint(len(speakers)), "duration_ms": fmt.Sprint(durationMS),
			"source_rate": fmt.Sprint(info.SampleRate), "source_bits": fmt.Sprint(info.BitDepth), "program": opt.Program,
			"consent": consentStatus(opt.ConsentAttestedBy)}})
	})
	if err != nil {
		cleanup()
		return "", err
	}
	slog.Info("session ingested", "session", sessionID, "chunks", len(chunks), "duration_ms", durationMS)
	return sessionID, nil
}

func consentStatus(attestedBy string) string {
	if attestedBy == "" {
		return "not_on_file"
	}
	return "attested"
}

func actor(a string) string {
	if a == "" {
		return "cli"
	}
	return a
}

// nearlyIdentical reports whether two channels carry the same signal (a
// mono recording stored as stereo), by the energy of their difference.
func nearlyIdentical(a, b []int16) bool {
	n := min(len(a), len(b))
	if n == 0 {
		return true
	}
	step := max(1, n/200000)
	var sig, diff float64
	for i := 0; i < n; i += step {
		x, y := float64(a[i]), float64(b[i])
		sig += x*x + y*y
		d := x - y
		diff += d * d
	}
	if sig == 0 {
		return true
	}
	return diff/sig < 1e-4
}

// ErrSessionFailed is returned by Wait when the session failed.
var ErrSessionFailed = errors.New("session failed")
