package audio

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func resampleAll(t testing.TB, in []float64, inRate, outRate int) []int16 {
	t.Helper()
	r, err := NewResampler(inRate, outRate)
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(in))
	for i, v := range in {
		f[i] = float32(v)
	}
	out := r.Process(f, nil)
	return r.Flush(out)
}

func TestResampleKeepsToneFrequencyAndAmplitude(t *testing.T) {
	for _, rate := range []int{48000, 44100, 8000, 11025, 22050, 32000, 96000, 44101} {
		n := rate * 2
		got := resampleAll(t, sine(1000, 12000, rate, n), rate, Rate)
		wantLen := (int64(n)*Rate + int64(rate) - 1) / int64(rate)
		if int64(len(got)) != wantLen {
			t.Errorf("%d Hz: %d output samples, want %d", rate, len(got), wantLen)
		}
		// Ignore 50 ms at each end, where the filter sees the zero padding.
		snr := snrDB(got, 1000, 12000, Rate, Rate/20)
		t.Logf("%6d Hz -> 16 kHz, 1 kHz tone: SNR %.1f dB", rate, snr)
		if snr < 40 {
			t.Errorf("%d Hz: SNR %.1f dB vs an ideal 16 kHz sine, want > 40", rate, snr)
		}
	}
}

func TestResampleAttenuatesAboveOutputNyquist(t *testing.T) {
	for _, rate := range []int{48000, 44100} {
		for _, freq := range []float64{8500, 9000, 12000, 15000} {
			const amp = 16000.0
			got := resampleAll(t, sine(freq, amp, rate, rate), rate, Rate)
			edge := Rate / 20
			rms := rmsRange(got[edge : len(got)-edge])
			atten := 20 * math.Log10((amp/math.Sqrt2)/math.Max(rms, 1e-9))
			t.Logf("%d Hz input, %.0f Hz tone: attenuated %.1f dB", rate, freq, atten)
			if atten < 40 {
				t.Errorf("%d Hz input, %.0f Hz tone: only %.1f dB attenuation (aliasing), want > 40", rate, freq, atten)
			}
		}
	}
}

func TestResampleUpsamplingRemovesImages(t *testing.T) {
	// 8 kHz speech-band input: a 3 kHz tone must come out clean at 16 kHz,
	// with no image at 5 kHz.
	got := resampleAll(t, sine(3000, 12000, 8000, 16000), 8000, Rate)
	if snr := snrDB(got, 3000, 12000, Rate, Rate/20); snr < 40 {
		t.Errorf("8 kHz -> 16 kHz, 3 kHz tone: SNR %.1f dB, want > 40 (an image would show as noise)", snr)
	}
}

func TestResampleStreamingMatchesOneShot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rate := range []int{48000, 44100, 8000, 16000, 44101} {
		in := make([]float32, rate+rng.IntN(rate))
		for i := range in {
			in[i] = float32(rng.NormFloat64() * 5000)
		}
		whole, _ := NewResampler(rate, Rate)
		want := whole.Flush(whole.Process(in, nil))

		parts, _ := NewResampler(rate, Rate)
		var got []int16
		for rest := in; len(rest) > 0; {
			k := min(len(rest), rng.IntN(3000))
			got = parts.Process(rest[:k], got)
			rest = rest[k:]
		}
		got = parts.Flush(got)
		if !slices.Equal(got, want) {
			t.Errorf("%d Hz: streaming in random blocks gave %d samples differing from one-shot %d", rate, len(got), len(want))
		}
	}
}

func TestResampleOutputLengthIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, rate := range []int{44101, 7999, 48000, 44100, 8000, 16000, 192000, 37337} {
		r0, _ := NewResampler(rate, Rate)
		for iter := 0; iter < 40; iter++ {
			n := rng.IntN(5000)
			r, _ := NewResampler(rate, Rate)
			out := r.Flush(r.Process(make([]float32, n), nil))
			want := (int64(n)*Rate + int64(rate) - 1) / int64(rate)
			if int64(len(out)) != want {
				t.Fatalf("%d Hz (%d taps), %d samples in: %d out, want %d", rate, r0.Taps(), n, len(out), want)
			}
		}
	}
}

func TestResampleLastOutputRoundingUp(t *testing.T) {
	// With more phases than the table holds (44101 Hz needs 16000), an
	// output position rounds to the nearest phase and may round up onto
	// the next input sample. Find an input length where that happens to
	// the very last output and check nothing is lost.
	const rate = 44101
	l, m, p := int64(Rate), int64(rate), int64(maxPhases)
	n := int64(0)
	for try := int64(1); try < 1_000_000; try++ {
		last := (try*l+m-1)/m - 1
		if frac := last * m % l; (frac*p+l/2)/l == p {
			n = try
			break
		}
	}
	if n == 0 {
		t.Fatal("no input length rounds the last output up; the search range is too small")
	}
	r, _ := NewResampler(rate, Rate)
	out := r.Flush(r.Process(make([]float32, n), nil))
	if want := (n*l + m - 1) / m; int64(len(out)) != want {
		t.Fatalf("%d samples in: %d out, want %d", n, len(out), want)
	}
}

func TestResamplerRejectsBadRates(t *testing.T) {
	for _, c := range [][2]int{{0, 16000}, {48000, 0}, {-1, 16000}, {2_000_000, 16000}} {
		if _, err := NewResampler(c[0], c[1]); err == nil {
			t.Errorf("NewResampler(%d, %d): no error", c[0], c[1])
		}
	}
}

func TestResampleSilenceStaysSilent(t *testing.T) {
	got := resampleAll(t, make([]float64, 44100), 44100, Rate)
	for i, v := range got {
		if v != 0 {
			t.Fatalf("sample %d = %d from silent input", i, v)
		}
	}
}

func BenchmarkResample48kTo16k(b *testing.B) { benchResample(b, 48000) }
func BenchmarkResample44kTo16k(b *testing.B) { benchResample(b, 44100) }

func benchResample(b *testing.B, rate int) {
	in := make([]float32, rate*10)
	for i := range in {
		in[i] = float32(10000 * math.Sin(float64(i)*0.05))
	}
	out := make([]int16, 0, Rate*11)
	b.SetBytes(int64(len(in) * 2)) // as 16-bit input
	b.ResetTimer()
	for b.Loop() {
		r, _ := NewResampler(rate, Rate)
		out = r.Flush(r.Process(in, out[:0]))
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*float64(len(in))*2/1e6/sec, "MB/s")
	b.ReportMetric(float64(b.N)*10/sec, "x-realtime")
}
