package recorder

import (
	"errors"
	"fmt"
	"testing"

	"github.com/scribe-health/scribe/third_party/pion-opus"
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

// TestOpusFECConformance checks pion/opus's in-band FEC decoding (the
// Scribe patch in third_party/pion-opus) against libopus: with 5% and 15%
// random loss, every lost packet whose successor arrived is recovered from
// the successor's LBRR data by both decoders, and the two decodings,
// recovered packets and all, match.
func TestOpusFECConformance(t *testing.T) {
	requireLibopus(t)
	src := speech(t, 48000, 0)
	for _, cfg := range []encodeConfig{
		{name: "SILK-WB-FEC-28k", rate: 48000, app: appVoIP, bitrate: 28000, maxBW: bwWide, fec: true, wantMode: "SILK"},
		{name: "SILK-NB-FEC-24k", rate: 48000, app: appVoIP, bitrate: 24000, maxBW: bwNarrow, fec: true, wantMode: "SILK"},
		browserLike,
	} {
		pkts := encodeOpus(t, src, cfg)
		for _, loss := range []float64{0.05, 0.15} {
			t.Run(fmt.Sprintf("%s/loss=%g", cfg.name, loss), func(t *testing.T) {
				lost := dropRandom(len(pkts), loss, 11)
				ref := newLibopusFECDecoder(t)
				dec, err := opus.NewDecoderWithOutput(16000, 1)
				if err != nil {
					t.Fatal(err)
				}
				var want, got, wantFEC, gotFEC []int16
				buf := make([]int16, 1920)
				recovered, candidates, noFEC := 0, 0, 0
				for i, p := range pkts {
					if lost[i] {
						if i+1 == len(pkts) || lost[i+1] {
							continue // no successor: both decoders skip it
						}
						candidates++
						n, err := dec.DecodeFECToInt16(pkts[i+1], buf)
						if errors.Is(err, opus.ErrNoFEC) {
							noFEC++
							continue // libopus would conceal; the recorder does too
						}
						if err != nil {
							t.Fatalf("pion FEC decode for packet %d: %v", i, err)
						}
						w := ref.fec(t, pkts[i+1], n)
						recovered++
						want, got = append(want, w...), append(got, buf[:n]...)
						wantFEC, gotFEC = append(wantFEC, w...), append(gotFEC, buf[:n]...)
						continue
					}
					n, err := dec.DecodeToInt16(p, buf)
					if err != nil {
						t.Fatalf("pion decode packet %d: %v", i, err)
					}
					w := ref.decode(t, p)
					if n != len(w) {
						t.Fatalf("packet %d: pion decoded %d samples, libopus %d", i, n, len(w))
					}
					want, got = append(want, w...), append(got, buf[:n]...)
				}
				snr, fecSNR := snrDB(want, got), snrDB(wantFEC, gotFEC)
				t.Logf("%s loss=%g%%: %d of %d recoverable packets recovered from FEC (%d without FEC data); pion vs libopus SNR %.1f dB overall, %.1f dB on recovered packets",
					cfg.name, loss*100, recovered, candidates, noFEC, snr, fecSNR)
				if candidates == 0 {
					t.Fatal("no packet was lost with its successor kept: the test covers nothing")
				}
				if recovered < candidates*7/10 {
					t.Errorf("only %d of %d lost packets recovered from in-band FEC", recovered, candidates)
				}
				if snr < 30 || fecSNR < 30 {
					t.Errorf("pion/opus with FEC differs from libopus: SNR %.1f dB overall, %.1f dB on recovered packets (want ≥ 30)", snr, fecSNR)
				}
			})
		}
	}
}
