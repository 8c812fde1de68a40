package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// IngestInput is a recording uploaded as a new session.
type IngestInput struct {
	Recording io.Reader // a WAV file, read forward once
	Template  string
	Modality  string
	Program   string
	Speakers  string // stereo, mono, or "" (a stereo file is split)
	// ClientAlias and Clinician (an e-mail; empty is the principal) say
	// whose session it is; RequireChoices makes both mandatory (the web
	// app's rule; the command line may leave both out).
	ClientAlias, Clinician string
	RequireChoices         bool
	// ConsentAttested: the principal attests that the client consented to
	// AI scribing; the consent is recorded in their name with the session.
	ConsentAttested bool
	// SessionID, when set, is a booked call session (scheduled, no audio)
	// the recording attaches to: its client, clinician, program, template
	// and consents are the session's, and the choices above are ignored.
	SessionID string
	// Kind is the recording's kind: "" or "session" (a recording of the
	// session), or "dictation": the clinician's own dictated recap, which
	// needs no client consent and is drafted as the clinician's account.
	// The dictating voice is the session's clinician's; given a SessionID that already has its recording, it becomes a new
	// session for the same client (audited as a recap of that one).
	Kind     string
	Progress func(stage string, done, total int)
	// BeforeCommit runs after the audio is stored and before the session is
	// created; an error from it discards everything.
	BeforeCommit func() error
}

// Ingest stores a recording as a new session (pipeline.Ingester: decoded,
// chunked and encrypted as it is read, nothing kept on any error) and
// queues its transcription. Its client is found or created by the
// care-team rule, in the same transaction. A clinician uploads only their
// own sessions; a Part 2 session needs Part 2 access.
func (s *Service) Ingest(ctx context.Context, by store.User, ing *pipeline.Ingester, in IngestInput) (string, error) {
	if err := requireRole(by, "upload a recording", schedulerRoles...); err != nil {
		return "", err
	}
	kind, err := pipeline.ParseRecordingKind(in.Kind)
	if err != nil {
		return "", err
	}
	recapOf := ""
	if kind == pipeline.KindDictation {
		if in.ConsentAttested {
			return "", pipeline.ErrDictationConsent
		}
		if in.SessionID != "" {
			if recapOf, err = s.dictationTarget(ctx, by, &in); err != nil {
				return "", err
			}
		}
	}
	if in.SessionID != "" {
		sess, err := s.Session(ctx, by, in.SessionID)
		if err != nil {
			return "", err
		}
		if by.Role == store.RoleClinician && sess.Clinician != by.Email {
			return "", forbidden("a clinician uploads only their own sessions' recordings; ask a supervisor or an admin to upload one for another clinician")
		}
		in.Template, in.Modality, in.Program, in.ClientAlias, in.Clinician = sess.Template, sess.Modality, sess.Program, sess.ClientAlias, sess.Clinician
	}
	if in.Clinician == "" {
		in.Clinician = by.Email
	}
	in.Clinician = store.NormalizeEmail(in.Clinician)
	if by.Role == store.RoleClinician && in.Clinician != by.Email {
		return "", forbidden("a clinician uploads only their own sessions' recordings; ask a supervisor or an admin to upload one for another clinician")
	}
	program, err := vocab.ParseProgram(in.Program)
	if err != nil {
		return "", err
	}
	if program.Part2() && !by.Part2Access {
		return "", as(ErrForbidden, clients.ErrCreatorNoPart2)
	}
	clinician := by
	if in.Clinician != "" {
		if clinician, err = clients.Person(ctx, s.Store, in.Clinician); err != nil {
			return "", fmt.Errorf("read the clinician's account: %w", err)
		}
	}
	opt := pipeline.IngestOptions{Template: in.Template, Modality: in.Modality, Program: string(program), Speakers: in.Speakers,
		ClientAlias: in.ClientAlias, Clinician: in.Clinician, Actor: by.ID, RequireAlias: in.RequireChoices, RequireClinician: in.RequireChoices,
		Progress: in.Progress, BeforeCommit: in.BeforeCommit,
		Prepare: func(ctx context.Context, tx *store.Tx, sess *store.Session) error {
			id, err := clients.Resolve(ctx, tx, clients.Request{Alias: sess.ClientAlias, Program: sess.Program, Clinician: clinician, By: by, Actor: by.ID})
			sess.ClientID = id
			return err
		}}
	if in.ConsentAttested {
		opt.ConsentAttestedBy = by.Email
	}
	opt.Into, opt.Kind, opt.RecapOf = in.SessionID, kind, recapOf
	id, err := ing.Ingest(ctx, in.Recording, opt)
	switch {
	case errors.Is(err, pipeline.ErrHasAudio), errors.Is(err, pipeline.ErrNotBooked):
		return "", as(ErrConflict, err)
	case errors.Is(err, clients.ErrAliasTaken), errors.Is(err, clients.ErrNotInProgram), errors.Is(err, clients.ErrAmbiguous):
		return "", as(ErrConflict, err)
	case errors.Is(err, clients.ErrCreatorNoPart2):
		return "", as(ErrForbidden, err)
	}
	return id, err
}

// dictationTarget decides where a dictation about a session goes: into the
// session itself when it has no recording yet (booked, or its call ended
// with nothing recorded because the client declined), else into a new
// session for the same client, clinician and note choices. It returns the
// session the new one recaps ("" when the dictation goes in directly).
func (s *Service) dictationTarget(ctx context.Context, by store.User, in *IngestInput) (string, error) {
	sess, err := s.Session(ctx, by, in.SessionID)
	if err != nil {
		return "", err
	}
	if by.Role == store.RoleClinician && sess.Clinician != by.Email {
		return "", forbidden("a dictation is the session's clinician's own recap; only that clinician dictates it")
	}
	chunks, err := s.Store.Chunks(ctx, sess.ID)
	if err != nil {
		return "", fmt.Errorf("read the session's recording: %w", err)
	}
	takesAudio := sess.Source == store.SourceCall && len(chunks) == 0 &&
		(sess.Status == store.StatusScheduled && !sess.CaptureEnded && sess.ClockStartAt == 0 || sess.Status == store.StatusNoRecording)
	if takesAudio {
		return "", nil
	}
	if sess.Status == store.StatusInCall || sess.Status == store.StatusRecording {
		return "", as(ErrConflict, errors.New("the session's call is still under way; dictate the recap once it has ended"))
	}
	// A recap of a session that has its own recording (or was cancelled)
	// is a session of its own for the same client.
	in.Template, in.Modality, in.Program, in.ClientAlias, in.Clinician = sess.Template, sess.Modality, sess.Program, sess.ClientAlias, sess.Clinician
	in.SessionID = ""
	return sess.ID, nil
}
