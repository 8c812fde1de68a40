package recorder

import (
	"fmt"
	"testing"

	"github.com/pion/opus"
)

// conformanceConfigs cover the three Opus modes a browser or client may send.
var conformanceConfigs = []encodeConfig{
	{name: "SILK-NB-8k", rate: 48000, app: appVoIP, bitrate: 8000, maxBW: bwNarrow, wantMode: "SILK"},
	{name: "SILK-WB-16k", rate: 48000, app: appVoIP, bitrate: 16000, maxBW: bwWide, wantMode: "SILK"},
	{name: "SILK-WB-FEC", rate: 48000, app: appVoIP, bitrate: 20000, maxBW: bwWide, fec: true, wantMode: "SILK"},
	{name: "hybrid-SWB-24k", rate: 48000, app: appVoIP, bitrate: 24000, maxBW: bwSuperWide, wantMode: "hybrid"},
	{name: "hybrid-FB-32k", rate: 48000, app: appVoIP, bitrate: 32000, maxBW: bwFull, wantMode: "hybrid"},
	{name: "CELT-lowdelay-64k", rate: 48000, app: appLowDelay, bitrate: 64000, wantMode: "CELT"},
	{name: "CELT-audio-96k", rate: 48000, app: appAudio, bitrate: 96000, maxBW: bwFull, wantMode: "CELT"},
}

// opusMode names the coding mode of a packet from its TOC byte (RFC 6716 3.1).
func opusMode(pkt []byte) string {
	switch c := pkt[0] >> 3; {
	case c < 12:
		return "SILK"
	case c < 16:
		return "hybrid"
	default:
		return "CELT"
	}
}

// TestOpusConformance checks that pion/opus, the recorder's decoder, matches
// libopus on real speech in every mode, with and without packet loss.
func TestOpusConformance(t *testing.T) {
	requireLibopus(t)
	src := speech(t, 48000, 0)
	for _, cfg := range conformanceConfigs {
		pkts := encodeOpus(t, src, cfg)
		modes := map[string]int{}
		for _, p := range pkts {
			modes[opusMode(p)]++
		}
		if modes[cfg.wantMode] < len(pkts)*9/10 {
			t.Fatalf("%s: encoder produced modes %v, want mostly %s; the test would not cover that mode", cfg.name, modes, cfg.wantMode)
		}
		for _, loss := range []float64{0, 0.05} {
			t.Run(fmt.Sprintf("%s/loss=%g", cfg.name, loss), func(t *testing.T) {
				var lost []bool
				if loss > 0 {
					lost = dropRandom(len(pkts), loss, 7)
				}
				want := libopusDecode(t, pkts, lost)
				dec, err := opus.NewDecoderWithOutput(16000, 1)
				if err != nil {
					t.Fatal(err)
				}
				var ref, got []int16
				buf := make([]int16, 1920)
				for i, p := range pkts {
					if lost != nil && lost[i] {
						continue
					}
					n, err := dec.DecodeToInt16(p, buf)
					if err != nil {
						t.Fatalf("pion decode packet %d (%s): %v", i, opusMode(p), err)
					}
					if n != len(want[i]) {
						t.Fatalf("packet %d: pion decoded %d samples, libopus %d", i, n, len(want[i]))
					}
					ref = append(ref, want[i]...)
					got = append(got, buf[:n]...)
				}
				snr := snrDB(ref, got)
				t.Logf("%s loss=%g%%: pion vs libopus SNR %.1f dB over %d samples, modes %v", cfg.name, loss*100, snr, len(ref), modes)
				if snr < 30 {
					t.Errorf("pion/opus differs from libopus: SNR %.1f dB < 30 dB", snr)
				}
			})
		}
	}
}
