package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"text/tabwriter"
)

// Masked is what a secret's value is shown as.
const Masked = "********"

// Display is a setting's value as `scribe config` prints it: secrets
// masked (a URL keeps all but its password), TURN credentials in ICE
// server URLs hidden.
func (c *Config) Display(name string) string {
	s := byName[name]
	v := format(reflect.ValueOf(*c).Field(s.index))
	switch {
	case v == "":
		return ""
	case s.Secret:
		if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				return strings.Replace(u.String(), "xxxxx", Masked, 1)
			}
		}
		return Masked
	case name == "ice_servers":
		parts := strings.Split(v, ",")
		for i, p := range parts {
			parts[i] = redactURLCredentials(p)
		}
		return strings.Join(parts, ",")
	}
	return v
}

// Show writes the effective configuration: every setting, its value
// (secrets masked) and where the value came from.
func (l *Loader) Show(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE")
	for _, s := range settings {
		v := l.cfg.Display(s.Name)
		if v == "" {
			v = "(empty)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, v, l.origins[s.Name])
	}
	return tw.Flush()
}

// NewLogger builds the process's logger from log_level and log_format.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level()}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Level is log_level as a slog.Level.
func (c *Config) Level() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
