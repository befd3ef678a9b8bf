package engine

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// outcome is the verdict on one rule (leaf or composite) before it becomes
// a RuleResult.
type outcome struct {
	result  Outcome
	msgs    []string
	metrics map[string]float64
	wheres  map[string]string // metric name → where clause it was computed under
	// details are dq's additions for a person fixing the data (failing
	// rows and values, a close column name); nil when there are none.
	details *FailureDetails
}

func newOutcome() *outcome { return &outcome{result: Pass, metrics: map[string]float64{}} }

func failed(msg string) *outcome {
	o := newOutcome()
	o.fail(msg)
	return o
}

func errored(msg string) *outcome {
	o := newOutcome()
	o.result = Error
	o.msgs = append(o.msgs, msg)
	return o
}

// metric records an evaluated metric. NaN and infinities are left out
// because the result JSON (like Glue's API map of doubles) cannot carry
// them; the message still shows them (spec §18 #15).
func (o *outcome) metric(name string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	o.metrics[name] = v
}

// fail marks the outcome failed; an error stays an error.
func (o *outcome) fail(msg string) {
	if o.result != Error {
		o.result = Fail
	}
	if msg != "" {
		o.msgs = append(o.msgs, msg)
	}
}

func (o *outcome) setError(msg string) {
	o.result = Error
	if msg != "" {
		o.msgs = append(o.msgs, msg)
	}
}

func (o *outcome) message() string { return strings.Join(o.msgs, "\n") }

func valueMessage(m float64) string {
	return "Value: " + javaDouble(m) + " does not meet the constraint requirement!"
}

const nullValueMessage = "Value: NULL does not meet the constraint requirement!"

// compare applies a number condition's operator to a metric. It follows
// Glue's NumberBasedCondition: between is exclusive, not between is its
// exact complement, and = is exact (no epsilon).
func compare(op dqdl.Op, m float64, xs []float64) bool {
	switch op {
	case dqdl.OpEq:
		return m == xs[0]
	case dqdl.OpNe:
		return m != xs[0]
	case dqdl.OpGt:
		return m > xs[0]
	case dqdl.OpGe:
		return m >= xs[0]
	case dqdl.OpLt:
		return m < xs[0]
	case dqdl.OpLe:
		return m <= xs[0]
	case dqdl.OpBetween:
		return len(xs) == 2 && xs[0] < m && m < xs[1]
	case dqdl.OpNotBetween:
		return len(xs) == 2 && (m <= xs[0] || m >= xs[1])
	case dqdl.OpIn, dqdl.OpNotIn:
		found := false
		for _, x := range xs {
			if m == x {
				found = true
			}
		}
		return found == (op == dqdl.OpIn)
	}
	return false
}

// operands evaluates a number condition's operands, resolving dynamic
// expressions through the history (if any).
func (ev *evalState) operands(ctx context.Context, c *dqdl.Condition, metric string) ([]float64, error) {
	d := &dynEvaluator{hist: ev.history, metric: HistoryKey(metric, ev.where)}
	xs := make([]float64, 0, len(c.Operands))
	for _, o := range c.Operands {
		f, err := d.number(ctx, o)
		if err != nil {
			if errors.Is(err, errNoHistory) {
				return nil, errors.New(err.Error() + ": " + operandText(o))
			}
			return nil, err
		}
		xs = append(xs, f)
	}
	ev.noteResolved(c, xs)
	return xs, nil
}

// check judges metric m against a number condition and records the
// verdict in o: NaN always fails (a NaN metric means "no meaningful
// value", spec §18 #15); dynamic operands that cannot be resolved make the
// rule an ERROR.
func (ev *evalState) check(ctx context.Context, o *outcome, c *dqdl.Condition, metric string, m float64) {
	xs, err := ev.operands(ctx, c, metric)
	if err != nil {
		o.setError(err.Error())
		return
	}
	if math.IsNaN(m) || !compare(c.Op, m, xs) {
		o.fail(valueMessage(m))
	}
}

// checkOne judges "metric must be exactly 1.0", the default when a rule
// has no condition or no threshold.
func checkOne(o *outcome, m float64) {
	if m != 1 {
		o.fail(valueMessage(m))
	}
}

// combine folds the children's outcomes of a composite rule evaluated in
// dataset mode (spec §7.2, Glue's RuleOutcome algebra): AND passes iff
// every child passes, OR iff at least one does. An errored child counts as
// not passed, so a composite is PASS or FAIL, never ERROR; the child's
// error text stays in the joined message, which is where a user sees it.
// Messages are joined and metrics unioned (later keys win).
func combine(op dqdl.LogicalOp, kids []*outcome) *outcome {
	o := newOutcome()
	pass := 0
	for _, k := range kids {
		if k.result == Pass {
			pass++
		}
		o.msgs = append(o.msgs, k.msgs...)
		if k.details != nil && k.details.Hint != "" {
			// Row counts belong to one leaf; a composite keeps only hints.
			if o.details == nil {
				o.details = &FailureDetails{}
			}
			o.details.Hint = strings.TrimPrefix(o.details.Hint+"; "+k.details.Hint, "; ")
		}
		for n, v := range k.metrics {
			o.metrics[n] = v
			if w, ok := k.wheres[n]; ok {
				if o.wheres == nil {
					o.wheres = map[string]string{}
				}
				o.wheres[n] = w
			} else {
				delete(o.wheres, n)
			}
		}
	}
	if (op == dqdl.And && pass < len(kids)) || (op == dqdl.Or && pass == 0) {
		o.result = Fail
	}
	// A part the engine cannot evaluate leaves the composite's verdict
	// unknown: it ERRORs rather than pass or fail on the other parts.
	for _, k := range kids {
		if k.result == Error && strings.HasPrefix(k.message(), cannotEvaluate) {
			o.result = Error
			o.msgs = []string{k.message()}
			break
		}
	}
	return o
}
