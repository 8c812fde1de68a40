// Package version carries the build's version, set with -ldflags.
package version

// Version is overridden at build time: -ldflags "-X github.com/scribe-health/scribe/internal/version.Version=v1.2.3".
var Version = "0.1.0-dev"
