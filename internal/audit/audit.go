// Package audit defines Scribe's append-only, hash-chained audit entry: each
// entry carries the hash of the previous one, so changing, removing or
// reordering any entry breaks the chain from that point on. Entries hold
// IDs and categories, never transcript text, names or audio.
//
// It owns the entry shape, its canonical hash and chain verification; the
// store persists entries inside the transaction of the action they record.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Genesis is the previous-hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Event is what a caller records.
type Event struct {
	Actor      string            // user e-mail, "system", or "cli:<user>"
	Action     string            // e.g. "ingest", "provider.call", "provider.add", "draft.sign"
	EntityType string            // "session", "provider", "draft" …
	EntityID   string            // an ID, never a name
	Outcome    string            // "success", "failure" or "denied"
	Details    map[string]string // IDs, counts and statuses only

	// FHIR AuditEvent / IHE BALP fields. Callers may leave them empty:
	// WithDefaults derives them from Actor, Action and Details.
	AgentRole    string // "clinician", "client", "admin", "user", "system", "cli"
	PurposeOfUse string // HL7 v3 PurposeOfUse code: TREAT, HOPERAT, SYSADMIN …
	ConsentRef   string // ID of the consent record the action relied on, or ""
}

// Entry is a stored event with its place in the chain.
type Entry struct {
	Seq int64
	At  int64 // unix milliseconds
	Event
	Source   string // the Scribe instance that wrote it ("scribe@<hostname>")
	PrevHash string
	Hash     string
}

// DetailsJSON is the canonical encoding of details (sorted keys).
func DetailsJSON(d map[string]string) string {
	if len(d) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(d) // encoding/json sorts map keys
	return string(b)
}

// ComputeHash is SHA-256 over the entry's fields and the previous hash.
//
// The AuditEvent fields (agent role, purpose of use, consent reference,
// source) came later (migration 004). They enter the hash only when any of
// them is set, after a version marker, so entries written before them keep
// their hashes and old chains still verify; every entry written since
// carries a Source, so its new fields are covered.
func (e Entry) ComputeHash() string {
	fields := []string{
		strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At, 10), e.Actor, e.Action,
		e.EntityType, e.EntityID, e.Outcome, DetailsJSON(e.Details), e.PrevHash,
	}
	if e.AgentRole != "" || e.PurposeOfUse != "" || e.ConsentRef != "" || e.Source != "" {
		fields = append(fields, "v2", e.AgentRole, e.PurposeOfUse, e.ConsentRef, e.Source)
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte('|')
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// BrokenError names the first entry where the chain does not hold.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verifier checks entries one at a time, in sequence order.
type Verifier struct {
	prev    string
	lastSeq int64
	n       int64
}

// NewVerifier starts a chain check from the genesis.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis} }

// Add checks the next entry; it returns a *BrokenError at the first break.
func (v *Verifier) Add(e Entry) error {
	if e.Seq != v.lastSeq+1 {
		return &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("sequence gap: expected entry %d", v.lastSeq+1)}
	}
	if e.PrevHash != v.prev {
		return &BrokenError{Seq: e.Seq, Reason: "previous-hash does not match the entry before it"}
	}
	if e.ComputeHash() != e.Hash {
		return &BrokenError{Seq: e.Seq, Reason: "entry content does not match its hash (modified)"}
	}
	v.prev, v.lastSeq = e.Hash, e.Seq
	v.n++
	return nil
}

// Count is the number of entries verified so far; Head the last hash.
func (v *Verifier) Count() int64 { return v.n }
func (v *Verifier) Head() string { return v.prev }

// SortedKeys is a helper for printing details deterministically.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
