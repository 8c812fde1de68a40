package fakeopenai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/testenv"
)

func transcriptionRequest(t *testing.T, ctx context.Context, s *Server, model string) (*http.Response, error) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("model", model)
	mw.WriteField("response_format", "verbose_json")
	fw, _ := mw.CreateFormFile("file", "chunk.wav")
	fw.Write(testenv.WAV(16000, testenv.Silence(500)))
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL()+"/audio/transcriptions", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return http.DefaultClient.Do(req)
}

func chatRequest(t *testing.T, s *Server, model string) (*http.Response, error) {
	t.Helper()
	body := `{"model":"` + model + `","messages":[{"role":"user","content":"hello"}],"response_format":{"type":"json_object"}}`
	return http.Post(s.BaseURL()+"/chat/completions", "application/json", strings.NewReader(body))
}

// answered returns the status of a request that must have been answered.
func answered(t *testing.T) func(*http.Response, error) int {
	return func(resp *http.Response, err error) int {
		t.Helper()
		if err != nil {
			t.Fatalf("request failed: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
}

func TestFaultsPerEndpoint(t *testing.T) {
	status := answered(t)
	s := New("whisper-m", "chat-m")
	defer s.Close()
	s.Transcribe = func([]int) ([]Segment, error) { return []Segment{{Start: 0, End: 0.4, Text: "fine"}}, nil }
	s.Inject(Transcriptions, Fault{Status: 429, RetryAfter: "3"}, Fault{Status: 500}, Fault{Status: 503}, Fault{Drop: true}, Fault{Delay: 20 * time.Millisecond})
	s.Inject(ChatCompletions, Fault{Status: 401})
	ctx := context.Background()

	resp, err := transcriptionRequest(t, ctx, s, "whisper-m")
	if code := status(resp, err); code != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("first transcription: %d, Retry-After %q; want 429 with Retry-After 3", code, resp.Header.Get("Retry-After"))
	}
	for _, want := range []int{500, 503} {
		if code := status(transcriptionRequest(t, ctx, s, "whisper-m")); code != want {
			t.Fatalf("got %d, want %d", code, want)
		}
	}
	if resp, err := transcriptionRequest(t, ctx, s, "whisper-m"); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("dropped connection: %v, want EOF or reset", err)
	}
	// The slow one, then a normal one: both answered.
	for range 2 {
		if code := status(transcriptionRequest(t, ctx, s, "whisper-m")); code != 200 {
			t.Fatalf("got %d after the faults, want 200", code)
		}
	}
	// Faults on one endpoint leave the other alone, and the other way round.
	if code := status(chatRequest(t, s, "chat-m")); code != 401 {
		t.Fatalf("chat: %d, want the injected 401", code)
	}
	if code := status(chatRequest(t, s, "chat-m")); code != 200 {
		t.Fatalf("chat: %d, want 200", code)
	}
	if n, m := s.Requests(Transcriptions), s.Requests(ChatCompletions); n != 6 || m != 2 || s.Arrived() != 6 {
		t.Fatalf("requests: %d transcriptions, %d chats; want 6 and 2", n, m)
	}
	if n := len(s.Transcriptions()); n != 2 {
		t.Fatalf("%d transcriptions recorded as answered, want 2", n)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Fatalf("problems with well-formed requests: %v", p)
	}
}

func TestSlowFaultEndsWhenTheClientGivesUp(t *testing.T) {
	s := New("whisper-m", "chat-m")
	defer s.Close()
	s.Inject(Transcriptions, Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if resp, err := transcriptionRequest(t, ctx, s, "whisper-m"); err == nil {
		resp.Body.Close()
		t.Fatalf("an hour-slow answer arrived: %d", resp.StatusCode)
	}
	// Close waits for the handler: it must have stopped waiting.
}

func TestDownUntilHealed(t *testing.T) {
	status := answered(t)
	s := New("whisper-m", "chat-m")
	defer s.Close()
	s.Down(ChatCompletions, Fault{Status: 503, RetryAfter: "1"})
	for range 3 {
		if code := status(chatRequest(t, s, "chat-m")); code != 503 {
			t.Fatalf("down: %d, want 503", code)
		}
	}
	s.Heal(ChatCompletions)
	if code := status(chatRequest(t, s, "chat-m")); code != 200 {
		t.Fatalf("healed: %d, want 200", code)
	}
	if n := s.Requests(ChatCompletions); n != 4 {
		t.Fatalf("%d chat requests, want 4", n)
	}
}

func TestFaultedRequestsAreStillChecked(t *testing.T) {
	status := answered(t)
	s := New("whisper-m", "chat-m")
	defer s.Close()
	s.Inject(ChatCompletions, Fault{Status: 500})
	s.Inject(Transcriptions, Fault{Status: 500})
	status(chatRequest(t, s, "wrong-model"))
	status(transcriptionRequest(t, context.Background(), s, "wrong-model"))
	p := strings.Join(s.Problems(), "\n")
	if !strings.Contains(p, `chat: model "wrong-model"`) || !strings.Contains(p, `transcription: model "wrong-model"`) {
		t.Fatalf("problems %q: a faulted request went unchecked", p)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unknown endpoint was accepted")
		}
	}()
	s.Inject("embeddings", Fault{Status: 500})
}
