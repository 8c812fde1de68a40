// Package backup owns Scribe's backups: one tar.gz holding a consistent
// online snapshot of the embedded SQLite database (VACUUM INTO), the
// encrypted blob store and, unless excluded, the key files; and the restore
// of such a file into an empty data dir. For PostgreSQL the database is
// pg_dump's job (PostgresInstructions says how); the archive then holds the
// blobs and keys only. Blobs stay encrypted in the archive.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// Names inside the archive and the data dir.
const (
	ManifestName = "manifest.json"
	DatabaseName = "scribe.db"
	BlobsDir     = "blobs"
	MasterKey    = "master.key"
)

// FormatVersion identifies the archive layout.
const FormatVersion = 1

// Manifest describes an archive.
type Manifest struct {
	Format       int           `json:"format"`
	CreatedAt    time.Time     `json:"created_at"`
	Dialect      store.Dialect `json:"dialect"` // sqlite | postgres
	Database     bool          `json:"database"`
	Blobs        int           `json:"blobs"`
	Bytes        int64         `json:"bytes"`
	IncludesKeys []string      `json:"includes_keys,omitempty"`
	Witness      bool          `json:"audit_witness,omitempty"` // the data dir's audit witness is in the archive
	Note         string        `json:"note,omitempty"`
}

// Options control a backup.
type Options struct {
	// ExcludeKeys leaves master.key and the audit checkpoint key out (for
	// sites whose key-encryption key comes from SCRIBE_MASTER_KEY / a secret
	// manager). Without the key, the blobs cannot be decrypted after restore.
	ExcludeKeys bool
	Now         time.Time
}

// PostgresInstructions is the documented way to back up a PostgreSQL database.
const PostgresInstructions = `PostgreSQL: the database is not in this archive. Back it up with pg_dump, for example
  pg_dump --format=custom --file=scribe.pgdump "$DATABASE_URL"
and restore with
  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" scribe.pgdump
then run: scribe audit verify`

