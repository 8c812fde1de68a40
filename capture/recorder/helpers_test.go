package recorder

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/capture/capturetest"
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

// Signal comparisons shared with the relay's tests.
var (
	snrDB      = capturetest.SNR
	alignedSNR = capturetest.AlignedSNR
	dropRandom = capturetest.RandomLoss
)

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
