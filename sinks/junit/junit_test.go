package junit_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	gojunit "github.com/joshdk/go-junit"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/junit"
)

func sample() *engine.Result {
	score := 1.0 / 3
	start := time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)
	return &engine.Result{
		ResultID:    "dqresult-1",
		Score:       &score,
		RulesetName: "taxi <&> \"ü\"",
		DataSource:  &engine.DataSource{Location: "trips.parquet"},
		StartedOn:   start,
		CompletedOn: start.Add(1500 * time.Millisecond),
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: "RowCount > 0", Result: engine.Pass, EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 20}},
			{Name: "Rule_1", Description: `ColumnValues "c" in ["a","<b>"]`, Result: engine.Fail,
				EvaluationMessage: "Value: 0.5 does not meet the constraint requirement! <\x1b]>",
				Labels:            map[string]string{"team": "ingest"}},
			{Name: "Rule_2", Description: `CustomSql "select x from primary"`, Result: engine.Error, EvaluationMessage: "column x not found"},
		},
		AnalyzerResults: []engine.AnalyzerResult{{Name: "Analyzer_0", Description: "RowCount"}},
	}
}

// TestJUnitReadBack parses the output with a JUnit reader (the same kind
// of parser CI reporters use) and checks every test case.
func TestJUnitReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := junit.Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	suites, err := gojunit.Ingest(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) != 1 {
		t.Fatalf("%d suites, want 1:\n%s", len(suites), buf.String())
	}
	s := suites[0]
	if s.Name != `taxi <&> "ü"` || s.Properties["ResultId"] != "dqresult-1" || s.Properties["Score"] != "0.3333333333333333" {
		t.Errorf("suite: %q %v", s.Name, s.Properties)
	}
	if s.Totals.Tests != 3 || s.Totals.Passed != 1 || s.Totals.Failed != 1 || s.Totals.Error != 1 {
		t.Errorf("totals: %+v", s.Totals)
	}
	want := []struct {
		name    string
		status  gojunit.Status
		message string
	}{
		{"Rule_0: RowCount > 0", gojunit.StatusPassed, ""},
		{`Rule_1: ColumnValues "c" in ["a","<b>"]`, gojunit.StatusFailed, "Value: 0.5 does not meet the constraint requirement! <\uFFFD]>"},
		{`Rule_2: CustomSql "select x from primary"`, gojunit.StatusError, "column x not found"},
	}
	for i, w := range want {
		tc := s.Tests[i]
		if tc.Name != w.name || tc.Status != w.status || tc.Classname != `dq.taxi <&> "ü"` {
			t.Errorf("case %d: %q %s %q", i, tc.Name, tc.Status, tc.Classname)
		}
		if w.message != "" {
			if e, ok := tc.Error.(gojunit.Error); !ok || e.Message != w.message {
				t.Errorf("case %d: error %#v, want message %q", i, tc.Error, w.message)
			}
		}
	}
	if !strings.Contains(s.Tests[0].SystemOut, "Dataset.*.RowCount = 20") || !strings.Contains(s.Tests[1].SystemOut, "label team = ingest") {
		t.Errorf("system-out: %q %q", s.Tests[0].SystemOut, s.Tests[1].SystemOut)
	}
	if !strings.Contains(buf.String(), `time="1.500"`) {
		t.Errorf("suite time missing:\n%s", buf.String())
	}
}
