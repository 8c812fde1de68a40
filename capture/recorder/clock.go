package recorder

import "time"

// clock places one RTP stream on the session clock.
//
// The first packet's arrival anchors the stream: its RTP timestamp maps to
// the session sample at which it arrived. Later packets are placed by their
// RTP timestamp (48 kHz) relative to that anchor, so network jitter does not
// move them. RTCP sender reports refine the placement for drift between the
// sender's audio clock and its wall clock (see senderReport).
type clock struct {
	anchored     bool
	anchorSample int64 // session sample of anchorExt
	anchorExt    int64 // extended RTP timestamp of the anchor
	lastExt      int64 // highest extended timestamp seen, for wrap-around

	correction int64 // samples added by sender-report drift refinement
	srHave     bool
	srBase     int64 // offset of the first sender report
}

const (
	rtpClockRate  = 48000
	outputRate    = 16000
	rtpPerSample  = rtpClockRate / outputRate
	nsPerSample   = int64(time.Second) / outputRate
	resyncSamples = 2 * outputRate // timestamps this far from arrival mean a new timeline
	srMinStep     = outputRate / 50
	srMaxDrift    = outputRate // a sender-report drift beyond 1 s is not believed
)

func (c *clock) reset() { *c = clock{} }

// anchor maps RTP timestamp ts to session sample at.
func (c *clock) anchor(ts uint32, at int64) {
	c.anchored = true
	c.anchorSample = at
	c.anchorExt = int64(ts)
	c.lastExt = int64(ts)
	c.correction = 0
	c.srHave = false
}

// extend unwraps a 32-bit RTP timestamp near the latest one seen.
func (c *clock) extend(ts uint32) int64 {
	ext := c.lastExt + int64(int32(ts-uint32(c.lastExt)))
	if ext > c.lastExt {
		c.lastExt = ext
	}
	return ext
}

func (c *clock) uncorrected(ts uint32) int64 {
	return c.anchorSample + floorDiv(c.extend(ts)-c.anchorExt, rtpPerSample)
}

// position is the session sample at which the audio of RTP timestamp ts
// starts. The clock must be anchored.
func (c *clock) position(ts uint32) int64 {
	return c.uncorrected(ts) + c.correction
}

// senderReport takes an RTCP sender report's (NTP time, RTP timestamp) pair,
// with the NTP time already converted to a session sample. Sender wall
// clocks are not synchronised with ours, so the report does not move the
// anchor; instead the first report fixes the offset between the sender's
// wall clock and our placement, and later reports correct the drift of the
// sender's audio clock against its wall clock. Small changes (< 20 ms) are
// ignored to keep writes contiguous; changes above 1 s are not believed.
// It reports whether the correction changed.
func (c *clock) senderReport(ntpSample int64, ts uint32) bool {
	if !c.anchored {
		return false
	}
	offset := ntpSample - c.uncorrected(ts)
	if !c.srHave {
		c.srHave = true
		c.srBase = offset
		return false
	}
	drift := offset - c.srBase
	if drift > srMaxDrift || drift < -srMaxDrift {
		return false
	}
	if d := drift - c.correction; d < srMinStep && d > -srMinStep {
		return false
	}
	c.correction = drift
	return true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
