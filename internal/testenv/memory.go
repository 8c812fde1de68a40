package testenv

import (
	"bufio"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// PeakHeap runs fn while a goroutine samples the heap in use (live and not
// yet swept objects plus free space in in-use spans: MemStats.HeapInuse,
// read through runtime/metrics without stopping the world) every 2 ms, and
// returns the highest sample. Memory bounds are asserted on it.
func PeakHeap(fn func()) uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	var mu sync.Mutex
	read := func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		metrics.Read(samples)
		return samples[0].Value.Uint64() + samples[1].Value.Uint64()
	}
	runtime.GC()
	peak := read()
	stop, done := make(chan struct{}), make(chan struct{})
	var pmu sync.Mutex
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			v := read()
			pmu.Lock()
			peak = max(peak, v)
			pmu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return max(peak, read())
}

// WriteCallWAV writes, as it generates it (never whole in memory), a
// synthetic 48 kHz 16-bit stereo call recording of the given length:
// speech-like bursts of tone and noise taking turns on the two channels,
// with pauses. seconds × 192,000 bytes: 1093 s is just over 200 MiB.
func WriteCallWAV(t testing.TB, path string, seconds int) {
	t.Helper()
	const rate = 48000
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := seconds * rate
	hdr := make([]byte, 44)
	copy(hdr, "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+n*4))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], 2)
	binary.LittleEndian.PutUint32(hdr[24:], rate)
	binary.LittleEndian.PutUint32(hdr[28:], rate*4)
	binary.LittleEndian.PutUint16(hdr[32:], 4)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(n*4))
	w.Write(hdr)
	x := uint32(1)
	var frame [4]byte
	for i := 0; i < n; i++ {
		sec := i / rate
		turn := (sec / 7) % 2 // 7-second turns
		pause := sec%7 == 6
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		noise := float64(int32(x%2001)-1000) / 1000
		v := 0.0
		if !pause {
			v = 6000*math.Sin(2*math.Pi*220*float64(i)/rate) + 1500*noise
		}
		l, r := int16(v), int16(30*noise)
		if turn == 1 {
			l, r = r, l
		}
		binary.LittleEndian.PutUint16(frame[0:], uint16(l))
		binary.LittleEndian.PutUint16(frame[2:], uint16(r))
		w.Write(frame[:])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// Isolated runs the calling test again, alone, in a fresh process (the test
// binary itself), so that what it measures of the process — its heap — is
// its own and not what earlier tests left behind. In that process it
// returns true and the test does its work; in the calling process it
// relays the run's log, fails the test if the run failed, and returns
// false. Use it for top-level tests only.
func Isolated(t *testing.T) bool {
	t.Helper()
	if os.Getenv(isolatedEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), isolatedEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "_test.go:") {
			t.Log(strings.TrimSpace(line))
		}
	}
	if err != nil {
		t.Fatalf("the isolated run of %s failed: %v", t.Name(), err)
	}
	return false
}

const isolatedEnv = "SCRIBE_ISOLATED_TEST"
