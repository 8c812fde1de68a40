package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/keyfile"
)

// A hash chain alone proves that entries were not changed one by one; it
// does not stop someone with write access from rewriting the whole chain
// and recomputing every hash. A checkpoint signs the chain head (sequence
// number and hash) with an Ed25519 key kept outside the database, so such a
// rewrite no longer matches the signed heads.

// CheckpointKeyFile is the name of the signing key file in the data dir.
const CheckpointKeyFile = "audit-checkpoint.key"

// Checkpoint is a signed statement "entry Seq of the chain has hash Head".
type Checkpoint struct {
	Seq       int64  `json:"seq"`
	Head      string `json:"head"`
	At        int64  `json:"at"`         // unix milliseconds
	PublicKey string `json:"public_key"` // base64 Ed25519 public key
	Signature string `json:"signature"`  // base64 Ed25519 signature over Message
}

// Message is the exact byte string a checkpoint signs.
func (c Checkpoint) Message() []byte {
	return []byte("scribe-audit-checkpoint/v1|" + strconv.FormatInt(c.Seq, 10) + "|" + c.Head + "|" + strconv.FormatInt(c.At, 10))
}

// SignCheckpoint signs the head of a chain.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, head string, atMS int64) Checkpoint {
	c := Checkpoint{Seq: seq, Head: head, At: atMS, PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.Message()))
	return c
}

// VerifySignature checks the checkpoint's signature against a trusted public key.
func (c Checkpoint) VerifySignature(trusted ed25519.PublicKey) error {
	if c.PublicKey != base64.StdEncoding.EncodeToString(trusted) {
		return fmt.Errorf("checkpoint at entry %d was signed by another key (%s), not the trusted key", c.Seq, shortKey(c.PublicKey))
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(trusted, c.Message(), sig) {
		return fmt.Errorf("checkpoint at entry %d has an invalid signature (the checkpoint was altered)", c.Seq)
	}
	return nil
}

func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12] + "…"
	}
	return k
}

