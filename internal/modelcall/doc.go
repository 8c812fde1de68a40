// Package modelcall is Scribe's one policy for calling a model provider
// (an OpenAI-compatible API: OpenAI, Azure OpenAI, vLLM, Ollama, whisper
// servers). Transcription, drafting and every later model call send their
// HTTP requests through a Caller, so they all retry, wait and fail alike:
//
//   - 429 Too Many Requests, 408, every 5xx, a per-attempt timeout and a
//     dropped, reset or refused connection are transient. The call is tried
//     again after a jittered exponential backoff, or after exactly the wait
//     the provider asked for in Retry-After (seconds or an HTTP date, and
//     Azure's retry-after-ms), up to Policy.MaxAttempts tries, never past
//     the caller's deadline and never for a Retry-After longer than
//     Policy.MaxRetryAfter.
//   - Every other 4xx (400, 401, 403, 404, 409, 413, 422 …) and an
//     untrusted TLS certificate fail at once: retrying cannot help, an admin
//     has to change something.
//
// Every failure is an *Error whose Kind and Permanent method let a stage
// worker decide: a permanent error fails the session now, a transient one
// (still failing after the in-call retries) goes back to River, which tries
// the job again later. Error messages name the provider, what it is used
// for, the HTTP status and what an admin can do ("the drafting provider
// 'llm' refused the API key (401 Unauthorized); ask an admin to check the
// provider's API key"). They never carry the request body, the provider's
// own error message (which may echo prompt text), or the API key.
//
// The package owns no storage and imports no store: callers describe the
// provider with a Provider value.
package modelcall
