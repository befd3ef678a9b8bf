package console

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr(f float64) *float64 { return &f }

// sampleResult exercises every rendering path: pass/fail/error, a
// multi-line message, labels, a dynamic rule, long metric keys, NaN,
// analyzers and an observation.
func sampleResult() *engine.Result {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return &engine.Result{
		ResultID:    "dqresult-0001",
		Score:       ptr(4.0 / 7.0),
		DataSource:  &engine.DataSource{Location: "testdata/taxi/sample.parquet"},
		RulesetName: "taxi",
		StartedOn:   start,
		CompletedOn: start.Add(1234 * time.Millisecond),
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: "RowCount > 10000", Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 20000}, EvaluatedRule: "RowCount > 10000"},
			{Name: "Rule_1", Description: `Completeness "passenger_count" >= 0.97`, Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Column.passenger_count.Completeness": 0.97145},
				EvaluatedRule:    `Completeness "passenger_count" >= 0.97`},
			{Name: "Rule_2", Description: `ColumnValues "fare_amount" >= 0`, Result: engine.Fail,
				EvaluationMessage: "Value: -73.0 does not meet the constraint requirement!",
				EvaluatedMetrics:  map[string]float64{"Column.fare_amount.Minimum": -73},
				EvaluatedRule:     `ColumnValues "fare_amount" >= 0`,
				Labels:            map[string]string{"team": "finance", "severity": "high"}},
			{Name: "Rule_3", Description: `ColumnValues "store_and_fwd_flag" in ["Y", "N"] with threshold >= 0.95`, Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Column.store_and_fwd_flag.ColumnValues.Compliance": 0.97145},
				EvaluatedRule:    `ColumnValues "store_and_fwd_flag" in ["Y", "N"] with threshold >= 0.95`},
			{Name: "Rule_4", Description: `CustomSql "select count(*) from primary where fare_amount < 0" = 0`, Result: engine.Error,
				EvaluationMessage: "Binder Error: Referenced column \"fare_amnt\" not found in FROM clause!\nCandidate bindings: \"fare_amount\"",
				EvaluatedMetrics:  map[string]float64{},
				EvaluatedRule:     `CustomSql "select count(*) from primary where fare_amount < 0" = 0`},
			{Name: "Rule_5", Description: "RowCount > avg(last(3)) * 0.8", Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 20000},
				EvaluatedRule:    "RowCount > 15200.0"},
			{Name: "Rule_6", Description: `(ColumnValues "systolic_bp" between 50 and 250) AND (Mean "x" > 1)`, Result: engine.Fail,
				EvaluationMessage: "Value: 461.0 does not meet the constraint requirement!\nValue: NULL does not meet the constraint requirement!",
				EvaluatedMetrics: map[string]float64{"Column.systolic_bp.Maximum": 461, "Column.systolic_bp.Minimum": 52,
					"Column.x.Mean": math.NaN(), "Column.x.StandardDeviation": 13.48903727600481},
				EvaluatedRule: `(ColumnValues "systolic_bp" between 50 and 250) AND (Mean "x" > 1)`},
		},
		AnalyzerResults: []engine.AnalyzerResult{
			{Name: "Analyzer_0", Description: "RowCount", EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 20000}},
			{Name: "Analyzer_1", Description: `Mean "tip_amount"`, EvaluatedMetrics: map[string]float64{"Column.tip_amount.Mean": 2.093553000000003}},
		},
		Observations: []engine.Observation{{
			Description: "Rule_1's metric Column.passenger_count.Completeness is below the expected range",
			MetricBasedObservation: &engine.MetricBasedObservation{
				MetricName:   "Column.passenger_count.Completeness",
				MetricValues: engine.MetricValues{ActualValue: ptr(0.5), LowerLimit: ptr(0.85), UpperLimit: ptr(0.95)},
				NewRules:     []string{`Completeness "passenger_count" between 0.85 and 0.95`},
			},
		}},
		AggregatedMetrics: &engine.AggregatedMetrics{TotalRowsProcessed: 20000},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestWriteTableGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"plain.golden", Options{}},
		{"color.golden", Options{Color: true}},
		{"narrow.golden", Options{Width: 80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, sampleResult(), tc.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestWriteTableDeterministic(t *testing.T) {
	var first string
	for i := 0; i < 20; i++ {
		var buf bytes.Buffer
		if err := WriteTable(&buf, sampleResult(), Options{}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.String()
		} else if buf.String() != first {
			t.Fatal("output changed between runs (map iteration order leaking?)")
		}
	}
}

func TestWriteTableMarkersWithoutColor(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, sampleResult(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b[") {
		t.Error("ANSI escape in output with Color off")
	}
	for _, want := range []string{"✗ FAIL", "✓ PASS", "! ERROR", "4 passed, 2 failed, 1 error — score 0.57"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestWriteTableEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, &engine.Result{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "0 passed, 0 failed, 0 errors — no rules\n" {
		t.Errorf("got %q", got)
	}
	if err := WriteTable(&buf, nil, Options{}); err == nil {
		t.Error("nil result accepted")
	}
}

func TestFormatNumber(t *testing.T) {
	for v, want := range map[float64]string{
		20000: "20000", 1e7: "10000000", -73: "-73", 0.97145: "0.97145", 0.6666666666666666: "0.666667",
		412101.2799999515: "412101.28", 13.48903727600481: "13.489", 0.00001234: "1.234e-05", 1e20: "1e+20",
	} {
		if got := formatNumber(v); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestWriteTableFailureDetails: dq's failure details show under Glue's
// message in the message column.
func TestWriteTableFailureDetails(t *testing.T) {
	failed, total := int64(12), int64(20000)
	xx, usd := "XX", "usd"
	r := &engine.Result{RuleResults: []engine.RuleResult{
		{Name: "Rule_0", Description: `ColumnValues "currency" in ["USD", "EUR"]`, Result: engine.Fail,
			EvaluationMessage: "Value: 0.9994 does not meet the constraint requirement!",
			EvaluatedMetrics:  map[string]float64{"Column.currency.ColumnValues.Compliance": 0.9994},
			FailureDetails: &engine.FailureDetails{FailedRows: &failed, TotalRows: &total,
				TopValues: []engine.ValueCount{{Value: &xx, Count: 7}, {Value: &usd, Count: 4}, {Value: nil, Count: 1}}}},
		{Name: "Rule_1", Description: `ColumnExists "countyr"`, Result: engine.Fail,
			EvaluationMessage: "Input data does not include column countyr!",
			FailureDetails:    &engine.FailureDetails{Hint: `did you mean "country"?`}},
	}}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, Options{Width: 200}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Value: 0.9994 does not meet the constraint",
		`12 of 20,000 rows failed; top values: "XX" (7),`, `"usd" (4), NULL (1)`,
		`did you mean "country"?`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
