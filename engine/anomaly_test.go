package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// daily returns points one day apart starting at start, in order.
func daily(start time.Time, vals ...float64) []Point {
	out := make([]Point, len(vals))
	for i, v := range vals {
		out[i] = Point{At: start.AddDate(0, 0, i), Value: v}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkBand(t *testing.T, name string, got Band, ok bool, want Band) {
	t.Helper()
	if !ok {
		t.Fatalf("%s: no band (n=%d)", name, got.N)
	}
	if !near(got.Expected, want.Expected) || !near(got.Lower, want.Lower) || !near(got.Upper, want.Upper) ||
		!near(got.Slope, want.Slope) || got.Seasonal != want.Seasonal || got.N != want.N {
		t.Errorf("%s: band = %+v, want %+v", name, got, want)
	}
}

func TestExpectedBandTrendIgnoresOutlier(t *testing.T) {
	start := time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)
	// y = 100 + 2x with an outlier at x=6. Of the 21 pairwise slopes, the
	// 15 among x=0..5 are 2 and the 6 with x=6 are larger (16.7 … 90), so
	// the median slope is 2; the intercepts y-2x are six 100s and 188,
	// median 100. The residuals are six 0s and 88: MAD 0, so the band is the
	// 1% floor around 100+2·7 = 114: [112.86, 115.14].
	pts := daily(start, 100, 102, 104, 106, 108, 110, 200)
	at := start.AddDate(0, 0, 7)
	b, ok := ExpectedBand(pts, at)
	checkBand(t, "trend", b, ok, Band{Expected: 114, Lower: 112.86, Upper: 115.14, Slope: 2, N: 7})
	if !b.Contains(114.5) || b.Contains(116) || b.Contains(math.NaN()) {
		t.Errorf("Contains: 114.5 in, 116 and NaN out of %+v", b)
	}
	// Order of the input does not matter.
	rev := []Point{pts[5], pts[2], pts[0], pts[6], pts[4], pts[1], pts[3]}
	b2, _ := ExpectedBand(rev, at)
	if b2 != b {
		t.Errorf("shuffled input: %+v, want %+v", b2, b)
	}
	// Six points are too few for a trend: the level is their median,
	// (104+106)/2 = 105; residuals -5,-3,-1,1,3,5 have median 0 and MAD 3.
	b, ok = ExpectedBand(pts[:6], start.AddDate(0, 0, 6))
	half := 3 * 1.4826 * 3
	checkBand(t, "no trend", b, ok, Band{Expected: 105, Lower: 105 - half, Upper: 105 + half, N: 6})
}

func TestExpectedBandMAD(t *testing.T) {
	start := time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)
	// A palindrome, so the pairwise slopes are symmetric and their median is
	// 0; intercept = median(100,110,95,110,100) = 100; residuals 0,10,-5,10,0,
	// median 0, absolute deviations 0,10,5,10,0, MAD 5, σ = 1.4826·5.
	pts := daily(start, 100, 110, 95, 110, 100)
	b, ok := ExpectedBand(pts, start.AddDate(0, 0, 5))
	half := 3 * 1.4826 * 5
	checkBand(t, "mad", b, ok, Band{Expected: 100, Lower: 100 - half, Upper: 100 + half, N: 5})
	if !b.Contains(122) || b.Contains(123) || b.Contains(77) {
		t.Errorf("band %+v: want 122 in, 123 and 77 out", b)
	}
}

