// Package recorder turns one participant's incoming Opus RTP packets into
// 16 kHz mono PCM placed on the session clock.
//
// It owns the per-participant recording pipeline, built from small stages
// that are each testable alone:
//
//	RTP in → RFC 2198 RED split (redundant copies fill in for lost packets)
//	       → jitterBuffer (reorder, duplicates, late packets, losses)
//	       → Opus decode to 16 kHz mono (pure-Go github.com/pion/opus),
//	         a lost packet recovered from the next one's in-band FEC
//	       → concealer (pitch-repeat-and-fade for what neither recovers)
//	       → clock (RTP timestamps → session samples, rejoin, RTCP SR drift)
//	       → Sink
//
// It does not own forwarding, signaling, consent, chunking, encryption or
// storage: the relay in package capture feeds a Recorder and the Sink it is
// given decides what happens to the PCM.
//
// Loss recovery, best first: RED redundancy (exact copies; any Opus mode),
// in-band FEC (SILK and hybrid packets: a lower-rate copy of the lost
// packet, decoded as libopus does), then concealment. FEC decoding comes from
// the patched pion/opus in third_party/pion-opus (upstream v0.1.0 discards
// LBRR data). The decoder choice is backed by conformance tests against
// libopus, with and without loss and FEC (conformance_test.go).
//
// Nothing in this package logs or reports audio content or speaker names;
// Stats carries only counters.
package recorder
