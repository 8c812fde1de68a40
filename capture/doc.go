// Package capture owns Scribe's own call: the Pion WebRTC relay (an SFU that
// forwards every participant's audio and video to the others without
// transcoding), the WebSocket signaling endpoint, the embedded browser call
// page, the consent gate that keeps audio from being decoded or stored until
// the session has active AI-scribe consent, and the glue that feeds each
// participant's audio track through a per-track recorder and a chunker into
// the host's storage during the call.
//
// It does not own join tokens, consent records, storage, encryption or jobs:
// the host application implements [Backend] for those. Decoding and jitter
// handling live in capture/recorder; silence-aware chunking in internal/audio.
package capture
