package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// History supplies previous values of a metric to dynamic rules such as
// `RowCount > avg(last(10))` and to anomaly detection. It is scoped to one
// dataset and holds only what was recorded before the current run, without
// the points a user excluded (Glue's "exclude statistics"). dq's store is
// package engine/history; the engine knows only this interface.
type History interface {
	// Last returns up to k of the most recent values of metric, most recent
	// first.
	Last(ctx context.Context, metric string, k int) ([]float64, error)
	// Points is Last with each value's run instant, which anomaly
	// detection needs for trend and weekly seasonality.
	Points(ctx context.Context, metric string, k int) ([]Point, error)
}

// errNoHistory is returned by last(k) when no history store is configured.
var errNoHistory = errors.New("dynamic rules need metric history, and none is configured")

// dynValue is the value of a dynamic expression: a scalar, or a list (from
// last(k)). A one-element list is usable as a scalar, as in Glue.
type dynValue struct {
	list   []float64
	isList bool
	scalar float64
}

func scalarValue(f float64) dynValue { return dynValue{scalar: f} }

// asScalar reduces v to one number, with the error texts Glue's open-source
// port uses.
func (v dynValue) asScalar() (float64, error) {
	if !v.isList {
		return v.scalar, nil
	}
	switch len(v.list) {
	case 0:
		return 0, errors.New("Rule threshold results in empty list, and a single value is expected.")
	case 1:
		return v.list[0], nil
	}
	return 0, fmt.Errorf("Rule threshold results in list, and a single value is expected. Use aggregation functions to produce a single value.%d", len(v.list))
}

// dynEvaluator evaluates number operands. hist is nil when no history store
// is available; metric is the history key of the rule being judged.
type dynEvaluator struct {
	hist   History
	metric string
}

// number evaluates a number operand to a scalar.
func (d *dynEvaluator) number(ctx context.Context, o dqdl.Operand) (float64, error) {
	v, err := d.eval(ctx, o)
	if err != nil {
		return 0, err
	}
	return v.asScalar()
}

func (d *dynEvaluator) eval(ctx context.Context, o dqdl.Operand) (dynValue, error) {
	switch o := o.(type) {
	case *dqdl.Number:
		return scalarValue(o.Value), nil
	case *dqdl.Paren:
		return d.eval(ctx, o.X)
	case *dqdl.Binary:
		x, err := d.eval(ctx, o.X)
		if err != nil {
			return dynValue{}, err
		}
		y, err := d.eval(ctx, o.Y)
		if err != nil {
			return dynValue{}, err
		}
		if (x.isList && len(x.list) != 1) || (y.isList && len(y.list) != 1) {
			return dynValue{}, errors.New("Binary expression operands must resolve to a single number")
		}
		a, _ := x.asScalar()
		b, _ := y.asScalar()
		switch o.Op {
		case '+':
			return scalarValue(a + b), nil
		case '-':
			return scalarValue(a - b), nil
		case '*':
			return scalarValue(a * b), nil
		case '/':
			return scalarValue(a / b), nil // IEEE: x/0 is ±Inf or NaN, and the rule then fails on it
		}
		return dynValue{}, fmt.Errorf("unknown operator %q", o.Op)
	case *dqdl.Call:
		return d.call(ctx, o)
	case *dqdl.Keyword:
		return dynValue{}, errors.New("NULL is not a number here")
	}
	return dynValue{}, fmt.Errorf("unsupported operand %T", o)
}

func (d *dynEvaluator) call(ctx context.Context, c *dqdl.Call) (dynValue, error) {
	if c.Name == "last" {
		k := 1
		if len(c.Args) > 1 {
			return dynValue{}, errors.New("last() takes at most one argument")
		}
		if len(c.Args) == 1 {
			f, err := d.number(ctx, c.Args[0])
			if err != nil {
				return dynValue{}, err
			}
			if f < 1 || f != math.Trunc(f) {
				return dynValue{}, fmt.Errorf("last(k) needs a positive integer k, got %s", javaDouble(f))
			}
			k = int(f)
		}
		if d.hist == nil {
			return dynValue{}, errNoHistory
		}
		vals, err := d.hist.Last(ctx, d.metric, k)
		if err != nil {
			return dynValue{}, fmt.Errorf("reading history of %s: %w", d.metric, err)
		}
		if len(vals) == 0 {
			vals = []float64{0} // documented: "last(k) will return the default value 0.0"
		}
		return dynValue{list: vals, isList: true}, nil
	}
	// Every other function takes numbers or lists; lists are flattened so
	// that max(last(5), 100) works as the conformance corpus expects.
	var args []dynValue
	for _, a := range c.Args {
		v, err := d.eval(ctx, a)
		if err != nil {
			return dynValue{}, err
		}
		args = append(args, v)
	}
	switch c.Name {
	case "abs":
		if len(args) != 1 {
			return dynValue{}, errors.New("abs() takes one argument")
		}
		f, err := args[0].asScalar()
		if err != nil {
			return dynValue{}, err
		}
		return scalarValue(math.Abs(f)), nil
	case "index":
		if len(args) != 2 || !args[0].isList {
			return dynValue{}, errors.New("index() takes a list and a position, e.g. index(last(3), 0)")
		}
		i, err := args[1].asScalar()
		if err != nil {
			return dynValue{}, err
		}
		if i < 0 || i != math.Trunc(i) || int(i) >= len(args[0].list) {
			return dynValue{}, fmt.Errorf("index %s is out of range for a list of %d values", javaDouble(i), len(args[0].list))
		}
		return scalarValue(args[0].list[int(i)]), nil
	}
	var xs []float64
	for _, a := range args {
		if a.isList {
			xs = append(xs, a.list...)
		} else {
			xs = append(xs, a.scalar)
		}
	}
	f, err := aggregate(c.Name, xs)
	if err != nil {
		return dynValue{}, err
	}
	return scalarValue(f), nil
}

// aggregate applies a list function. std is the population standard
// deviation, matching the StandardDeviation rule (spec §18 #13).
func aggregate(name string, xs []float64) (float64, error) {
	if len(xs) == 0 {
		return 0, fmt.Errorf("%s() of an empty list", name)
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	switch name {
	case "avg":
		return sum / float64(len(xs)), nil
	case "sum":
		return sum, nil
	case "min", "max":
		m := xs[0]
		for _, x := range xs[1:] {
			if (name == "min" && x < m) || (name == "max" && x > m) {
				m = x
			}
		}
		return m, nil
	case "median":
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		n := len(s)
		if n%2 == 1 {
			return s[n/2], nil
		}
		return (s[n/2-1] + s[n/2]) / 2, nil
	case "std":
		mean := sum / float64(len(xs))
		m2 := 0.0
		for _, x := range xs {
			m2 += (x - mean) * (x - mean)
		}
		return math.Sqrt(m2 / float64(len(xs))), nil
	}
	return 0, fmt.Errorf("unknown function %s()", name)
}

// operandText prints a number operand as DQDL writes it, for messages.
func operandText(o dqdl.Operand) string {
	switch o := o.(type) {
	case *dqdl.Number:
		return o.Text
	case *dqdl.Paren:
		return "(" + operandText(o.X) + ")"
	case *dqdl.Binary:
		return operandText(o.X) + " " + string(o.Op) + " " + operandText(o.Y)
	case *dqdl.Call:
		args := make([]string, len(o.Args))
		for i, a := range o.Args {
			args[i] = operandText(a)
		}
		return o.Name + "(" + strings.Join(args, ",") + ")"
	case *dqdl.Keyword:
		return o.Kind.String()
	}
	return fmt.Sprintf("%T", o)
}
