// Package summarize turns a redacted, speaker-labelled transcript into a
// structured progress-note draft. It owns the LLM interface and its
// OpenAI-compatible implementation (go-openai: OpenAI, Azure OpenAI, vLLM,
// Ollama …), structured output (a strict JSON schema per note format, with a
// json_object fallback), validation with one repair retry, two-pass drafting
// of sessions longer than the context budget, grounding of every statement in
// the transcript segments it cites, and gap checks (risk not assessed,
// medication reconciliation missing, no plan, no focus, consent missing).
//
// It does not touch the database, the audit log or River: the draft stage's
// worker calls Draft and stores the Result. It never logs transcript or note
// text; logs, errors and flag reasons name segment IDs and counts only.
package summarize
