package recorder

import (
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// ringSink copies PCM into a ring buffer: the cheap end of a real sink.
type ringSink struct {
	buf []int16
	pos int
}

func (s *ringSink) WritePCM(_ int64, pcm []int16) error {
	for len(pcm) > 0 {
		n := copy(s.buf[s.pos:], pcm)
		pcm = pcm[n:]
		s.pos = (s.pos + n) % len(s.buf)
	}
	return nil
}

// BenchmarkRecorderTracks pushes a looped 60 s speech clip (browser-like
// hybrid Opus, encoded once) through one recorder as fast as possible.
// tracks/core is audio seconds recorded per wall second on one goroutine;
// MB/track is the heap held per recorder with 300 live recorders.
//
// Sub-benchmarks: browser-like is what Chrome and Firefox send by default
// (hybrid, 32 kb/s, in-band FEC on); the others isolate the decoder's cost
// per mode.
func BenchmarkRecorderTracks(b *testing.B) {
	requireLibopus(b)
	noFEC := browserLike
	noFEC.name, noFEC.fec = "hybrid-32k-noFEC", false
	for _, cfg := range []encodeConfig{
		browserLike,
		noFEC,
		{name: "SILK-WB-16k", rate: 48000, app: appVoIP, bitrate: 16000, maxBW: bwWide},
		waveformLike,
	} {
		b.Run(cfg.name, func(b *testing.B) { benchmarkTracks(b, cfg) })
	}
}

func benchmarkTracks(b *testing.B, cfg encodeConfig) {
	clip := encodeOpus(b, speechFX(b, 48000, 60, true), cfg)
	if len(clip) < 3000 {
		b.Fatalf("clip is %d packets, want ≥ 3000 (60 s)", len(clip))
	}
	clip = clip[:3000]

	r, err := New(Config{SessionStart: session, Speaker: "client", Sink: &ringSink{buf: make([]int16, 16000)}})
	if err != nil {
		b.Fatal(err)
	}
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SSRC: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkt.SequenceNumber = uint16(i)
		pkt.Timestamp = uint32(i * 960)
		pkt.Payload = clip[i%len(clip)]
		if err := r.Push(pkt, session.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	audio := float64(b.N) * 0.020
	b.ReportMetric(audio/b.Elapsed().Seconds(), "tracks/core")
	if st := r.Stats(); st.Concealed != 0 {
		b.Fatalf("benchmark concealed %d packets: %+v", st.Concealed, st)
	}
	b.ReportMetric(heapPerTrack(b, clip), "MB/track")
}

// heapPerTrack measures the heap held by 300 recorders that have each
// recorded a second of speech.
func heapPerTrack(b *testing.B, clip [][]byte) float64 {
	const tracks = 300
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	recs := make([]*Recorder, tracks)
	for k := range recs {
		r, err := New(Config{SessionStart: session, Speaker: "client", Sink: &ringSink{buf: make([]int16, 320)}})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			pkt := &rtp.Packet{Header: rtp.Header{SSRC: uint32(k), SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: clip[i]}
			if err := r.Push(pkt, session.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
				b.Fatal(err)
			}
		}
		recs[k] = r
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(recs)
	return float64(after.HeapInuse-before.HeapInuse) / tracks / (1 << 20)
}
