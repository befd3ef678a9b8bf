package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// Anomaly detection (spec §9). Glue uses an undisclosed ML model; dq uses a
// small robust-statistics baseline that a user can recompute by hand:
//
//  1. Take the most recent AnomalyWindow points of the metric before the run.
//  2. Trend: with at least 7 points (a week of daily runs), the Theil–Sen
//     line through (x, value): slope = median of the pairwise slopes,
//     intercept = median of value − slope·x. Medians ignore a planted spike
//     where least squares would chase it. With fewer points a slope is
//     mostly noise, and extrapolating it flags normal values, so the level
//     is just the median. x is days since the first point when the runs are
//     typically at least an hour apart; closer runs (a CI loop, a test,
//     a retry) are placed by their order instead, x = 0, 1, 2, … and the run
//     being judged at x = n. Seconds-apart timestamps carry no trend worth
//     extrapolating: slopes over tiny time deltas are huge, and the run's
//     own instant (now() is truncated to the minute) can even precede the
//     last point. Either way a series evenly spaced in time gives the same
//     band at any time scale, because Theil–Sen is scale-equivariant.
//  3. Weekly seasonality (time axis only): a weekday (UTC) gets a seasonal
//     offset, the median of its residuals from the trend, when its points
//     come from at least 3 different dates. Fewer would make the offset
//     mostly noise and narrow the band; many runs on one day are that
//     day's level, not a weekly pattern.
//  4. Spread: σ = 1.4826 · MAD of the residuals left after trend and season
//     (1.4826 makes the MAD estimate σ for normal noise).
//  5. Expected = trend + season at the run's instant; the band is
//     expected ± max(3σ, 1% of |expected|). The 1% floor keeps a perfectly
//     steady history (σ = 0) from flagging every tiny change.
//
// With fewer than MinAnomalyHistory points no anomaly can be claimed and the
// check passes (spec §18 #35).
const (
	MinAnomalyHistory = 3
	AnomalyWindow     = 90
	anomalySigmas     = 3.0
	anomalyRelFloor   = 0.01
	// anomalyAbsFloor absorbs float noise around an expected value of 0.
	anomalyAbsFloor = 1e-9
	// seasonMinPoints is how many different dates a weekday's points must
	// come from for it to get its own offset.
	seasonMinPoints = 3
	// stepAxisBelow: when the median gap between consecutive runs is below
	// this, runs are placed by order rather than by time (see step 2).
	stepAxisBelow = time.Hour
	// trendMinPoints is how many points a trend needs.
	trendMinPoints = 7
)

// Point is one recorded value of a metric, at the instant of its run.
type Point struct {
	At    time.Time
	Value float64
}

// Band is the range a metric is expected in, given its history.
type Band struct {
	Expected, Lower, Upper float64
	Slope                  float64 // trend, per day; per run when ByOrder
	Seasonal               bool    // a weekday offset was applied
	ByOrder                bool    // runs were placed by order, not by time (they are less than an hour apart)
	N                      int     // history points used
}

// Contains reports whether v lies in the band (bounds included). NaN is
// never inside.
func (b Band) Contains(v float64) bool { return v >= b.Lower && v <= b.Upper }

// ExpectedBand computes the band of a metric at instant at from its history
// (any order; only the AnomalyWindow most recent points are used). ok is
// false when there are fewer than MinAnomalyHistory points.
func ExpectedBand(history []Point, at time.Time) (b Band, ok bool) {
	pts := make([]Point, 0, len(history))
	for _, p := range history {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			pts = append(pts, p)
		}
	}
	// Equal instants are ordered by value so that the input's order never
	// changes the band (same inputs, byte-identical output).
	sort.SliceStable(pts, func(i, j int) bool {
		if !pts[i].At.Equal(pts[j].At) {
			return pts[i].At.Before(pts[j].At)
		}
		return pts[i].Value < pts[j].Value
	})
	if len(pts) > AnomalyWindow {
		pts = pts[len(pts)-AnomalyWindow:]
	}
	if len(pts) < MinAnomalyHistory {
		return Band{N: len(pts)}, false
	}
	xs, xAt, byOrder := anomalyAxis(pts, at)

	slope := 0.0
	if len(pts) >= trendMinPoints {
		var slopes []float64
		for i := range pts {
			for j := i + 1; j < len(pts); j++ {
				if dx := xs[j] - xs[i]; dx > 0 {
					slopes = append(slopes, (pts[j].Value-pts[i].Value)/dx)
				}
			}
		}
		if len(slopes) > 0 {
			slope = median(slopes)
		}
	}
	icpt := make([]float64, len(pts))
	for i, p := range pts {
		icpt[i] = p.Value - slope*xs[i]
	}
	intercept := median(icpt)

	resid := make([]float64, len(pts))
	byDay := map[time.Weekday][]float64{}
	dates := map[time.Weekday]map[string]bool{}
	for i, p := range pts {
		resid[i] = p.Value - (intercept + slope*xs[i])
		if byOrder {
			continue
		}
		wd := p.At.UTC().Weekday()
		byDay[wd] = append(byDay[wd], resid[i])
		if dates[wd] == nil {
			dates[wd] = map[string]bool{}
		}
		dates[wd][p.At.UTC().Format(time.DateOnly)] = true
	}
	season := map[time.Weekday]float64{}
	for wd, rs := range byDay {
		if len(dates[wd]) >= seasonMinPoints {
			season[wd] = median(rs)
		}
	}
	if len(season) > 0 {
		for i, p := range pts {
			resid[i] -= season[p.At.UTC().Weekday()]
		}
	}
	mid := median(resid)
	dev := make([]float64, len(resid))
	for i, r := range resid {
		dev[i] = math.Abs(r - mid)
	}
	sigma := 1.4826 * median(dev)

	off, seasonal := season[at.UTC().Weekday()]
	expected := intercept + slope*xAt + off
	half := math.Max(anomalySigmas*sigma, math.Max(anomalyRelFloor*math.Abs(expected), anomalyAbsFloor))
	return Band{Expected: expected, Lower: expected - half, Upper: expected + half, Slope: slope, Seasonal: seasonal, ByOrder: byOrder, N: len(pts)}, true
}

