package engine

import (
	"math"
	"testing"
)

// Expected strings are what Java's Double.toString prints (JDK 19+).
func TestJavaDouble(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{11, "11.0"},
		{0.4, "0.4"},
		{0.5, "0.5"},
		{1, "1.0"},
		{-3, "-3.0"},
		{12345678, "1.2345678E7"},
		{1e7, "1.0E7"},
		{9999999, "9999999.0"},
		{1e-4, "1.0E-4"},
		{0.001, "0.001"},
		{0.0009, "9.0E-4"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{100, "100.0"},
		{1e308, "1.0E308"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, "4.9E-324"},
		{float64(math.MaxInt64), "9.223372036854776E18"},
		{-1.5e-7, "-1.5E-7"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{461, "461.0"},
		{52.25, "52.25"},
	}
	for _, c := range cases {
		if got := javaDouble(c.in); got != c.want {
			t.Errorf("javaDouble(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJavaPercent(t *testing.T) {
	for in, want := range map[float64]string{0.8: "80.00", 1: "100.00", 0: "0.00", 2.0 / 3: "66.67", 0.123456: "12.35"} {
		if got := javaPercent(in); got != want {
			t.Errorf("javaPercent(%v) = %q, want %q", in, got, want)
		}
	}
}
