package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/validate"
)

func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest", "ingest [--kind session|dictation] [--template soap] [--modality general] [--speakers stereo|mono] [--program mh|sud] [--client-alias A | --session ID] [--consent-attested [--token-file F]] [--wait] FILE (WAV, FLAC, MP3, Ogg or WebM Opus; M4A, MP4, MOV with ffmpeg)", stderr)
	var cfg config
	cfg.register(fs)
	template := fs.String("template", "soap", "note template: soap, dap, birp, girp, group, or an added template's id")
	modality := fs.String("modality", "general", "modality guidance: general, cbt, dbt, mat, mi")
	speakers := fs.String("speakers", "", "stereo: left channel is the clinician, right the client; mono: one mixed track (default: split a stereo file unless both channels are the same)")
	kind := fs.String("kind", "session", "session: a recording of the session; dictation: your own dictated recap (your voice only; no client consent needed; with --session, it goes into a session without a recording, or becomes a new session for the same client)")
	program := fs.String("program", "mh", "program: mh, or sud for a 42 CFR Part 2 substance-use program")
	alias := fs.String("client-alias", "", "the client's alias (never a real name)")
	clinician := fs.String("clinician", "", "the e-mail of the clinician's account, a clinician or supervisor")
	into := fs.String("session", "", "attach the recording to this booked session (its client, clinician, program and template) instead of creating one")
	attest := fs.Bool("consent-attested", false, "you attest that the client consented to AI scribing; recorded in the name of the person whose credential is given (--token-file, SCRIBE_TOKEN or a terminal prompt)")
	attested := fs.String("consent-attested-by", "", "like --consent-attested, naming the attesting person's e-mail, which must be whose credential is given")
	var cred credential
	cred.register(fs)
	wait := fs.Bool("wait", false, "wait until the draft is ready or the session failed (works without a running server)")
	chunkMax := fs.Duration("chunk-max", pipeline.DefaultChunk, fmt.Sprintf("longest audio chunk sent for transcription (%s to %s)", pipeline.MinChunk, pipeline.MaxChunk))
	maxDur := fs.Duration("max-duration", pipeline.DefaultRecording, fmt.Sprintf("longest recording accepted (%s to %s)", pipeline.MinRecordingCap, pipeline.MaxRecordingCap))
	workers := fs.Int("workers", 4, "with --wait: pipeline jobs worked at once")
	as := asFlag(fs)
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	// Everything that needs no database is checked before anything is
	// opened; the template and the clinician are checked by Ingest before it
	// reads any audio.
	for _, err := range []error{pipeline.CheckChunkMax(*chunkMax), pipeline.CheckMaxDuration(*maxDur), checkWorkers(*workers),
		pipeline.CheckSpeakers(*speakers), pipeline.CheckConsentAttester(*attested), checkKind(*kind)} {
		if err != nil {
			return err
		}
	}
	if *kind == string(pipeline.KindDictation) && (*attest || *attested != "") {
		return pipeline.ErrDictationConsent
	}
	if *into != "" {
		// The booked session says whose it is and how it is written up.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, name := range []string{"client-alias", "clinician", "program", "template", "modality"} {
			if set[name] {
				return fmt.Errorf("--%s cannot be given with --session: the recording takes the booked session's", name)
			}
		}
	}
	f, err := os.Open(pos[0]) // #nosec G703 -- the operator names the audio file to ingest on the command line
	if err != nil {
		return fmt.Errorf("cannot open the recording: %w", errors.Unwrap(err))
	}
	defer f.Close()
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	// An attestation that the client consented is made in a person's name,
	// so it needs that person's own credential.
	attesting := *attest || *attested != ""
	u, err := a.principalOrCredential(ctx, attesting, cred, *as, *attested, "ingest consent attestation", stderr)
	if err != nil {
		return err
	}
	in := service.IngestInput{Recording: f, Template: *template, Modality: *modality, Program: *program, Speakers: *speakers,
		ClientAlias: *alias, Clinician: *clinician, ConsentAttested: attesting, SessionID: *into, Kind: *kind}
	if isTerminal(stderr) && *wait {
		in.Progress = func(stage string, _, _ int) { fmt.Fprintf(stderr, "%s…\n", stage) }
	}
	id, err := a.service().Ingest(ctx, u, &pipeline.Ingester{Store: a.store, Blobs: a.blobs, ChunkMax: *chunkMax, MaxDuration: *maxDur}, in)
	if *into != "" && (errors.Is(err, service.ErrConflict) || errors.Is(err, service.ErrNotFound)) {
		return fmt.Errorf("session %s: %w", *into, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	if !*wait {
		return nil
	}
	return waitHere(ctx, a, id, *workers, stderr)
}

// checkKind accepts --kind.
func checkKind(k string) error {
	_, err := pipeline.ParseRecordingKind(k)
	return err
}

// checkWorkers accepts --workers.
func checkWorkers(n int) error { return validate.Int("workers", n, 1, 64) }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
