package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// A checkpoint stored only in the database can be deleted with the entries
// it vouches for. The witness is a second, append-only copy of every
// checkpoint outside the database — by default a file in the data dir, which
// an operator can point at WORM storage or a log shipper — so that
// verification sees when the log ends before the last witnessed checkpoint,
// when witnessed checkpoints are missing from the database, and when an
// empty log once had entries.

// WitnessFile is the witness's name in the data dir when no path is given.
const WitnessFile = "audit-witness.jsonl"

// Witness is an append-only file of checkpoints, one JSON object a line.
type Witness struct{ Path string }

// Append adds a checkpoint (creating the file, mode 0600) and syncs it to
// disk before returning.
func (w Witness) Append(c Checkpoint) error {
	if w.Path == "" {
		return errors.New("no audit witness path")
	}
	if err := os.MkdirAll(filepath.Dir(w.Path), 0o700); err != nil {
		return fmt.Errorf("audit witness directory: %w", err)
	}
	f, err := os.OpenFile(w.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit witness: %w", err)
	}
	line, _ := json.Marshal(c)
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write audit witness: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync audit witness: %w", err)
		}
	}
	return f.Close()
}

// ErrWitnessUnreadable: the witness is not a regular file (a pipe to a log
// shipper, a device) and cannot be read back here.
var ErrWitnessUnreadable = errors.New("the audit witness is not a regular file, so it cannot be read back here; pass a readable copy with --audit-witness")

// Read returns the witnessed checkpoints in sequence order (one per
// sequence number). A missing file is fs.ErrNotExist (wrapped); a line that
// is not a checkpoint is an error naming it, since a witness is only ever
// appended to by Scribe.
func (w Witness) Read() ([]Checkpoint, error) {
	fi, err := os.Stat(w.Path)
	if err != nil {
		return nil, fmt.Errorf("audit witness: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrWitnessUnreadable
	}
	f, err := os.Open(w.Path)
	if err != nil {
		return nil, fmt.Errorf("audit witness: %w", err)
	}
	defer f.Close()
	byseq := map[int64]Checkpoint{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.Seq <= 0 || c.Head == "" || c.Signature == "" {
			return nil, fmt.Errorf("audit witness %s line %d is not a checkpoint (the witness was altered)", w.Path, n)
		}
		if prev, ok := byseq[c.Seq]; ok && prev != c {
			return nil, fmt.Errorf("audit witness %s holds two different checkpoints at entry %d (the witness was altered)", w.Path, c.Seq)
		}
		byseq[c.Seq] = c
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read audit witness: %w", err)
	}
	out := make([]Checkpoint, 0, len(byseq))
	for _, c := range byseq {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// Exists reports whether the witness file exists (as anything).
func (w Witness) Exists() bool {
	_, err := os.Stat(w.Path)
	return !errors.Is(err, fs.ErrNotExist)
}