func TestExpectedBandWeeklySeason(t *testing.T) {
	// Weeks that start on a Thursday with only Sunday low are palindromes
	// (Sunday sits at offset 3 of 7 from both ends), so the median slope is 0.
	thursday := time.Date(2024, 5, 2, 6, 0, 0, 0, time.UTC)
	if thursday.Weekday() != time.Thursday {
		t.Fatal("fixture start is not a Thursday")
	}
	weeks := func(n int) []Point {
		var vals []float64
		for i := 0; i < 7*n; i++ {
			v := 100.0
			if thursday.AddDate(0, 0, i).Weekday() == time.Sunday {
				v = 50
			}
			vals = append(vals, v)
		}
		return daily(thursday, vals...)
	}
	// Four weeks: every weekday has 4 ≥ 3 points. Sunday's offset is the
	// median of its residuals, -50; what remains is 0, so σ = 0 and the band
	// is the 1% floor.
	pts := weeks(4)
	nextThu, nextSun := thursday.AddDate(0, 0, 28), thursday.AddDate(0, 0, 31)
	b, ok := ExpectedBand(pts, nextSun)
	checkBand(t, "sunday", b, ok, Band{Expected: 50, Lower: 49.5, Upper: 50.5, Seasonal: true, N: 28})
	if b.Contains(100) {
		t.Error("a weekday level on a Sunday must be an anomaly")
	}
	b, ok = ExpectedBand(pts, nextThu)
	checkBand(t, "thursday", b, ok, Band{Expected: 100, Lower: 99, Upper: 101, Seasonal: true, N: 28})
	if b.Contains(50) {
		t.Error("a Sunday level on a Thursday must be an anomaly")
	}
	// Two weeks give each weekday only 2 points: no offset, and a normal
	// Sunday looks anomalous. This is the price of not fitting noise.
	b, ok = ExpectedBand(weeks(2), thursday.AddDate(0, 0, 17))
	checkBand(t, "two weeks", b, ok, Band{Expected: 100, Lower: 99, Upper: 101, N: 14})
}

func TestExpectedBandShortHistory(t *testing.T) {
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; n < MinAnomalyHistory; n++ {
		pts := daily(start, make([]float64, n)...)
		if b, ok := ExpectedBand(pts, start.AddDate(0, 0, n)); ok || b.N != n {
			t.Errorf("%d points: ok=%v n=%d, want no band", n, ok, b.N)
		}
	}
	// Non-finite values are not history.
	pts := daily(start, 1, math.NaN(), math.Inf(1), 1)
	if _, ok := ExpectedBand(pts, start.AddDate(0, 0, 5)); ok {
		t.Error("2 finite points must not make a band")
	}
	// Runs at one instant have no slope; the median of the values remains.
	same := []Point{{At: start, Value: 10}, {At: start, Value: 20}, {At: start, Value: 30}}
	b, ok := ExpectedBand(same, start.AddDate(0, 0, 1))
	// residuals -10,0,10: MAD 10, σ = 14.826
	checkBand(t, "same instant", b, ok, Band{Expected: 20, Lower: 20 - 3*14.826, Upper: 20 + 3*14.826, N: 3})
}

