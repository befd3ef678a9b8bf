package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// tenRuns are ten daily runs with a drop on day 7 (0-based); every run but
// day 5 also recorded Column.c.Completeness.
func tenRuns(excludeDay7 bool) []RecordedRun {
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	rows := []float64{100, 102, 98, 101, 99, 103, 100, 50, 101, 99}
	var runs []RecordedRun
	for i, v := range rows {
		r := RecordedRun{ResultID: fmt.Sprintf("r%d", i), At: start.AddDate(0, 0, i), Metrics: map[string]float64{"Dataset.*.RowCount": v}}
		if i != 5 {
			r.Metrics["Column.c.Completeness"] = 1
		}
		if i == 7 && excludeDay7 {
			r.Excluded = map[string]bool{"Dataset.*.RowCount": true}
		}
		runs = append(runs, r)
	}
	// Backtest sorts; give it the runs newest first, as a store lists them.
	slices.Reverse(runs)
	return runs
}

func failedRuns(bt BacktestRule) []string {
	var out []string
	for _, r := range bt.Runs {
		if r.Result != Pass {
			out = append(out, r.ResultID)
		}
	}
	return out
}

func TestBacktest(t *testing.T) {
	rs := parseRules(t, `Rules = [
		RowCount > avg(last(5)) * 0.9,
		DetectAnomalies "RowCount",
		RowCount >= min(last(2)),
		RowCount > 10,
		(RowCount > 0) AND (Completeness "c" >= avg(last(2))),
		ColumnValues "x" > avg(last(3))
	]`)
	bts := Backtest(context.Background(), rs, tenRuns(false), time.Time{})
	names := make([]string, len(bts))
	for i, b := range bts {
		names[i] = b.Name + " " + b.Rule
	}
	want := []string{"Rule_0 RowCount > avg(last(5)) * 0.9", `Rule_1 DetectAnomalies "RowCount"`, "Rule_2 RowCount >= min(last(2))",
		`Rule_4 Completeness "c" >= avg(last(2))`, `Rule_5 ColumnValues "x" > avg(last(3))`}
	if !slices.Equal(names, want) {
		t.Fatalf("replayed rules %q, want %q", names, want)
	}

	// Day 7: last(5) = 100,103,99,101,98 → avg 100.2 → threshold 90.18.
	avg := bts[0]
	if got := failedRuns(avg); !slices.Equal(got, []string{"r7"}) || avg.Failed != 1 || len(avg.Runs) != 10 {
		t.Errorf("avg rule failed on %v (%d of %d)", got, avg.Failed, len(avg.Runs))
	}
	if r := avg.Runs[7]; r.EvaluatedRule != "RowCount > "+javaDouble(501.0/5*0.9) || r.Values["Dataset.*.RowCount"] != 50 || r.History != 7 {
		t.Errorf("day 7: %+v", r)
	}
	// No history on day 0: last(k) is 0.0.
	if r := avg.Runs[0]; r.EvaluatedRule != "RowCount > 0.0" || r.Result != Pass {
		t.Errorf("day 0: %+v", r)
	}

	anom := bts[1]
	if got := failedRuns(anom); !slices.Equal(got, []string{"r7"}) {
		t.Errorf("DetectAnomalies failed on %v", got)
	}
	if r := anom.Runs[2]; r.Message != "insufficient history (2/3)" || r.Lower != nil {
		t.Errorf("day 2: %+v", r)
	}
	// Day 3: level median(100,102,98) = 100, residuals 0,2,-2, MAD 2.
	checkLimits(t, "day 3", anom.Runs[3], 100-3*1.4826*2, 100+3*1.4826*2)
	// Day 7: 7 points, so a trend: median slope 0.25, intercept 100,
	// expected 101.75; residual MAD 1.75 (worked out in the comments of
	// TestBacktestDay7Band).
	checkLimits(t, "day 7", anom.Runs[7], 101.75-3*1.4826*1.75, 101.75+3*1.4826*1.75)

	// min(last(2)): fails on day 2 (98 < min(102,100)) and day 7.
	if got := failedRuns(bts[2]); !slices.Equal(got, []string{"r2", "r7"}) {
		t.Errorf("min rule failed on %v", got)
	}
	// The composite's dynamic leaf; day 5 has no Completeness.
	if c := bts[3]; c.Failed != 0 || c.Skipped != 1 || len(c.Runs) != 9 {
		t.Errorf("completeness leaf: failed %d skipped %d runs %d", c.Failed, c.Skipped, len(c.Runs))
	}
	if p := bts[4].Problem; p == "" {
		t.Error("ColumnValues with a dynamic condition must report why it cannot be replayed")
	}

	// Excluding day 7 keeps the drop out of later history: min(last(2)) on
	// day 9 is min(101,100) = 100 > 99, a new failure; day 7 is still
	// judged, marked excluded.
	bts = Backtest(context.Background(), rs, tenRuns(true), time.Time{})
	if got := failedRuns(bts[2]); !slices.Equal(got, []string{"r2", "r7", "r9"}) {
		t.Errorf("with day 7 excluded, min rule failed on %v", got)
	}
	if !bts[2].Runs[7].Excluded || bts[2].Runs[8].History != 7 {
		t.Errorf("day 7 excluded=%v, day 8 history=%d (want true, 7)", bts[2].Runs[7].Excluded, bts[2].Runs[8].History)
	}

	// since: earlier runs are history, not judged.
	bts = Backtest(context.Background(), rs, tenRuns(false), time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
	if n := len(bts[0].Runs); n != 8 || bts[0].Runs[0].ResultID != "r2" || bts[0].Runs[0].History != 2 {
		t.Errorf("since day 2: %d runs, first %+v", n, bts[0].Runs[0])
	}
}

func checkLimits(t *testing.T, name string, r BacktestResult, lo, hi float64) {
	t.Helper()
	if r.Lower == nil || r.Upper == nil || math.Abs(*r.Lower-lo) > 1e-3 || math.Abs(*r.Upper-hi) > 1e-3 {
		t.Errorf("%s: limits %v..%v, want %.4f..%.4f (%+v)", name, r.Lower, r.Upper, lo, hi, r)
	}
}

// TestBacktestDay7Band pins the hand computation used above. History
// x=0..6: 100,102,98,101,99,103,100. The 21 pairwise slopes sorted are
// -4,-3,-2,-1,-1,-0.5,-0.4,-1/3,-0.25,0,0.25,1/3,0.5,0.5,0.5,0.6,1,5/3,2,3,4;
// the 11th is 0.25. Intercepts y-0.25x: 100,101.75,97.5,100.25,98,101.75,
// 98.5, median 100. Residuals 0,1.75,-2,0.25,-2,1.75,-1.5: median 0, MAD 1.75.
func TestBacktestDay7Band(t *testing.T) {
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	b, ok := ExpectedBand(daily(start, 100, 102, 98, 101, 99, 103, 100), start.AddDate(0, 0, 7))
	half := 3 * 1.4826 * 1.75
	checkBand(t, "day 7", b, ok, Band{Expected: 101.75, Lower: 101.75 - half, Upper: 101.75 + half, Slope: 0.25, N: 7})
}
