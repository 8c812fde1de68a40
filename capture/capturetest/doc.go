// Package capturetest drives real calls against the capture relay from Go,
// for tests in any package: a participant that joins over the real WebSocket
// signaling protocol with a join token, accepts or declines consent, opens a
// Pion peer connection over loopback, publishes speech as Opus RTP in real
// time, presses "Stop AI scribe", and leaves or ends the call.
//
// It speaks the protocol as any client does (its own copy of the JSON
// shapes, like the browser's call page), so it does not import capture and
// capture's own tests can use it. Encoding speech needs libopus (cgo and the
// nolibopusfile build tag); without it EncodeOpus skips the test, or fails
// it under SCRIBE_REQUIRE_ALL=1.
//
// It owns no production behaviour and is imported only by tests.
package capturetest
