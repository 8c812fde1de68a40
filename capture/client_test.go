package capture

import (
	"sync/atomic"

	"github.com/pion/rtcp"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// testPeer is a Go participant speaking the real signaling protocol.
type testPeer = capturetest.Peer

// consent sends a decision and waits for the server's verdict.
func consent(c *testPeer, d ConsentDecision) (refused string) {
	return c.Consent(capturetest.ConsentDecision(d))
}

func grantAIScribe() ConsentDecision {
	return ConsentDecision{Scope: ScopeAIScribe, Granted: true, Method: MethodElectronic, TextVersion: "test-v1"}
}

// watchFeedback counts the keyframe requests and NACKs naming the peer's
// own video SSRC that reach its video sender.
func watchFeedback(c *testPeer, plis, nacks *atomic.Int64) {
	for _, s := range c.VideoSenders() {
		ssrc := uint32(s.GetParameters().Encodings[0].SSRC)
		go func() {
			for {
				pkts, _, err := s.ReadRTCP()
				if err != nil {
					return
				}
				for _, p := range pkts {
					switch p := p.(type) {
					case *rtcp.PictureLossIndication:
						if p.MediaSSRC == ssrc {
							plis.Add(1)
						}
					case *rtcp.TransportLayerNack:
						if p.MediaSSRC == ssrc && len(p.Nacks) == 1 && p.Nacks[0].PacketID == 7 {
							nacks.Add(1)
						}
					}
				}
			}
		}()
	}
}
