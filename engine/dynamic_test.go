package engine

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

type fakeHistory map[string][]float64

func (h fakeHistory) Last(_ context.Context, metric string, k int) ([]float64, error) {
	v := h[metric]
	if len(v) > k {
		v = v[:k]
	}
	return v, nil
}

// Points dates the values one day apart, most recent first, ending the day
// before testNow.
func (h fakeHistory) Points(ctx context.Context, metric string, k int) ([]Point, error) {
	vs, _ := h.Last(ctx, metric, k)
	out := make([]Point, len(vs))
	for i, v := range vs {
		out[i] = Point{At: testNow.AddDate(0, 0, -1-i), Value: v}
	}
	return out, nil
}

func TestDynamicExpressions(t *testing.T) {
	h := fakeHistory{"Dataset.*.RowCount": {10, 20, 30, 40}}
	cases := []struct {
		expr string
		want float64
		err  string
	}{
		{"avg(last(3))", 20, ""},
		{"avg(last(10)) * 0.8", 20, ""},
		{"1 + 2 * 3", 9, ""}, // one precedence level, left-associative (spec §5.1)
		{"max(last(2))", 20, ""},
		{"min(last(4))", 10, ""},
		{"sum(last(4))", 100, ""},
		{"median(last(4))", 25, ""},
		{"std(last(2))", 5, ""},
		{"abs(0 - 3)", 3, ""},
		{"index(last(3), 0)", 10, ""},
		{"index(last(3), 2)", 30, ""},
		{"last()", 10, ""},
		{"max(last(2), 100)", 100, ""},
		{"index(last(3), 3)", 0, "out of range"},
		{"last(2)", 0, "Rule threshold results in list, and a single value is expected. Use aggregation functions to produce a single value.2"},
		{"last(2) + 1", 0, "Binary expression operands must resolve to a single number"},
		{"percentile(last(2), 0.5)", 0, "unknown function percentile()"},
	}
	for _, c := range cases {
		rs, err := dqdl.Parse("t", "Rules = [ RowCount > "+c.expr+" ]")
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		d := &dynEvaluator{hist: h, metric: "Dataset.*.RowCount"}
		got, err := d.number(context.Background(), rs.Rules[0].(*dqdl.SimpleRule).Condition.Operands[0])
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: err = %v, want %q", c.expr, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.expr, err)
		case c.err == "" && math.Abs(got-c.want) > 1e-12:
			t.Errorf("%s = %v, want %v", c.expr, got, c.want)
		}
	}
	// No history yet: last(k) is 0.0 (documented default).
	d := &dynEvaluator{hist: fakeHistory{}, metric: "x"}
	rs, _ := dqdl.Parse("t", "Rules = [ RowCount > avg(last(3)) ]")
	if got, err := d.number(context.Background(), rs.Rules[0].(*dqdl.SimpleRule).Condition.Operands[0]); err != nil || got != 0 {
		t.Errorf("empty history: %v, %v", got, err)
	}
}

// With a History, dynamic rules evaluate; EvaluatedRule still shows the source.
func TestEvalWithHistory(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `Rules = [ RowCount > avg(last(3)) * 0.8, RowCount < min(last(3)) ]`,
		Options{History: fakeHistory{"Dataset.*.RowCount": {5, 6, 7}}})
	checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Dataset.*.RowCount", 5)})
	checkRule(t, res.RuleResults[1], ruleCase{result: Fail, msg: "Value: 5.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 5)})
}
