//go:build ignore

// gen_fuzz_seeds writes the libopus-encoded seeds of FuzzRecorderRTP
// (testdata/fuzz/FuzzRecorderRTP/seed-*): synthetic tones and noise, no
// speech. It needs cgo and libopus-dev:
//
//	go run -tags nolibopusfile ./capture/recorder/testdata/gen_fuzz_seeds.go
//
// The script format is the one described in capture/recorder/fuzz_test.go.
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	libopus "github.com/hraban/opus"
	"github.com/pion/rtp"
)

const (
	opPush, opFlush, opReport = 0, 5, 6
	redPT, opusPT             = 63, 111
)

type script []byte

func (s script) push(stepMS uint8, p *rtp.Packet) script {
	b, err := p.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	s = append(s, opPush, stepMS)
	s = binary.LittleEndian.AppendUint16(s, uint16(len(b)))
	return append(s, b...)
}

func (s script) report(offsetMS int16, ts uint32) script {
	s = append(s, opReport)
	s = binary.LittleEndian.AppendUint16(s, uint16(offsetMS))
	return binary.LittleEndian.AppendUint32(s, ts)
}

// signal is 0.5 s of a gliding tone with noise bursts at rate Hz.
func signal(rate int) []int16 {
	rng := rand.New(rand.NewPCG(7, 11))
	out := make([]int16, rate/2)
	phase := 0.0
	for i := range out {
		f := 180 + 900*float64(i)/float64(len(out))
		phase += 2 * math.Pi * f / float64(rate)
		v := 6000 * math.Sin(phase)
		if (i/(rate/10))%2 == 1 {
			v += 2500 * (rng.Float64()*2 - 1)
		}
		out[i] = int16(v)
	}
	return out
}

func encode(rate int, app libopus.Application, bitrate int, fec bool) [][]byte {
	enc, err := libopus.NewEncoder(rate, 1, app)
	if err != nil {
		log.Fatal(err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		log.Fatal(err)
	}
	if fec {
		if err := enc.SetInBandFEC(true); err != nil {
			log.Fatal(err)
		}
		if err := enc.SetPacketLossPerc(10); err != nil {
			log.Fatal(err)
		}
	}
	pcm := signal(rate)
	frame := rate / 50
	buf := make([]byte, 1500)
	var out [][]byte
	for i := 0; i+frame <= len(pcm); i += frame {
		n, err := enc.Encode(pcm[i:i+frame], buf)
		if err != nil {
			log.Fatal(err)
		}
		out = append(out, append([]byte(nil), buf[:n]...))
	}
	return out
}

func pkt(pt uint8, ssrc uint32, i int, payload []byte) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc,
		SequenceNumber: uint16(1000 + i), Timestamp: uint32(96000 + 960*i)}, Payload: payload}
}

// red carries the frame before i as one redundant block, as Chrome sends.
func red(frames [][]byte, i int) []byte {
	if i == 0 {
		return append([]byte{opusPT}, frames[0]...)
	}
	prev := frames[i-1]
	h := uint32(960)<<10 | uint32(len(prev))
	b := []byte{0x80 | opusPT, byte(h >> 16), byte(h >> 8), byte(h), opusPT}
	return append(append(b, prev...), frames[i]...)
}

func write(dir, name string, window uint8, s script) {
	body := fmt.Sprintf("go test fuzz v1\nuint8(%d)\n[]byte(%s)\n", window, strconv.Quote(string(s)))
	if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := filepath.Join("capture", "recorder", "testdata", "fuzz", "FuzzRecorderRTP")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	browser := encode(48000, libopus.AppVoIP, 32000, true) // hybrid with in-band FEC
	silk := encode(16000, libopus.AppVoIP, 24000, true)    // SILK wideband with FEC
	celt := encode(48000, libopus.AppRestrictedLowdelay, 32000, false)

	var s script
	for i, fr := range browser { // every fifth packet lost: FEC recovery
		if i%5 != 3 {
			s = s.push(20, pkt(opusPT, 0xb1, i, fr))
		}
	}
	write(dir, "hybrid-fec-loss", 16, s)

	s = nil
	for i := range celt { // RED with every fourth packet lost
		if i%4 != 1 {
			s = s.push(20, pkt(redPT, 0xc1, i, red(celt, i)))
		}
	}
	write(dir, "celt-red-loss", 16, s)

	s = nil
	for i := 0; i+1 < len(silk); i += 2 { // pairs swapped, one duplicate
		s = s.push(20, pkt(opusPT, 0x51, i+1, silk[i+1])).push(0, pkt(opusPT, 0x51, i, silk[i]))
		if i == 10 {
			s = s.push(5, pkt(opusPT, 0x51, i, silk[i]))
		}
	}
	write(dir, "silk-reorder", 4, s)

	s = nil
	for i, fr := range browser { // a rejoin: new SSRC, sender reports
		ssrc := uint32(0xd1)
		if i >= 12 {
			ssrc = 0xd2
		}
		s = s.push(20, pkt(opusPT, ssrc, i, fr))
		if i == 4 || i == 18 {
			s = s.report(40, uint32(96000+960*i))
		}
		if i == 11 {
			s = append(s, opFlush)
		}
	}
	write(dir, "rejoin-reports", 16, s)
}