// Write writes a backup of the store and the data dir's blobs (and keys)
// to w as a gzip-compressed tar.
func Write(ctx context.Context, st *store.Store, dataDir string, w io.Writer, opt Options) (Manifest, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	m := Manifest{Format: FormatVersion, CreatedAt: opt.Now.UTC(), Dialect: st.Dialect()}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name string, src string) error {
		f, err := os.Open(src) // #nosec G304 -- files of the data dir (operator configuration) and a snapshot Write made itself
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		n, err := io.Copy(tw, f)
		m.Bytes += n
		return err
	}
	var files []func() error
	// The audit witness is read before the database snapshot, so that the
	// archive's witness never names a checkpoint its database lacks.
	if wb, err := os.ReadFile(filepath.Join(dataDir, audit.WitnessFile)); err == nil { // #nosec G304 -- a fixed file name inside the data dir the operator configured
		m.Witness = true
		files = append(files, func() error {
			if err := tw.WriteHeader(&tar.Header{Name: audit.WitnessFile, Mode: 0o600, Size: int64(len(wb)), ModTime: opt.Now, Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			n, err := tw.Write(wb)
			m.Bytes += int64(n)
			return err
		})
	} else if !errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("read the audit witness: %w", err)
	}
	if st.Dialect() == store.SQLite {
		// The snapshot is the plain database: it is made inside the data
		// dir (0700), not in the shared temp dir, and removed at once.
		tmp, err := os.MkdirTemp(dataDir, ".backup-")
		if err != nil {
			return m, err
		}
		defer os.RemoveAll(tmp)
		snap := filepath.Join(tmp, DatabaseName)
		if err := st.SnapshotSQLite(ctx, snap); err != nil {
			return m, err
		}
		m.Database = true
		files = append(files, func() error { return add(DatabaseName, snap) })
	} else {
		m.Note = PostgresInstructions
	}
	blobRoot := filepath.Join(dataDir, BlobsDir)
	err := filepath.WalkDir(blobRoot, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == blobRoot {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		m.Blobs++
		name := filepath.ToSlash(rel)
		files = append(files, func() error { return add(name, p) })
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("read blob store: %w", err)
	}
	if !opt.ExcludeKeys {
		for _, k := range []string{MasterKey, audit.CheckpointKeyFile} {
			p := filepath.Join(dataDir, k)
			if _, err := os.Stat(p); err == nil {
				m.IncludesKeys = append(m.IncludesKeys, k)
				files = append(files, func() error { return add(k, p) })
			}
		}
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: opt.Now, Typeflag: tar.TypeReg}); err != nil {
		return m, err
	}
	if _, err := tw.Write(mb); err != nil {
		return m, err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		if err := f(); err != nil {
			return m, fmt.Errorf("write backup: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, gz.Close()
}

// ErrNotEmpty is returned when a restore target already holds data.
var ErrNotEmpty = errors.New("restore target data dir is not empty")

// Restore unpacks an archive into dataDir, which must not exist or be
// empty (a restore never overwrites data). Only the names a backup writes
// are accepted; anything else (absolute paths, "..", links, devices) fails
// the restore, and a failed restore removes what it wrote.
func Restore(ctx context.Context, r io.Reader, dataDir string) (m Manifest, err error) {
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return m, fmt.Errorf("%w: %s (restore into a new, empty directory)", ErrNotEmpty, dataDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return m, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return m, fmt.Errorf("create data dir: %w", err)
	}
	defer func() {
		if err != nil {
			cleanDir(dataDir)
		}
	}()
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("not a Scribe backup (not gzip): %w", err)
	}
	tr := tar.NewReader(gz)
	sawManifest := false
	for {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("backup archive is damaged: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("backup archive holds a non-file entry %q; refusing it", h.Name)
		}
		if h.Name == ManifestName {
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
				return m, fmt.Errorf("backup manifest is not valid JSON: %w", err)
			}
			if m.Format != FormatVersion {
				return m, fmt.Errorf("backup format %d is not supported (this scribe reads format %d)", m.Format, FormatVersion)
			}
			sawManifest = true
			continue
		}
		if !allowedName(h.Name) {
			return m, fmt.Errorf("backup archive holds an unexpected path %q; refusing it", h.Name)
		}
		dst := filepath.Join(dataDir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return m, err
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- allowedName admits only the database, the key files and blobs/…, no "..": dst stays in the data dir
		if err != nil {
			return m, fmt.Errorf("restore %s: %w", h.Name, err)
		}
		if _, err := io.Copy(f, tr); err != nil { // #nosec G110 -- the operator's own backup file, restored into an empty data dir; its size is the archive's
			f.Close()
			return m, fmt.Errorf("restore %s: %w", h.Name, err)
		}
		if err := f.Close(); err != nil {
			return m, err
		}
	}
	if !sawManifest {
		return m, errors.New("not a Scribe backup: no manifest.json")
	}
	if m.Dialect == store.SQLite && m.Database {
		if _, err := os.Stat(filepath.Join(dataDir, DatabaseName)); err != nil {
			return m, errors.New("backup manifest lists a database but the archive has none (truncated archive?)")
		}
	}
	return m, nil
}

func allowedName(name string) bool {
	if name != path.Clean(name) || path.IsAbs(name) || strings.HasPrefix(name, "../") || name == ".." || strings.Contains(name, "\\") {
		return false
	}
	switch name {
	case DatabaseName, MasterKey, audit.CheckpointKeyFile, audit.WitnessFile:
		return true
	}
	return strings.HasPrefix(name, BlobsDir+"/")
}

func cleanDir(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// BlobCheck counts the restored blobs that decrypt and authenticate.
type BlobCheck struct {
	OK      int
	Corrupt []string // blob IDs (paths under blobs/, never contents)
}

// VerifyBlobs opens every object under dataDir/blobs with the data dir's
// key: a restore is only useful if the key that sealed the blobs came with
// it (or is supplied as SCRIBE_MASTER_KEY).
func VerifyBlobs(ctx context.Context, dataDir string, blobs interface {
	Get(ctx context.Context, id string) ([]byte, error)
}) (BlobCheck, error) {
	var c BlobCheck
	root := filepath.Join(dataDir, BlobsDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		id := filepath.ToSlash(rel)
		if _, err := blobs.Get(ctx, id); err != nil {
			c.Corrupt = append(c.Corrupt, id)
			return nil
		}
		c.OK++
		return nil
	})
	return c, err
}
