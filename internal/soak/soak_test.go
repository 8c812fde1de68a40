//go:build soak

package soak

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	flagSQLite     = flag.Int("sqlite", 50, "trials with a kill on SQLite")
	flagPostgres   = flag.Int("postgres", 50, "trials with a kill on PostgreSQL")
	flagTwo        = flag.Int("two-process", 20, "trials with two servers on one PostgreSQL, one killed for good")
	flagSessions   = flag.Int("sessions", 3, "sessions ingested per trial")
	flagSeed       = flag.Uint64("seed", 0, "seed for kill moments, victims, ingest times and provider delays (0: from the clock)")
	flagDeadline   = flag.Duration("deadline", 2*time.Minute, "how long after the kill every session has to be ready")
	flagWorkers    = flag.Int("workers", 4, "scribe serve --workers")
	flagChunkMax   = flag.Duration("chunk-max", 5*time.Second, "scribe ingest --chunk-max")
	flagMinLatency = flag.Duration("min-latency", 100*time.Millisecond, "shortest delay of a fake provider call")
	flagMaxLatency = flag.Duration("max-latency", 700*time.Millisecond, "longest delay of a fake provider call")
	flagBinary     = flag.String("binary", "", "the scribe binary to soak (default: go build ./cmd/scribe)")
	flagWorkDir    = flag.String("workdir", "", "where trial directories go (default: a new temporary directory); trials with defects are kept")
	flagKeep       = flag.Bool("keep", false, "keep every trial's directory, not only those with defects")
	flagOut        = flag.String("out", "", "also write the summary table to this file")
)

// TestSoak is the fault-injection soak (see the package comment). It fails
// when a mode misses the goals: every session recovered, no duplicates,
// nothing lost, slowest recovery ≤ 30 s.
func TestSoak(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	work := *flagWorkDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "scribe-soak-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	bin := *flagBinary
	if bin == "" {
		bin = buildScribe(t, work)
	}
	rep := Run(t, Config{
		Binary:     bin,
		Trials:     map[Mode]int{SQLite: *flagSQLite, Postgres: *flagPostgres, TwoProcesses: *flagTwo},
		Sessions:   *flagSessions,
		Seed:       seed,
		Deadline:   *flagDeadline,
		Workers:    *flagWorkers,
		ChunkMax:   *flagChunkMax,
		MinLatency: *flagMinLatency,
		MaxLatency: *flagMaxLatency,
		WorkDir:    work,
		KeepAll:    *flagKeep,
		Progress:   os.Stdout,
	})
	var table bytes.Buffer
	rep.WriteTable(&table)
	fmt.Printf("\n%s", table.String())
	if *flagOut != "" {
		if err := os.WriteFile(*flagOut, table.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, s := range rep.Modes {
		if !s.Met() {
			t.Errorf("%s: the goals are not met (recovered %d/%d, duplicates %d, lost %d, other %d, slowest recovery %s)",
				s.Mode, s.Recovered, s.Sessions, s.Duplicates, s.Lost, s.Other, s.fmtRecovery(s.Slowest))
		}
	}
}

// buildScribe builds the scribe binary the way `make build` does.
func buildScribe(t *testing.T, dir string) string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(dir, "scribe")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/scribe")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build ./cmd/scribe: %v\n%s", err, out.String())
	}
	return bin
}
