package engine

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// planLeaf plans one simple rule. Problems that are the rule's own (a
// missing column, a bad where clause, an unsupported type) become fixed
// outcomes; an error return means planning itself broke.
func (pl *planner) planLeaf(ctx context.Context, r *dqdl.SimpleRule) (*leafPlan, error) {
	lp := &leafPlan{rule: r}
	if r.Spec != nil && r.Spec.RowLevelCompositeExcluded {
		lp.rowExcluded = r.Type + " is a ratio over the whole dataset and cannot be evaluated per row"
	}
	k := ruleKinds[r.Type]
	if k == nil {
		lp.fixed = errored(r.Type + " is not supported yet by dq")
		return lp, nil
	}
	if r.Threshold != nil && k.thresholdDatasetLevel {
		lp.rowExcluded = r.Type + " with a threshold is judged over the whole dataset and cannot be evaluated per row"
	}
	if pl.remote != nil && k.localOnly != "" {
		lp.fixed = errored(fmt.Sprintf(cannotEvaluate+"%s: %s %s; the embedded engine (--engine duckdb) evaluates this rule", pl.remote.Name, r.Type, k.localOnly))
		return lp, nil
	}
	if err := k.plan(pl, ctx, r, lp); err != nil {
		return nil, err
	}
	return lp, nil
}

// numberJudge is the common judge of NUMBER rules: get the metric, report
// it, apply the condition (when there is one: analyzers have none).
func numberJudge(r *dqdl.SimpleRule, metric string, get func(ev *evalState) (m float64, empty bool, err error), onEmpty func() *outcome) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		m, empty, err := get(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		if empty {
			return onEmpty()
		}
		o := newOutcome()
		o.metric(metric, m)
		if r.Condition != nil {
			ev.check(ctx, o, r.Condition, metric, m)
		}
		return o
	}
}

// ratio reads num/den from two slots; den == 0 is an empty state.
func ratio(num, den slot) func(ev *evalState) (float64, bool, error) {
	return func(ev *evalState) (float64, bool, error) {
		n, _, err := num.value(ev)
		if err != nil {
			return 0, false, err
		}
		d, _, err := den.value(ev)
		if err != nil {
			return 0, false, err
		}
		if d == 0 {
			return 0, true, nil
		}
		return n / d, false, nil
	}
}

// single reads one slot; NULL is an empty state.
func single(s slot) func(ev *evalState) (float64, bool, error) {
	return func(ev *evalState) (float64, bool, error) {
		v, null, err := s.value(ev)
		return v, null, err
	}
}

func (pl *planner) planRowCount(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	w, bad := pl.where(ctx, r)
	if bad != nil {
		lp.fixed = bad
		return
	}
	n := pl.aggregate(countRows(whereExpr(w)))
	// RowCount is never empty: 0 rows is a value (spec §6.1).
	lp.judge = numberJudge(r, datasetMetric("RowCount"), func(ev *evalState) (float64, bool, error) {
		v, _, err := n.value(ev)
		return v, false, err
	}, nil)
}

func (pl *planner) planColumnCount(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	m := float64(len(pl.plan.rel.columns))
	lp.judge = numberJudge(r, datasetMetric("ColumnCount"), func(ev *evalState) (float64, bool, error) { return m, false, nil }, nil)
}

func (pl *planner) planCompleteness(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(ctx, r, lp)
	if !ok {
		return
	}
	lp.row = &rowCheck{pred: isNotNull(col(c.name)), filter: w}
	nonNull, rows := pl.aggregate(aggr(sqlexpr.Count, col(c.name), whereExpr(w))), pl.aggregate(countRows(whereExpr(w)))
	get := ratio(nonNull, rows)
	if !pl.analyzer {
		// Every failing value is NULL: the counts say it all.
		lp.sample = &failureSample{from: pl.plan.rel.from, pass: nonNull, total: rows, where: w}
	}
	metric := columnMetric(c.label(), "Completeness")
	onEmpty := func() *outcome { return emptyState("Completeness", []string{c.label()}, w) }
	if r.Type == "Completeness" {
		lp.judge = numberJudge(r, metric, get, onEmpty)
		return
	}
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		m, empty, err := get(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		if empty {
			return onEmpty()
		}
		o := newOutcome()
		o.metric(metric, m)
		checkOne(o, m)
		return o
	}
}

