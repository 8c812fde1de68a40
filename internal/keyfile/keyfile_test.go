package keyfile

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func newKey() ([]byte, error) {
	b := make([]byte, 32)
	_, err := rand.Read(b)
	return b, err
}

// TestManyProcessesStartingAtOnceShareOneKey: of many creators racing on a
// fresh data dir exactly one writes, and every one returns its key.
func TestManyProcessesStartingAtOnceShareOneKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	const n = 32
	keys := make([][]byte, n)
	created := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if keys[i], created[i], err = LoadOrCreate(dir, "master.key", newKey); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	writers := 0
	for i := range n {
		if created[i] {
			writers++
		}
		if !bytes.Equal(keys[i], keys[0]) || len(keys[i]) != 32 {
			t.Fatalf("creator %d got another key", i)
		}
	}
	if writers != 1 {
		t.Errorf("%d creators wrote the key; want 1", writers)
	}
	fi, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v; want mode 0600", fi, err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %04o; want 0700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the data dir holds %d entries; want only the key (no temporary files left)", len(entries))
	}
	// Loaded again, it is the same key and nothing is written.
	again, made, err := LoadOrCreate(dir, "master.key", func() ([]byte, error) { t.Fatal("made a key although one exists"); return nil, nil })
	if err != nil || made || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reload: %v %v", made, err)
	}
}

// TestAFailedMakeWritesNothing: when no key can be made, no file appears.
func TestAFailedMakeWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadOrCreate(dir, "k", func() ([]byte, error) { return nil, os.ErrDeadlineExceeded }); err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files left: %v", entries)
	}
}
