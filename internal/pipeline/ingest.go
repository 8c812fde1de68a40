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
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/internal/validate"
)

// Ingester stores recordings and starts their pipeline.
type Ingester struct {
	Store *store.Store
	Blobs blob.Store
	// ChunkMax is the longest chunk (default DefaultChunk, 2 minutes; at
	// most MaxChunk). Ingest holds about one chunk of 16 kHz audio per
	// channel in memory, so this, not the recording's length, sets its
	// memory: about 4 MB per channel at the default.
	ChunkMax    time.Duration
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
	// Kind is KindSession (also "") or KindDictation: the clinician's
	// recap, one track of the clinician's voice, no client consent asked or
	// recorded; Into may then also be a call that ended with nothing
	// recorded (the client declined).
	Kind RecordingKind
	// RecapOf, for a dictation made as a new session, is the session it
	// recaps (recorded in the audit).
	RecapOf string
	Actor   string
	// RequireAlias and RequireClinician refuse an upload without them (the
	// web app's rule; the command line may leave both out).
	RequireAlias, RequireClinician bool
	Progress                       func(stage string, done, total int)
	// BeforeCommit, when set, runs after the audio is stored and before the
	// session is created; an error from it discards everything (the web
	// app checks that nothing follows the recording in the form).
	BeforeCommit func() error
	// Prepare, when set, runs in the transaction that stores the session,
	// just before it does: the caller points the session at its client
	// (internal/clients.Resolve). An error stores nothing.
	Prepare func(ctx context.Context, tx *store.Tx, s *store.Session) error
	// Into, when set, is a booked call session (scheduled, no audio) the
	// recording attaches to instead of a new session: the caller gives its
	// choices (template, client, clinician) from it; Prepare is not run.
	Into string
}

// ErrHasAudio refuses an upload into a session that already has a
// recording (or whose call has started).
var ErrHasAudio = errors.New("this session already has a recording or its call has started; upload the file as a new session instead")

// ErrNotBooked refuses an upload into a session that is not a booked call.
var ErrNotBooked = errors.New("a recording can be attached only to a booked call session that has not ended")

// ErrDictationConsent refuses a client-consent attestation on a dictation.
var ErrDictationConsent = &validate.Error{Field: FieldConsentAttestedBy, Hint: "a dictation records the clinician only and needs no client consent; leave the attestation out"}

// checkAttachable is Into's rule: a call session, still booked (not
// ended, nobody in its call), without audio. A dictation may also go into
// a call that ended with nothing recorded (the client declined).
//
// A room session's recording is its own pieces, assembled when the
// clinician stops: it is "recording" (pieces are arriving) and has no
// chunks until then.
func checkAttachable(sess store.Session, chunks int, kind RecordingKind) error {
	if kind == KindDictation && sess.Source == store.SourceCall && sess.Status == store.StatusNoRecording && chunks == 0 {
		return nil
	}
	room := sess.Source == "room"
	switch {
	case chunks > 0 || sess.Status == store.StatusInCall || (sess.Status == store.StatusRecording && !room) || sess.ClockStartAt > 0:
		return ErrHasAudio
	case (sess.Source != "call" && !room) || (sess.Status != store.StatusScheduled && !(room && sess.Status == store.StatusRecording)) || sess.CaptureEnded:
		return ErrNotBooked
	}
	return nil
}

// Speaker labels for stereo call recordings.
const (
	SpeakerClinician = transcript.SpeakerClinician
	SpeakerClient    = transcript.SpeakerClient
	SpeakerMixed     = transcript.SpeakerMixed
)

// AudioBlobID is where a chunk's encrypted WAV lives. track is the chunk's
// speaker, or "left"/"right" for a stereo file whose speakers are only
// known once it has been read (the chunk row keeps the speaker).
func AudioBlobID(sessionID, track string, idx int) string {
	return fmt.Sprintf("sessions/%s/audio/%s-%04d.wav", sessionID, track, idx)
}

// Ingest checks the options, then streams a recording in any format
// audio.Open reads (told from its content) — read forward
// once, never held whole — through decoding, resampling, chunking and
// encryption into the blob store, and creates the session and one
// transcription job per chunk in a single transaction. r need not seek (an
// upload's multipart part); a file that can is checked for truncation
// before its audio is read. On any error nothing is left behind, and the
// error of a refused option is a *validate.Error.
func (in *Ingester) Ingest(ctx context.Context, r io.Reader, opt IngestOptions) (string, error) {
	return in.IngestSource(ctx, func(o audio.Options) (audio.Source, error) { return audio.Open(r, o) }, opt)
}