// planFrequency plans the rules computed from value frequencies: they share
// one grouping scan per column set (spec Appendix C).
func (pl *planner) planFrequency(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	// cols name the metrics, as the rule wrote them; sqlCols are the
	// resolved columns the statements use.
	cols := paramValues(r)
	sqlCols := make([]string, len(cols))
	for i, name := range cols {
		c, bad := pl.column(name)
		if bad != nil {
			lp.fixed = bad
			return
		}
		sqlCols[i] = c.name
	}
	w, bad := pl.where(ctx, r)
	if bad != nil {
		lp.fixed = bad
		return
	}
	g := pl.grouping(sqlCols)
	n := g.groupCount(w)
	notAllNull := not(sqlexpr.Name{Name: allNullColumn})
	total := g.add(aggr(sqlexpr.Sum, n, notAllNull))
	unique := g.add(countRows(cmp(sqlexpr.Eq, n, num(1)), notAllNull))
	onEmpty := func(kind string) func() *outcome {
		return func() *outcome { return emptyState(kind, cols, w) }
	}

	quoted := make([]string, len(cols))
	cs := make([]expr, len(cols))
	nulls := make([]expr, len(cols))
	notNulls := make([]expr, len(cols))
	for i, c := range sqlCols {
		quoted[i] = QuoteIdent(c)
		cs[i] = col(c)
		nulls[i] = isNull(cs[i])
		notNulls[i] = isNotNull(cs[i])
	}
	// Per row, a tuple is unique when it occurs once among the filtered
	// rows. Rows whose columns are all NULL pass: they are not counted at
	// dataset level either (spec §18 #10).
	window := sqlexpr.Window{Agg: sqlexpr.Agg{Fn: sqlexpr.Count, Args: []expr{sqlexpr.Star{}}, Filter: whereExpr(w)}, PartitionBy: cs}
	once := cmp(sqlexpr.Eq, window, num(1))
	uniquePred := or(and(nulls...), once)

	uniqueness := func(ev *evalState) (float64, bool, error) {
		t, null, err := total.value(ev)
		if err != nil || null || t == 0 {
			return 0, err == nil, err
		}
		u, _, err := unique.value(ev)
		return u / t, false, err
	}
	if (r.Type == "Uniqueness" || r.Type == "IsUnique") && !pl.analyzer {
		// Failing rows are those of duplicated tuples; rows whose columns
		// are all NULL are not judged.
		lp.sample = &failureSample{from: pl.plan.rel.from, pass: unique, total: total, where: w, group: quoted}
	}
	switch r.Type {
	case "Uniqueness":
		lp.row = &rowCheck{pred: uniquePred, filter: w, window: true}
		lp.judge = numberJudge(r, multiMetric(cols, "Uniqueness"), uniqueness, onEmpty("Uniqueness"))
	case "IsUnique":
		lp.row = &rowCheck{pred: uniquePred, filter: w, window: true}
		metric := multiMetric(cols, "Uniqueness")
		lp.judge = func(ctx context.Context, ev *evalState) *outcome {
			m, empty, err := uniqueness(ev)
			if err != nil {
				return errored(execMessage(err))
			}
			if empty {
				return onEmpty("Uniqueness")()
			}
			o := newOutcome()
			o.metric(metric, m)
			checkOne(o, m)
			return o
		}
	case "IsPrimaryKey":
		lp.row = &rowCheck{pred: and(and(notNulls...), once), filter: w, window: true}
		rows := pl.aggregate(countRows(whereExpr(w)))
		nonNull := make([]slot, len(cols))
		for i, c := range sqlCols {
			nonNull[i] = pl.aggregate(aggr(sqlexpr.Count, col(c), whereExpr(w)))
		}
		lp.judge = func(ctx context.Context, ev *evalState) *outcome {
			o := newOutcome()
			m, empty, err := uniqueness(ev)
			switch {
			case err != nil:
				return errored(execMessage(err))
			case empty && w != "":
				return newOutcome()
			case empty:
				o.fail(emptyStateMessage("Uniqueness", cols, w))
			default:
				o.metric(multiMetric(cols, "Uniqueness"), m)
				checkOne(o, m)
			}
			for i, c := range cols {
				cm, empty, err := ratio(nonNull[i], rows)(ev)
				switch {
				case err != nil:
					return errored(execMessage(err))
				case empty:
					o.fail(emptyStateMessage("Completeness", []string{c}, w))
				default:
					o.metric(columnMetric(c, "Completeness"), cm)
					checkOne(o, cm)
				}
			}
			return o
		}
	case "UniqueValueRatio":
		distinct := g.add(countRows(cmp(sqlexpr.Gt, n, num(0)), notAllNull))
		lp.judge = numberJudge(r, multiMetric(cols, "UniqueValueRatio"), ratio(unique, distinct), onEmpty("UniqueValueRatio"))
	case "Entropy":
		// H = -Σ (c/N) ln(c/N) = ln N - (Σ c ln c)/N, computed over the
		// groups so the scan stays one pass.
		// greatest() because ln(0) is an error, and whether DuckDB
		// evaluates ln() only on the groups the condition keeps is its
		// choice, not a guarantee.
		cln := g.add(aggr(sqlexpr.Sum, cmp(sqlexpr.Mul, n, call(sqlexpr.Ln, call(sqlexpr.Greatest, n, num(1)))),
			cmp(sqlexpr.Gt, n, num(0)), notAllNull))
		lp.judge = numberJudge(r, multiMetric(cols, "Entropy"), entropy(total, cln), onEmpty("Entropy"))
	case "DistinctValuesCount":
		// NULL is one distinct value, as in Deequ's Histogram (spec §6.17).
		d := g.add(countRows(cmp(sqlexpr.Gt, n, num(0))))
		lp.judge = numberJudge(r, multiMetric(cols, "DistinctValuesCount"), func(ev *evalState) (float64, bool, error) {
			v, _, err := d.value(ev)
			return v, false, err
		}, nil)
	}
}

