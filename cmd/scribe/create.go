package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	settings "github.com/scribe-health/scribe/internal/config"
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
	fs := newFlags("session create", "session create --clinician EMAIL --client-alias ALIAS [--at 2026-12-10T14:00] [--duration 50m] [--template dap] [--modality cbt] [--program sud|mh] [--group --clients N]", stderr)
	var cfg config
	cfg.register(fs)
	clinician := fs.String("clinician", "", "the e-mail of the clinician's account, a clinician or supervisor (required)")
	alias := fs.String("client-alias", "", "the client's alias, never a real name (required)")
	template := fs.String("template", "soap", "note template")
	modality := fs.String("modality", "general", "modality guidance: general, cbt, dbt, mat, mi")
	program := fs.String("program", "mh", "mh, or sud for a 42 CFR Part 2 substance-use program")
	group := fs.Bool("group", false, "a group session (one join link per client)")
	clients := fs.Int("clients", 0, "number of client links for a group session (default 6; at most 11)")
	at := fs.String("at", "", "the appointment's date and time, in this machine's time zone unless it carries an offset (2026-12-10T14:00, 2026-12-10 14:00 or RFC 3339); default now")
	length := fs.Duration("duration", pipeline.DefaultSessionLength, "the appointment's length, 10m to 4h; the join links work until it ends plus 30 minutes")
	ttl := fs.Duration("link-ttl", 0, "no longer used: the join links work until the appointment ends plus the grace period (see --at and --duration)")
	baseURL := fs.String("base-url", "", "public base URL of the server for join links (default: the public_url setting, $SCRIBE_PUBLIC_URL, else the listen address)")
	asJSON := fs.Bool("json", false, "print JSON")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *ttl != 0 {
		return fmt.Errorf("--link-ttl is no longer used: the join links work until the appointment ends plus %v; set the appointment with --at and --duration", store.ScheduleGrace)
	}
	now := time.Now()
	start, err := parseAppointment(*at, now)
	if err != nil {
		return err
	}
	if err := pipeline.CheckSchedule(start, *length, now); err != nil {
		return scheduleFlagError(err, *at, *length)
	}
	n := 1
	if *group {
		n = *clients
		if n == 0 {
			n = 6
		}
		if err := validate.Int("clients", n, 1, 11); err != nil {
			return err // a call holds at most 12 people
		}
	} else if *clients > 1 {
		return fmt.Errorf("--clients needs --group")
	}
	base := *baseURL
	if base == "" {
		base = publicBase(settings.For(fs).Config())
	} else if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &validate.Error{Field: "base-url", Value: base, Allowed: "give the server's public http(s) URL, such as https://scribe.example.org"}
	}
	base = strings.TrimRight(base, "/")
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	choices := pipeline.SessionChoices{Template: *template, Modality: *modality, Program: *program, ClientAlias: *alias, Clinician: *clinician,
		RequireAlias: true, RequireClinician: true}
	if err := pipeline.CheckSession(ctx, a.store, &choices); err != nil {
		return err
	}
	u, err := principal(ctx, a, *as)
	if err != nil {
		return err
	}
	attach, err := resolveFor(ctx, a, u, choices.Clinician)
	if err != nil {
		return err
	}
	id := uuid.NewString()
	type link struct {
		Role  string `json:"role"`
		Label string `json:"label"`
		URL   string `json:"url"`
	}
	var links []link
	var expires time.Time
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		sess := &store.Session{ID: id, Source: "call", Status: store.StatusScheduled, Template: choices.Template, Modality: choices.Modality,
			Program: choices.Program, Group: *group, ClientAlias: choices.ClientAlias, Clinician: choices.Clinician}
		sess.Book(start, *length)
		expires = time.UnixMilli(sess.ExpiresAt)
		if err := attach(ctx, tx, sess); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		roles := []struct{ role, label string }{{"clinician", "clinician"}}
		for i := 1; i <= n; i++ {
			label := "client"
			if *group {
				label = fmt.Sprintf("participant %d", i)
			}
			roles = append(roles, struct{ role, label string }{"client", label})
		}
		for _, r := range roles {
			tok := newJoinToken()
			if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: pipeline.HashJoinToken(tok), SessionID: id, Role: r.role, Label: r.label, ExpiresAt: expires.UnixMilli()}); err != nil {
				return err
			}
			links = append(links, link{Role: r.role, Label: r.label, URL: fmt.Sprintf("%s/call/%s?token=%s", base, id, tok)})
		}
		return tx.Audit(ctx, audit.Event{Actor: actorOf(u), Action: "session.create", EntityType: "session", EntityID: id,
			Details: map[string]string{"program": choices.Program, "group": fmt.Sprint(*group), "links": fmt.Sprint(len(links)),
				"scheduled_at": start.UTC().Format(time.RFC3339), "minutes": fmt.Sprint(int(*length / time.Minute))}})
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"session_id": id, "scheduled_at": start.UTC().Format(time.RFC3339), "duration_minutes": int(*length / time.Minute),
			"expires_at": expires.UTC().Format(time.RFC3339), "links": links})
	}
	fmt.Fprintln(stdout, id)
	for _, l := range links {
		fmt.Fprintf(stdout, "%-16s %s\n", l.Label+":", l.URL)
	}
	const layout = "2006-01-02 15:04 MST"
	fmt.Fprintf(stdout, "Appointment %s for %v; the links work until %s.\n", start.Format(layout), *length, expires.In(start.Location()).Format(layout))
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
	var ve *pipeline.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	flag, value := "--at", at
	if ve.Field == "appointment length" {
		flag, value = "--duration", length.String()
	}
	if value == "" {
		value = "(now)"
	}
	return fmt.Errorf("%s %s: the %s %s; allowed: %s", flag, value, ve.Field, ve.Problem, ve.Allowed)
}
