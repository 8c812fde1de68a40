package soak

import (
	"fmt"
	"sync"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// sentences are what the soak's sessions say; each is said once in one
// script, so a sentence in the wrong session's transcript is a misplaced
// segment. Nothing here is an identifier.
var sentences = []string{
	"How are you feeling about your sleep this week",
	"I have been walking every morning and feeling calmer",
	"That is good progress. Let us talk about your goals",
	"I want to go back to work and call my family more often",
	"What helped you most when the worry came back",
	"Breathing slowly in the garden helped me a lot",
	"Did you try the exercise we practiced last time",
	"I wrote in my journal three nights this week",
	"How was the meeting with your manager",
	"It was difficult but I stayed until the end",
	"Let us plan one small step for the weekend",
	"I will visit the library on Saturday",
}

// turnsPerScript sentences make one session's script, the clinician and
// the client taking turns.
const turnsPerScript = 4

// scripts is how many different sessions the sentences make.
var scripts = len(sentences) / turnsPerScript

// Channels of a stereo call recording.
const (
	clinicianChannel = 0 // left
	clientChannel    = 1 // right
)

const rate = 16000

// A recording is one session's stereo WAV and where each sentence lies in it.
type recording struct {
	script     int
	wav        []byte
	channels   [2][]int16
	utterances []utterance
}

// An utterance is one sentence on one channel, in samples.
type utterance struct {
	channel    int
	start, end int
	text       string
}

// makeRecordings synthesises the scripts with flite: script k is sentences
// 4k…4k+3, the clinician (left channel) and the client (right) in turn,
// each followed by a pause, the other channel silent meanwhile.
func makeRecordings(t testing.TB) []recording {
	t.Helper()
	recs := make([]recording, scripts)
	for k := range recs {
		r := &recs[k]
		r.script = k
		lead := testenv.Silence(300)
		r.channels[clinicianChannel] = append([]int16(nil), lead...)
		r.channels[clientChannel] = make([]int16, len(lead))
		for i := 0; i < turnsPerScript; i++ {
			text := sentences[k*turnsPerScript+i]
			speech := testenv.Speech(t, text)
			ch := i % 2
			start := len(r.channels[ch])
			part := testenv.Concat(speech, testenv.Silence(900))
			r.channels[ch] = append(r.channels[ch], part...)
			r.channels[1-ch] = append(r.channels[1-ch], make([]int16, len(part))...)
			r.utterances = append(r.utterances, utterance{channel: ch, start: start, end: start + len(speech), text: text})
		}
		r.wav = testenv.WAV(rate, r.channels[0], r.channels[1])
	}
	return recs
}

// A recogniser answers the fake provider's transcription requests by
// finding the audio in the recordings.
type recogniser struct {
	recs []recording

	mu       sync.Mutex
	problems []string
}

// speechLevel is a sample value that only speech reaches (the pauses are
// noise at about -60 dBFS, the silent channel is zeros).
const speechLevel = 1000

// anchorLen samples of speech identify a place in the recordings.
const anchorLen = 64

// tolerance allows for a decoder that rounds differently; the pipeline
// today passes 16 kHz audio through unchanged.
const tolerance = 2

// transcribe returns the sentences whose middle lies in the chunk, timed
// from the chunk's start. A chunk with no speech (a pause, the silent
// channel) has none. Audio that is not a piece of one recording is
// recorded as a problem and refused.
func (r *recogniser) transcribe(pcm []int) ([]fakeopenai.Segment, error) {
	a := -1
	for i, v := range pcm {
		if v >= speechLevel || v <= -speechLevel {
			a = i
			break
		}
	}
	if a < 0 {
		return nil, nil
	}
	w := min(anchorLen, len(pcm)-a)
	for ri := range r.recs {
		rec := &r.recs[ri]
		for ch, src := range rec.channels {
			for p := 0; p+w <= len(src); p++ {
				if !near(src[p:p+w], pcm[a:a+w]) {
					continue
				}
				off := p - a
				if off < 0 || off+len(pcm) > len(src) || !near(src[off:off+len(pcm)], pcm) {
					continue
				}
				var segs []fakeopenai.Segment
				for _, u := range rec.utterances {
					mid := (u.start + u.end) / 2
					if u.channel == ch && mid >= off && mid < off+len(pcm) {
						segs = append(segs, fakeopenai.Segment{Start: seconds(u.start - off), End: seconds(u.end - off), Text: u.text})
					}
				}
				return segs, nil
			}
		}
	}
	r.problem("transcription request: %d samples of audio that are not a piece of any recording the soak ingested", len(pcm))
	return nil, fmt.Errorf("unknown audio")
}

func near(src []int16, pcm []int) bool {
	if len(src) != len(pcm) {
		return false
	}
	for i, v := range pcm {
		if d := int(src[i]) - v; d > tolerance || d < -tolerance {
			return false
		}
	}
	return true
}

func seconds(samples int) float64 { return float64(samples) / rate }

func (r *recogniser) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// Problems lists the requests the recogniser refused.
func (r *recogniser) Problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.problems...)
}