func entropy(total, cln slot) func(ev *evalState) (float64, bool, error) {
	return func(ev *evalState) (float64, bool, error) {
		n, null, err := total.value(ev)
		if err != nil || null || n == 0 {
			return 0, err == nil, err
		}
		s, _, err := cln.value(ev)
		if err != nil {
			return 0, false, err
		}
		h := math.Log(n) - s/n
		if h < 0 { // rounding when a single value makes H exactly 0
			h = 0
		}
		return h, false, nil
	}
}

// planStatistic plans Mean, Sum, StandardDeviation and Variance: population
// statistics over the non-NULL values (spec §6.12-6.15).
func (pl *planner) planStatistic(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, bad := pl.column(r.Params[0].Value)
	if bad != nil {
		lp.fixed = bad
		return
	}
	if classify(c.typ) != classNumeric {
		lp.fixed = failed(wrongTypeMessage(c.label(), numericTypeList, c.typ))
		return
	}
	w, bad := pl.where(ctx, r)
	if bad != nil {
		lp.fixed = bad
		return
	}
	fn := map[string]sqlexpr.Func{"Mean": sqlexpr.Avg, "Sum": sqlexpr.Sum, "StandardDeviation": sqlexpr.StddevPop, "Variance": sqlexpr.VarPop}[r.Type]
	e := aggr(fn, col(c.name), whereExpr(w))
	if r.Type == "StandardDeviation" || r.Type == "Variance" {
		e = nonFinite(fn, whereExpr(w), col(c.name))
	}
	s := pl.aggregate(e)
	lp.judge = numberJudge(r, columnMetric(c.label(), r.Type), single(s), func() *outcome {
		return emptyState(r.Type, []string{c.label()}, w)
	})
}

