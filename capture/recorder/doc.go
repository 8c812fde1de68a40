// Package recorder turns one participant's incoming Opus RTP packets into
// 16 kHz mono PCM placed on the session clock.
//
// It owns the per-participant recording pipeline, built from small stages
// that are each testable alone:
//
//	RTP in → jitterBuffer (reorder, duplicates, late packets, losses)
//	       → Opus decode to 16 kHz mono (pure-Go github.com/pion/opus)
//	       → concealer (pitch-repeat-and-fade for lost or undecodable packets)
//	       → clock (RTP timestamps → session samples, rejoin, RTCP SR drift)
//	       → Sink
//
// It does not own forwarding, signaling, consent, chunking, encryption or
// storage: the relay in package capture feeds a Recorder and the Sink it is
// given decides what happens to the PCM.
//
// Opus in-band FEC is not used: pion/opus v0.1.0 parses but discards LBRR
// data, so a lost packet is always concealed. The decoder choice is backed by
// a conformance test against libopus (conformance_test.go).
//
// Nothing in this package logs or reports audio content or speaker names;
// Stats carries only counters.
package recorder
