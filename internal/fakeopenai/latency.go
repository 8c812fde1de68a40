package fakeopenai

import (
	"net/http"
	"time"
)

// Latency makes the fake answer as slowly as a hosted model does, for
// benchmarks of the time from hang-up to a finished draft (issue 18): a
// transcription takes PerAudioSecond for every second of audio sent, a
// chat call PerChat plus its completion tokens at TokensPerSecond. The
// zero value answers at once.
type Latency struct {
	PerAudioSecond  time.Duration
	PerChat         time.Duration
	TokensPerSecond float64
}

// TypicalHosted is the "typical hosted model": transcription 0.05 s
// per audio second, chat 8 s per call, 50 tokens per second.
var TypicalHosted = Latency{PerAudioSecond: 50 * time.Millisecond, PerChat: 8 * time.Second, TokensPerSecond: 50}

// SetLatency sets the fake's latency for the requests that arrive from now on.
func (s *Server) SetLatency(l Latency) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = l
}

func (s *Server) currentLatency() Latency {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// hold waits d, or until the client gives up.
func hold(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// transcriptionDelay is how long a transcription of durationMS of audio takes.
func (l Latency) transcriptionDelay(durationMS int64) time.Duration {
	return time.Duration(float64(l.PerAudioSecond) * float64(durationMS) / 1000)
}

// chatDelay is how long a chat answer of completionTokens takes.
func (l Latency) chatDelay(completionTokens int) time.Duration {
	d := l.PerChat
	if l.TokensPerSecond > 0 {
		d += time.Duration(float64(completionTokens) / l.TokensPerSecond * float64(time.Second))
	}
	return d
}
