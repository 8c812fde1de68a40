package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	service "github.com/scribe-health/scribe/internal/app"
	settings "github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/validate"
)

// sessionLink issues a fresh client join link for a session whose window is
// open or upcoming, revoking the old one (app.RenewClientLink).
func sessionLink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session link", "session link ID [--participant \"participant 2\"] [--base-url URL]", stderr)
	act := registerActing(fs)
	participant := fs.String("participant", "", "for a group session: which participant's link (\"participant 2\")")
	baseURL := fs.String("base-url", "", "public base URL of the server for join links (default: the public_url setting, $SCRIBE_PUBLIC_URL, else the listen address)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
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
	res, err := x.svc.RenewClientLink(ctx, x.by, pos[0], *participant)
	if errors.Is(err, service.ErrConflict) || errors.Is(err, service.ErrNotFound) {
		return fmt.Errorf("session %s: %w", pos[0], err)
	}
	if err != nil {
		return err
	}
	link := fmt.Sprintf("%s/call/%s?token=%s", base, pos[0], res.Link.Token)
	if *asJSON {
		return writeJSON(stdout, map[string]any{"session_id": pos[0], "label": res.Link.Label, "url": link,
			"expires_at": res.Expires.UTC().Format(time.RFC3339), "revoked": res.Revoked})
	}
	fmt.Fprintf(stdout, "%-16s %s\n", res.Link.Label+":", link)
	fmt.Fprintf(stdout, "The old link no longer opens the call; this one works until %s.\n", res.Expires.Local().Format("2006-01-02 15:04 MST"))
	return nil
}

// sessionReschedule moves a booked session's appointment
// (app.RescheduleSession); the links already sent follow it.
func sessionReschedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session reschedule", "session reschedule ID --at 2026-12-10T14:00 [--duration 50m]", stderr)
	act := registerActing(fs)
	at := fs.String("at", "", "the new date and time, in this machine's time zone unless it carries an offset (2026-12-10T14:00, 2026-12-10 14:00 or RFC 3339) (required)")
	length := fs.Duration("duration", 0, "the new length, 10m to 4h (default: keep the length)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*at) == "" {
		return fmt.Errorf("--at is required: the new date and time of the appointment")
	}
	start, err := parseAppointment(*at, time.Now())
	if err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	res, err := x.svc.RescheduleSession(ctx, x.by, pos[0], start, *length)
	switch {
	case errors.Is(err, service.ErrConflict) || errors.Is(err, service.ErrNotFound):
		return fmt.Errorf("session %s: %w", pos[0], err)
	case err != nil:
		return scheduleFlagError(err, *at, *length)
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"session_id": pos[0], "scheduled_at": res.Start.UTC().Format(time.RFC3339),
			"duration_minutes": int(res.Length / time.Minute), "expires_at": res.ExpiresAt.UTC().Format(time.RFC3339)})
	}
	const layout = "2006-01-02 15:04 MST"
	fmt.Fprintf(stdout, "session %s moved to %s for %v; the links already sent work until %s\n", pos[0], res.Start.Format(layout), res.Length, res.ExpiresAt.In(res.Start.Location()).Format(layout))
	return nil
}

// joinLinkBase is the base URL join links are printed with: --base-url when
// given (an http(s) URL), else the public_url setting, else the listen
// address.
func joinLinkBase(fs *flag.FlagSet, baseURL string) (string, error) {
	if baseURL == "" {
		return strings.TrimRight(publicBase(settings.For(fs).Config()), "/"), nil
	}
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &validate.Error{Field: "base-url", Value: baseURL, Hint: "give the server's public http(s) URL, such as https://scribe.example.org"}
	}
	return strings.TrimRight(baseURL, "/"), nil
}
