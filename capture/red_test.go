package capture

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// TestStripRED checks the relay's RED → Opus rewrite on packets with CSRCs,
// a header extension and padding: the header is kept (padding flag cleared),
// the payload is the primary block.
func TestStripRED(t *testing.T) {
	primary := []byte{0xf8, 1, 2, 3, 4}
	red := capturetest.REDPayload(111, primary, [][]byte{{0xf8, 9, 9}}, []uint32{960})
	for _, tc := range []struct {
		name string
		pkt  rtp.Packet
	}{
		{"plain", rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 63, SequenceNumber: 7, Timestamp: 960, SSRC: 1}, Payload: red}},
		{"csrc+extension+padding", rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 63, SequenceNumber: 8, Timestamp: 1920, SSRC: 1,
			CSRC: []uint32{5, 6}, Padding: true, PaddingSize: 3}, Payload: red}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "plain" {
				if err := tc.pkt.Header.SetExtension(1, []byte{0xaa, 0xbb}); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := tc.pkt.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			out := stripRED(raw, make([]byte, 1500))
			if out == nil {
				t.Fatal("stripRED refused a valid packet")
			}
			var got rtp.Packet
			if err := got.Unmarshal(out); err != nil {
				t.Fatalf("stripped packet does not parse: %v", err)
			}
			if !bytes.Equal(got.Payload, primary) || got.Padding || got.SequenceNumber != tc.pkt.SequenceNumber ||
				got.Timestamp != tc.pkt.Timestamp || len(got.CSRC) != len(tc.pkt.CSRC) {
				t.Errorf("stripped packet %+v payload %x, want the primary %x with the header kept and no padding", got.Header, got.Payload, primary)
			}
			if tc.name != "plain" && !bytes.Equal(got.GetExtension(1), []byte{0xaa, 0xbb}) {
				t.Errorf("header extension lost: %x", got.GetExtension(1))
			}
		})
	}
	for _, bad := range [][]byte{nil, {0x80, 63}, append([]byte{0x80, 63, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, 0x80|111, 0, 0x04, 0xff)} {
		if out := stripRED(bad, make([]byte, 1500)); out != nil {
			t.Errorf("stripRED(%x) = %x, want nil for a malformed packet", bad, out)
		}
	}
}
