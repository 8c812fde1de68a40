// SPDX-FileCopyrightText: 2026 The Pion community <https://pion.ly>
// SPDX-License-Identifier: MIT

package rangecoding

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// nolint: gochecknoglobals
var (
	silkModelFrameTypeInactive = []uint{256, 26, 256}

	silkModelGainHighbits = [][]uint{
		{256, 32, 144, 212, 241, 253, 254, 255, 256},
		{256, 2, 19, 64, 124, 186, 233, 252, 256},
		{256, 1, 4, 30, 101, 195, 245, 254, 256},
	}

	silkModelGainLowbits = []uint{256, 32, 64, 96, 128, 160, 192, 224, 256}

	silkModelGainDelta = []uint{
		256, 6, 11, 22, 53, 185, 206, 214, 218, 221, 223, 225, 227, 228,
		229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
		243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256,
	}

	silkModelLsfS1 = [][][]uint{
		{
			{
				256, 44, 78, 108, 127, 148, 160, 171, 174, 177, 179,
				195, 197, 199, 200, 205, 207, 208, 211, 214, 215, 216,
				218, 220, 222, 225, 226, 235, 244, 246, 253, 255, 256,
			},
			{
				256, 1, 11, 12, 20, 23, 31, 39, 53, 66, 80,
				81, 95, 107, 120, 131, 142, 154, 165, 175, 185, 196,
				204, 213, 221, 228, 236, 237, 238, 244, 245, 251, 256,
			},
		},
		{
			{
				256, 31, 52, 55, 72, 73, 81, 98, 102, 103, 121,
				137, 141, 143, 146, 147, 157, 158, 161, 177, 188, 204,
				206, 208, 211, 213, 224, 225, 229, 238, 246, 253, 256,
			},
			{
				256, 1, 5, 21, 26, 44, 55, 60, 74, 89, 90,
				93, 105, 118, 132, 146, 152, 166, 178, 180, 186, 187,
				199, 211, 222, 232, 235, 245, 250, 251, 252, 253, 256,
			},
		},
	}

	silkModelLsfS2 = [][]uint{
		{256, 1, 2, 3, 18, 242, 253, 254, 255, 256},
		{256, 1, 2, 4, 38, 221, 253, 254, 255, 256},
		{256, 1, 2, 6, 48, 197, 252, 254, 255, 256},
		{256, 1, 2, 10, 62, 185, 246, 254, 255, 256},
		{256, 1, 4, 20, 73, 174, 248, 254, 255, 256},
		{256, 1, 4, 21, 76, 166, 239, 254, 255, 256},
		{256, 1, 8, 32, 85, 159, 226, 252, 255, 256},
		{256, 1, 2, 20, 83, 161, 219, 249, 255, 256},
		{256, 1, 2, 3, 12, 244, 253, 254, 255, 256},
		{256, 1, 2, 4, 32, 218, 253, 254, 255, 256},
		{256, 1, 2, 5, 47, 199, 252, 254, 255, 256},
		{256, 1, 2, 12, 61, 187, 252, 254, 255, 256},
		{256, 1, 5, 24, 72, 172, 249, 254, 255, 256},
		{256, 1, 2, 16, 70, 170, 242, 254, 255, 256},
		{256, 1, 2, 17, 78, 165, 226, 251, 255, 256},
		{256, 1, 8, 29, 79, 156, 237, 254, 255, 256},
	}

	silkModelLsfInterpolationOffset = []uint{256, 13, 35, 64, 75, 256}

	silkModelLcgSeed = []uint{256, 64, 128, 192, 256}

	silkModelExcRate = [][]uint{
		{256, 15, 66, 78, 124, 169, 182, 215, 242, 256},
		{256, 33, 63, 99, 116, 150, 199, 217, 238, 256},
	}

	silkModelPulseCount = [][]uint{
		{
			256, 131, 205, 230, 238, 241, 244, 245, 246, 247, 248, 249, 250, 251, 252,
			253, 254, 255, 256,
		},
		{
			256, 58, 151, 211, 234, 241, 244, 245, 246, 247, 248, 249, 250, 251, 252,
			253, 254, 255, 256,
		},
		{
			256, 43, 94, 140, 173, 197, 213, 224, 232, 238, 241, 244, 247, 249, 250,
			251, 253, 254, 256,
		},
		{
			256, 17, 69, 140, 197, 228, 240, 245, 246, 247, 248, 249, 250, 251, 252,
			253, 254, 255, 256,
		},
		{
			256, 6, 27, 68, 121, 170, 205, 226, 237, 243, 246, 248, 250, 251, 252, 253,
			254, 255, 256,
		},
		{
			256, 7, 21, 43, 71, 100, 128, 153, 173, 190, 203, 214, 223, 230, 235, 239,
			243, 246, 256,
		},
		{
			256, 2, 7, 21, 50, 92, 138, 179, 210, 229, 240, 246, 249, 251, 252, 253,
			254, 255, 256,
		},
		{
			256, 1, 3, 7, 17, 36, 65, 100, 137, 171, 199, 219, 233, 241, 246, 250, 252,
			254, 256,
		},
		{
			256, 1, 3, 5, 10, 19, 33, 53, 77, 104, 132, 158, 181, 201, 216, 227, 235,
			241, 256,
		},
		{
			256, 1, 2, 3, 9, 36, 94, 150, 189, 214, 228, 238, 244, 247, 250, 252, 253,
			254, 256,
		},
		{
			256, 2, 3, 9, 36, 94, 150, 189, 214, 228, 238, 244, 247, 250, 252, 253,
			254, 256, 256,
		},
	}
)

