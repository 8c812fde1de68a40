package capturetest

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// SynthSpeech renders text with `flite -voice rms` and converts it with sox
// to 16 kHz mono 16-bit; it returns the WAV file's path (for a browser's
// fake microphone) and its samples. Missing tools skip the test (or fail it
// under SCRIBE_REQUIRE_ALL=1).
func SynthSpeech(t testing.TB, text string) (wavPath string, pcm []int16) {
	t.Helper()
	flite := testenv.Tool(t, "flite")
	sox := testenv.Tool(t, "sox")
	dir := t.TempDir()
	raw := filepath.Join(dir, "flite.wav")
	if out, err := exec.Command(flite, "-voice", "rms", "-t", text, "-o", raw).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	wavPath = filepath.Join(dir, "speech16k.wav")
	if out, err := exec.Command(sox, raw, "-r", "16000", "-c", "1", "-b", "16", wavPath).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	pcmPath := filepath.Join(dir, "speech16k.raw")
	if out, err := exec.Command(sox, wavPath, "-t", "raw", "-e", "signed", "-b", "16", "-L", pcmPath).CombinedOutput(); err != nil {
		t.Fatalf("sox raw: %v: %s", err, out)
	}
	b, err := os.ReadFile(pcmPath)
	if err != nil {
		t.Fatal(err)
	}
	pcm = make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return wavPath, pcm
}