func TestDetectAnomaliesRule(t *testing.T) {
	p := writeParquet(t, "basic", basicTable) // 5 rows; cat and amount 4/5 complete
	cases := []struct {
		rule string
		hist fakeHistory
		want ruleCase
	}{
		{`DetectAnomalies "RowCount"`, fakeHistory{"Dataset.*.RowCount": {5, 5, 5}},
			ruleCase{result: Pass, metrics: m("Dataset.*.RowCount", 5)}},
		{`DetectAnomalies "RowCount"`, fakeHistory{"Dataset.*.RowCount": {10, 10, 10}},
			ruleCase{result: Fail, msg: "Value: 5.0 of Dataset.*.RowCount is outside the expected range [9.9, 10.1] (expected 10.0 from 3 previous values)", metrics: m("Dataset.*.RowCount", 5)}},
		{`DetectAnomalies "RowCount"`, fakeHistory{"Dataset.*.RowCount": {10, 10}},
			ruleCase{result: Pass, msg: "insufficient history (2/3)", metrics: m("Dataset.*.RowCount", 5)}},
		{`DetectAnomalies "RowCount"`, fakeHistory{},
			ruleCase{result: Pass, msg: "insufficient history (0/3)", metrics: m("Dataset.*.RowCount", 5)}},
		{`DetectAnomalies of Completeness of "cat"`, fakeHistory{"Column.cat.Completeness": {1, 1, 1, 1}},
			ruleCase{result: Fail, msg: "Value: 0.8 of Column.cat.Completeness is outside the expected range [0.99, 1.01] (expected 1.0 from 4 previous values)", metrics: m("Column.cat.Completeness", 0.8)}},
		{`DetectAnomalies "Mean" "amount"`, fakeHistory{"Column.amount.Mean": {25, 24, 26}},
			ruleCase{result: Pass, metrics: m("Column.amount.Mean", 25)}},
		{`DetectAnomalies "customsql" "select count(*) from primary"`, fakeHistory{"Dataset.*.CustomSQL": {5, 5, 5}},
			ruleCase{result: Pass, metrics: m("Dataset.*.CustomSQL", 5)}},
		{`DetectAnomalies "Completeness" "nope"`, fakeHistory{},
			ruleCase{result: Fail, msg: "Input data does not include column nope!"}},
		{`DetectAnomalies "IsComplete" "cat"`, fakeHistory{},
			ruleCase{result: Error, prefix: true, msg: "DetectAnomalies does not support IsComplete; supported metrics: RowCount, Completeness"}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res := evaluate(t, p, "Rules = [ "+c.rule+" ]", Options{History: c.hist})
			checkRule(t, res.RuleResults[0], c.want)
		})
	}
	// ColumnLength has two metrics; each is checked.
	res := evaluate(t, p, `Rules = [ DetectAnomalies "ColumnLength" "email" ]`, Options{History: fakeHistory{
		"Column.email.MinimumLength": {1, 1, 1}, "Column.email.MaximumLength": {9, 9, 9}}})
	checkRule(t, res.RuleResults[0], ruleCase{result: Fail,
		msg:     "Value: 3.0 of Column.email.MaximumLength is outside the expected range [8.91, 9.09] (expected 9.0 from 3 previous values)",
		metrics: m("Column.email.MinimumLength", 1, "Column.email.MaximumLength", 3)})
	// Both metrics short of history, or no history at all: said once, not
	// once per metric.
	res = evaluate(t, p, `Rules = [ DetectAnomalies "ColumnValues" "amount" ]`, Options{History: fakeHistory{}})
	checkRule(t, res.RuleResults[0], ruleCase{result: Pass, msg: "insufficient history (0/3)",
		metrics: m("Column.amount.Minimum", 10, "Column.amount.Maximum", 40)})
	res = evaluate(t, p, `Rules = [ DetectAnomalies "ColumnLength" "email" ]`, Options{})
	checkRule(t, res.RuleResults[0], ruleCase{result: Error, msg: "anomaly detection needs metric history, and none is configured",
		metrics: m("Column.email.MinimumLength", 1, "Column.email.MaximumLength", 3)})
}

func TestObservations(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	hist := fakeHistory{
		"Dataset.*.RowCount":         {10, 10, 10}, // 5 is anomalous
		"Column.cat.Completeness":    {0.8, 0.8, 0.8},
		"Column.amount.Mean":         {25, 25},        // too short
		"Column.amount.Completeness": {1, 1, 1, 1, 1}, // 0.8 is anomalous
	}
	src := `Rules = [ RowCount > 0, Completeness "cat" > 0.5 ] Analyzers = [ Mean "amount", Completeness "amount" ]`
	res := evaluate(t, p, src, Options{History: hist, Observations: true})
	if len(res.Observations) != 2 {
		t.Fatalf("observations: %+v", res.Observations)
	}
	o := res.Observations[0].MetricBasedObservation
	if o.MetricName != "Dataset.*.RowCount" || *o.MetricValues.ActualValue != 5 || *o.MetricValues.ExpectedValue != 10 ||
		*o.MetricValues.LowerLimit != 9.9 || *o.MetricValues.UpperLimit != 10.1 {
		t.Errorf("RowCount observation: %+v %+v", o, o.MetricValues)
	}
	// between is exclusive: the suggestion widens the rounded band by one.
	if len(o.NewRules) != 1 || o.NewRules[0] != "RowCount between 8 and 12" {
		t.Errorf("NewRules = %q", o.NewRules)
	}
	if d := res.Observations[0].Description; !strings.Contains(d, "Value 5.0 of Dataset.*.RowCount is outside the expected range [9.9, 10.1]") {
		t.Errorf("description %q", d)
	}
	o = res.Observations[1].MetricBasedObservation
	if o.MetricName != "Column.amount.Completeness" || len(o.NewRules) != 1 || o.NewRules[0] != `Completeness "amount" >= 0.99` {
		t.Errorf("Completeness observation: %+v", o)
	}
	// Off by default.
	if res := evaluate(t, p, src, Options{History: hist}); len(res.Observations) != 0 {
		t.Errorf("observations without the option: %+v", res.Observations)
	}
}

// spaced returns points step apart starting at start, in order.
func spaced(start time.Time, step time.Duration, vals ...float64) []Point {
	out := make([]Point, len(vals))
	for i, v := range vals {
		out[i] = Point{At: start.Add(time.Duration(i) * step), Value: v}
	}
	return out
}

