// Package blob is Scribe's encrypted object store for audio chunks,
// transcripts and token maps. Every object is sealed with AES-256-GCM under
// its own random data key; the data key is wrapped by a key-encryption key
// (KEK) from SCRIBE_MASTER_KEY or a key file in the data dir. Objects live in
// a local directory (Dir) or in the database (Table: one store for every
// scribe process on a shared PostgreSQL); both seal the same way.
//
// It owns encryption at rest and object lifetime; it does not know what the
// bytes mean and imports no pipeline stage.
package blob

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/scribe-health/scribe/internal/keyfile"
)

// Store keeps encrypted objects by ID.
type Store interface {
	Put(ctx context.Context, id string, plaintext []byte) error
	Get(ctx context.Context, id string) ([]byte, error)
	Delete(ctx context.Context, id string) error
	Exists(ctx context.Context, id string) (bool, error)
}

var (
	// ErrNotFound means no object has that ID (it was never written or was purged).
	ErrNotFound = errors.New("blob not found")
	// ErrCorrupt means an object failed authentication: it was tampered with or truncated.
	ErrCorrupt = errors.New("blob failed integrity check (tampered or truncated)")
)

const (
	magic      = "SCRB1"
	keyFile    = "master.key"
	wrappedLen = 12 + 32 + 16 // nonce + data key + tag
)

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$`)

// Sealer encrypts and authenticates objects under the key-encryption key.
type Sealer struct {
	kek cipher.AEAD
}

// NewSealer makes a Sealer from a 32-byte key-encryption key.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) != 32 {
		return nil, errors.New("key-encryption key must be 32 bytes")
	}
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	return &Sealer{kek: aead}, nil
}

// Dir is a Store in a local directory.
type Dir struct {
	*Sealer
	root string
}

// LoadKEK returns the key-encryption key: masterKey (the master_key
// setting, base64 of 32 bytes) when given, else dataDir/master.key, created
// with mode 0600 on first use. created reports that a new key file was
// written.
func LoadKEK(dataDir, masterKey string) (key []byte, created bool, err error) {
	if v := strings.TrimSpace(masterKey); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return nil, false, errors.New("master_key (SCRIBE_MASTER_KEY) must be the base64 encoding of exactly 32 bytes (generate one with: head -c32 /dev/urandom | base64)")
		}
		return k, false, nil
	}
	path := filepath.Join(dataDir, keyFile)
	b, created, err := keyfile.LoadOrCreate(dataDir, keyFile, func() ([]byte, error) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		return []byte(base64.StdEncoding.EncodeToString(k) + "\n"), nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("master key file: %w", err)
	}
	k, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if derr != nil || len(k) != 32 {
		return nil, false, fmt.Errorf("key file %s is not a base64 32-byte key", path)
	}
	if !created {
		return k, false, nil
	}
	return k, true, nil
}

// NewDir opens (creating if needed) an encrypted object directory.
func NewDir(root string, kek []byte) (*Dir, error) {
	sealer, err := NewSealer(kek)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create blob dir: %w", err)
	}
	return &Dir{Sealer: sealer, root: root}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (d *Dir) path(id string) (string, error) {
	if err := checkID(id); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(id)), nil
}

// Seal encrypts plaintext for object id (the id is bound as associated data,
// so an object copied under another name fails to open).
func (d *Sealer) Seal(id string, plaintext []byte) ([]byte, error) {
	dk := make([]byte, 32)
	if _, err := rand.Read(dk); err != nil {
		return nil, err
	}
	wrapNonce := make([]byte, 12)
	if _, err := rand.Read(wrapNonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(magic)+wrappedLen+12+len(plaintext)+16+8)
	out = append(out, magic...)
	out = append(out, wrapNonce...)
	out = d.kek.Seal(out, wrapNonce, dk, []byte(id))
	data, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	var lenBuf [8]byte
	binary.BigEndian.PutUint64(lenBuf[:], uint64(len(plaintext)))
	out = append(out, lenBuf[:]...)
	aad := append([]byte(id), lenBuf[:]...)
	return data.Seal(out, nonce, plaintext, aad), nil
}

// Open authenticates and decrypts an object sealed by Seal.
func (d *Sealer) Open(id string, sealed []byte) ([]byte, error) {
	hdr := len(magic) + wrappedLen + 12 + 8
	if len(sealed) < hdr+16 || string(sealed[:len(magic)]) != magic {
		return nil, fmt.Errorf("blob %s: %w", id, ErrCorrupt)
	}
	p := sealed[len(magic):]
	dk, err := d.kek.Open(nil, p[:12], p[12:wrappedLen], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("blob %s: data key: %w", id, ErrCorrupt)
	}
	p = p[wrappedLen:]
	data, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	nonce, lenBuf, ct := p[:12], p[12:20], p[20:]
	if binary.BigEndian.Uint64(lenBuf) != uint64(len(ct)-16) {
		return nil, fmt.Errorf("blob %s: length mismatch: %w", id, ErrCorrupt)
	}
	aad := append([]byte(id), lenBuf...)
	pt, err := data.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", id, ErrCorrupt)
	}
	return pt, nil
}

// Put writes an object atomically (temp file + rename), mode 0600.
func (d *Dir) Put(ctx context.Context, id string, plaintext []byte) error {
	p, err := d.path(id)
	if err != nil {
		return err
	}
	sealed, err := d.Seal(id, plaintext)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(sealed); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write blob %s: %w", id, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Get reads and decrypts an object; a missing object is ErrNotFound, a
// tampered or truncated one ErrCorrupt.
func (d *Dir) Get(ctx context.Context, id string) ([]byte, error) {
	p, err := d.path(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p) // #nosec G304 -- p is d.path(id): checkID allows no "..", the path stays under the blob root
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return d.Open(id, b)
}

// Delete removes an object; deleting a missing object is not an error.
func (d *Dir) Delete(ctx context.Context, id string) error {
	p, err := d.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Exists reports whether an object is stored.
func (d *Dir) Exists(ctx context.Context, id string) (bool, error) {
	p, err := d.path(id)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