func TestDecoder(t *testing.T) { // nolint:cyclop,gocyclo
	decoder := &Decoder{}
	decoder.Init([]byte{0x0b, 0xe4, 0xc1, 0x36, 0xec, 0xc5, 0x80})

	assert.Equal(t, uint32(0), decoder.DecodeSymbolLogP(0x1))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolLogP(0x1))

	assert.Equal(t, uint32(1), decoder.DecodeSymbolWithICDF(silkModelFrameTypeInactive))

	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelGainHighbits[0]))

	assert.Equal(t, uint32(6), decoder.DecodeSymbolWithICDF(silkModelGainLowbits))

	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelGainDelta))
	assert.Equal(t, uint32(3), decoder.DecodeSymbolWithICDF(silkModelGainDelta))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelGainDelta))

	assert.Equal(t, uint32(9), decoder.DecodeSymbolWithICDF(silkModelLsfS1[1][0]))
	assert.Equal(t, uint32(5), decoder.DecodeSymbolWithICDF(silkModelLsfS2[10]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[9]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))

	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))
	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfS2[8]))

	assert.Equal(t, uint32(4), decoder.DecodeSymbolWithICDF(silkModelLsfInterpolationOffset))

	assert.Equal(t, uint32(2), decoder.DecodeSymbolWithICDF(silkModelLcgSeed))

	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelExcRate[0]))

	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
	assert.Equal(t, uint32(0), decoder.DecodeSymbolWithICDF(silkModelPulseCount[0]))
}

func TestDecoderInitEmptyInput(t *testing.T) {
	decoder := &Decoder{}
	assert.NotPanics(t, func() {
		decoder.Init(nil)
	})
}

func TestGetBitsCrossesByteBoundary(t *testing.T) {
	decoder := &Decoder{
		data:     []byte{0b10101100, 0b01110010},
		bitsRead: 5,
	}

	assert.Equal(t, uint32(0b10001110), decoder.getBits(8))
	assert.Equal(t, uint(13), decoder.bitsRead)
}

func TestGetBitsMatchesBitByBit(t *testing.T) {
	data := []byte{0b10101100, 0b01110010, 0b11010001}
	for offset := range len(data) * 8 {
		for width := 1; width <= 8 && offset+width <= len(data)*8; width++ {
			fast := &Decoder{data: data, bitsRead: uint(offset)}
			bitByBit := &Decoder{data: data, bitsRead: uint(offset)}
			want := uint32(0)
			for i := range width {
				if i != 0 {
					want <<= 1
				}
				want |= bitByBit.getBit()
			}

			assert.Equalf(t, want, fast.getBits(width), "offset=%d width=%d", offset, width)
			assert.Equalf(t, bitByBit.bitsRead, fast.bitsRead, "offset=%d width=%d", offset, width)
		}
	}
}

func TestDecodeRawBits(t *testing.T) {
	t.Run("reads bits from the end of the frame in LSB-first order", func(t *testing.T) {
		decoder := &Decoder{data: []byte{0xB2}}

		assert.Equal(t, uint32(0xB2), decoder.DecodeRawBits(8))
		assert.Equal(t, uint(8), decoder.rawBitsRead)
		assert.Equal(t, 0, decoder.RemainingBits())
	})

	t.Run("returns zero for n==0", func(t *testing.T) {
		decoder := &Decoder{data: []byte{0xFF}}

		assert.Zero(t, decoder.DecodeRawBits(0))
		assert.Zero(t, decoder.rawBitsRead)
	})

	t.Run("pads missing raw bits with zeros", func(t *testing.T) {
		decoder := &Decoder{data: []byte{0x01}}

		assert.Equal(t, uint32(0x01), decoder.DecodeRawBits(12))
		assert.Equal(t, uint(12), decoder.rawBitsRead)
		assert.Equal(t, -4, decoder.RemainingBits())
	})
}