// LoadOrCreateCheckpointKey reads dataDir/audit-checkpoint.key, creating it
// (mode 0600) on first use. created reports that a new key was written.
func LoadOrCreateCheckpointKey(dataDir string) (key ed25519.PrivateKey, created bool, err error) {
	path := filepath.Join(dataDir, CheckpointKeyFile)
	b, created, err := keyfile.LoadOrCreate(dataDir, CheckpointKeyFile, func() ([]byte, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return []byte(base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"), nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("audit checkpoint key: %w", err)
	}
	seed, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if derr != nil || len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("audit checkpoint key file %s is not a base64 Ed25519 seed of %d bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), created, nil
}

// LoadCheckpointPublicKey returns the public half of the key in dataDir, or
// fs.ErrNotExist (wrapped) when no checkpoint key was ever made there.
func LoadCheckpointPublicKey(dataDir string) (ed25519.PublicKey, error) {
	path := filepath.Join(dataDir, CheckpointKeyFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("audit checkpoint key: %w", err)
	}
	k, _, err := LoadOrCreateCheckpointKey(dataDir)
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

// ParsePublicKey decodes a base64 Ed25519 public key (as printed by
// `scribe audit checkpoint`).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the public key must be base64 of 32 bytes, as printed by scribe audit checkpoint")
	}
	return ed25519.PublicKey(b), nil
}

// ResumeVerifier continues a chain check after entry lastSeq whose hash is head.
func ResumeVerifier(lastSeq int64, head string) *Verifier {
	return &Verifier{prev: head, lastSeq: lastSeq}
}

// CheckpointError says which checkpoint the log does not match.
type CheckpointError struct {
	Seq    int64
	Reason string
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("audit checkpoint at entry %d does not hold: %s", e.Seq, e.Reason)
}

// CheckedVerifier verifies the chain and, as it passes each checkpointed
// entry, that the entry's hash is the signed head.
type CheckedVerifier struct {
	*Verifier
	trusted   ed25519.PublicKey
	byseq     map[int64]Checkpoint
	matched   int
	witnessed int64 // the last witnessed checkpoint's entry (0: none)
}

// NewCheckedVerifier checks every checkpoint's signature against trusted
// and returns a verifier that also checks the chain against them. With no
// checkpoints it is a plain chain check.
func NewCheckedVerifier(checkpoints []Checkpoint, trusted ed25519.PublicKey) (*CheckedVerifier, error) {
	cv := &CheckedVerifier{Verifier: NewVerifier(), trusted: trusted, byseq: make(map[int64]Checkpoint, len(checkpoints))}
	for _, c := range checkpoints {
		if err := cv.checkSignature(c); err != nil {
			return nil, err
		}
		cv.byseq[c.Seq] = c
	}
	return cv, nil
}

func (cv *CheckedVerifier) checkSignature(c Checkpoint) error {
	if cv.trusted == nil {
		return &CheckpointError{Seq: c.Seq, Reason: "there are signed checkpoints but no trusted public key (the key file is missing; pass the public key printed by scribe audit checkpoint)"}
	}
	if err := c.VerifySignature(cv.trusted); err != nil {
		return &CheckpointError{Seq: c.Seq, Reason: err.Error()}
	}
	return nil
}

// Witness adds the checkpoints of the witness kept outside the database:
// each must be signed by the trusted key and still be in the database (a
// witnessed checkpoint missing there was deleted), and the log must reach
// the last of them (checked by Finish).
func (cv *CheckedVerifier) Witness(witnessed []Checkpoint) error {
	for _, c := range witnessed {
		if err := cv.checkSignature(c); err != nil {
			return &CheckpointError{Seq: c.Seq, Reason: "the witness's " + err.Error()}
		}
		db, ok := cv.byseq[c.Seq]
		if !ok {
			return &CheckpointError{Seq: c.Seq, Reason: "this checkpoint is in the witness but missing from the database: checkpoints were deleted"}
		}
		if db.Head != c.Head {
			return &CheckpointError{Seq: c.Seq, Reason: "the database's checkpoint differs from the witness's: the checkpoint was replaced"}
		}
		cv.witnessed = max(cv.witnessed, c.Seq)
	}
	return nil
}

// Add checks the next entry against the chain and any checkpoint at its sequence number.
func (cv *CheckedVerifier) Add(e Entry) error {
	if err := cv.Verifier.Add(e); err != nil {
		return err
	}
	if c, ok := cv.byseq[e.Seq]; ok {
		if c.Head != e.Hash {
			return &CheckpointError{Seq: e.Seq, Reason: "the entry's hash is not the signed head: the chain was rewritten up to here"}
		}
		cv.matched++
	}
	return nil
}

// Finish reports checkpoints that no entry reached: the log was truncated
// (or emptied) after they were signed.
func (cv *CheckedVerifier) Finish() error {
	if cv.witnessed > cv.lastSeq {
		if cv.lastSeq == 0 {
			return &CheckpointError{Seq: cv.witnessed, Reason: "the audit log is empty, but the witness has a signed checkpoint of this entry: the log was emptied"}
		}
		return &CheckpointError{Seq: cv.witnessed, Reason: fmt.Sprintf("the log ends at entry %d, before this checkpoint in the witness: entries were removed", cv.lastSeq)}
	}
	if cv.matched == len(cv.byseq) {
		return nil
	}
	var missing int64
	for seq := range cv.byseq {
		if seq > cv.lastSeq && (missing == 0 || seq < missing) {
			missing = seq
		}
	}
	return &CheckpointError{Seq: missing, Reason: fmt.Sprintf("the log ends at entry %d, before this signed head: entries were removed", cv.lastSeq)}
}

// Checkpoints is the number of checkpoints matched so far.
func (cv *CheckedVerifier) Checkpoints() int { return cv.matched }

// Witnessed is the entry of the last witnessed checkpoint (0: none).
func (cv *CheckedVerifier) Witnessed() int64 { return cv.witnessed }
