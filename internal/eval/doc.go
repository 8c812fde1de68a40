// Package eval measures note quality: it runs the gold set
// (internal/eval/gold, SYNTHETIC sessions) through the pipeline's own
// stages — redaction (pipeline.RedactSegments), drafting with a provider
// (summarize.Draft: prompts, structured output, repair retry, two passes
// for long sessions, grounding, gap checks) and, with audio, synthesis and
// the transcription provider — and scores every note against the
// session's key facts, risk facts, medications, plan and distractors.
//
// The scores are deterministic (Score); an optional second model can judge
// the facts that need judgement, and its figures are kept apart
// (Summary.Judge). Report renders several providers side by side as text,
// JSON or HTML. What each metric means is in docs/quality.md.
//
// The package decides nothing about who may run an evaluation or which
// providers may receive what: internal/app (Service.RunEval) checks the
// role and the BAA gate and hands it ready model clients.
package eval
