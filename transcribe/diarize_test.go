package transcribe

import (
	"context"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/transcript"
)

// TestDiarizedTranscription: a provider configured to diarize is asked for
// its format (diarized_json with chunking_strategy auto, or verbose_json)
// and each segment's speaker label becomes the piece's voice, which Stitch
// keeps on a mixed-channel chunk only; a provider that does not diarize
// asks for plain verbose_json and gets no voices.
func TestDiarizedTranscription(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Silence(4000))
	said := []fakeopenai.Segment{{Start: 0.2, End: 1.5, Text: "how was the week", Speaker: "A"}, {Start: 1.8, End: 3.6, Text: "calmer than before", Speaker: "B"}}
	for _, format := range []string{store.DiarizationJSON, store.DiarizationVerboseJSON, store.DiarizationNone} {
		t.Run("diarization="+format, func(t *testing.T) {
			fake := fakeopenai.New("diarize-model", "")
			defer fake.Close()
			fake.Diarize = format
			fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) { return said, nil }
			tr, err := NewOpenAI(store.Provider{Name: "asr", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "diarize-model", Use: "transcription", Diarization: format},
				modelcall.Policy{MaxAttempts: 1, BaseDelay: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			pieces, err := tr.Transcribe(context.Background(), wav)
			if err != nil {
				t.Fatal(err)
			}
			if p := fake.Problems(); len(p) > 0 {
				t.Fatal(p)
			}
			if len(pieces) != 2 || pieces[0].Text != "how was the week" || pieces[1].StartMS != 1800 || pieces[1].EndMS != 3600 {
				t.Fatalf("pieces %+v", pieces)
			}
			wantVoices := [2]string{"A", "B"}
			if format == store.DiarizationNone {
				wantVoices = [2]string{}
			}
			if pieces[0].Voice != wantVoices[0] || pieces[1].Voice != wantVoices[1] {
				t.Fatalf("voices %q %q, want %q", pieces[0].Voice, pieces[1].Voice, wantVoices)
			}
			mixed := Stitch(store.Chunk{Speaker: transcript.SpeakerMixed, StartMS: 60000, EndMS: 64000}, pieces, 4000)
			track := Stitch(store.Chunk{Speaker: transcript.SpeakerClient, StartMS: 60000, EndMS: 64000}, pieces, 4000)
			if mixed[1].Voice != wantVoices[1] || mixed[1].StartMS != 61800 || track[1].Voice != "" || track[1].Speaker != transcript.SpeakerClient {
				t.Fatalf("stitched: mixed %+v, track %+v", mixed[1], track[1])
			}
		})
	}
	// A provider that does not diarize, sent to a server that expects it:
	// the fake sees the plain format and says so.
	fake := fakeopenai.New("diarize-model", "")
	defer fake.Close()
	fake.Diarize = store.DiarizationJSON
	fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) { return said, nil }
	tr, _ := NewOpenAI(store.Provider{Name: "asr", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "diarize-model", Use: "transcription"}, modelcall.Policy{MaxAttempts: 1})
	_, _ = tr.Transcribe(context.Background(), wav) // the diarized answer may not parse as plain verbose_json
	if len(fake.Problems()) == 0 {
		t.Fatal("the fake did not notice a non-diarizing request")
	}
}