// anomalyAxis places the (sorted) points and the judged run on the x axis
// of the trend: days since the first point, or, when the median gap between
// consecutive runs is under stepAxisBelow, the runs' order (0 … n-1, the
// judged run at n). See step 2 of the method above.
func anomalyAxis(pts []Point, at time.Time) (xs []float64, xAt float64, byOrder bool) {
	xs = make([]float64, len(pts))
	gaps := make([]float64, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		gaps = append(gaps, float64(pts[i].At.Sub(pts[i-1].At)))
	}
	if len(gaps) == 0 || median(gaps) < float64(stepAxisBelow) {
		for i := range xs {
			xs[i] = float64(i)
		}
		return xs, float64(len(pts)), true
	}
	t0 := pts[0].At
	days := func(t time.Time) float64 { return t.Sub(t0).Hours() / 24 }
	for i, p := range pts {
		xs[i] = days(p.At)
	}
	return xs, days(at), false
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// anomalyTarget turns `DetectAnomalies "Completeness" "c"` into the rule
// `Completeness "c"` whose metric it watches.
func anomalyTarget(r *dqdl.SimpleRule) (*dqdl.SimpleRule, error) {
	if len(r.Params) == 0 {
		return nil, fmt.Errorf("DetectAnomalies needs a metric name, e.g. DetectAnomalies \"RowCount\"")
	}
	name := ""
	for _, m := range anomalyTargets() {
		if strings.EqualFold(m, r.Params[0].Value) {
			name = m
		}
	}
	if name == "" {
		return nil, fmt.Errorf("DetectAnomalies does not support %s; supported metrics: %s", r.Params[0].Value, strings.Join(anomalyTargets(), ", "))
	}
	inner := &dqdl.SimpleRule{Pos: r.Pos, Type: name}
	for _, p := range r.Params[1:] {
		cp := *p
		cp.Connector = ""
		inner.Params = append(inner.Params, &cp)
	}
	for _, t := range dqdl.LookupRuleType(name) {
		if t.Accepts(len(inner.Params)) {
			inner.Spec = t
		}
	}
	if inner.Spec == nil {
		return nil, fmt.Errorf("DetectAnomalies %s: wrong number of parameters (%d) for %s", name, len(inner.Params), name)
	}
	return inner, nil
}

// planDetectAnomalies plans the watched metric as an analyzer would (metric
// only, no condition) and judges its value against its history's band.
func (pl *planner) planDetectAnomalies(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) error {
	inner, err := anomalyTarget(r)
	if err != nil {
		lp.fixed = errored(err.Error())
		return nil
	}
	saved := pl.analyzer
	pl.analyzer = true
	ilp, err := pl.planLeaf(ctx, inner)
	pl.analyzer = saved
	if err != nil {
		return err
	}
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		io := judgeLeaf(ctx, ev, ilp)
		if io.result != Pass {
			return io // a missing column fails, a broken statement errors, as for the metric's own rule
		}
		if len(io.metrics) == 0 {
			return failed(strings.TrimSpace("No value of " + inner.String() + " to check for anomalies. " + io.message()))
		}
		o := newOutcome()
		names := make([]string, 0, len(io.metrics))
		for n, v := range io.metrics {
			names = append(names, n)
			o.metric(n, v)
		}
		sort.Strings(names)
		for _, n := range names {
			v := io.metrics[n]
			b, ok, err := ev.band(ctx, n)
			switch {
			case err != nil:
				// ColumnValues and ColumnLength watch two metrics: say it once.
				if slices.Contains(o.msgs, err.Error()) {
					o.result = Error
				} else {
					o.setError(err.Error())
				}
			case !ok:
				if msg := fmt.Sprintf("insufficient history (%d/%d)", b.N, MinAnomalyHistory); !slices.Contains(o.msgs, msg) {
					o.msgs = append(o.msgs, msg)
				}
			case !b.Contains(v):
				o.fail(anomalyMessage(n, v, b))
			}
		}
		return o
	}
	return nil
}

