package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/transcribe"
)

func cmdSession(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, "Usage: scribe session list [--status S] [--json] | show ID [--json] | retry ID [--wait] | create --clinician EMAIL --client-alias ALIAS [--at TIME --duration 50m] [...] | cancel ID --reason R | link ID [--participant P] | reschedule ID --at TIME [--duration D]",
		map[string]runFunc{"list": sessionList, "show": sessionShow, "create": sessionCreate, "retry": sessionRetry, "cancel": sessionCancel, "link": sessionLink, "reschedule": sessionReschedule})
}

func sessionList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session list", "session list [--status STATUS] [--json]", stderr)
	act := registerActing(fs)
	status := fs.String("status", "", "only sessions in this status ("+strings.Join(store.SessionStatuses, ", ")+")")
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 100, "most sessions to list (1 to 10000)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *status != "" {
		st, err := vocab.ParseSessionStatus(*status)
		if err != nil {
			return err
		}
		*status = string(st)
	}
	if err := validate.Int("limit", *limit, 1, 10000); err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	list, err := clients.Sessions(ctx, x.store, x.by, *status, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []store.Session{}
		}
		return writeJSON(stdout, list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSOURCE\tSTATUS\tTEMPLATE\tPROGRAM\tDURATION")
	for _, s := range list {
		status := s.Status
		if s.Status == store.StatusFailed {
			status += " (" + s.FailedStage + ")"
		}
		source := s.Source
		if s.Sample() {
			source = "SAMPLE (scribe demo)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, time.UnixMilli(s.CreatedAt).UTC().Format("2006-01-02 15:04"), source, status, s.Template, s.Program,
			(time.Duration(s.DurationMS) * time.Millisecond).Round(time.Second))
	}
	return tw.Flush()
}

type sessionView struct {
	store.Session
	Part2       bool                 `json:"part2"`
	ChunksDone  int                  `json:"chunks_done"`
	ChunksTotal int                  `json:"chunks_total"`
	Stages      []store.Stage        `json:"stages"`
	Segments    []transcript.Segment `json:"segments"`
}

func sessionShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session show", "session show ID [--json]", stderr)
	act := registerActing(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	a, u := x.app, x.by
	sess, err := x.session(ctx, pos[0])
	if err != nil {
		return err
	}
	v := sessionView{Session: sess, Part2: sess.Part2()}
	if v.Stages, err = a.store.Stages(ctx, sess.ID); err != nil {
		return err
	}
	chunks, err := a.store.Chunks(ctx, sess.ID)
	if err != nil {
		return err
	}
	v.ChunksTotal = len(chunks)
	for _, c := range chunks {
		if c.State == "done" {
			v.ChunksDone++
		}
	}
	// Reading a transcript is a disclosure to the person at the terminal: audited first (fail closed).
	if err := a.store.Audit(ctx, audit.Event{Actor: actorOf(u), Action: "transcript.read", EntityType: "session", EntityID: sess.ID,
		Details: map[string]string{"part2": fmt.Sprint(sess.Part2()), "via": "cli"}}); err != nil {
		return fmt.Errorf("cannot record the audit entry for this read, so the transcript is not shown: %w", err)
	}
	if v.Segments, err = transcribe.MergeAvailable(ctx, a.store, a.blobs, sess.ID); err != nil {
		return err
	}
	if v.Segments == nil {
		v.Segments = []transcript.Segment{}
	}
	if v.Stages == nil {
		v.Stages = []store.Stage{}
	}
	if *asJSON {
		return writeJSON(stdout, v)
	}
	fmt.Fprintf(stdout, "Session %s\n", sess.ID)
	fmt.Fprintf(stdout, "Status:   %s\n", sess.Status)
	if sess.Status == store.StatusFailed {
		fmt.Fprintf(stdout, "Failed:   at stage %s: %s\n", sess.FailedStage, sess.FailedReason)
	}
	if sess.EndReason != "" {
		fmt.Fprintf(stdout, "Ended:    %s\n", sess.EndReason)
	}
	if start, end, ok := sess.Window(); ok {
		fmt.Fprintf(stdout, "Booked:   %s – %s (links until %s)\n", start.UTC().Format("2006-01-02 15:04"), end.UTC().Format("15:04 MST"), time.UnixMilli(sess.ExpiresAt).UTC().Format("15:04 MST"))
	}
	fmt.Fprintf(stdout, "Source:   %s, %s, template %s, modality %s, program %s%s\n", sess.Source, (time.Duration(sess.DurationMS) * time.Millisecond).Round(time.Second),
		sess.Template, sess.Modality, sess.Program, map[bool]string{true: " (42 CFR Part 2 record)", false: ""}[sess.Part2()])
	fmt.Fprintf(stdout, "Chunks:   %d/%d transcribed\n", v.ChunksDone, v.ChunksTotal)
	fmt.Fprintln(stdout, "\nStages:")
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  STAGE\tCHUNK\tSTATE\tATTEMPTS\tERROR")
	for _, st := range v.Stages {
		chunk := "-"
		if st.ChunkID != 0 {
			chunk = fmt.Sprint(st.ChunkID)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", st.Stage, chunk, st.State, st.Attempts, st.Error)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nTranscript (%d segments):\n", len(v.Segments))
	for _, s := range v.Segments {
		fmt.Fprintf(stdout, "  [%s] %s–%s %s: %s\n", s.ID, clock(s.StartMS), clock(s.EndMS), transcript.Label(s.Speaker), s.Text)
	}
	return nil
}

func clock(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	return fmt.Sprintf("%02d:%02d:%02d.%d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, (ms%1000)/100)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sessionRetry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session retry", "session retry ID [--wait]", stderr)
	act := registerActing(fs)
	wait := fs.Bool("wait", false, "work the session's jobs in this process until it is ready or fails again")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	res, err := x.svc.RetrySession(ctx, x.by, pos[0])
	if err != nil {
		return err
	}
	if res.AlreadyUnderway {
		fmt.Fprintf(stdout, "session %s: a retry is already under way (at stage %s)\n", pos[0], res.Stage)
	} else {
		fmt.Fprintf(stdout, "session %s restarted at stage %s\n", pos[0], res.Stage)
	}
	if !*wait {
		return nil
	}
	return waitHere(ctx, x.app, pos[0], 4, stderr)
}

// waitHere works jobs in this process until the session is ready or failed.
func waitHere(ctx context.Context, a *app, id string, workers int, stderr io.Writer) error {
	if err := a.startWorkers(ctx, workers); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.store.StopWorkers(sctx)
	}()
	term := isTerminal(stderr)
	return pipeline.Wait(ctx, a.store, id, func(p pipeline.Progress) {
		if !term {
			return
		}
		switch p.Session.Status {
		case store.StatusTranscribing:
			fmt.Fprintf(stderr, "transcribing %d/%d chunks\n", p.ChunksDone, p.Chunks)
		case store.StatusRedacting:
			fmt.Fprintln(stderr, "redacting…")
		case store.StatusDrafting:
			fmt.Fprintln(stderr, "drafting…")
		case store.StatusReady:
			fmt.Fprintln(stderr, "draft ready: scribe draft show "+id)
		}
	})
}
