package compliance

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/store"
)

// AuditTrust is what verification trusts outside the database: the
// checkpoint key and the witness.
type AuditTrust struct {
	// DataDir holds the checkpoint key file (audit-checkpoint.key) and, when
	// Witness is empty, the witness.
	DataDir string
	// PublicKey, when set, is the base64 Ed25519 public key to trust instead
	// of the key file's (as printed by `scribe audit checkpoint`).
	PublicKey string
	// Witness is the witness file's path ("" = DataDir/audit-witness.jsonl).
	Witness string
}

// WitnessPath is the witness file in use.
func (t AuditTrust) WitnessPath() string {
	if t.Witness != "" {
		return t.Witness
	}
	return filepath.Join(t.DataDir, audit.WitnessFile)
}

func (t AuditTrust) witness() audit.Witness { return audit.Witness{Path: t.WitnessPath()} }

// AuditReport is the result of a full audit verification.
type AuditReport struct {
	Entries     int64
	Head        string
	Checkpoints int   // signed checkpoints that matched the chain
	Witnessed   int64 // the entry of the last witnessed checkpoint (0: none)
	Witness     string
	// LastCheckpoint is the newest checkpoint in the database (nil: none).
	LastCheckpoint *audit.Checkpoint
}

// TrustedKey returns the key checkpoints are checked against: pinned (the
// base64 public key printed at checkpoint time) when given, else the key
// file in dataDir; nil when neither exists.
func TrustedKey(dataDir, pinned string) (ed25519.PublicKey, error) {
	if pinned != "" {
		return audit.ParsePublicKey(pinned)
	}
	k, err := audit.LoadCheckpointPublicKey(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return k, err
}

// VerifyAudit is the one audit verification: `scribe audit verify`, the
// admin page's Verify, a restore and the automatic checkpoints all run it.
// It fails, naming the entry where it shows, when an entry was changed
// (one byte is enough), the chain was rewritten past a signed checkpoint,
// the log ends before a checkpoint of the database or the witness (its
// tail was deleted), a witnessed checkpoint is missing from the database
// (entries were deleted with their checkpoints), or the log is empty while
// the witness says it had entries.
func VerifyAudit(ctx context.Context, s *store.Store, t AuditTrust) (AuditReport, error) {
	return verifyAudit(ctx, s, t, false)
}

// verifyAudit is VerifyAudit; startWitness lets a missing witness pass
// (a checkpoint is about to start it).
func verifyAudit(ctx context.Context, s *store.Store, t AuditTrust, startWitness bool) (AuditReport, error) {
	rep := AuditReport{Witness: t.WitnessPath()}
	trusted, err := TrustedKey(t.DataDir, t.PublicKey)
	if err != nil {
		return rep, err
	}
	cps, err := s.AuditCheckpoints(ctx)
	if err != nil {
		return rep, err
	}
	if len(cps) > 0 {
		last := cps[len(cps)-1]
		rep.LastCheckpoint = &last
	}
	witnessed, err := t.witness().Read()
	switch {
	case errors.Is(err, fs.ErrNotExist) && len(cps) > 0 && !startWitness:
		return rep, fmt.Errorf("the audit witness %s is missing, but the database has %d signed checkpoint(s): whether entries were removed cannot be checked (restore the witness, or pass its copy with --audit-witness)", rep.Witness, len(cps))
	case errors.Is(err, fs.ErrNotExist):
		witnessed = nil
	case err != nil:
		return rep, err
	}
	cv, err := audit.NewCheckedVerifier(cps, trusted)
	if err != nil {
		return rep, err
	}
	if err := cv.Witness(witnessed); err != nil {
		return rep, err
	}
	if err := s.AuditEntries(ctx, 0, cv.Add); err != nil {
		rep.Entries = cv.Count()
		return rep, fmt.Errorf("%w (%d entries before it are intact)", err, cv.Count())
	}
	rep.Entries, rep.Witnessed = cv.Count(), cv.Witnessed()
	if err := cv.Finish(); err != nil {
		return rep, err
	}
	rep.Head, rep.Checkpoints = cv.Head(), cv.Checkpoints()
	return rep, nil
}

// CheckpointAudit verifies the whole log and then signs its head with the
// Ed25519 key in the data dir (created with mode 0600 on first use), stores
// the checkpoint and appends it to the witness (`scribe audit checkpoint`).
// created reports that a new key was made: its public key should then be
// recorded outside Scribe.
func CheckpointAudit(ctx context.Context, s *store.Store, t AuditTrust, actor string) (cp audit.Checkpoint, created bool, err error) {
	return checkpointAudit(ctx, s, t, actor, true)
}

// checkpointAudit signs the head. The checkpoint's own audit entry comes
// first, so the signed head covers it and a checkpoint leaves no unsigned
// tail of its own. With full, the whole log is verified first; otherwise
// (the automatic checkpoints, which run every few minutes) the entries since
// the last checkpoint of the database or the witness, whichever is later:
// a log that does not continue its last checkpoint is never vouched for,
// and a change before it is still caught by VerifyAudit.
func checkpointAudit(ctx context.Context, s *store.Store, t AuditTrust, actor string, full bool) (cp audit.Checkpoint, created bool, err error) {
	key, created, err := audit.LoadOrCreateCheckpointKey(t.DataDir)
	if err != nil {
		return cp, false, err
	}
	pub := key.Public().(ed25519.PublicKey)
	if full {
		if _, err := verifyAudit(ctx, s, AuditTrust{DataDir: t.DataDir, Witness: t.Witness}, true); err != nil {
			return cp, created, fmt.Errorf("the audit log does not verify, so it is not checkpointed: %w", err)
		}
	}
	from, witnessStarted, err := lastCheckpoint(ctx, s, t, pub)
	if err != nil {
		return cp, created, fmt.Errorf("the audit log does not verify, so it is not checkpointed: %w", err)
	}
	v, err := resumeAt(ctx, s, from)
	if err != nil {
		return cp, created, fmt.Errorf("the audit log does not verify, so it is not checkpointed: %w", err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		seq, _, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		if seq == 0 {
			return errors.New("the audit log is empty; nothing to checkpoint")
		}
		details := map[string]string{"public_key": base64Key(pub), "verified_from": fmt.Sprint(from.Seq)}
		if witnessStarted {
			details["witness_started"] = "true"
		}
		if err := tx.Audit(ctx, audit.Event{Actor: actor, Action: "audit.checkpoint", EntityType: "audit", EntityID: "chain", Details: details}); err != nil {
			return err
		}
		// What was appended since the check above (by others, then this
		// checkpoint's own entry) continues the verified chain.
		if err := tx.AuditEntries(ctx, v.Head().Seq, v.Add); err != nil {
			return fmt.Errorf("the audit log does not verify, so it is not checkpointed: %w", err)
		}
		cp = audit.SignCheckpoint(key, v.Head().Seq, v.Head().Hash, s.NowMS())
		return tx.AddAuditCheckpoint(ctx, cp)
	})
	if err != nil {
		return cp, created, err
	}
	if err := t.witness().Append(cp); err != nil {
		return cp, created, fmt.Errorf("checkpoint at entry %d stored, but not witnessed: %w", cp.Seq, err)
	}
	return cp, created, nil
}

func base64Key(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// lastCheckpoint is the latest checkpoint of the database or the witness,
// checked against the key; the database must still hold every witnessed
// checkpoint. witnessStarted reports that the witness does not exist yet
// while the database has checkpoints (made before the witness, or the
// witness was removed: the checkpoint's audit entry says so).
func lastCheckpoint(ctx context.Context, s *store.Store, t AuditTrust, pub ed25519.PublicKey) (c audit.Checkpoint, witnessStarted bool, err error) {
	cps, err := s.AuditCheckpoints(ctx)
	if err != nil {
		return c, false, err
	}
	witnessed, err := t.witness().Read()
	if errors.Is(err, fs.ErrNotExist) {
		witnessed, witnessStarted, err = nil, len(cps) > 0, nil
	}
	if err != nil {
		return c, false, err
	}
	cv, err := audit.NewCheckedVerifier(cps, pub)
	if err != nil {
		return c, false, err
	}
	if err := cv.Witness(witnessed); err != nil {
		return c, false, err
	}
	if len(cps) > 0 {
		c = cps[len(cps)-1]
	}
	return c, witnessStarted, nil
}

// resumeAt checks that the entry a checkpoint signed is still there and
// unchanged, and returns a verifier that continues the chain from it (from
// the start when c is zero) after checking every entry since.
func resumeAt(ctx context.Context, s *store.Store, c audit.Checkpoint) (*resumed, error) {
	r := &resumed{v: audit.NewVerifier()}
	after := int64(0)
	if c.Seq > 0 {
		after = c.Seq - 1
		r.first = &c
	}
	if err := s.AuditEntries(ctx, after, r.Add); err != nil {
		return nil, err
	}
	if r.first != nil {
		return nil, &audit.CheckpointError{Seq: c.Seq, Reason: "the log ends before this signed head: entries were removed"}
	}
	return r, nil
}

// resumed verifies entries from a checkpoint on.
type resumed struct {
	first *audit.Checkpoint // the checkpoint whose entry comes first, until seen
	v     *audit.Verifier
	seq   int64
}

type headAt struct {
	Seq  int64
	Hash string
}

func (r *resumed) Head() headAt { return headAt{Seq: r.seq, Hash: r.v.Head()} }

func (r *resumed) Add(e audit.Entry) error {
	if r.first != nil {
		c := *r.first
		if e.Seq != c.Seq || e.ComputeHash() != e.Hash || e.Hash != c.Head {
			return &audit.CheckpointError{Seq: c.Seq, Reason: "the entry is not the one this checkpoint signed: the log was changed"}
		}
		r.first, r.v, r.seq = nil, audit.ResumeVerifier(e.Seq, e.Hash), e.Seq
		return nil
	}
	if err := r.v.Add(e); err != nil {
		return err
	}
	r.seq = e.Seq
	return nil
}

// ---- automatic checkpoints ----

// Checkpointer signs the audit chain head by itself: after Every new
// entries, and after Interval when any entry came since the last
// checkpoint. `scribe serve` runs one.
type Checkpointer struct {
	Store    *store.Store
	Trust    AuditTrust
	Every    int64         // entries between checkpoints (default 1000)
	Interval time.Duration // longest time an entry stays unsigned (default 10 minutes)
	Poll     time.Duration // how often the head is read (default 2 s)
	Now      func() time.Time
	Log      *slog.Logger
}

func (c *Checkpointer) defaults() {
	if c.Every <= 0 {
		c.Every = 1000
	}
	if c.Interval <= 0 {
		c.Interval = 10 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Run verifies the whole log once (the admin page shows the result), then
// checkpoints as configured until ctx ends, and once more on the way out
// so that a clean shutdown leaves no unsigned tail.
func (c *Checkpointer) Run(ctx context.Context) {
	c.defaults()
	rep, err := VerifyAudit(ctx, c.Store, c.Trust)
	RecordVerify(ctx, c.Store, rep, err, "system", c.Now())
	if err != nil {
		c.Log.Error("audit log does not verify at start-up", "error", err)
	}
	signed, lastAt := int64(0), c.Now()
	if rep.LastCheckpoint != nil {
		signed, lastAt = rep.LastCheckpoint.Seq, time.UnixMilli(rep.LastCheckpoint.At)
		metrics.AuditCheckpointed(lastAt)
	}
	failedAt := time.Time{}
	tick := time.NewTicker(c.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if head, _, err := c.Store.AuditHead(context.WithoutCancel(ctx)); err == nil && head > signed && failedAt.IsZero() {
				c.checkpoint(context.WithoutCancel(ctx))
			}
			return
		case <-tick.C:
		}
		head, _, err := c.Store.AuditHead(ctx)
		if err != nil {
			c.Log.Warn("audit checkpoint: read the chain head", "error", err)
			continue
		}
		now := c.Now()
		due := head-signed >= c.Every || (head > signed && now.Sub(lastAt) >= c.Interval)
		if !due || (!failedAt.IsZero() && now.Sub(failedAt) < c.Interval) {
			continue
		}
		cp, ok := c.checkpoint(ctx)
		if !ok {
			failedAt = now
			continue
		}
		signed, lastAt, failedAt = cp.Seq, now, time.Time{}
	}
}

func (c *Checkpointer) checkpoint(ctx context.Context) (audit.Checkpoint, bool) {
	cp, created, err := checkpointAudit(ctx, c.Store, c.Trust, "system", false)
	if err != nil {
		c.Log.Error("automatic audit checkpoint failed", "error", err)
		RecordVerify(ctx, c.Store, AuditReport{Witness: c.Trust.WitnessPath()}, fmt.Errorf("automatic checkpoint refused: %w", err), "system", c.Now())
		return cp, false
	}
	if created {
		c.Log.Warn("created the audit checkpoint key; record its public key outside Scribe", "public_key", cp.PublicKey)
	}
	c.Log.Info("audit checkpoint", "entry", cp.Seq)
	metrics.AuditCheckpointed(time.UnixMilli(cp.At))
	return cp, true
}

// ---- the last verification, for the admin page ----

const settingLastVerify = "audit_last_verify"

// VerifyRecord is the outcome of the last verification.
type VerifyRecord struct {
	At      int64  `json:"at"`
	By      string `json:"by"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// RecordVerify keeps a verification's outcome for the admin page (in the
// settings, not the audit log, so that verifying changes no entry).
func RecordVerify(ctx context.Context, s *store.Store, rep AuditReport, verr error, by string, now time.Time) VerifyRecord {
	r := VerifyRecord{At: now.UnixMilli(), By: by, OK: verr == nil, Message: DescribeVerify(rep, verr)}
	b, _ := json.Marshal(r)
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, settingLastVerify, string(b)) }); err != nil {
		slog.Warn("audit: record the verification's outcome", "error", err)
	}
	return r
}

// LastVerify returns the last recorded verification (zero At: none yet).
func LastVerify(ctx context.Context, s *store.Store) (VerifyRecord, error) {
	var r VerifyRecord
	v, err := s.Setting(ctx, settingLastVerify, "")
	if err != nil || v == "" {
		return r, err
	}
	return r, json.Unmarshal([]byte(v), &r)
}

// DescribeVerify is the one sentence for a verification's outcome (the
// command line prints it; the admin page shows it).
func DescribeVerify(rep AuditReport, err error) string {
	if err != nil {
		return "The audit log does NOT verify: " + err.Error()
	}
	w := "no witnessed checkpoint yet"
	if rep.Witnessed > 0 {
		w = fmt.Sprintf("the log reaches the last witnessed checkpoint (entry %d)", rep.Witnessed)
	}
	return fmt.Sprintf("audit chain intact: %d entries, head %s; %d signed checkpoint(s) hold; %s", rep.Entries, rep.Head, rep.Checkpoints, w)
}
