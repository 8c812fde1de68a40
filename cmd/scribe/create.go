package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
)

func newJoinToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session create", "session create --clinician EMAIL --client-alias ALIAS [--mode call|room] [--at 2026-12-10T14:00] [--duration 50m] [--template dap] [--modality cbt] [--program sud|mh] [--group --clients N]", stderr)
	act := registerActing(fs)
	var in service.ScheduleInput
	fs.StringVar(&in.Clinician, "clinician", "", "the e-mail of the clinician's account, a clinician or supervisor (required)")
	fs.StringVar(&in.ClientAlias, "client-alias", "", "the client's alias, never a real name (required)")
	fs.StringVar(&in.Template, "template", "soap", "note template")
	fs.StringVar(&in.Modality, "modality", "general", "modality guidance: general, cbt, dbt, mat, mi")
	fs.StringVar(&in.Program, "program", "mh", "mh, or sud for a 42 CFR Part 2 substance-use program")
	fs.StringVar(&in.Mode, "mode", "call", "call: a call on Scribe's relay (clinician and client links); room: recorded in the room by the clinician's browser (one room link)")
	fs.BoolVar(&in.Group, "group", false, "a group session (one join link per client)")
	fs.IntVar(&in.Clients, "clients", 0, "number of client links for a group session (default 6; at most 11)")
	at := fs.String("at", "", "the appointment's date and time, in this machine's time zone unless it carries an offset (2026-12-10T14:00, 2026-12-10 14:00 or RFC 3339); default now")
	fs.DurationVar(&in.Length, "duration", pipeline.DefaultSessionLength, "the appointment's length, 10m to 4h; the join links work until it ends plus 30 minutes")
	ttl := fs.Duration("link-ttl", 0, "no longer used: the join links work until the appointment ends plus the grace period (see --at and --duration)")
	baseURL := fs.String("base-url", "", "public base URL of the server for join links (default: the public_url setting, $SCRIBE_PUBLIC_URL, else the listen address)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *ttl != 0 {
		return fmt.Errorf("--link-ttl is no longer used: the join links work until the appointment ends plus %v; set the appointment with --at and --duration", store.ScheduleGrace)
	}
	var err error
	if in.Start, err = parseAppointment(*at, time.Now()); err != nil {
		return err
	}
	if !in.Group && in.Clients > 1 {
		return fmt.Errorf("--clients needs --group")
	}
	if in.Clinician == "" {
		// Required here (the web app's form fills in the signed-in clinician).
		return &validate.Error{Field: pipeline.FieldClinician, Hint: "give the e-mail of the clinician's Scribe account"}
	}
	base, err := joinLinkBase(fs, *baseURL)
	if err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	res, err := x.svc.ScheduleSession(ctx, x.by, in)
	if err != nil {
		return scheduleFlagError(err, *at, in.Length)
	}
	type link struct {
		Role  string `json:"role"`
		Label string `json:"label"`
		URL   string `json:"url"`
	}
	links := make([]link, len(res.Links))
	for i, l := range res.Links {
		page := "call"
		if res.Session.Source == service.ModeRoom {
			page = "room"
		}
		links[i] = link{Role: l.Role, Label: l.Label, URL: fmt.Sprintf("%s/%s/%s?token=%s", base, page, res.Session.ID, l.Token)}
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"session_id": res.Session.ID, "scheduled_at": res.Start.UTC().Format(time.RFC3339), "duration_minutes": int(res.Length / time.Minute),
			"expires_at": res.ExpiresAt.UTC().Format(time.RFC3339), "links": links})
	}
	fmt.Fprintln(stdout, res.Session.ID)
	for _, l := range links {
		if l.Label == service.RoomLabel {
			fmt.Fprintf(stdout, "Room link: %s\n", l.URL)
			continue
		}
		fmt.Fprintf(stdout, "%-16s %s\n", l.Label+":", l.URL)
	}
	const layout = "2006-01-02 15:04 MST"
	fmt.Fprintf(stdout, "Appointment %s for %v; the links work until %s.\n", res.Start.Format(layout), res.Length, res.ExpiresAt.In(res.Start.Location()).Format(layout))
	return nil
}

// parseAppointment reads --at: empty is now; a date and time without an
// offset is in this machine's time zone.
func parseAppointment(at string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(at) == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, at, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q is not a date and time: write it as 2026-12-10T14:00 (this machine's time zone) or 2026-12-10T14:00:00+01:00", at)
}

// scheduleFlagError says a refused appointment in terms of its flag.
func scheduleFlagError(err error, at string, length time.Duration) error {
	ve, ok := validate.As(err)
	if !ok || (ve.Field != pipeline.FieldAppointmentTime && ve.Field != pipeline.FieldAppointmentLength) {
		return err
	}
	flag, value := "--at", at
	if ve.Field == pipeline.FieldAppointmentLength {
		flag, value = "--duration", length.String()
	}
	if value == "" {
		value = "(now)"
	}
	return fmt.Errorf("%s %s: the %s %s; allowed: %s", flag, value, ve.Field, ve.Problem, ve.Hint)
}
