package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestAuditVerifyCatchesEveryTampering: on SQLite and PostgreSQL, `scribe
// audit verify` exits 0 on an untouched log and non-zero, naming why, when
// one byte is changed, the last rows are deleted, rows are deleted with
// their checkpoints, or the table is emptied.
func TestAuditVerifyCatchesEveryTampering(t *testing.T) {
	t.Setenv("SCRIBE_MASTER_KEY", "")
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			for _, tc := range testenv.AuditTamperings {
				t.Run(tc.Name, func(t *testing.T) {
					dbURL := be.URL(t)
					t.Setenv("DATABASE_URL", dbURL)
					dir := t.TempDir()
					for i := 0; i < 3; i++ {
						mustCLI(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
					}
					mustCLI(t, dir, "audit", "checkpoint")
					for i := 3; i < 6; i++ {
						mustCLI(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
					}
					mustCLI(t, dir, "audit", "checkpoint")
					a, err := openApp(context.Background(), config{dataDir: dir, databaseURL: dbURL})
					if err != nil {
						t.Fatal(err)
					}
					for _, q := range tc.SQL {
						if err := a.store.TamperForTest(context.Background(), q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
					a.Close()
					out, stderr, code := cli(t, dir, "audit", "verify")
					if tc.Reason == "" {
						if code != 0 || !strings.Contains(out, "audit chain intact: 8 entries") || !strings.Contains(out, "2 signed checkpoint(s) hold") || !strings.Contains(out, "witnessed checkpoint (entry 8)") {
							t.Fatalf("untouched log: exit %d\n%s%s", code, out, stderr)
						}
						return
					}
					if code == 0 || !strings.Contains(stderr, tc.Reason) {
						t.Fatalf("%s: exit %d, stderr %q; want a failure naming %q\nstdout: %s", tc.Name, code, stderr, tc.Reason, out)
					}
				})
			}
		})
	}
}

// TestServeCheckpointsTheAuditLog: `scribe serve` signs the audit chain
// head by itself (here after every 2 entries), writes each checkpoint to
// the witness named by --audit-witness, and signs the rest at shutdown; the
// log then verifies against that witness, and not without it.
func TestServeCheckpointsTheAuditLog(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	dir := t.TempDir()
	witness := filepath.Join(t.TempDir(), "worm", "witness.jsonl")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--workers", "1",
			"--audit-witness", witness, "--audit-checkpoint-every", "2", "--audit-checkpoint-interval", "1h"}, io.Discard, io.Discard)
	}()
	if _, err := awaitReady("http://" + addr); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		mustCLI(t, dir, "provider", "add", "--name", fmt.Sprint("p", i), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if cps, err := (audit.Witness{Path: witness}).Read(); err == nil && len(cps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve wrote no checkpoint to the witness after 3 entries with --audit-checkpoint-every 2")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustCLI(t, dir, "provider", "add", "--name", "last", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--use", "drafting", "--self-hosted")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if fi, err := os.Stat(witness); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("witness file: %v %v", fi, err)
	}
	out := mustCLI(t, dir, "audit", "verify", "--audit-witness", witness)
	a, err := openApp(context.Background(), config{dataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	head, _, err := a.store.AuditHead(context.Background())
	a.Close()
	if err != nil || !strings.Contains(out, fmt.Sprintf("witnessed checkpoint (entry %d)", head)) {
		t.Fatalf("after shutdown the last witnessed checkpoint is not the head (%d): %s", head, out)
	}
	if errOut := failCLI(t, dir, "audit", "verify"); !strings.Contains(errOut, "witness") {
		t.Fatalf("verify without the witness: %s", errOut)
	}
}
