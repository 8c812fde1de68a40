// SPDX-FileCopyrightText: 2026 The Pion community <https://pion.ly>
// SPDX-License-Identifier: MIT

package opus

import "errors"

var (
	errTooShortForTableOfContentsHeader = errors.New("packet is too short to contain table of contents header")

	errUnsupportedFrameCode = errors.New("unsupported frame code")

	errUnsupportedConfigurationMode = errors.New("unsupported configuration mode")

	errInvalidSampleRate = errors.New("invalid sample rate")

	errInvalidChannelCount = errors.New("invalid channel count")

	errOutBufferTooSmall = errors.New("out isn't large enough")

	errMalformedPacket = errors.New("malformed packet")

	// ErrNoFEC is returned by DecodeFECToInt16 when the packet carries no
	// in-band FEC usable for the packet before it (CELT-only mode, stereo
	// SILK, or no LBRR data); conceal the loss instead (Scribe patch).
	ErrNoFEC = errors.New("packet carries no in-band FEC for the previous packet")
)
