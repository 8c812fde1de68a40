package app_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audio/audiotest"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/vocab"
)

// BenchmarkRoomRecording: a minute of speech recorded in the room (WebM
// Opus in 4-second pieces, as the room page sends it) uploaded piece by
// piece and assembled at Stop into chunks with transcription queued, on
// SQLite. Reports the server's time per piece upload and how many times
// faster than real time Stop assembles the recording.
func BenchmarkRoomRecording(b *testing.B) {
	var pcm []int16
	for len(pcm) < 60*16000 {
		pcm = append(pcm, testenv.Concat(testenv.Speech(b, "how have you been sleeping since our last session"), testenv.Silence(700))...)
	}
	pcm = pcm[:60*16000]
	rec := audiotest.WebMOpus(b, pcm)
	const nPieces = 15
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	blobs, err := blob.NewDir(filepath.Join(b.TempDir(), "blobs"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	svc := &app.Service{Store: st, Blobs: blobs}
	ing := &pipeline.Ingester{Store: st, Blobs: blobs}
	nu, err := svc.AddUser(ctx, app.Operator("cli:bench"), app.UserInput{Email: "therapist@example.org", Role: string(vocab.RoleClinician)})
	if err != nil {
		b.Fatal(err)
	}
	var upload, finish time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		res, err := svc.ScheduleSession(ctx, nu.User, app.ScheduleInput{ClientAlias: fmt.Sprintf("client-b%d", i), Mode: app.ModeRoom})
		if err != nil {
			b.Fatal(err)
		}
		id, tok := res.Session.ID, res.Links[0].Token
		if _, err := svc.RecordRoomConsent(ctx, id, tok, app.RoomConsentInput{Choice: app.RoomAttest, TextVersion: pipeline.ConsentTextVersion}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		for seq := range nPieces {
			piece := rec[seq*len(rec)/nPieces : (seq+1)*len(rec)/nPieces]
			if _, err := svc.AddRoomPiece(ctx, id, tok, app.RoomPieceInput{Take: 0, Seq: seq, Data: piece}); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		if fin, err := svc.FinishRoom(ctx, ing, id, tok, app.RoomFinishInput{Pieces: map[int]int{0: nPieces}}); err != nil || !fin.Done {
			b.Fatal(fin, err)
		}
		upload += t1.Sub(t0)
		finish += time.Since(t1)
	}
	b.ReportMetric(float64(upload.Milliseconds())/float64(b.N*nPieces), "ms/piece")
	b.ReportMetric(60*float64(b.N)/finish.Seconds(), "x-realtime-assembly")
}