// nonFinite guards a moment-based aggregate call (stddev_pop, var_pop,
// corr) against NaN and ±Infinity inputs: Spark's Welford update turns
// them into a NaN result, which fails the rule with "Value: NaN ...",
// while DuckDB raises an out-of-range error that would make the rule an
// ERROR. The aggregate itself only sees rows whose values are all finite;
// rows with a NULL among cols are ignored, as the aggregate ignores them.
func nonFinite(fn sqlexpr.Func, where expr, args ...expr) expr {
	var notNull, fin []expr
	for _, a := range args {
		notNull = append(notNull, isNotNull(a))
		fin = append(fin, call(sqlexpr.IsFinite, sqlexpr.Cast{X: a, To: sqlexpr.Double}))
	}
	finite := and(fin...)
	bad := and(and(notNull...), not(finite))
	return sqlexpr.Case{
		Whens: []sqlexpr.When{{Cond: cmp(sqlexpr.Gt, countRows(where, bad), num(0)), Then: num(math.NaN())}},
		Else:  sqlexpr.Agg{Fn: fn, Args: args, Filter: and(where, finite)},
	}
}

func (pl *planner) planCorrelation(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	var cols [2]column
	for i := range cols {
		c, bad := pl.column(r.Params[i].Value)
		if bad != nil {
			lp.fixed = bad
			return
		}
		if classify(c.typ) != classNumeric {
			lp.fixed = failed(wrongTypeMessage(c.label(), numericTypeList, c.typ))
			return
		}
		cols[i] = c
	}
	w, bad := pl.where(ctx, r)
	if bad != nil {
		lp.fixed = bad
		return
	}
	a, b := col(cols[0].name), col(cols[1].name)
	pairs := pl.aggregate(countRows(whereExpr(w), and(isNotNull(a), isNotNull(b))))
	corr := pl.aggregate(nonFinite(sqlexpr.Corr, whereExpr(w), a, b))
	names := []string{cols[0].label(), cols[1].label()}
	lp.judge = numberJudge(r, multiMetric(names, "ColumnCorrelation"), func(ev *evalState) (float64, bool, error) {
		n, _, err := pairs.value(ev)
		if err != nil || n == 0 {
			return 0, err == nil, err
		}
		v, _, err := corr.value(ev) // NULL or NaN with fewer than 2 pairs or no variance
		return v, false, err
	}, func() *outcome { return emptyState("Correlation", names, w) })
}

func (pl *planner) planColumnExists(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	// No metric: Glue reports none for ColumnExists (spec §6.8).
	if _, bad := pl.column(r.Params[0].Value); bad != nil {
		lp.fixed = bad
		return
	}
	lp.fixed = newOutcome()
}

// planNamesMatch checks column names with a full match (spec §18 #9) in Go:
// the schema is known, no scan is needed.
func (pl *planner) planNamesMatch(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	pattern := r.Params[0].Source() // a $variable's value, not "$name"
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		lp.fixed = errored(fmt.Sprintf("Invalid pattern %q (dq uses RE2 regular expressions): %v", pattern, err))
		return
	}
	var bad []string
	for _, c := range pl.plan.rel.columns {
		if !re.MatchString(c.sourceName()) {
			bad = append(bad, c.sourceName())
		}
	}
	o := newOutcome()
	if n := len(pl.plan.rel.columns); n > 0 {
		o.metric(datasetMetric("ColumnNamesPatternMatchRatio"), float64(n-len(bad))/float64(n))
	}
	if len(bad) > 0 {
		o.fail("Columns that do not match the pattern: " + strings.Join(bad, ", "))
	}
	lp.fixed = o
}
