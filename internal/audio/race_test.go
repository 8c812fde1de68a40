//go:build race

package audio_test

// raceEnabled: the race detector slows decoding tenfold; the long-recording
// memory test is left to the normal run.
const raceEnabled = true
