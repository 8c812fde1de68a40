package pipeline_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/capture/recorder"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/testenv"
)

// chunkSink is the relay's per-speaker path from recorder to storage:
// PCM → streaming chunker (capture.DefaultChunkMax) → CallBackend.StoreChunk
// (WAV, AES-256-GCM blob, store row, transcription job enqueued).
type chunkSink struct{ chunker *audio.Chunker }

func (s *chunkSink) WritePCM(_ int64, pcm []int16) error { return s.chunker.Write(pcm) }

// BenchmarkRecordedTrackFullPath measures the recorder cost the relay pays
// per participant track, end to end on the real store (SQLite): RTP of
// browser-like Opus (hybrid 32 kb/s, in-band FEC) → decode → chunk →
// encrypt → write → transcription job. tracks/core is audio seconds
// recorded per wall second on one goroutine (goal ≥ 300); MB/track is the
// heap held per live track (recorder and the chunk being filled) with 20
// tracks each holding just under a full chunk (goal ≤ 2).
func BenchmarkRecordedTrackFullPath(b *testing.B) {
	_, pcm := capturetest.SynthSpeech(b, "We talked about the week. The breathing exercise helped before work, most mornings.")
	clip := capturetest.EncodeOpusWith(b, pcm, capturetest.Browser)
	h := newHarness(b, testenv.Backends[0])
	cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs}
	client := capture.Participant{ID: "p-client", Role: capture.RoleClient, Label: "client"}
	session := func(i int) string { return consentedCall(b, h, cb, fmt.Sprintf("bench-rec-%d", i), client) }
	start := time.Now()
	newTrack := func(id string) *recorder.Recorder {
		sink := &chunkSink{}
		sink.chunker = audio.NewChunker(capture.SampleRate, capture.DefaultChunkMax, func(c audio.Chunk) error {
			return cb.StoreChunk(h.ctx, id, "client", c)
		})
		r, err := recorder.New(recorder.Config{SessionStart: start, Speaker: "client", Sink: sink})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SSRC: 7}}
	push := func(r *recorder.Recorder, i int) {
		pkt.SequenceNumber = uint16(i)
		pkt.Timestamp = uint32(i * 960)
		pkt.Payload = clip[i%len(clip)]
		if err := r.Push(pkt, start.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}

	r := newTrack(session(0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		push(r, i)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*0.020/b.Elapsed().Seconds(), "tracks/core")
	if st := r.Stats(); st.Concealed != 0 || st.Undecodable != 0 {
		b.Fatalf("benchmark concealed packets: %+v", st)
	}

	// Memory: 20 live tracks, each just short of its first chunk.
	const tracks = 20
	perTrack := capture.DefaultChunkMax/320 - 50
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	live := make([]*recorder.Recorder, tracks)
	for k := range live {
		live[k] = newTrack(session(k + 1))
		for i := 0; i < perTrack; i++ {
			push(live[k], i)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(live)
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/tracks/(1<<20), "MB/track")
}
