//go:build cgo && nolibopusfile

package recorder

import (
	"testing"

	libopus "github.com/hraban/opus"
)

// encodeConfig is one libopus encoder setting.
type encodeConfig struct {
	name    string
	rate    int // input sample rate
	app     libopus.Application
	bitrate int
	maxBW   libopus.Bandwidth
	fec     bool
	// wantModes are the Opus modes (from the TOC byte) most packets must use.
	wantMode string
}

// encodeOpus encodes mono PCM at cfg.rate into 20 ms Opus packets with libopus.
func encodeOpus(t testing.TB, pcm []int16, cfg encodeConfig) [][]byte {
	t.Helper()
	enc, err := libopus.NewEncoder(cfg.rate, 1, cfg.app)
	if err != nil {
		t.Fatalf("libopus encoder: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("libopus encoder setting: %v", err)
		}
	}
	must(enc.SetBitrate(cfg.bitrate))
	if cfg.maxBW != 0 {
		must(enc.SetMaxBandwidth(cfg.maxBW))
	}
	if cfg.fec {
		must(enc.SetInBandFEC(true))
		must(enc.SetPacketLossPerc(5))
	}
	frame := cfg.rate / 50
	var out [][]byte
	buf := make([]byte, 1500)
	for off := 0; off+frame <= len(pcm); off += frame {
		n, err := enc.Encode(pcm[off:off+frame], buf)
		if err != nil {
			t.Fatalf("libopus encode: %v", err)
		}
		out = append(out, append([]byte(nil), buf[:n]...))
	}
	return out
}

// libopusDecode decodes packets to 16 kHz mono with libopus; lost packets
// are skipped (no PLC), as the pion decoder has none, so both decoders see
// the same packet sequence.
func libopusDecode(t testing.TB, pkts [][]byte, lost []bool) [][]int16 {
	t.Helper()
	dec, err := libopus.NewDecoder(16000, 1)
	if err != nil {
		t.Fatalf("libopus decoder: %v", err)
	}
	out := make([][]int16, len(pkts))
	for i, p := range pkts {
		if lost != nil && lost[i] {
			continue
		}
		pcm := make([]int16, 1920)
		n, err := dec.Decode(p, pcm)
		if err != nil {
			t.Fatalf("libopus decode packet %d: %v", i, err)
		}
		out[i] = pcm[:n]
	}
	return out
}

// libopusFECDecoder decodes packet by packet with libopus, recovering a
// lost packet from the next one's in-band FEC.
type libopusFECDecoder struct{ dec *libopus.Decoder }

func newLibopusFECDecoder(t testing.TB) libopusFECDecoder {
	t.Helper()
	dec, err := libopus.NewDecoder(16000, 1)
	if err != nil {
		t.Fatalf("libopus decoder: %v", err)
	}
	return libopusFECDecoder{dec}
}

// decode decodes one packet to 16 kHz mono.
func (d libopusFECDecoder) decode(t testing.TB, pkt []byte) []int16 {
	t.Helper()
	pcm := make([]int16, 1920)
	n, err := d.dec.Decode(pkt, pcm)
	if err != nil {
		t.Fatalf("libopus decode: %v", err)
	}
	return pcm[:n]
}

// fec decodes the FEC copy that next carries of the samples-long packet
// before it.
func (d libopusFECDecoder) fec(t testing.TB, next []byte, samples int) []int16 {
	t.Helper()
	pcm := make([]int16, samples)
	if err := d.dec.DecodeFEC(next, pcm); err != nil {
		t.Fatalf("libopus FEC decode: %v", err)
	}
	return pcm
}

var (
	appVoIP     = libopus.AppVoIP
	appAudio    = libopus.AppAudio
	appLowDelay = libopus.AppRestrictedLowdelay
	bwNarrow    = libopus.Narrowband
	bwWide      = libopus.Wideband
	bwSuperWide = libopus.SuperWideband
	bwFull      = libopus.Fullband
)

// requireLibopus is satisfied in this build.
func requireLibopus(testing.TB) {}
