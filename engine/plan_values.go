package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// complianceJudge judges a per-row predicate by its compliance: the share of
// (filtered) rows where it is TRUE, against the threshold or exactly 1.0.
// messages picks Deequ's "Value: ..." wording or the "% of rows passed"
// wording of DataFreshness and ColumnDataType.
func (pl *planner) compliance(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan, pred expr, w, metric, kind string, c column, pctStyle bool) {
	cols := []string{c.label()}
	lp.row = &rowCheck{pred: pred, filter: w}
	pass, total := pl.aggregate(countRows(pred, whereExpr(w))), pl.aggregate(countRows(whereExpr(w)))
	get := ratio(pass, total)
	analyzer := pl.analyzer
	if !analyzer {
		lp.sample = pl.valueSample(pass, total, w, c, pred)
	}
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		m, empty, err := get(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		if empty {
			if w != "" {
				o := newOutcome()
				if pctStyle {
					o.msgs = append(o.msgs, "No rows matched the filter")
				}
				return o
			}
			return failed(emptyStateMessage(kind, cols, w))
		}
		o := newOutcome()
		o.metric(metric, m)
		if analyzer {
			return o
		}
		if r.Threshold != nil {
			xs, err := ev.operands(ctx, r.Threshold, metric)
			if err != nil {
				o.setError(err.Error())
				return o
			}
			if compare(r.Threshold.Op, m, xs) {
				return o
			}
		} else if m == 1 {
			return o
		}
		if pctStyle {
			o.fail(javaPercent(m) + " % of rows passed the threshold")
		} else {
			o.fail(valueMessage(m))
		}
		return o
	}
}

// planColumnValues follows spec §5.6: numeric >, >=, <, <=, between and =
// without a threshold are judged on the column's minimum and maximum plus
// completeness (Glue's observed behaviour); everything else is a per-row
// compliance.
func (pl *planner) planColumnValues(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(ctx, r, lp)
	if !ok {
		return
	}
	if pl.analyzer {
		pl.valuesAnalyzer(lp, c)
		return
	}
	q := col(c.name)
	cond := r.Condition
	cls := classify(c.typ)
	switch cond.Kind {
	case dqdl.NumberCondition:
		xs, hasNull, err := staticNumbers(cond, "ColumnValues")
		if err != nil {
			lp.fixed = failed(err.Error())
			return
		}
		v := q
		switch cls {
		case classNumeric:
		case classString:
			// Spark compares strings with numbers numerically; values that
			// are not numbers become NULL and fail (spec §6.21).
			v = sqlexpr.Cast{X: q, To: sqlexpr.Double, Try: true}
		default:
			lp.fixed = failed(wrongTypeMessage(c.label(), numericTypeList+",VARCHAR", c.typ))
			return
		}
		pred := numberPredicate(cond.Op, v, q, xs, hasNull, cls == classNumeric && integerType(c.typ))
		minMax := r.Threshold == nil && !hasNull && (cond.Op == dqdl.OpGt || cond.Op == dqdl.OpGe ||
			cond.Op == dqdl.OpLt || cond.Op == dqdl.OpLe || cond.Op == dqdl.OpBetween || cond.Op == dqdl.OpEq)
		if minMax {
			pl.minMaxValues(r, lp, c, v, w, xs, pred)
			return
		}
		pl.compliance(ctx, r, lp, pred, w, columnMetric(c.label(), "ColumnValues.Compliance"), "Compliance", c, false)
	case dqdl.StringCondition:
		v := q
		if cls != classString {
			if cond.Op == dqdl.OpMatches || cond.Op == dqdl.OpNotMatches {
				// Deequ's PatternMatch needs a string column.
				lp.fixed = failed(wrongTypeMessage(c.label(), "VARCHAR", c.typ))
				return
			}
			v = sparkString(c)
		}
		ic := r.Tag("ignoreCase")
		pred, err := stringPredicate(cond, v, ic != nil && ic.Text() == "true")
		if err != nil {
			lp.fixed = failed(err.Error())
			return
		}
		metric := columnMetric(c.label(), "ColumnValues.Compliance")
		if cond.Op == dqdl.OpMatches || cond.Op == dqdl.OpNotMatches {
			metric = columnMetric(c.label(), "PatternMatch") // Deequ's name (spec §5.6)
		}
		pl.compliance(ctx, r, lp, pred, w, metric, "Compliance", c, false)
	case dqdl.DateCondition:
		loc, err := ruleLocation(r)
		if err != nil {
			lp.fixed = failed(err.Error())
			return
		}
		ops := make([]dateOperand, len(cond.Operands))
		for i, o := range cond.Operands {
			if ops[i], err = resolveDate(o, pl.plan.now, loc); err != nil {
				lp.fixed = failed(err.Error())
				return
			}
		}
		pred, err := datePredicate(cond.Op, c, ops)
		if err != nil {
			lp.fixed = failed(err.Error())
			return
		}
		pl.compliance(ctx, r, lp, pred, w, columnMetric(c.label(), "ColumnValues.Compliance"), "Compliance", c, false)
	default:
		lp.fixed = failed("ColumnValues does not take a " + cond.Kind.String() + " condition")
	}
}

