package jsonout

import (
	"bytes"
	"encoding/json"
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

func sampleResult() *engine.Result {
	// A non-UTC zone on purpose: output must be UTC regardless.
	ny := time.FixedZone("EST", -5*3600)
	start := time.Date(2026, 11, 27, 5, 0, 0, 123456789, ny)
	return &engine.Result{
		ResultID:    "dqresult-0001",
		Score:       ptr(2.0 / 3.0),
		DataSource:  &engine.DataSource{Location: "testdata/taxi/sample.parquet"},
		RulesetName: "taxi",
		StartedOn:   start,
		CompletedOn: start.Add(1234 * time.Millisecond),
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: "RowCount > 10000", Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 20000}, EvaluatedRule: "RowCount > 10000"},
			{Name: "Rule_1", Description: `ColumnValues "fare_amount" >= 0`, Result: engine.Fail,
				EvaluationMessage: "Value: -73.0 does not meet the constraint requirement!",
				EvaluatedMetrics:  map[string]float64{"Column.fare_amount.Minimum": -73, "Column.fare_amount.Weird": math.Inf(1)},
				EvaluatedRule:     `ColumnValues "fare_amount" >= 0`,
				Labels:            map[string]string{"team": "finance", "severity": "high"},
				FailureDetails: &engine.FailureDetails{FailedRows: ptrInt(3), TotalRows: ptrInt(20000),
					TopValues: []engine.ValueCount{{Value: ptrStr("-73.0"), Count: 2}, {Value: nil, Count: 1}}}},
			{Name: "Rule_2", Description: `Mean "x" > 1`, Result: engine.Error,
				EvaluationMessage: "Binder Error: column \"x\" not found",
				EvaluatedMetrics:  map[string]float64{"Column.x.Mean": math.NaN()},
				EvaluatedRule:     `Mean "x" > 1`},
		},
		AnalyzerResults: []engine.AnalyzerResult{
			{Name: "Analyzer_0", Description: `Mean "tip_amount"`, EvaluatedMetrics: map[string]float64{"Column.tip_amount.Mean": 2.093553000000003}},
		},
		Observations: []engine.Observation{{
			Description: "Column.passenger_count.Completeness is below the expected range",
			MetricBasedObservation: &engine.MetricBasedObservation{
				MetricName:   "Column.passenger_count.Completeness",
				MetricValues: engine.MetricValues{ActualValue: ptr(0.5), ExpectedValue: ptr(math.NaN()), LowerLimit: ptr(0.85), UpperLimit: ptr(0.95)},
				NewRules:     []string{`Completeness "passenger_count" between 0.85 and 0.95`},
			},
		}},
		AggregatedMetrics: &engine.AggregatedMetrics{TotalRowsProcessed: 20000, TotalRowsPassed: 19975, TotalRowsFailed: 25,
			TotalRulesProcessed: 3, TotalRulesPassed: 1, TotalRulesFailed: math.NaN()},
	}
}

func TestWriteGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sampleResult()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "result.golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, buf.Bytes(), want)
	}
}

// TestRoundTrip checks that the output decodes back into engine.Result,
// so Go consumers can read dq's JSON with the engine's own types.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := sampleResult()
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	var out engine.Result
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if !out.StartedOn.Equal(in.StartedOn.Truncate(time.Millisecond)) {
		t.Errorf("StartedOn: got %v, want %v", out.StartedOn, in.StartedOn.Truncate(time.Millisecond))
	}
	if len(out.RuleResults) != 3 || out.RuleResults[1].Result != engine.Fail || out.RuleResults[1].Labels["team"] != "finance" {
		t.Errorf("rule results did not survive: %+v", out.RuleResults)
	}
	if d := out.RuleResults[1].FailureDetails; d == nil || *d.FailedRows != 3 || *d.TotalRows != 20000 || len(d.TopValues) != 2 ||
		*d.TopValues[0].Value != "-73.0" || d.TopValues[1].Value != nil || d.TopValues[1].Count != 1 {
		t.Errorf("FailureDetails did not survive: %+v", d)
	}
	if _, ok := out.RuleResults[1].EvaluatedMetrics["Column.fare_amount.Weird"]; ok {
		t.Error("+Inf metric was written")
	}
	if *out.Score != *in.Score {
		t.Errorf("Score: got %v, want %v", *out.Score, *in.Score)
	}
}

func TestNonFiniteNeverFails(t *testing.T) {
	nan := math.NaN()
	r := &engine.Result{Score: &nan, RuleResults: []engine.RuleResult{{Name: "Rule_0", Result: engine.Pass,
		EvaluatedMetrics: map[string]float64{"a": math.Inf(-1)}}}}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{`"Score": null`, `"EvaluatedMetrics": {}`, `"StartedOn": null`, `"AnalyzerResults": []`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s:\n%s", want, s)
		}
	}
}

func TestEmptyAndNil(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, &engine.Result{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"RuleResults": []`) {
		t.Errorf("empty RuleResults not written as []:\n%s", buf.String())
	}
	if err := Write(&buf, nil); err == nil {
		t.Error("nil result accepted")
	}
}

func ptrInt(n int64) *int64   { return &n }
func ptrStr(s string) *string { return &s }