func TestDecodeUniform(t *testing.T) {
	t.Run("decodes values that fit entirely in the range coder", func(t *testing.T) {
		for symbol := range 6 {
			decoder := decoderWithUniformSymbol(uint32(symbol), 6)

			got, ok := decoder.DecodeUniform(6)

			assert.True(t, ok)
			assert.Equal(t, uint32(symbol), got)
		}
	})

	t.Run("combines a range-coded prefix with a raw-bit suffix", func(t *testing.T) {
		decoder := decoderWithUniformSymbol(128, 150)
		decoder.data = []byte{0x01}

		got, ok := decoder.DecodeUniform(300)

		assert.True(t, ok)
		assert.Equal(t, uint32(257), got)
	})

	t.Run("saturates values outside the requested range", func(t *testing.T) {
		decoder := decoderWithUniformSymbol(128, 129)
		decoder.data = []byte{0x01}

		got, ok := decoder.DecodeUniform(257)

		assert.False(t, ok)
		assert.Equal(t, uint32(256), got)
	})

	t.Run("accepts degenerate totals defensively", func(t *testing.T) {
		decoder := &Decoder{}

		got, ok := decoder.DecodeUniform(1)
		assert.True(t, ok)
		assert.Zero(t, got)

		got, ok = decoder.DecodeUniform(0)
		assert.False(t, ok)
		assert.Zero(t, got)
	})
}

func TestDecodeCumulative(t *testing.T) {
	decoder := decoderWithUniformSymbol(2, 5)

	symbol := decoder.DecodeCumulative(5)
	decoder.UpdateCumulative(symbol, symbol+1, 5)

	assert.Equal(t, uint32(2), symbol)
	assert.NotZero(t, decoder.FinalRange())
}

func TestSetStorageSize(t *testing.T) {
	decoder := &Decoder{}
	decoder.Init([]byte{0x00, 0x01, 0x02})

	decoder.SetStorageSize(2)
	assert.Equal(t, -8, decoder.RemainingBits())

	decoder.SetStorageSize(-1)
	assert.Equal(t, -24, decoder.RemainingBits())
}

func TestDecodeLaplace(t *testing.T) {
	zeroFrequency := uint32(72 << 7)
	decay := uint32(127 << 6)
	firstDecayFrequency := laplaceFirstDecayFrequency(zeroFrequency, decay) + laplaceMinProbability

	for _, test := range []struct {
		name   string
		symbol uint32
		want   int
	}{
		{name: "zero delta", symbol: 0, want: 0},
		{name: "first negative delta", symbol: zeroFrequency, want: -1},
		{name: "first positive delta", symbol: zeroFrequency + firstDecayFrequency, want: 1},
		{name: "second negative delta", symbol: zeroFrequency + 2*firstDecayFrequency, want: -2},
		{name: "minimum frequency tail", symbol: laplaceTotal - 1, want: 30},
	} {
		t.Run(test.name, func(t *testing.T) {
			decoder := decoderWithBin15Symbol(test.symbol)

			assert.Equal(t, test.want, decoder.DecodeLaplace(zeroFrequency, decay))
		})
	}
}

func decoderWithUniformSymbol(symbol, total uint32) *Decoder {
	const scale = 1 << 24

	decoder := &Decoder{}
	decoder.SetInternalValues(nil, 0, total*scale, (total-symbol-1)*scale)

	return decoder
}

func decoderWithBin15Symbol(symbol uint32) *Decoder {
	const scale = 1 << 16

	decoder := &Decoder{}
	decoder.SetInternalValues(nil, 0, laplaceTotal*scale, (laplaceTotal-symbol-1)*scale)

	return decoder
}

func TestTell(t *testing.T) {
	decoder := &Decoder{}
	decoder.Init(make([]byte, 8))

	assert.Equal(t, uint(1), decoder.Tell())
	assert.Equal(t, uint(8), decoder.TellFrac())

	decoder.DecodeRawBits(8)

	assert.Equal(t, uint(9), decoder.Tell())
	assert.Equal(t, uint(72), decoder.TellFrac())
}

func TestTellFracDoesNotUnderflow(t *testing.T) {
	decoder := &Decoder{rangeSize: 1 << 31}

	assert.Zero(t, decoder.TellFrac())
}

func TestSetInternalValuesResetsBitAccounting(t *testing.T) {
	decoder := &Decoder{
		rawBitsRead: 7,
		nbitsTotal:  99,
	}

	decoder.SetInternalValues([]byte{0x00, 0x00}, 12, 1<<31, 0)

	assert.Equal(t, uint(12), decoder.bitsRead)
	assert.Zero(t, decoder.rawBitsRead)
	assert.Equal(t, uint(12), decoder.nbitsTotal)
	assert.Equal(t, 4, decoder.RemainingBits())
}

func TestRemainingBitsAndFinalRange(t *testing.T) {
	t.Run("reports remaining bits conservatively", func(t *testing.T) {
		decoder := &Decoder{
			data:        []byte{0x00, 0x00},
			bitsRead:    10,
			rawBitsRead: 7,
		}

		assert.Equal(t, -1, decoder.RemainingBits())
	})

	t.Run("exposes the current final range", func(t *testing.T) {
		decoder := &Decoder{rangeSize: 12345}

		assert.Equal(t, uint32(12345), decoder.FinalRange())
	})
}
