// Package soak is Scribe's fault-injection soak: it runs the real `scribe`
// binary (`scribe serve`, `scribe ingest`, `scribe audit verify`) on SQLite
// and on PostgreSQL, kills a server with SIGKILL at a random moment while
// sessions are in the pipeline, and checks that every session still reaches
// `ready` with nothing lost and nothing stored twice, and how long that
// took after the kill.
//
// Three modes:
//   - sqlite: one server on the embedded database, killed and restarted;
//   - postgres: one server on PostgreSQL (database blob store), killed and
//     restarted;
//   - postgres-2proc: two servers on one PostgreSQL with one master key;
//     one of them is killed and never comes back, the other must finish.
//
// Only the model provider is simulated: internal/fakeopenai runs in the
// soak's own process with a delay per call (so kills land while calls are
// in flight). Its transcriber does not guess: it finds the audio it is sent
// in the recordings the soak made (flite speech, 16 kHz stereo), sample for
// sample, and answers with the sentences spoken there; audio that is not a
// piece of a recording is a problem the soak reports. That makes the
// transcript of a session exactly predictable, so a sentence missing or
// present twice is a defect, not recogniser noise.
//
// The soak itself runs behind the soak build tag (soak_test.go); the
// harness here is ordinary code so that it is compiled and vetted with the
// rest. Run it with scripts/soak or `make soak`; docs/reliability.md holds
// its latest output.
package soak
