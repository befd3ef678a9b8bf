package engine

import (
	"context"

	"github.com/dqlabs/dq/dqdl"
)

// comparisonMessage is the failure message of Glue's comparison rules
// (RowCountMatch, ReferentialIntegrity, DatasetMatch, AggregateMatch): the
// ETL port ends it with a period where Deequ's analyzers use '!'
// (spec §12.4).
func comparisonMessage(m float64) string {
	return "Value: " + javaDouble(m) + " does not meet the constraint requirement."
}

// comparison records a comparison rule's metric and judges it against the
// rule's condition; analyzers (no condition) only report the metric. NaN
// fails whatever the condition, as elsewhere (spec §18 #15).
func (ev *evalState) comparison(ctx context.Context, r *dqdl.SimpleRule, metric string, m float64) *outcome {
	o := newOutcome()
	o.metric(metric, m)
	if r.Condition == nil {
		return o
	}
	xs, err := ev.operands(ctx, r.Condition, metric)
	if err != nil {
		o.setError(err.Error())
		return o
	}
	if m != m || !compare(r.Condition.Op, m, xs) {
		o.fail(comparisonMessage(m))
	}
	return o
}
