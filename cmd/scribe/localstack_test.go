package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// readmeLocalStack is the README's five-minute path with local models, as
// commands: each shell line of the section (continuations joined, comments
// dropped).
func readmeLocalStack(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "**From the sample recording to a first draft with local models")
	if start < 0 {
		t.Fatal("the README has no five-minute path with local models")
	}
	end := strings.Index(readme[start:], "\n## ")
	if end < 0 {
		t.Fatal("the README's local-models section does not end")
	}
	var cmds []string
	var cur string
	for _, line := range strings.Split(readme[start:start+end], "\n") {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		line = strings.TrimSpace(line)
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if c, ok := strings.CutSuffix(line, `\`); ok {
			cur += c
			continue
		}
		cmds = append(cmds, strings.Join(strings.Fields(cur+line), " "))
		cur = ""
	}
	return cmds
}

// composeFile is what the test reads of deploy/compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Profiles    []string          `yaml:"profiles"`
		Expose      []string          `yaml:"expose"`
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
}

// providerLine is one `scribe provider add` line of the README.
type providerLine struct {
	args    []string // as written, after "provider add"
	baseURL *url.URL
	model   string
	use     string
}

func flagValue(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// TestLocalModelStackQuickStart follows the README's five-minute path with
// the local model stack as far as a machine without a container engine
// can: deploy/compose.yaml's `local-models` services are where the README's
// `scribe provider add` lines point (service name, exposed port, the speech
// server's model, the model `ollama pull` fetches); those two lines run as
// written against two fake OpenAI-compatible servers — one a speech
// server, one a chat server — with only host:port of the URL changed to
// where each fake listens; the README's `scribe doctor` passes; and the
// README's `scribe ingest` of the shipped sample recording ends in a draft
// that cites the transcript, each request having gone to its own server
// with the model the README names (the chat one without a JSON schema, as
// --no-json-schema says). The `docker compose up` and `export` lines are
// what the container engine would do and are not run.
func TestLocalModelStackQuickStart(t *testing.T) {
	cmds := readmeLocalStack(t)
	var providers []providerLine
	var pulled, ingest, doctor string
	for _, c := range cmds {
		switch {
		case strings.Contains(c, "exec ollama ollama pull "):
			pulled = c[strings.LastIndex(c, " ")+1:]
		case strings.Contains(c, "scribe provider add "):
			args := strings.Fields(c[strings.Index(c, "scribe provider add ")+len("scribe provider add "):])
			u, err := url.Parse(flagValue(args, "--base-url"))
			if err != nil || u.Host == "" {
				t.Fatalf("README provider line has no base URL: %s", c)
			}
			providers = append(providers, providerLine{args: args, baseURL: u, model: flagValue(args, "--model"), use: flagValue(args, "--use")})
		case strings.HasSuffix(c, "scribe scribe doctor"):
			doctor = c
		case strings.HasPrefix(c, "scribe ingest "):
			ingest = c
		}
	}
	if len(providers) != 2 || pulled == "" || ingest == "" || doctor == "" {
		t.Fatalf("the README's local-models path lacks a line: %d provider lines, pull %q, doctor %q, ingest %q\n%s", len(providers), pulled, doctor, ingest, strings.Join(cmds, "\n"))
	}
	byUse := map[string]providerLine{}
	for _, p := range providers {
		byUse[p.use] = p
	}
	speech, chat := byUse["transcription"], byUse["drafting"]
	if speech.model == "" || chat.model == "" {
		t.Fatalf("README provider lines: want one for transcription and one for drafting, got %+v", providers)
	}

	// compose.yaml and the README agree.
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(b, &cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, p := range providers {
		svc, ok := cf.Services[p.baseURL.Hostname()]
		if !ok {
			t.Errorf("README points %s at %s, which is no service of compose.yaml", p.use, p.baseURL.Host)
			continue
		}
		if !slices.Contains(svc.Profiles, "local-models") {
			t.Errorf("compose service %s is not in the local-models profile", p.baseURL.Hostname())
		}
		if !slices.Contains(svc.Expose, p.baseURL.Port()) {
			t.Errorf("README uses port %s of %s; compose.yaml exposes %v", p.baseURL.Port(), p.baseURL.Hostname(), svc.Expose)
		}
	}
	if m := cf.Services[speech.baseURL.Hostname()].Environment["WHISPER__MODEL"]; m != speech.model {
		t.Errorf("the speech server loads %q (compose.yaml) but the README's provider asks for %q", m, speech.model)
	}
	if pulled != chat.model {
		t.Errorf("the README pulls %q into Ollama but its drafting provider asks for %q", pulled, chat.model)
	}
	// The example lines in compose.yaml's own comment say the same.
	for _, p := range providers {
		if !strings.Contains(string(b), "--base-url "+p.baseURL.String()+" --model "+p.model) {
			t.Errorf("compose.yaml's comment has no provider line with --base-url %s --model %s", p.baseURL, p.model)
		}
	}

	// The README's lines, run against fakes where the services would be.
	testenv.Tool(t, "pocketsphinx_continuous")
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
	speechFake := fakeopenai.New(speech.model, "")
	defer speechFake.Close()
	chatFake := fakeopenai.New("", chat.model)
	defer chatFake.Close()
	// Without a JSON schema (--no-json-schema) the shape is asked for in
	// words; the fake answers the doctor's question as a model that follows
	// them would, and a note request with a note made from its transcript.
	chatFake.Answer = func(req fakeopenai.ChatRequest) (string, error) {
		if len(req.Segments()) == 0 {
			return `{"ok": true}`, nil
		}
		return fakeopenai.BuildNote(req)
	}
	listen := map[string]string{
		speech.baseURL.Host: strings.TrimPrefix(speechFake.URL, "http://"),
		chat.baseURL.Host:   strings.TrimPrefix(chatFake.URL, "http://"),
	}
	for _, p := range providers {
		args := slices.Clone(p.args)
		u := *p.baseURL
		u.Host = listen[p.baseURL.Host]
		args[slices.Index(args, "--base-url")+1] = u.String()
		mustCLI(t, dir, append([]string{"provider", "add"}, args...)...)
	}
	if out, errOut, code := cli(t, dir, "doctor"); code != 0 {
		t.Fatalf("the README's scribe doctor: exit %d\n%s\n%s", code, out, errOut)
	}

	args := strings.Fields(strings.TrimPrefix(ingest, "scribe "))
	clinician := flagValue(args, "--clinician")
	tf, _ := tokenFile(t, dir, webUser(t, dir, clinician, "clinician"))
	args[slices.Index(args, "--token-file")+1] = tf
	rec := args[len(args)-1]
	if rec != "docs/sample/sample-session.wav" {
		t.Fatalf("the README ingests %s, not the shipped sample recording", rec)
	}
	args[len(args)-1] = filepath.Join("..", "..", filepath.FromSlash(rec))
	out := mustCLI(t, dir, args...)
	id := strings.SplitN(out, "\n", 2)[0]
	for name, f := range map[string]*fakeopenai.Server{"speech": speechFake, "chat": chatFake} {
		if p := f.Problems(); len(p) > 0 {
			t.Fatalf("the %s server saw problems: %v", name, p)
		}
	}
	if speechFake.Requests(fakeopenai.Transcriptions) == 0 || speechFake.Requests(fakeopenai.ChatCompletions) != 0 {
		t.Errorf("the speech server had %d transcriptions and %d chats", speechFake.Requests(fakeopenai.Transcriptions), speechFake.Requests(fakeopenai.ChatCompletions))
	}
	chats := chatFake.Chats()
	if len(chats) == 0 || chatFake.Requests(fakeopenai.Transcriptions) != 0 {
		t.Fatalf("the chat server had %d chats and %d transcriptions", len(chats), chatFake.Requests(fakeopenai.Transcriptions))
	}
	for _, c := range chats {
		if c.Model != chat.model || c.ResponseFormat == "json_schema" {
			t.Errorf("a chat request: model %q, response format %q; want %q without a JSON schema (--no-json-schema)", c.Model, c.ResponseFormat, chat.model)
		}
	}
	draft := mustCLI(t, dir, "draft", "show", id)
	if !regexp.MustCompile(`S\d{4}`).MatchString(draft) || !strings.Contains(strings.ToLower(draft), "ai-generated draft") {
		t.Errorf("the first draft has no banner or cites nothing:\n%s", draft)
	}
}