// IngestSource is Ingest of a recording that open decodes, called once
// the options have been checked (a room recording's takes in sequence,
// audio.Sequence).
func (in *Ingester) IngestSource(ctx context.Context, open func(audio.Options) (audio.Source, error), opt IngestOptions) (string, error) {
	chunkMax := in.ChunkMax
	if chunkMax == 0 {
		chunkMax = DefaultChunk
	}
	if err := CheckChunkMax(chunkMax); err != nil {
		return "", err
	}
	maxDur := in.MaxDuration
	if maxDur <= 0 {
		maxDur = DefaultRecording
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := CheckSpeakers(opt.Speakers); err != nil {
		return "", err
	}
	if err := CheckConsentAttester(opt.ConsentAttestedBy); err != nil {
		return "", err
	}
	kind, err := ParseRecordingKind(string(opt.Kind))
	if err != nil {
		return "", err
	}
	dictation := kind == KindDictation
	if dictation && opt.ConsentAttestedBy != "" {
		e := *ErrDictationConsent
		e.Value = opt.ConsentAttestedBy
		return "", &e
	}
	if dictation && opt.Speakers == "stereo" {
		return "", &validate.Error{Field: FieldSpeakers, Value: opt.Speakers, Hint: "a dictation is the clinician's voice only; leave speakers out"}
	}
	choices := SessionChoices{Template: opt.Template, Modality: opt.Modality, Program: opt.Program, ClientAlias: opt.ClientAlias, Clinician: opt.Clinician,
		RequireAlias: opt.RequireAlias, RequireClinician: opt.RequireClinician}
	if err := CheckSession(ctx, in.Store, &choices); err != nil {
		return "", err
	}
	// A dictation is one voice: its channels are mixed into one track.
	src, err := open(audio.Options{MaxDuration: maxDur, Split: opt.Speakers != "mono" && !dictation})
	if err != nil {
		return "", err
	}
	defer src.Close()
	info := src.Info()
	if opt.Speakers == "stereo" && info.Channels != 2 {
		return "", &validate.Error{Field: FieldSpeakers, Value: opt.Speakers,
			Hint: fmt.Sprintf("stereo needs a 2-channel recording and this one has %d channel; use mono", info.Channels)}
	}
	sessionID := uuid.NewString()
	if opt.Into != "" {
		// Refuse early, before reading the file; the transaction checks again.
		sess, err := in.Store.Session(ctx, opt.Into)
		if err != nil {
			return "", err
		}
		chunks, err := in.Store.Chunks(ctx, opt.Into)
		if err != nil {
			return "", err
		}
		if err := checkAttachable(sess, len(chunks), kind); err != nil {
			return "", err
		}
		sessionID = opt.Into
	}
	// Track names: the speakers when known now; a stereo file split by
	// default is left/right until its channels are compared at the end.
	tracks := []string{SpeakerMixed}
	if dictation {
		tracks = []string{SpeakerClinician}
	}
	auto := false
	if src.OutChannels() == 2 {
		tracks = []string{SpeakerClinician, SpeakerClient}
		if opt.Speakers == "" {
			tracks, auto = []string{"left", "right"}, true
		}
	}
	var chunks [][]store.Chunk // per track
	var stored []string
	cleanup := func() {
		for _, id := range stored {
			_ = in.Blobs.Delete(context.WithoutCancel(ctx), id)
		}
	}
	var wavBuf []byte // one encoding buffer for every chunk
	chunkers := make([]*audio.Chunker, len(tracks))
	chunks = make([][]store.Chunk, len(tracks))
	maxSamples := audio.MaxChunkSamples(audio.Rate, chunkMax)
	for t := range tracks {
		chunkers[t] = audio.NewChunker(audio.Rate, maxSamples, func(c audio.Chunk) error {
			id := AudioBlobID(sessionID, tracks[t], c.Index)
			wavBuf = audio.AppendWAV(wavBuf[:0], c.Samples, audio.Rate)
			if err := in.Blobs.Put(ctx, id, wavBuf); err != nil {
				return fmt.Errorf("store audio chunk: %w", err)
			}
			stored = append(stored, id)
			chunks[t] = append(chunks[t], store.Chunk{SessionID: sessionID, Speaker: tracks[t], Index: c.Index,
				StartMS: c.StartSample * 1000 / audio.Rate, EndMS: c.EndSample * 1000 / audio.Rate, AudioBlob: id})
			return nil
		}).Borrow()
	}
	same := newSameSignal(src.OutSamples())
	progress("decoding", 0, 0)
	err = src.Decode(func(block [][]int16) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if auto {
			same.add(block[0], block[1])
		}
		for t, ch := range chunkers {
			if err := ch.Write(block[t]); err != nil {
				return err
			}
		}
		return nil
	})
	for _, ch := range chunkers {
		if err == nil {
			err = ch.Flush()
		}
	}
	if err != nil {
		cleanup()
		return "", err
	}
	durationMS := src.OutSamples() * 1000 / audio.Rate
	if durationMS == 0 {
		cleanup()
		return "", audio.ErrNoAudio
	}
	speakers := len(tracks)
	if auto {
		if same.nearlyIdentical() {
			// A mono recording saved as stereo: one speaker track, not two copies.
			for _, c := range chunks[1] {
				_ = in.Blobs.Delete(context.WithoutCancel(ctx), c.AudioBlob)
			}
			chunks, speakers = chunks[:1], 1
			for i := range chunks[0] {
				chunks[0][i].Speaker = SpeakerMixed
			}
		} else {
			for i := range chunks[0] {
				chunks[0][i].Speaker = SpeakerClinician
			}
			for i := range chunks[1] {
				chunks[1][i].Speaker = SpeakerClient
			}
		}
	}
	if opt.BeforeCommit != nil {
		if err := opt.BeforeCommit(); err != nil {
			cleanup()
			return "", err
		}
	}
	source, consent := store.SourceIngest, consentStatus(opt.ConsentAttestedBy)
	if dictation {
		source, consent = store.SourceDictation, "not_required_clinician_only"
	}
	n := 0
	err = in.Store.InTx(ctx, func(tx *store.Tx) error {
		sess := &store.Session{ID: sessionID, Source: source, Status: store.StatusTranscribing, Template: choices.Template, Modality: choices.Modality,
			Program: choices.Program, ClientAlias: choices.ClientAlias, Clinician: choices.Clinician, ConsentAttestedBy: opt.ConsentAttestedBy, CaptureEnded: true, DurationMS: durationMS}
		if opt.Into != "" {
			cur, err := tx.Session(ctx, sessionID, true)
			if err != nil {
				return err
			}
			have, err := tx.Chunks(ctx, sessionID)
			if err != nil {
				return err
			}
			if err := checkAttachable(cur, len(have), kind); err != nil {
				return err
			}
			if err := tx.AttachRecording(ctx, sessionID, source, durationMS, opt.ConsentAttestedBy); err != nil {
				return err
			}
		} else {
			if opt.Prepare != nil {
				if err := opt.Prepare(ctx, tx, sess); err != nil {
					return err
				}
			}
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
		}
		if opt.ConsentAttestedBy != "" {
			if err := compliance.AddTx(ctx, tx, compliance.AttestedAIScribeConsent(sessionID, choices.ClientAlias, opt.ConsentAttestedBy), actor(opt.Actor)); err != nil {
				return fmt.Errorf("record the attested consent: %w", err)
			}
		}
		for t := range chunks {
			for i := range chunks[t] {
				id, err := tx.AddChunk(ctx, &chunks[t][i])
				if err != nil {
					return err
				}
				if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, id, store.StatePending, 0, ""); err != nil {
					return err
				}
				if err := tx.Enqueue(ctx, jobs.TranscribeChunkArgs{SessionID: sessionID, ChunkID: id}, nil); err != nil {
					return fmt.Errorf("enqueue transcription: %w", err)
				}
				n++
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: actor(opt.Actor), Action: "session.ingest", EntityType: "session", EntityID: sessionID, Details: map[string]string{
			"chunks": fmt.Sprint(n), "speakers": fmt.Sprint(speakers), "duration_ms": fmt.Sprint(durationMS),
			"source_format": info.Format, "source_encoding": info.Encoding, "source_rate": fmt.Sprint(info.SampleRate), "source_bits": fmt.Sprint(info.BitDepth), "program": choices.Program,
			"consent": consent, "kind": string(kind), "into_booked_session": fmt.Sprint(opt.Into != ""), "recap_of": opt.RecapOf}})
	})
	if err != nil {
		cleanup()
		return "", err
	}
	in.Store.Logger().Info("session ingested", "session_id", sessionID, "kind", string(kind), "chunks", n, "duration_ms", durationMS)
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

// sameSignal tells whether two channels carry the same signal (a mono
// recording stored as stereo) by the energy of their difference, sampling
// at most about 200,000 points of a recording of n samples as it streams.
type sameSignal struct {
	step, at  int64 // sample every step-th sample; at = index of the next block's first
	sig, diff float64
}

func newSameSignal(n int64) *sameSignal { return &sameSignal{step: max(1, n/200000)} }

func (s *sameSignal) add(a, b []int16) {
	n := int64(min(len(a), len(b)))
	first := (s.step - s.at%s.step) % s.step
	for i := first; i < n; i += s.step {
		x, y := float64(a[i]), float64(b[i])
		s.sig += x*x + y*y
		d := x - y
		s.diff += d * d
	}
	s.at += n
}

func (s *sameSignal) nearlyIdentical() bool {
	if s.sig == 0 {
		return true
	}
	return s.diff/s.sig < 1e-4
}

// ErrSessionFailed is returned by Wait when the session failed.
var ErrSessionFailed = errors.New("session failed")
