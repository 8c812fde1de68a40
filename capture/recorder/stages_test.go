package recorder

import (
	"math"
	"testing"
)

// release drains what the jitter buffer can play in order.
func release(j *jitterBuffer) (out []uint16) {
	for s := j.head(); s != nil; s = j.head() {
		out = append(out, s.seq)
		j.advance()
	}
	return out
}

func TestJitterBufferAlone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		window  int
		in      []uint16
		want    []uint16
		results []insertResult
		lost    int
	}{
		{name: "in order", window: 4, in: []uint16{1, 2, 3}, want: []uint16{1, 2, 3}},
		{name: "swap", window: 4, in: []uint16{1, 3, 2, 4}, want: []uint16{1, 2, 3, 4}},
		{name: "wrap", window: 4, in: []uint16{65534, 0, 65535, 1}, want: []uint16{65534, 65535, 0, 1}},
		{name: "duplicate buffered", window: 4, in: []uint16{1, 3, 3, 2}, want: []uint16{1, 2, 3},
			results: []insertResult{inserted, inserted, duplicate, inserted}},
		{name: "duplicate played", window: 4, in: []uint16{1, 2, 1}, want: []uint16{1, 2},
			results: []insertResult{inserted, inserted, duplicate}},
		{name: "gap beyond window is lost, then late", window: 2, in: []uint16{1, 3, 4, 2}, want: []uint16{1, 3, 4},
			results: []insertResult{inserted, inserted, inserted, late}, lost: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJitterBuffer(tc.window)
			var got []uint16
			lost := 0
			for k, seq := range tc.in {
				for j.needsRoom(seq) {
					if j.head() == nil {
						lost++
						j.advance()
						continue
					}
					got = append(got, j.head().seq)
					j.advance()
				}
				res := j.insert(seq, uint32(seq)*960, 0, []byte{byte(seq)})
				if tc.results != nil && res != tc.results[k] {
					t.Errorf("insert %d: %v, want %v", seq, res, tc.results[k])
				}
				got = append(got, release(j)...)
			}
			if len(got) != len(tc.want) || lost != tc.lost {
				t.Fatalf("released %v (lost %d), want %v (lost %d)", got, lost, tc.want, tc.lost)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("released %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestJitterBufferCopiesPayload(t *testing.T) {
	j := newJitterBuffer(4)
	p := []byte{1, 2, 3}
	j.insert(5, 0, 0, []byte{9}) // 5 plays first; 7 waits
	j.advance()
	j.insert(7, 0, 0, p)
	p[0] = 42 // the caller reuses its buffer
	if got := j.slots[7%4].payload[0]; got != 1 {
		t.Errorf("buffered payload changed with the caller's buffer: %d", got)
	}
}

func TestConcealerAlone(t *testing.T) {
	var c concealer
	// 200 Hz tone: period 80 samples at 16 kHz.
	tone := func(i int) int16 { return int16(8000 * math.Sin(2*math.Pi*200*float64(i)/16000)) }
	hist := make([]int16, 640)
	for i := range hist {
		hist[i] = tone(i)
	}
	c.observe(hist)
	out := make([]int16, 1600)
	c.conceal(out)
	if c.pitch%80 != 0 {
		t.Errorf("pitch %d samples, want a multiple of the tone's 80", c.pitch)
	}
	// The first 10 ms continue the tone.
	want := make([]int16, holdSamples)
	for i := range want {
		want[i] = tone(640 + i)
	}
	if snr := snrDB(want, out[:holdSamples]); snr < 20 {
		t.Errorf("concealment continues the tone at %.1f dB SNR, want ≥ 20", snr)
	}
	// Then it fades to silence and stays there.
	for i, v := range out[holdSamples+fadeSamples:] {
		if v != 0 {
			t.Fatalf("sample %d after the fade is %d, want 0", holdSamples+fadeSamples+i, v)
		}
	}
	if !c.faded() {
		t.Error("faded() is false after the fade")
	}

	// Silence history conceals with silence.
	var q concealer
	q.observe(make([]int16, 640))
	q.conceal(out[:320])
	for _, v := range out[:320] {
		if v != 0 {
			t.Fatal("concealing silence produced sound")
		}
	}
}

func TestClockAlone(t *testing.T) {
	var c clock
	c.anchor(1<<32-960, 16000) // anchored just before the timestamp wraps
	for i, want := range []int64{16000, 16320, 16640, 16960} {
		ts := uint32(1<<32-960) + uint32(i*960)
		if got := c.position(ts); got != want {
			t.Errorf("packet %d (ts %d): position %d, want %d", i, ts, got, want)
		}
	}
	// A late (reordered) earlier timestamp still maps correctly.
	if got := c.position(1<<32 - 960); got != 16000 {
		t.Errorf("earlier timestamp after wrap: %d, want 16000", got)
	}
	// Before the anchor: floor division keeps whole samples.
	if got := c.position(1<<32 - 961); got != 15999 {
		t.Errorf("one tick before the anchor: %d, want 15999", got)
	}
}
