package blob

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
)

// TestMasterKeyCreatedOnceUnderARace: servers and commands started at once
// on a fresh data dir all get the one master key. The key file used to be
// created empty and then written, so a process reading it in between failed
// with "not a base64 32-byte key".
func TestMasterKeyCreatedOnceUnderARace(t *testing.T) {
	t.Setenv("SCRIBE_MASTER_KEY", "")
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "data")
		const n = 16
		keys := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); keys[i], _, errs[i] = LoadKEK(dir, "") }()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, process %d: %v", round, i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("round %d: process %d got another key", round, i)
			}
		}
	}
}