// TestExpectedBandTimeScale: the same ten values give the same band
// whether the runs are days, hours, minutes, seconds or milliseconds apart,
// and a stable series recorded seconds apart does not alarm on a normal
// value, even when the judged run's instant (truncated to the minute)
// precedes the last recorded point.
func TestExpectedBandTimeScale(t *testing.T) {
	vals := []float64{100, 102, 98, 101, 99, 100, 103, 97, 100, 101}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) // a Monday
	// Hand computation on x = 0..9: of the 45 pairwise slopes 20 are
	// negative, 4 zero and 21 positive, so the median (the 23rd) is 0; the
	// intercept is
	// median(vals) = 100, the residuals are vals-100 with MAD
	// median(0,2,2,1,1,0,3,3,0,1) = 1, σ = 1.4826, half = 3σ = 4.4478.
	want := Band{Expected: 100, Lower: 100 - 3*1.4826, Upper: 100 + 3*1.4826, N: 10}
	for _, tc := range []struct {
		name string
		step time.Duration
	}{
		{"days", 24 * time.Hour}, {"hours", time.Hour}, {"minutes", time.Minute},
		{"seconds", time.Second}, {"milliseconds", time.Millisecond},
	} {
		pts := spaced(start, tc.step, vals...)
		b, ok := ExpectedBand(pts, start.Add(10*tc.step))
		checkBand(t, tc.name, b, ok, want)
		if b.ByOrder != (tc.step < time.Hour) {
			t.Errorf("%s: ByOrder = %v", tc.name, b.ByOrder)
		}
		for _, v := range []float64{96, 100, 104} {
			if !b.Contains(v) {
				t.Errorf("%s: normal value %v flagged, band %+v", tc.name, v, b)
			}
		}
		if b.Contains(110) || b.Contains(90) {
			t.Errorf("%s: 90 and 110 must be anomalies, band %+v", tc.name, b)
		}
	}

	// Seconds apart, judged at the minute the last runs fall in (now() is
	// truncated to the minute, so the instant precedes them): still the same
	// band, where a time axis would extrapolate a slope of thousands per day
	// backwards.
	pts := spaced(start.Add(5*time.Second), 5*time.Second, vals...)
	b, ok := ExpectedBand(pts, start)
	checkBand(t, "judged before the last point", b, ok, want)

	// Irregular sub-second jitter and duplicate instants: still by order.
	jit := make([]Point, len(vals))
	for i, v := range vals {
		jit[i] = Point{At: start.Add(time.Duration(i/2) * 3 * time.Millisecond), Value: v}
	}
	b, ok = ExpectedBand(jit, start.Add(time.Minute))
	if !ok || !b.ByOrder || b.Seasonal || !b.Contains(100) {
		t.Errorf("jittered: %+v", b)
	}
}

// TestExpectedBandNoSeasonWithinADay: hourly runs on one day put many
// points on one weekday, but a weekly offset needs that weekday on 3
// different dates.
func TestExpectedBandNoSeasonWithinADay(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var vals []float64
	for i := 0; i < 20; i++ {
		vals = append(vals, 50)
	}
	b, ok := ExpectedBand(spaced(start, time.Hour, vals...), start.Add(20*time.Hour))
	checkBand(t, "hourly", b, ok, Band{Expected: 50, Lower: 49.5, Upper: 50.5, N: 20})
}

// TestExpectedBandDeterministic: points in any order, including ties on
// the instant, give the identical band.
func TestExpectedBandDeterministic(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	pts := []Point{{start, 5}, {start, 9}, {start, 7}, {start.Add(time.Second), 6}, {start.Add(time.Second), 8},
		{start.Add(2 * time.Second), 4}, {start.Add(2 * time.Second), 10}, {start.Add(3 * time.Second), 6}}
	want, _ := ExpectedBand(pts, start.Add(time.Minute))
	for k := 0; k < 20; k++ {
		sh := slices.Clone(pts)
		rand.New(rand.NewPCG(uint64(k), 1)).Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		if got, _ := ExpectedBand(sh, start.Add(time.Minute)); got != want {
			t.Fatalf("shuffle %d: %+v, want %+v", k, got, want)
		}
	}
}
