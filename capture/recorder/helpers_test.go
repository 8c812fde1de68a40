package recorder

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// requireTool skips the test when an external tool is missing, or fails it
// when SCRIBE_REQUIRE_ALL=1 (CI).
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		missing(t, fmt.Sprintf("%s is not installed (apt-get install -y %s)", name, name))
	}
}

// missing skips, or fails under SCRIBE_REQUIRE_ALL=1, with reason.
func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("SCRIBE_REQUIRE_ALL") == "1" {
		t.Fatalf("required for this test: %s", reason)
	}
	t.Skip(reason)
}

// speechText is synthetic session-like speech (no real person).
const speechText = "Over the last week I slept a little better. " +
	"I practised the breathing exercise twice a day, mostly in the morning before work. " +
	"On Thursday the worry came back during the team meeting, but I noticed it and used the grounding steps. " +
	"I would like to talk about the weekend plans and how to keep the routine going."

var (
	fixtureDir  string
	fixtureMu   sync.Mutex
	fixtureByID = map[string][]int16{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "recorder-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// speech returns flite speech (voice rms) as mono PCM at rate, at least
// minSeconds long (the utterance is looped with sox to reach it).
func speech(t testing.TB, rate int, minSeconds float64) []int16 {
	return speechFX(t, rate, minSeconds, true)
}

// plainSpeech is flite speech upsampled, without added treble: its content
// ends at 8 kHz, like a wideband microphone.
func plainSpeech(t testing.TB, rate int, minSeconds float64) []int16 {
	return speechFX(t, rate, minSeconds, false)
}

func speechFX(t testing.TB, rate int, minSeconds float64, bright bool) []int16 {
	t.Helper()
	requireTool(t, "flite")
	requireTool(t, "sox")
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	id := fmt.Sprintf("%d-%g-%v", rate, minSeconds, bright)
	if pcm, ok := fixtureByID[id]; ok {
		return pcm
	}
	wav := filepath.Join(fixtureDir, "speech.wav")
	if _, err := os.Stat(wav); err != nil {
		if out, err := exec.Command("flite", "-voice", "rms", "-t", speechText, "-o", wav).CombinedOutput(); err != nil {
			t.Fatalf("flite: %v: %s", err, out)
		}
	}
	// The master is 48 kHz, overdriven and treble-boosted: flite speaks at
	// 16 kHz, and without content above 8 kHz libopus never leaves wideband
	// SILK, so hybrid would go untested.
	master := filepath.Join(fixtureDir, fmt.Sprintf("speech48-%v.wav", bright))
	effects := []string{"rate", "48000"}
	if bright {
		effects = append(effects, "overdrive", "20", "treble", "+20", "10000", "gain", "-10")
	}
	if _, err := os.Stat(master); err != nil {
		if out, err := exec.Command("sox", append([]string{wav, master}, effects...)...).CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, out)
		}
	}
	raw := filepath.Join(fixtureDir, id+".raw")
	args := []string{master, "-t", "raw", "-r", fmt.Sprint(rate), "-c", "1", "-b", "16", "-e", "signed-integer", raw}
	if minSeconds > 0 {
		out, err := exec.Command("soxi", "-D", master).Output()
		if err != nil {
			t.Fatalf("soxi: %v", err)
		}
		var d float64
		fmt.Sscan(string(out), &d)
		if repeats := int(math.Ceil(minSeconds/d)) - 1; repeats > 0 {
			args = append(args, "repeat", fmt.Sprint(repeats))
		}
	}
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	fixtureByID[id] = pcm
	return pcm
}

// snrDB is the signal-to-noise ratio of test against ref over their common
// length, in dB.
func snrDB(ref, test []int16) float64 {
	n := min(len(ref), len(test))
	var sig, noise float64
	for i := 0; i < n; i++ {
		r, e := float64(ref[i]), float64(ref[i])-float64(test[i])
		sig += r * r
		noise += e * e
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// bestLag returns the lag (test delayed by lag relative to ref) within
// ±maxLag that maximises cross-correlation.
func bestLag(ref, test []int16, maxLag int) int {
	best, bestCorr := 0, math.Inf(-1)
	n := min(len(ref), len(test))
	for lag := -maxLag; lag <= maxLag; lag++ {
		var c float64
		for i := max(0, -lag); i < n && i+lag < len(test) && i+lag >= 0; i++ {
			c += float64(ref[i]) * float64(test[i+lag])
		}
		if c > bestCorr {
			best, bestCorr = lag, c
		}
	}
	return best
}

// alignedSNR aligns test to ref (test lags by up to maxLag) and returns the
// SNR and the lag used.
func alignedSNR(ref, test []int16, maxLag int) (float64, int) {
	lag := bestLag(ref, test, maxLag)
	if lag >= 0 {
		return snrDB(ref, test[lag:]), lag
	}
	return snrDB(ref[-lag:], test), lag
}

// packetize wraps 20 ms Opus frames in RTP with a 48 kHz clock.
func packetize(frames [][]byte, ssrc uint32, seq uint16, ts uint32) []*rtp.Packet {
	pkts := make([]*rtp.Packet, len(frames))
	for i, f := range frames {
		pkts[i] = &rtp.Packet{
			Header: rtp.Header{
				Version: 2, PayloadType: 111, SSRC: ssrc,
				SequenceNumber: seq + uint16(i),
				Timestamp:      ts + uint32(i*960),
			},
			Payload: f,
		}
	}
	return pkts
}

// collectSink records every write and checks that writes are contiguous.
type collectSink struct {
	t      testing.TB
	start  int64
	next   int64
	writes int
	pcm    []int16
	err    error // returned from WritePCM when set
}

func (s *collectSink) WritePCM(start int64, pcm []int16) error {
	if s.writes == 0 {
		s.start = start
	} else if start != s.next {
		s.t.Errorf("write %d starts at sample %d, want %d (contiguous)", s.writes, start, s.next)
	}
	s.writes++
	s.next = start + int64(len(pcm))
	s.pcm = append(s.pcm, pcm...)
	return s.err
}

// at returns the recorded audio from session sample from onwards.
func (s *collectSink) at(from int64) []int16 {
	if from < s.start || from-s.start > int64(len(s.pcm)) {
		return nil
	}
	return s.pcm[from-s.start:]
}

// feed pushes packets arriving every 20 ms from start+offset, in order.
func feed(t testing.TB, r *Recorder, pkts []*rtp.Packet, first time.Time) {
	t.Helper()
	for i, p := range pkts {
		if err := r.Push(p, first.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
}

// dropRandom returns which of n packets a seeded 'network' loses.
func dropRandom(n int, rate float64, seed uint64) []bool {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lost := make([]bool, n)
	for i := range lost {
		// Never lose the first packet: it anchors the track.
		lost[i] = i > 0 && rng.Float64() < rate
	}
	return lost
}
