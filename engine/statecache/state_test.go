package statecache

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func merge(t *testing.T, ss ...State) State {
	t.Helper()
	out := ss[0]
	for _, s := range ss[1:] {
		var err error
		if out, err = out.Merge(s); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sumOf(t *testing.T, text string) State {
	t.Helper()
	s, err := SumOf(text, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCountAndSum(t *testing.T) {
	if got := merge(t, State{Kind: KindCount, N: 3}, New(KindCount), State{Kind: KindCount, N: 4}).Count(); got != 7 {
		t.Errorf("count = %d, want 7", got)
	}
	// Decimal text is added exactly: 0.1 + 0.2 is 0.3, not the double sum
	// 0.30000000000000004.
	if v, ok := merge(t, sumOf(t, "0.1"), sumOf(t, "0.2")).SumValue(); !ok || v != 0.3 {
		t.Errorf("0.1 + 0.2 = %v %v, want 0.3", v, ok)
	}
	// HUGEINT's maximum plus one is 2^127 exactly, beyond any int64.
	max := "170141183460469231731687303715884105727"
	if v, _ := merge(t, sumOf(t, max), sumOf(t, "1")).SumValue(); v != math.Ldexp(1, 127) {
		t.Errorf("hugeint sum = %v, want 2^127", v)
	}
	// Cancellation that a running double sum loses: 1e16 + 1 - 1e16.
	if v, _ := merge(t, sumOf(t, "1e16"), sumOf(t, "1"), sumOf(t, "-1e16")).SumValue(); v != 1 {
		t.Errorf("1e16 + 1 - 1e16 = %v, want 1", v)
	}
	// NULL sums (no values) do not make the result NULL unless all are.
	null, _ := SumOf("", true)
	if _, ok := merge(t, null, null).SumValue(); ok {
		t.Error("sum of two empty files is not NULL")
	}
	if v, ok := merge(t, null, sumOf(t, "-2.5")).SumValue(); !ok || v != -2.5 {
		t.Errorf("NULL + -2.5 = %v %v", v, ok)
	}
	for _, c := range []struct {
		parts []string
		want  float64
	}{
		{[]string{"inf", "1"}, math.Inf(1)},
		{[]string{"-inf", "1"}, math.Inf(-1)},
		{[]string{"inf", "-inf"}, math.NaN()},
		{[]string{"nan", "1"}, math.NaN()},
		{[]string{"inf", "nan"}, math.NaN()},
	} {
		var ss []State
		for _, p := range c.parts {
			ss = append(ss, sumOf(t, p))
		}
		v, _ := merge(t, ss...).SumValue()
		if !same(v, c.want) {
			t.Errorf("sum %v = %v, want %v", c.parts, v, c.want)
		}
	}
	// Add from raw doubles agrees with the merge of texts.
	s := New(KindSum)
	for _, x := range []float64{0.1, 0.2, math.MaxFloat64, -math.MaxFloat64} {
		s.Add(x)
	}
	if v, _ := s.SumValue(); v != 0.30000000000000004 { // the exact sum of the doubles 0.1 and 0.2, rounded
		t.Errorf("exact sum = %.17g", v)
	}
	if _, err := SumOf("twelve", false); err == nil {
		t.Error("SumOf accepted text that is not a number")
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func TestExtremesOrderNaNAboveInfinity(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ext := func(k Kind, xs ...float64) float64 {
		s := New(k)
		for _, x := range xs {
			s = merge(t, s, ExtremeOf(k, x, false))
		}
		v, _ := s.Extreme()
		return v
	}
	for _, c := range []struct {
		k    Kind
		xs   []float64
		want float64
	}{
		{KindMax, []float64{1, nan, 3}, nan},
		{KindMin, []float64{nan, 1, 3}, 1},
		{KindMin, []float64{nan, nan}, nan},
		{KindMax, []float64{inf, nan}, nan},
		{KindMax, []float64{inf, 5}, inf},
		{KindMin, []float64{3, math.Inf(-1), nan}, math.Inf(-1)},
		{KindMin, []float64{-0.5, -7}, -7},
	} {
		if got := ext(c.k, c.xs...); !same(got, c.want) {
			t.Errorf("%s%v = %v, want %v", c.k, c.xs, got, c.want)
		}
	}
	// A file without values (NULL) does not count.
	s := merge(t, ExtremeOf(KindMin, 0, true), ExtremeOf(KindMin, 4, false), ExtremeOf(KindMin, -1, true))
	if v, ok := s.Extreme(); !ok || v != 4 {
		t.Errorf("min with NULL files = %v %v, want 4", v, ok)
	}
	if _, ok := merge(t, New(KindMax), ExtremeOf(KindMax, 0, true)).Extreme(); ok {
		t.Error("max of NULLs is not NULL")
	}
	if _, err := New(KindMin).Merge(New(KindMax)); err == nil {
		t.Error("merged a min state into a max state")
	}
}

func TestMomentsChan(t *testing.T) {
	// {1,2} and {3,4}: means 1.5 and 3.5, M2 0.5 each; merged
	// M2 = 0.5 + 0.5 + 2²·2·2/4 = 5, var_pop 5/4.
	a, b := MomentsOf(2, 1.5, 0.25), MomentsOf(2, 3.5, 0.25)
	m := merge(t, a, New(KindMoments), b, MomentsOf(0, 0, 0))
	if v, _ := m.VarPop(); v != 1.25 {
		t.Errorf("var_pop = %v, want 1.25", v)
	}
	if v, _ := m.Mean(); v != 2.5 {
		t.Errorf("mean = %v, want 2.5", v)
	}
	if v, _ := m.StddevPop(); v != math.Sqrt(1.25) {
		t.Errorf("stddev_pop = %v", v)
	}
	if _, ok := merge(t, New(KindMoments), New(KindMoments)).VarPop(); ok {
		t.Error("var_pop of no values is not NULL")
	}
	// One value: variance 0, as DuckDB's var_pop.
	if v, ok := MomentsOf(1, 7, 0).VarPop(); !ok || v != 0 {
		t.Errorf("var_pop of one value = %v %v", v, ok)
	}
	// Large values with a small spread: 1e9+{1,2,3,4} split unevenly.
	p, q := New(KindMoments), New(KindMoments)
	p.Add(1e9 + 1)
	for _, x := range []float64{1e9 + 2, 1e9 + 3, 1e9 + 4} {
		q.Add(x)
	}
	if v, _ := merge(t, p, q).VarPop(); math.Abs(v-1.25) > 1e-6 {
		t.Errorf("var_pop of 1e9+{1..4} = %v, want 1.25", v)
	}
}

func TestCoMoments(t *testing.T) {
	// x = 1,2,3, y = 2,4,7: Sxy = 5, Sxx = 2, Syy = 114/9.
	want := 5 / math.Sqrt(2*114.0/9)
	one := func(x, y float64) State {
		s := New(KindCoMoments)
		s.AddPair(x, y)
		return s
	}
	c := merge(t, one(1, 2), New(KindCoMoments), one(2, 4), one(3, 7))
	if v, _ := c.Corr(); math.Abs(v-want) > 1e-15 {
		t.Errorf("corr = %v, want %v", v, want)
	}
	if c.Cxy != 5 || c.M2X != 2 || math.Abs(c.M2Y-114.0/9) > 1e-14 {
		t.Errorf("co-moments = %v", c)
	}
	if _, ok := New(KindCoMoments).Corr(); ok {
		t.Error("corr of no pairs is not NULL")
	}
	if v, ok := one(1, 2).Corr(); !ok || !math.IsNaN(v) {
		t.Errorf("corr of one pair = %v %v, want NaN as DuckDB", v, ok)
	}
	if v, _ := merge(t, one(1, 2), one(1, 5)).Corr(); !math.IsNaN(v) {
		t.Errorf("corr with constant x = %v, want NaN", v)
	}
	// regr_* outputs of DuckDB for the same data.
	d := CoMomentsOf(3, 2, 13.0/3, 2, 114.0/9, 5)
	if v, _ := d.Corr(); math.Abs(v-want) > 1e-15 {
		t.Errorf("corr from regr_* = %v", v)
	}
}

// TestMergedEqualsOnePass splits random data into random batches (as
// files) and checks that merging the batches' states gives the one-pass
// values, to 1e-12 relative, against references computed independently in
// 256-bit floating point.
func TestMergedEqualsOnePass(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(2000)
		// Offsets and spreads of well-conditioned data (mean/stddev up to
		// ~30): no floating-point variance is accurate to 1e-12 when the
		// mean dwarfs the spread, neither one-pass nor merged.
		offset := []float64{0, 1e6, -3e3, 1e-3, 5e10}[trial%5]
		scale := []float64{1, 1e5, 100, 1e-2, 1e12}[trial%5]
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range xs {
			xs[i] = offset + scale*r.NormFloat64()
			ys[i] = 0.5*xs[i] + scale*r.NormFloat64()
		}
		// Random cut points; empty batches allowed.
		var cuts []int
		for i := 0; i < n; i += r.IntN(400) {
			cuts = append(cuts, i)
		}
		cuts = append(cuts, n, n)
		merged := map[Kind]State{}
		for _, k := range []Kind{KindCount, KindSum, KindMin, KindMax, KindMoments, KindCoMoments} {
			merged[k] = New(k)
		}
		for b := 0; b+1 < len(cuts); b++ {
			for k := range merged {
				s := New(k)
				for i := cuts[b]; i < cuts[b+1]; i++ {
					if k == KindCoMoments {
						s.AddPair(xs[i], ys[i])
					} else {
						s.Add(xs[i])
					}
				}
				merged[k] = merge(t, merged[k], s)
			}
		}
		ref := reference(xs, ys)
		check := func(what string, got, want float64) {
			if rel := math.Abs(got-want) / math.Max(math.Abs(want), 1e-300); rel > 1e-12 {
				t.Fatalf("trial %d (n=%d, %d batches): %s = %.17g, want %.17g (rel %g)", trial, n, len(cuts)-1, what, got, want, rel)
			}
		}
		if merged[KindCount].Count() != int64(n) {
			t.Fatalf("count = %d, want %d", merged[KindCount].Count(), n)
		}
		sv, _ := merged[KindSum].SumValue()
		check("sum", sv, ref.sum)
		mn, _ := merged[KindMin].Extreme()
		mx, _ := merged[KindMax].Extreme()
		check("min", mn, ref.min)
		check("max", mx, ref.max)
		m, _ := merged[KindMoments].Mean()
		check("mean", m, ref.mean)
		v, _ := merged[KindMoments].VarPop()
		check("var_pop", v, ref.varPop)
		c, _ := merged[KindCoMoments].Corr()
		check("corr", c, ref.corr)
	}
}

type refValues struct{ sum, min, max, mean, varPop, corr float64 }

// reference computes the statistics two-pass in 256-bit floats.
func reference(xs, ys []float64) refValues {
	const prec = 256
	f := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	n := f(float64(len(xs)))
	sx, sy := f(0), f(0)
	out := refValues{min: math.Inf(1), max: math.Inf(-1)}
	for i := range xs {
		sx.Add(sx, f(xs[i]))
		sy.Add(sy, f(ys[i]))
		out.min, out.max = math.Min(out.min, xs[i]), math.Max(out.max, xs[i])
	}
	mx := new(big.Float).SetPrec(prec).Quo(sx, n)
	my := new(big.Float).SetPrec(prec).Quo(sy, n)
	sxx, syy, sxy := f(0), f(0), f(0)
	for i := range xs {
		dx := new(big.Float).SetPrec(prec).Sub(f(xs[i]), mx)
		dy := new(big.Float).SetPrec(prec).Sub(f(ys[i]), my)
		sxx.Add(sxx, new(big.Float).SetPrec(prec).Mul(dx, dx))
		syy.Add(syy, new(big.Float).SetPrec(prec).Mul(dy, dy))
		sxy.Add(sxy, new(big.Float).SetPrec(prec).Mul(dx, dy))
	}
	out.sum, _ = sx.Float64()
	out.mean, _ = mx.Float64()
	v := new(big.Float).SetPrec(prec).Quo(sxx, n)
	out.varPop, _ = v.Float64()
	den := new(big.Float).SetPrec(prec).Mul(sxx, syy)
	den.Sqrt(den)
	c := new(big.Float).SetPrec(prec).Quo(sxy, den)
	out.corr, _ = c.Float64()
	return out
}
