package soak

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// burst stands in for speech: loud noise, different for every seed.
func burst(seed uint64, n int) []int16 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(rng.IntN(16000) - 8000)
	}
	return out
}

// twoRecordings builds two stereo recordings laid out like makeRecordings',
// with noise bursts for speech (so the test needs no flite).
func twoRecordings() []recording {
	var recs []recording
	for k := 0; k < 2; k++ {
		r := recording{script: k}
		r.channels[0] = testenv.Silence(300)
		r.channels[1] = make([]int16, len(r.channels[0]))
		for i := 0; i < 2; i++ {
			s := burst(uint64(10*k+i), 8000)
			start := len(r.channels[i])
			part := testenv.Concat(s, testenv.Silence(900))
			r.channels[i] = append(r.channels[i], part...)
			r.channels[1-i] = append(r.channels[1-i], make([]int16, len(part))...)
			r.utterances = append(r.utterances, utterance{channel: i, start: start, end: start + len(s), text: sentences[k*turnsPerScript+i]})
		}
		recs = append(recs, r)
	}
	return recs
}

func ints(s []int16, delta int) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v) + delta
	}
	return out
}

func TestRecogniserFindsTheSentencesOfAChunk(t *testing.T) {
	recs := twoRecordings()
	rg := &recogniser{recs: recs}
	u := recs[1].utterances[1] // the client's sentence in the second recording
	from, to := u.start-2000, u.end+3000
	// A rounding decoder may be off by one: still the same audio.
	segs, err := rg.transcribe(ints(recs[1].channels[u.channel][from:to], 1))
	if err != nil || len(segs) != 1 {
		t.Fatalf("got %v, %v; want the one sentence", segs, err)
	}
	if segs[0].Text != u.text || segs[0].Start != seconds(2000) || segs[0].End != seconds(u.end-from) {
		t.Fatalf("segment %+v: want %q from %.3f s to %.3f s", segs[0], u.text, seconds(2000), seconds(u.end-from))
	}
	// The same stretch of the other channel is silent there.
	if segs, err := rg.transcribe(ints(recs[1].channels[1-u.channel][from:to], 0)); err != nil || len(segs) != 0 {
		t.Fatalf("silent channel: got %v, %v; want no segments", segs, err)
	}
	// A sentence cut in two belongs to the piece that holds its middle.
	mid := (u.start + u.end) / 2
	first, _ := rg.transcribe(ints(recs[1].channels[u.channel][:mid-10], 0))
	second, _ := rg.transcribe(ints(recs[1].channels[u.channel][mid-10:], 0))
	if len(first) != 0 || len(second) != 1 {
		t.Fatalf("cut sentence: first piece %v, second %v; want it once, in the second", first, second)
	}
	if len(rg.Problems()) != 0 {
		t.Fatalf("problems: %v", rg.Problems())
	}
}

func TestRecogniserRefusesAudioFromNowhere(t *testing.T) {
	recs := twoRecordings()
	rg := &recogniser{recs: recs}
	u := recs[0].utterances[0]
	altered := ints(recs[0].channels[0][u.start:u.end], 0)
	for i := len(altered) / 2; i < len(altered); i++ {
		altered[i] /= 2 // half the chunk at another level: not what was recorded
	}
	if _, err := rg.transcribe(altered); err == nil {
		t.Fatal("altered audio was transcribed")
	}
	if _, err := rg.transcribe(ints(burst(99, 4000), 0)); err == nil {
		t.Fatal("audio from no recording was transcribed")
	}
	p := rg.Problems()
	if len(p) != 2 || !strings.Contains(p[0], "not a piece of any recording") {
		t.Fatalf("problems: %v", p)
	}
}
