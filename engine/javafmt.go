package engine

import (
	"math"
	"strconv"
	"strings"
)

// javaDouble renders f the way Java's Double.toString does, because Glue's
// messages ("Value: 11.0 does not meet the constraint requirement!") embed
// numbers in that form and users grep for them. Java (JDK 19+) prints the
// shortest decimal that round-trips, like Go's 'g' with precision -1, but
// always with a fractional digit, in plain notation for 1e-3 <= |f| < 1e7
// and as d.dddE<exp> otherwise.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// Java (JDK 19+) picks the shortest decimal that round-trips, but never
	// fewer than two significant digits: a one-digit result is replaced by
	// the closest two-digit decimal (4.9E-324, not 5.0E-324).
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. -1.2345678e+07, 1e-04
	if mant, _, _ := strings.Cut(s, "e"); !strings.Contains(mant, ".") {
		s = strconv.FormatFloat(f, 'e', 1, 64)
	}
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(mant, "-")
	digits := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		digits = "0"
	}
	var out string
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		if e >= 0 {
			for len(digits) < e+2 {
				digits += "0"
			}
			out = digits[:e+1] + "." + digits[e+1:]
		} else {
			out = "0." + strings.Repeat("0", -e-1) + digits
		}
	} else {
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		out = digits[:1] + "." + frac + "E" + strconv.Itoa(e)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// javaPercent renders a ratio as Glue's compliance rules do ("%.2f %%" of
// ratio*100, e.g. "80.00"). Java's String.format rounds HALF_UP on the
// exact decimal value of the double; Go's 'f' formatting rounds the exact
// binary value to nearest-even, which only differs on exact ties.
func javaPercent(ratio float64) string {
	return strconv.FormatFloat(ratio*100, 'f', 2, 64)
}
