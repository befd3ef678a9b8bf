package web

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/engine"
)

func series(vals ...float64) []Point {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Point, len(vals))
	for i, v := range vals {
		out[i] = Point{At: t0.AddDate(0, 0, i), Value: v}
	}
	return out
}

func TestLineChart(t *testing.T) {
	if LineChart("m", nil) != "" || LineChart("m", series(math.NaN(), math.Inf(1))) != "" {
		t.Error("a chart of nothing finite should be empty")
	}
	one := string(LineChart("Dataset.*.RowCount", series(5)))
	if !strings.Contains(one, `aria-label="Dataset.*.RowCount over 1 runs`) || strings.Contains(one, "NaN") {
		t.Errorf("single point: %s", one)
	}
	// Ten steady points and a drop: the band appears once there is enough
	// history, and the drop is outside it.
	vals := []float64{100, 101, 99, 100, 102, 100, 101, 99, 100, 101, 20}
	c := string(LineChart("RowCount", append(series(vals...), Point{At: time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC), Value: math.NaN()})))
	if !strings.Contains(c, `class="band"`) || strings.Count(c, `class="pt anomaly"`) != 1 || !strings.Contains(c, "1 outside the expected band") {
		t.Errorf("chart: %s", c)
	}
	if strings.Contains(c, "NaN") {
		t.Error("NaN leaked into the SVG")
	}
	// The band is ExpectedBand's: check the last point against it.
	var hist []engine.Point
	for _, p := range series(vals[:10]...) {
		hist = append(hist, engine.Point{At: p.At, Value: p.Value})
	}
	b, ok := engine.ExpectedBand(hist, series(vals...)[10].At)
	if !ok || b.Contains(20) || !b.Contains(100) {
		t.Errorf("band %+v %v", b, ok)
	}
}

func TestSparklineEscapes(t *testing.T) {
	s := string(Sparkline(`<Score "x">`, series(0.5, 1)))
	if strings.Contains(s, `<Score`) || !strings.Contains(s, "&lt;Score &#34;x&#34;&gt;") {
		t.Errorf("label not escaped: %s", s)
	}
	if got := string(Sparkline("Score", nil)); !strings.Contains(got, "no runs yet") {
		t.Errorf("empty sparkline: %s", got)
	}
}

func TestRuleRows(t *testing.T) {
	res := func(outcomes ...engine.Outcome) *engine.Result {
		r := &engine.Result{}
		for i, o := range outcomes {
			r.RuleResults = append(r.RuleResults, engine.RuleResult{Name: "Rule_" + string(rune('0'+i)), Description: "R" + string(rune('A'+i)), Result: o, EvaluationMessage: "msg"})
		}
		return r
	}
	runs := []scheduler.Run{
		{Status: scheduler.Passed, Result: res(engine.Pass, engine.Pass)},
		{Status: scheduler.Skipped},
		{Status: scheduler.Failed, Result: res(engine.Fail, engine.Pass)},
	}
	rows := RuleRows(runs)
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	var classes []string
	for _, c := range rows[0].Cells {
		classes = append(classes, c.Class)
	}
	if strings.Join(classes, " ") != "PASS none FAIL" || rows[0].Last != "FAIL" || rows[0].Message != "msg" || rows[1].Message != "" {
		t.Errorf("row 0 = %+v", rows[0])
	}
	if rows[0].Summary != "3 runs, 1 pass, 1 fail, 1 no result" {
		t.Errorf("summary = %q", rows[0].Summary)
	}
	if RuleRows([]scheduler.Run{{Status: scheduler.Skipped}}) != nil {
		t.Error("rows without any result")
	}
}
