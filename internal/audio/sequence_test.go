package audio_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestSequence: takes decode one after another as one recording (the
// samples of each in order, its length their sum), each opened only when
// its turn comes; no take is an empty recording, and a take with another
// channel count is refused as corrupt.
func TestSequence(t *testing.T) {
	pcmA := testenv.Concat(testenv.Silence(100), make([]int16, 800))
	a := testenv.WAV(16000, pcmA)
	pcmB := make([]int16, 1600)
	for i := range pcmB {
		pcmB[i] = int16(i)
	}
	b := testenv.WAV(16000, pcmB)
	opened := 0
	take := func(w []byte) func() (audio.Source, error) {
		return func() (audio.Source, error) { opened++; return audio.Open(bytes.NewReader(w), audio.Options{}) }
	}
	src, err := audio.Sequence([]func() (audio.Source, error){take(a), take(b)})
	if err != nil {
		t.Fatal(err)
	}
	if opened != 1 {
		t.Fatalf("%d takes opened before decoding, want the first only", opened)
	}
	var got []int16
	if err := src.Decode(func(block [][]int16) error { got = append(got, block[0]...); return nil }); err != nil {
		t.Fatal(err)
	}
	want := testenv.Concat(pcmA, pcmB)
	if !slices.Equal(got, want) || src.OutSamples() != int64(len(want)) {
		t.Fatalf("decoded %d samples (OutSamples %d), want %d: take A then take B", len(got), src.OutSamples(), len(want))
	}
	if _, err := audio.Sequence(nil); !errors.Is(err, audio.ErrEmpty) {
		t.Errorf("no takes: %v", err)
	}
	stereo := testenv.WAV(16000, pcmB, pcmB)
	src, err = audio.Sequence([]func() (audio.Source, error){take(a), func() (audio.Source, error) {
		return audio.Open(bytes.NewReader(stereo), audio.Options{Split: true})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Decode(func([][]int16) error { return nil }); !errors.Is(err, audio.ErrCorrupt) {
		t.Errorf("a stereo take after a mono one: %v, want ErrCorrupt", err)
	}
}
