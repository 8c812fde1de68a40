package drafts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// Banner heads every rendering of an unsigned draft.
const Banner = "AI-GENERATED DRAFT — NOT REVIEWED OR SIGNED"

// DefaultAttestation is what a signer attests to unless a site configures its own.
const DefaultAttestation = "I have reviewed this AI-generated draft against the session, corrected it where needed, and attest that it accurately documents the services I provided."

// Content is the stored body of a draft: the structured note and the
// record of clinician edits.
type Content struct {
	Note  summarize.Note `json:"note"`
	Edits []Edit         `json:"edits,omitempty"`
	// AIStatement is the AI-assistance statement in force when the note
	// was signed (empty before signing, and in notes signed before it was
	// kept: those carry AIDisclosure).
	AIStatement string `json:"ai_statement,omitempty"`
	// Billing is the codes the clinician confirmed when signing (nil when
	// none were).
	Billing *Billing `json:"billing,omitempty"`
}

// Edit records a clinician's change: a section replaced (Op "section" or
// empty), one statement changed, added or removed.
type Edit struct {
	Section string `json:"section"`
	Op      string `json:"op,omitempty"` // section, statement, add, remove
	Index   int    `json:"index,omitempty"`
	By      string `json:"by"`
	At      int64  `json:"at"`
}

// Flag is a gap-check flag with its resolution.
type Flag struct {
	summarize.Flag
	Resolved   bool   `json:"resolved,omitempty"`
	ResolvedBy string `json:"resolved_by,omitempty"`
	Resolution string `json:"resolution,omitempty"`
}

func decodeContent(d store.Draft) (Content, error) {
	var c Content
	if err := json.Unmarshal([]byte(d.Content), &c); err != nil {
		return c, fmt.Errorf("draft %s content is not valid JSON: %w", d.ID, err)
	}
	return c, nil
}

func decodeFlags(d store.Draft) ([]Flag, error) {
	var f []Flag
	if d.Flags == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(d.Flags), &f); err != nil {
		return nil, fmt.Errorf("draft %s flags are not valid JSON: %w", d.ID, err)
	}
	return f, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are encoded here
	}
	return string(b)
}

// ContentHash is the SHA-256 over everything a signature covers: the note
// content, the signer, the time and the attestation text.
func ContentHash(d store.Draft) string {
	h := sha256.New()
	for _, f := range []string{d.ID, d.SessionID, strconv.Itoa(d.Version), d.Content, d.SignedBy, strconv.FormatInt(d.SignedAt, 10), d.Attestation, d.OverrideReason} {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VerifySigned checks a signed draft against its stored hash.
func VerifySigned(d store.Draft) error {
	if d.Status != store.DraftSigned {
		return nil
	}
	if d.ContentHash == "" || ContentHash(d) != d.ContentHash {
		return fmt.Errorf("signed note %s (version %d) does not match its signature hash: it was changed after signing", d.ID, d.Version)
	}
	return nil
}

func addendumHash(a store.Addendum, signedHash string) string {
	h := sha256.New()
	for _, f := range []string{a.ID, a.DraftID, a.Author, a.Text, signedHash} {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}