// ruleLocation is the rule's timeZone tag (default UTC).
func ruleLocation(r *dqdl.SimpleRule) (*time.Location, error) {
	t := r.Tag("timeZone")
	if t == nil {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(t.Text())
	if err != nil {
		return nil, fmt.Errorf("Error Parsing Time Zone: %s. %v.", t.Text(), err)
	}
	return loc, nil
}

// minMaxValues judges ColumnValues on min/max and completeness, reporting
// Column.c.Minimum / Maximum like Glue (spec §5.6).
func (pl *planner) minMaxValues(r *dqdl.SimpleRule, lp *leafPlan, c column, v expr, w string, xs []float64, pred expr) {
	lp.row = &rowCheck{pred: pred, filter: w}
	op := r.Condition.Op
	useMin := op == dqdl.OpGt || op == dqdl.OpGe || op == dqdl.OpBetween || op == dqdl.OpEq
	useMax := op == dqdl.OpLt || op == dqdl.OpLe || op == dqdl.OpBetween || op == dqdl.OpEq
	we := whereExpr(w)
	// Only the bounds the operator reads: an unread maximum would keep a
	// scan that footer statistics could otherwise spare (plan_metadata.go).
	var minS, maxS slot
	if useMin {
		minS = pl.aggregate(aggr(sqlexpr.Min, v, we))
	}
	if useMax {
		maxS = pl.aggregate(aggr(sqlexpr.Max, v, we))
	}
	nonNull := pl.aggregate(aggr(sqlexpr.Count, v, we))
	rows := pl.aggregate(countRows(we))
	// A text column whose values all fail to read as numbers has no
	// minimum; that is Glue's type error (Deequ's Minimum wants a numeric
	// column), not an empty column.
	var textValues slot
	text := classify(c.typ) == classString
	if text {
		textValues = pl.aggregate(aggr(sqlexpr.Count, col(c.name), we))
	}
	lp.sample = pl.valueSample(pl.aggregate(countRows(pred, we)), rows, w, c, pred)
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		o := newOutcome()
		n, _, err := rows.value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		if n == 0 && w != "" {
			return o
		}
		if text {
			k, _, err1 := textValues.value(ev)
			numbers, _, err2 := nonNull.value(ev)
			if err1 == nil && err2 == nil && k > 0 && numbers == 0 {
				return failed(wrongTypeMessage(c.label(), numericTypeList, c.typ))
			}
		}
		sub := func(s slot, kind, metric string, ok func(m float64) bool) bool {
			m, null, err := s.value(ev)
			switch {
			case err != nil:
				o.setError(execMessage(err))
			case null:
				o.fail(emptyStateMessage(kind, []string{c.label()}, w))
			default:
				o.metric(columnMetric(c.label(), metric), m)
				if !ok(m) { // NaN fails every comparison
					o.fail(valueMessage(m))
				}
			}
			return err == nil
		}
		if useMin {
			sub(minS, "Minimum", "Minimum", func(m float64) bool {
				switch op {
				case dqdl.OpBetween:
					return m > xs[0]
				case dqdl.OpEq:
					return m == xs[0]
				}
				return compare(op, m, xs)
			})
		}
		if useMax {
			sub(maxS, "Maximum", "Maximum", func(m float64) bool {
				switch op {
				case dqdl.OpBetween:
					return m < xs[1]
				case dqdl.OpEq:
					return m == xs[0]
				}
				return compare(op, m, xs)
			})
		}
		k, _, err := nonNull.value(ev)
		if err != nil {
			o.setError(execMessage(err))
		} else if n > 0 && k != n {
			o.fail(nullValueMessage)
		}
		return o
	}
}

// valuesAnalyzer is ColumnValues in the Analyzers section: minimum and
// maximum of numbers, minimum and maximum length of anything else.
func (pl *planner) valuesAnalyzer(lp *leafPlan, c column) {
	v := col(c.name)
	names := [2]string{"Minimum", "Maximum"}
	if classify(c.typ) != classNumeric {
		v = lengthExpr(c, false)
		names = [2]string{"MinimumLength", "MaximumLength"}
	}
	slots := [2]slot{pl.aggregate(aggr(sqlexpr.Min, v)), pl.aggregate(aggr(sqlexpr.Max, v))}
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		o := newOutcome()
		for i, s := range slots {
			m, null, err := s.value(ev)
			switch {
			case err != nil:
				o.setError(execMessage(err))
			case null:
				o.msgs = append(o.msgs, emptyStateMessage(names[i], []string{c.label()}, ""))
			default:
				o.metric(columnMetric(c.label(), names[i]), m)
			}
		}
		return o
	}
}

