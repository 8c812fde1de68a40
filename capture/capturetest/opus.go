package capturetest

// OpusSettings selects a libopus encoder setting.
type OpusSettings int

const (
	// VoIP is SILK wideband at 32 kbit/s, as a VoIP client sends.
	VoIP OpusSettings = iota
	// VoIPWithFEC is VoIP with in-band FEC for 5% expected loss, as
	// browsers send.
	VoIPWithFEC
	// CELT is the restricted-low-delay (CELT-only) mode at 64 kbit/s,
	// which keeps the waveform.
	CELT
	// Browser is what Chrome and Firefox send by default: 48 kHz input,
	// hybrid mode at 32 kbit/s, in-band FEC on. The 16 kHz input is held
	// to 48 kHz (sample repetition), so there is content above 8 kHz.
	Browser
)