// band reads a metric's history and computes its expected band at the run's
// instant.
func (ev *evalState) band(ctx context.Context, metric string) (Band, bool, error) {
	if ev.history == nil {
		return Band{}, false, fmt.Errorf("anomaly detection needs metric history, and none is configured")
	}
	pts, err := ev.history.Points(ctx, metric, AnomalyWindow)
	if err != nil {
		return Band{}, false, fmt.Errorf("reading history of %s: %w", metric, err)
	}
	b, ok := ExpectedBand(pts, ev.now)
	return b, ok, nil
}

func anomalyMessage(metric string, v float64, b Band) string {
	return fmt.Sprintf("Value: %s of %s is outside the expected range [%s, %s] (expected %s from %d previous values)",
		javaDouble(v), metric, javaDouble(roundSig(b.Lower)), javaDouble(roundSig(b.Upper)), javaDouble(roundSig(b.Expected)), b.N)
}

// roundSig keeps 6 significant digits: the bands are estimates, and
// 9018.400000000001 only hides the number a user wants to read.
func roundSig(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	p := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// maxObservations is the API's limit on Observations in one result.
const maxObservations = 50

// observe checks every metric of the run against its history and reports
// the anomalous ones as Glue-shaped observations (spec §9).
func (ev *evalState) observe(ctx context.Context, res *Result) []Observation {
	// Series are keyed like the history: a metric computed under a where
	// clause is its own series (HistoryKey).
	type series struct{ metric, where string }
	seen := map[string]bool{}
	var order []string
	values := map[string]float64{}
	of := map[string]series{}
	add := func(ms map[string]float64, wheres map[string]string) {
		names := make([]string, 0, len(ms))
		for n := range ms {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			key := HistoryKey(n, wheres[n])
			if !seen[key] {
				seen[key] = true
				order = append(order, key)
				values[key] = ms[n]
				of[key] = series{n, wheres[n]}
			}
		}
	}
	for _, rr := range res.RuleResults {
		if rr.Result != Error {
			add(rr.EvaluatedMetrics, rr.MetricWheres)
		}
	}
	for _, ar := range res.AnalyzerResults {
		add(ar.EvaluatedMetrics, nil)
	}
	var obs []Observation
	for _, n := range order {
		v := values[n]
		b, ok, err := ev.band(ctx, n)
		if err != nil || !ok || b.Contains(v) {
			continue
		}
		actual, exp, lo, hi := v, roundSig(b.Expected), roundSig(b.Lower), roundSig(b.Upper)
		mo := &MetricBasedObservation{
			MetricName:   n,
			MetricValues: MetricValues{ActualValue: &actual, ExpectedValue: &exp, LowerLimit: &lo, UpperLimit: &hi},
		}
		if rule := suggestRule(of[n].metric, b); rule != "" {
			if w := of[n].where; w != "" {
				rule += ` where "` + w + `"`
			}
			mo.NewRules = []string{rule}
		}
		obs = append(obs, Observation{
			Description: fmt.Sprintf("Value %s of %s is outside the expected range [%s, %s] (expected %s from %d previous runs).",
				javaDouble(v), n, javaDouble(lo), javaDouble(hi), javaDouble(exp), b.N),
			MetricBasedObservation: mo,
		})
		if len(obs) == maxObservations {
			break
		}
	}
	return obs
}

// suggestRule proposes a static rule that holds on the band, for the
// metrics whose name maps back to a rule unambiguously; "" otherwise.
func suggestRule(metric string, b Band) string {
	lo, hi := b.Lower, b.Upper
	counts := func() {
		lo, hi = math.Floor(lo), math.Ceil(hi)
	}
	between := func() string { return "between " + suggestNumber(lo) + " and " + suggestNumber(hi) }
	if name, ok := strings.CutPrefix(metric, "Dataset.*."); ok {
		if k := ruleKinds[name]; k != nil && k.anomaly == suggestDatasetCount {
			counts()
			lo, hi = lo-1, hi+1 // between is exclusive
			return name + " " + between()
		}
		return ""
	}
	rest, ok := strings.CutPrefix(metric, "Column.")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return ""
	}
	col, name := rest[:i], rest[i+1:]
	k := ruleKinds[name]
	if k == nil {
		return ""
	}
	switch k.anomaly {
	case suggestColumnCount:
		counts()
		lo, hi = lo-1, hi+1
	case suggestRatio:
		lo, hi = math.Max(lo, 0), math.Min(hi, 1)
		if hi >= 1 {
			return name + " " + quoteParam(col) + " >= " + suggestNumber(lo)
		}
	case suggestBetween:
	default:
		return ""
	}
	return name + " " + quoteParam(col) + " " + between()
}

func suggestNumber(x float64) string { return fmt.Sprint(roundSig(x)) }

func quoteParam(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