// sparkString is a column as Spark's CAST(... AS STRING) prints it, as
// far as it matters for lengths and string comparisons: DuckDB prints
// non-finite doubles as nan/inf/-inf where Spark (Java) prints NaN,
// Infinity and -Infinity.
func sparkString(c column) expr {
	q := col(c.name)
	switch strings.ToUpper(c.typ) {
	case "VARCHAR":
		return q
	case "DOUBLE", "FLOAT", "REAL":
		return sqlexpr.Case{Whens: []sqlexpr.When{
			{Cond: call(sqlexpr.IsNaN, q), Then: strLit("NaN")},
			{Cond: call(sqlexpr.IsInf, q), Then: sqlexpr.Case{Whens: []sqlexpr.When{{Cond: cmp(sqlexpr.Gt, q, num(0)), Then: strLit("Infinity")}}, Else: strLit("-Infinity")}},
		}, Else: sqlexpr.Cast{X: q, To: sqlexpr.Varchar}}
	}
	return sqlexpr.Cast{X: q, To: sqlexpr.Varchar}
}

// lengthExpr is a value's length in characters (Spark length(): code
// points). ColumnLength counts NULL as length 0 (spec §6.19).
func lengthExpr(c column, nullAsZero bool) expr {
	l := call(sqlexpr.Length, sparkString(c))
	if nullAsZero {
		return call(sqlexpr.Coalesce, l, num(0))
	}
	return l
}

// planColumnLength follows the table of spec §6.19.
func (pl *planner) planColumnLength(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(ctx, r, lp)
	if !ok {
		return
	}
	q := col(c.name)
	l := lengthExpr(c, true)
	if pl.analyzer {
		pl.valuesAnalyzer(lp, column{name: c.name, typ: "VARCHAR", ref: c.ref})
		return
	}
	cond := r.Condition
	xs, hasNull, err := staticNumbers(cond, "ColumnLength")
	if err != nil || hasNull {
		lp.fixed = failed("ColumnLength rule only supports atomic operands")
		return
	}
	pred := numberPredicate(cond.Op, l, q, xs, false, false)
	if cond.Op == dqdl.OpNe {
		pred = cmp(sqlexpr.Ne, l, num(xs[0])) // NULL is length 0, not a pass
	}
	if cond.Op == dqdl.OpNotIn {
		lits := make([]expr, len(xs))
		for i, x := range xs {
			lits[i] = num(x)
		}
		pred = sqlexpr.In{X: l, List: lits, Negate: true}
	}
	if r.Threshold != nil || cond.Op == dqdl.OpIn || cond.Op == dqdl.OpNotIn || cond.Op == dqdl.OpNotBetween {
		pl.compliance(ctx, r, lp, pred, w, columnMetric(c.label(), "LengthCompliance"), "Compliance", c, false)
		return
	}
	lp.row = &rowCheck{pred: pred, filter: w}
	lp.sample = pl.valueSample(pl.aggregate(countRows(pred, whereExpr(w))), pl.aggregate(countRows(whereExpr(w))), w, c, pred)
	minS := pl.aggregate(aggr(sqlexpr.Min, l, whereExpr(w)))
	maxS := pl.aggregate(aggr(sqlexpr.Max, l, whereExpr(w)))
	op := cond.Op
	useMin := op != dqdl.OpLt && op != dqdl.OpLe
	useMax := op != dqdl.OpGt && op != dqdl.OpGe
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		o := newOutcome()
		check := func(s slot, name string, lowSide bool) {
			m, null, err := s.value(ev)
			switch {
			case err != nil:
				o.setError(execMessage(err))
			case null && w != "":
			case null:
				o.fail(emptyStateMessage(name, []string{c.label()}, w))
			default:
				o.metric(columnMetric(c.label(), name), m)
				ok := compare(op, m, xs)
				switch op {
				case dqdl.OpBetween:
					ok = (lowSide && m > xs[0]) || (!lowSide && m < xs[1])
				case dqdl.OpEq:
					ok = m == xs[0]
				case dqdl.OpNe:
					ok = m != xs[0]
				}
				if !ok {
					o.fail(valueMessage(m))
				}
			}
		}
		if useMin {
			check(minS, "MinimumLength", true)
		}
		if useMax {
			check(maxS, "MaximumLength", false)
		}
		return o
	}
}
