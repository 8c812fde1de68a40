package redaction

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateGolden rewrites testdata/golden-outputs.txt. Run it only where the
// engine's output is meant to change (a rule change), never for a speed
// change: TestGoldenOutputs is the proof that a speed change changes no
// output.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden-outputs.txt")

const goldenFile = "testdata/golden-outputs.txt"

// goldenCases is every input whose redaction the golden file pins: each dev
// and tuning-part document on its own, the same lower-cased (the ASR path)
// and upper-cased, the dev corpus as one text (the benchmark's input), and
// the tuning part's documents as successive chunks of one session (names
// propagated across calls).
func goldenCases(t *testing.T) (names []string, run []func() string) {
	dev := loadCorpus(t)
	tune := loadIndep(t, "indep-tune.jsonl")
	add := func(name string, f func() string) {
		names = append(names, name)
		run = append(run, f)
	}
	one := func(text string) func() string {
		return func() string { return redactDigest(t, NewSession(), text) }
	}
	texts := map[string][]string{}
	var order []string
	for _, d := range dev {
		texts["dev"] = append(texts["dev"], d.Text)
	}
	for _, d := range tune {
		texts["tune"] = append(texts["tune"], d.Text)
	}
	order = append(order, "dev", "tune")
	for _, c := range order {
		for i, text := range texts[c] {
			add(fmt.Sprintf("%s/%d", c, i), one(text))
			add(fmt.Sprintf("%s/%d/lower", c, i), one(strings.ToLower(text)))
			add(fmt.Sprintf("%s/%d/upper", c, i), one(strings.ToUpper(text)))
		}
	}
	add("dev/all", one(strings.Join(texts["dev"], "\n")))
	add("tune/chunks", func() string {
		s := NewSession()
		h := sha256.New()
		for _, text := range texts["tune"] {
			h.Write([]byte(redactDigest(t, s, text)))
		}
		return hex.EncodeToString(h.Sum(nil))[:32]
	})
	return names, run
}

// redactDigest is a hash of the result (text and spans) and of the
// session's map after the call.
func redactDigest(t *testing.T, s *Session, text string) string {
	t.Helper()
	r, err := s.Redact(text)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.MarshalMap()
	if err != nil {
		t.Fatal(err)
	}
	rj, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write(rj)
	h.Write([]byte{0})
	h.Write(m)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// TestGoldenOutputs checks that every dev and tuning-part document (as
// written, lower-cased, upper-cased, joined, and as chunks of one session)
// is redacted exactly as recorded in testdata/golden-outputs.txt. The file
// holds hashes only, no text.
func TestGoldenOutputs(t *testing.T) {
	names, run := goldenCases(t)
	var got strings.Builder
	for i, n := range names {
		fmt.Fprintf(&got, "%s %s\n", n, run[i]())
	}
	if *updateGolden {
		if err := os.WriteFile(filepath.FromSlash(goldenFile), []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d cases)", goldenFile, len(names))
		return
	}
	want, err := os.ReadFile(filepath.FromSlash(goldenFile))
	if err != nil {
		t.Fatalf("%v (run with -update-golden on the commit whose output is the reference)", err)
	}
	wantLines := strings.Split(strings.TrimSpace(string(want)), "\n")
	gotLines := strings.Split(strings.TrimSpace(got.String()), "\n")
	if len(wantLines) != len(gotLines) {
		t.Fatalf("golden file has %d cases, the test has %d", len(wantLines), len(gotLines))
	}
	diff := 0
	for i := range wantLines {
		if wantLines[i] != gotLines[i] {
			diff++
			if diff <= 10 {
				t.Errorf("output changed: %s (golden) vs %s", wantLines[i], gotLines[i])
			}
		}
	}
	if diff > 0 {
		t.Fatalf("%d of %d outputs differ from %s", diff, len(wantLines), goldenFile)
	}
}
