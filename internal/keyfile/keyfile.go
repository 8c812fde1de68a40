// Package keyfile keeps a small secret (a key) in a file of the data dir:
// read when it exists, otherwise made once and written so that it is never
// seen half-written and survives a crash — the bytes are flushed to disk
// before the file appears under its name, and several processes starting at
// once all end up with the one key.
package keyfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreate returns the contents of dir/name. When the file does not
// exist it calls make for new contents and writes them (mode 0600, dir 0700)
// atomically; created reports that this call wrote them. A process that
// loses the race to create the file returns the winner's contents.
func LoadOrCreate(dir, name string, make func() ([]byte, error)) (data []byte, created bool, err error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil { // #nosec G304 -- the data dir (operator configuration) and a fixed name
		return b, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	b, err := make()
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create data dir: %w", err)
	}
	tmp, err := writeTemp(dir, name, b)
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp)
	// A hard link fails when the name exists, unlike a rename, which would
	// replace a key another process made a moment ago.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			b, err := os.ReadFile(path) // #nosec G304 -- as above
			return b, false, err
		}
		return nil, false, fmt.Errorf("create %s: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// writeTemp writes b to a new private file in dir and flushes it to disk.
func writeTemp(dir, name string, b []byte) (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, "."+name+".tmp-"+hex.EncodeToString(r[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the data dir and a name made here
	if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", name, werr)
	}
	return tmp, nil
}

// syncDir flushes a directory's entries, so a new name survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the data dir
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("flush %s: %w", dir, err)
	}
	return nil
}
