package audit_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestCheckpointKeyFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := audit.LoadCheckpointPublicKey(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("public key before any key: %v", err)
	}
	k1, created, err := audit.LoadOrCreateCheckpointKey(dir)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, err := os.Stat(filepath.Join(dir, audit.CheckpointKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	k2, created, err := audit.LoadOrCreateCheckpointKey(dir)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	pub, err := audit.LoadCheckpointPublicKey(dir)
	if err != nil || !pub.Equal(k1.Public()) {
		t.Fatalf("public key: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, audit.CheckpointKeyFile), []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.LoadOrCreateCheckpointKey(dir); err == nil {
		t.Fatal("corrupt key file accepted")
	}
	if _, err := audit.ParsePublicKey("abc"); err == nil {
		t.Fatal("bad public key accepted")
	}
}

func TestCheckpointSignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	c := audit.SignCheckpoint(priv, 7, "abcd", 1000)
	if err := c.VerifySignature(pub); err != nil {
		t.Fatal(err)
	}
	if err := c.VerifySignature(otherPub); err == nil {
		t.Fatal("checkpoint accepted under another key")
	}
	moved := c
	moved.Seq = 8
	if err := moved.VerifySignature(pub); err == nil {
		t.Fatal("altered checkpoint accepted")
	}
	if _, err := audit.NewCheckedVerifier([]audit.Checkpoint{moved}, pub); err == nil {
		t.Fatal("verifier accepted an altered checkpoint")
	}
	if _, err := audit.NewCheckedVerifier([]audit.Checkpoint{c}, nil); err == nil {
		t.Fatal("verifier accepted checkpoints without a trusted key")
	}
}

// TestCheckpointCatchesWholeChainRewrite rewrites an entry in a real store
// and recomputes every later hash, so the chain alone verifies; the signed
// checkpoint catches it. Removing entries after a checkpoint is caught too.
func TestCheckpointCatchesWholeChainRewrite(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < 10; i++ {
				if err := s.Audit(ctx, audit.Event{Actor: "system", Action: "draft.read", EntityType: "draft", EntityID: fmt.Sprint("d", i)}); err != nil {
					t.Fatal(err)
				}
			}
			key, _, err := audit.LoadOrCreateCheckpointKey(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			pub := key.Public().(ed25519.PublicKey)
			seq, head, err := s.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.AddAuditCheckpoint(ctx, audit.SignCheckpoint(key, seq, head, s.NowMS()))
			}); err != nil {
				t.Fatal(err)
			}
			verify := func() (*audit.CheckedVerifier, error) {
				cps, err := s.AuditCheckpoints(ctx)
				if err != nil {
					return nil, err
				}
				cv, err := audit.NewCheckedVerifier(cps, pub)
				if err != nil {
					return nil, err
				}
				if err := s.AuditEntries(ctx, 0, cv.Add); err != nil {
					return cv, err
				}
				return cv, cv.Finish()
			}
			if cv, err := verify(); err != nil || cv.Checkpoints() != 1 || cv.Count() != 10 {
				t.Fatalf("intact: %v", err)
			}
			// Rewrite: hide entry 4's read and recompute every later hash.
			var entries []audit.Entry
			if err := s.AuditEntries(ctx, 0, func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
				t.Fatal(err)
			}
			entries[3].EntityID = "d-hidden"
			for i := 3; i < len(entries); i++ {
				if i > 0 {
					entries[i].PrevHash = entries[i-1].Hash
				}
				entries[i].Hash = entries[i].ComputeHash()
				e := entries[i]
				if err := s.TamperForTest(ctx, `UPDATE audit SET entity_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.EntityID, e.PrevHash, e.Hash, e.Seq); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.AuditEntries(ctx, 0, audit.NewVerifier().Add); err != nil {
				t.Fatalf("the rewritten chain should verify on its own: %v", err)
			}
			var ce *audit.CheckpointError
			if _, err := verify(); !errors.As(err, &ce) || ce.Seq != 10 {
				t.Fatalf("rewrite not caught by the checkpoint: %v", err)
			}
			// Truncation: drop the last two entries.
			if err := s.TamperForTest(ctx, `DELETE FROM audit WHERE seq > 8`); err != nil {
				t.Fatal(err)
			}
			if _, err := verify(); !errors.As(err, &ce) || ce.Seq != 10 {
				t.Fatalf("truncation not caught: %v", err)
			}
		})
	}
}

// million is a 1,000,000-entry chain in a SQLite file, built once per test
// binary (a benchmark function runs more than once) and removed by TestMain.
var million struct {
	once sync.Once
	dir  string
	cps  []audit.Checkpoint
	pub  ed25519.PublicKey
	err  error
}

const millionEntries = 1_000_000

func buildMillion(ctx context.Context) {
	million.dir, million.err = os.MkdirTemp("", "scribe-audit-bench-")
	if million.err != nil {
		return
	}
	s, err := store.Open(ctx, store.Options{DataDir: million.dir})
	if err != nil {
		million.err = err
		return
	}
	defer s.Close()
	pub, priv, _ := ed25519.GenerateKey(nil)
	million.pub = pub
	const batch = 50_000
	prev := audit.Genesis
	for start := int64(1); start <= millionEntries; start += batch {
		entries := make([]audit.Entry, 0, batch)
		for seq := start; seq < start+batch; seq++ {
			e := audit.Entry{Seq: seq, At: 1_780_000_000_000 + seq, Event: audit.Event{Actor: "clinician@example.org", Action: "draft.read", EntityType: "draft",
				EntityID: fmt.Sprintf("00000000-0000-4000-8000-%012d", seq%5000), Outcome: "success", Details: map[string]string{"session": "s", "via": "web"}}, PrevHash: prev}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			entries = append(entries, e)
		}
		if err := s.ImportAuditEntries(ctx, entries); err != nil {
			million.err = err
			return
		}
		if last := entries[len(entries)-1]; last.Seq%100_000 == 0 {
			million.cps = append(million.cps, audit.SignCheckpoint(priv, last.Seq, last.Hash, last.At))
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if million.dir != "" {
		os.RemoveAll(million.dir)
	}
	os.Exit(code)
}

// BenchmarkVerifyMillionFromSQLite verifies a 1,000,000-entry audit chain
// streamed from SQLite, with a signed checkpoint every 100,000 entries.
// Target: under 10 s per million. (Building the chain takes a few minutes
// once per run; use -benchtime 1x.)
func BenchmarkVerifyMillionFromSQLite(b *testing.B) {
	ctx := context.Background()
	million.once.Do(func() { buildMillion(ctx) })
	if million.err != nil {
		b.Fatal(million.err)
	}
	s, err := store.Open(ctx, store.Options{DataDir: million.dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cv, err := audit.NewCheckedVerifier(million.cps, million.pub)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.AuditEntries(ctx, 0, cv.Add); err != nil {
			b.Fatal(err)
		}
		if err := cv.Finish(); err != nil || cv.Count() != millionEntries || cv.Checkpoints() != 10 {
			b.Fatalf("%v %d %d", err, cv.Count(), cv.Checkpoints())
		}
	}
	perRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(millionEntries/perRun, "entries/s")
	b.ReportMetric(perRun*1e6/millionEntries, "s/million")
}

// TestWitnessFile: the witness is an append-only JSON-lines file, mode
// 0600; reading it back refuses a line that is not a checkpoint, two
// different checkpoints of one entry, and a file that is not a regular file
// (a pipe to a log shipper cannot be read back).
func TestWitnessFile(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	dir := t.TempDir()
	w := audit.Witness{Path: filepath.Join(dir, "sub", audit.WitnessFile)}
	if _, err := w.Read(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing witness: %v", err)
	}
	a, b := audit.SignCheckpoint(key, 4, "aaaa", 1000), audit.SignCheckpoint(key, 8, "bbbb", 2000)
	for _, c := range []audit.Checkpoint{b, a, a} {
		if err := w.Append(c); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(w.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("witness mode: %v %v", fi, err)
	}
	got, err := w.Read()
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("read: %v %+v", err, got)
	}
	other := audit.SignCheckpoint(key, 8, "cccc", 3000)
	if err := w.Append(other); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Read(); err == nil || !strings.Contains(err.Error(), "two different checkpoints at entry 8") {
		t.Fatalf("conflicting checkpoints: %v", err)
	}
	bad := audit.Witness{Path: filepath.Join(dir, "bad.jsonl")}
	os.WriteFile(bad.Path, []byte("{\"seq\":1}\nnot json\n"), 0o600)
	if _, err := bad.Read(); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("altered witness: %v", err)
	}
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := (audit.Witness{Path: fifo}).Read(); !errors.Is(err, audit.ErrWitnessUnreadable) {
		t.Fatalf("a pipe as witness: %v", err)
	}
}
