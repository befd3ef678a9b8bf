package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Cross-dataset rules (spec §6.2, §6.24-§6.27): the primary dataset against
// reference datasets registered in the session under their aliases. Every
// join runs in DuckDB; Go only divides the counts that come back.

// reference finds a registered reference dataset. An unbound alias is
// normally refused before planning (resolveReferences, checkReferences);
// this is the rule-level fallback, with Glue's message.
func (pl *planner) reference(alias string) (*relation, *outcome) {
	if pl.sess == nil {
		return nil, errored("reference datasets need a session")
	}
	if pl.backend != nil {
		if why, ok := pl.backend.apart[strings.ToLower(alias)]; ok {
			return nil, errored(notColocated(pl.remote.Name, why))
		}
	}
	ds, ok := pl.sess.Dataset(alias)
	if !ok || strings.EqualFold(alias, pl.plan.rel.alias) {
		return nil, errored(fmt.Sprintf("Reference dataset '%s' not found in additional data sources", alias))
	}
	return relationOf(ds), nil
}

// refColumn resolves a column of a reference dataset.
func refColumn(ref *relation, name string) (column, *outcome) {
	c, err := ref.lookup(name)
	if err != nil {
		return column{}, err.outcome(fmt.Sprintf("Reference dataset %s does not include column %s!", ref.alias, name))
	}
	return c, nil
}

// subquery adds a self-contained scalar subquery as its own statement. The
// one-row FROM keeps a failing join (an unreadable reference, a bad cast)
// an error of this rule: scan.run retries expressions one by one and only
// gives up on the whole run when the FROM itself cannot be read.
func (pl *planner) subquery(sql string) slot {
	e := native("("+sql+")", "cross-dataset comparisons (joins with a reference dataset)")
	// Rules sharing a statement (two DatasetMatch rules on one key check
	// the same uniqueness) run it once.
	return pl.oneRowScan(e, func(s *scan) bool {
		_, ok := s.index[duck(e)]
		return ok
	})
}

const oneRow = "(SELECT 1) AS __dq_one"

// oneRowScan adds e to the first statement over oneRow that join accepts,
// or to a new one, for the rule being planned.
func (pl *planner) oneRowScan(e expr, join func(*scan) bool) slot {
	for _, s := range pl.plan.scans {
		if s.kind == aggregateScan && s.from == oneRow && join(s) {
			s.serve(pl.user)
			return s.add(e)
		}
	}
	s := newScan(aggregateScan, oneRow)
	s.serve(pl.user)
	pl.plan.scans = append(pl.plan.scans, s)
	return s.add(e)
}

// referenceScan is the fused aggregate scan of a reference dataset, shared
// by every rule that needs an aggregate of it (row counts, sums, means).
func (pl *planner) referenceScan(ref *relation) *scan {
	for _, s := range pl.plan.scans {
		if s.kind == aggregateScan && s.from == ref.from && s != pl.plan.agg {
			s.serve(pl.user)
			return s
		}
	}
	s := newScan(aggregateScan, ref.from)
	s.serve(pl.user)
	pl.plan.scans = append(pl.plan.scans, s)
	return s
}

// keyEquals is the SQL equality of a primary and a reference key column.
// Columns of one kind compare as they are (DuckDB widens numbers); a string
// against another type is cast to that type the way Spark compares them,
// and a value that does not cast never matches; anything else compares as
// text. No combination can raise a conversion error mid-join.
func keyEquals(p string, pc column, r string, rc column) string {
	pcl, rcl := classify(pc.typ), classify(rc.typ)
	temporal := func(c typeClass) bool { return c == classDate || c == classTimestamp || c == classTimestampTZ }
	switch {
	case pcl == rcl && pcl != classOther, pc.typ == rc.typ, temporal(pcl) && temporal(rcl):
		return p + " = " + r
	case pcl == classString:
		return "TRY_CAST(" + p + " AS " + rc.typ + ") = " + r
	case rcl == classString:
		return p + " = TRY_CAST(" + r + " AS " + pc.typ + ")"
	}
	return "CAST(" + p + " AS VARCHAR) = CAST(" + r + " AS VARCHAR)"
}

// comparable casts a compared column pair to one type so their hashes agree
// when their values do: numbers of different types as DOUBLE, other
// differing types as text.
func comparable(p string, pc column, r string, rc column) (string, string) {
	if pc.typ == rc.typ {
		return p, r
	}
	if classify(pc.typ) == classNumeric && classify(rc.typ) == classNumeric {
		return "CAST(" + p + " AS DOUBLE)", "CAST(" + r + " AS DOUBLE)"
	}
	return "CAST(" + p + " AS VARCHAR)", "CAST(" + r + " AS VARCHAR)"
}

// planReferentialIntegrity: the share of primary rows whose key tuple
// exists in the reference (spec §6.24). The failing rows come from an
// anti-join, so a NULL key (which equals nothing) fails, and duplicate
// reference keys cannot inflate the count.
func (pl *planner) planReferentialIntegrity(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	pcols, err := splitColumns(r.Params[0].Value)
	if err != nil {
		lp.fixed = failed("Could not parse PrimaryDatasetColumns parameter")
		return
	}
	alias, rcols, err := parseReferenceColumns(r.Params[1].Value)
	if err != nil {
		lp.fixed = failed(err.Error())
		return
	}
	if len(pcols) != len(rcols) {
		lp.fixed = failed(fmt.Sprintf("Could not parse ReferenceDatasetColumns parameter: %d primary columns against %d reference columns", len(pcols), len(rcols)))
		return
	}
	ref, bad := pl.reference(alias)
	if bad != nil {
		lp.fixed = bad
		return
	}
	var pcs, rcs []column
	for i := range pcols {
		pc, bad := pl.column(pcols[i])
		if bad != nil {
			lp.fixed = bad
			return
		}
		rc, bad := refColumn(ref, rcols[i])
		if bad != nil {
			lp.fixed = bad
			return
		}
		pcs, rcs = append(pcs, pc), append(rcs, rc)
	}
	var join, corr []string
	for i := range pcs {
		pc, rc := pcs[i], rcs[i]
		rq := "__r." + QuoteIdent(rc.name)
		join = append(join, keyEquals("__p."+QuoteIdent(pc.name), pc, rq, rc))
		// Row level: the outer row is the primary relation itself.
		corr = append(corr, keyEquals(pl.plan.rel.from+"."+QuoteIdent(pc.name), pc, rq, rc))
	}
	var dangling slot
	if pl.remote != nil {
		q, err := pl.backendAntiJoin(ref, pcs, rcs)
		if err != nil {
			lp.fixed = errored(pl.cannotJoin(err))
			return
		}
		dangling = pl.backendSubquery(q)
	} else {
		dangling = pl.subquery("SELECT count(*) FROM " + pl.plan.rel.from + " AS __p ANTI JOIN " + ref.from + " AS __r ON " + strings.Join(join, " AND "))
	}
	total := pl.aggregate(countRows())
	lp.row = &rowCheck{pred: native("EXISTS (SELECT 1 FROM "+ref.from+" AS __r WHERE "+strings.Join(corr, " AND ")+")", "per-row comparison with a reference dataset (a correlated subquery)")}
	metric := columnMetric(alias, "ReferentialIntegrity")
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		d, _, err := dangling.value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		n, _, err := total.value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		// No primary rows: nothing dangles (Deequ's subset check gives 1.0).
		m := 1.0
		if n > 0 {
			m = (n - d) / n
		}
		return ev.comparison(ctx, r, metric, m)
	}
}

// parseMappings reads "a->b,c" into primary and reference column lists.
func parseMappings(s string) (p, r []string, err error) {
	for _, part := range strings.Split(s, ",") {
		a, b, arrow := strings.Cut(part, "->")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if !arrow {
			b = a
		}
		if a == "" || b == "" {
			return nil, nil, fmt.Errorf("Could not parse column mappings %q: want \"col\" or \"primaryCol->referenceCol\", comma-separated", s)
		}
		p, r = append(p, a), append(r, b)
	}
	return p, r, nil
}

// planDatasetMatch: the share of primary rows whose key exists in the
// reference with equal compared columns (spec §6.25). Each side is reduced
// to its key and one hash of the compared columns before the join, so the
// join carries two narrow columns whatever the width of the rows; hashing
// makes NULL equal to NULL, as in Glue.
func (pl *planner) planDatasetMatch(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	alias := r.Params[0].Value
	pk, rk, err := parseMappings(r.Params[1].Value)
	if err != nil {
		lp.fixed = failed(err.Error())
		return
	}
	ref, bad := pl.reference(alias)
	if bad != nil {
		lp.fixed = bad
		return
	}
	resolve := func(pnames, rnames []string) (pcs, rcs []column, bad *outcome) {
		for i := range pnames {
			pc, bad := pl.column(pnames[i])
			if bad != nil {
				return nil, nil, bad
			}
			rc, bad := refColumn(ref, rnames[i])
			if bad != nil {
				return nil, nil, bad
			}
			pcs, rcs = append(pcs, pc), append(rcs, rc)
		}
		return pcs, rcs, nil
	}
	pkc, rkc, bad := resolve(pk, rk)
	if bad != nil {
		lp.fixed = bad
		return
	}
	var pm, rm []string
	if len(r.Params) > 2 {
		if pm, rm, err = parseMappings(r.Params[2].Value); err != nil {
			lp.fixed = failed(err.Error())
			return
		}
	} else {
		// Every non-key column the two datasets share by name (ignoring
		// case, as names resolve).
		keyP, keyR := map[string]bool{}, map[string]bool{}
		for i := range pkc {
			keyP[pkc[i].name], keyR[rkc[i].name] = true, true
		}
		for _, c := range pl.plan.rel.columns {
			if rc, err := ref.lookup(c.sourceName()); err == nil && !keyP[c.name] && !keyR[rc.name] {
				pm, rm = append(pm, c.sourceName()), append(rm, c.sourceName())
			}
		}
	}
	pmc, rmc, bad := resolve(pm, rm)
	if bad != nil {
		lp.fixed = bad
		return
	}
	pl.datasetMatch(r, lp, ref, pkc, rkc, pmc, rmc)
}

func (pl *planner) datasetMatch(r *dqdl.SimpleRule, lp *leafPlan, ref *relation, pk, rk, pm, rm []column) {
	if pl.remote != nil {
		pl.datasetMatchOnBackend(r, lp, ref, pk, rk, pm, rm)
		return
	}
	pFrom := pl.plan.rel.from
	// side builds one dataset's projection: its key columns as __k<i> and
	// the hash of its compared columns as __h.
	type side struct{ proj, keyList []string }
	var p, q side
	var on, corr []string
	var ph, rh, phCorr []string
	for i := range pk {
		pcol, rcol := QuoteIdent(pk[i].name), QuoteIdent(rk[i].name)
		k := fmt.Sprintf("__k%d", i)
		p.proj = append(p.proj, pcol+" AS "+k)
		q.proj = append(q.proj, rcol+" AS "+k)
		p.keyList, q.keyList = append(p.keyList, pcol), append(q.keyList, rcol)
		on = append(on, keyEquals("__p."+k, pk[i], "__r."+k, rk[i]))
		corr = append(corr, keyEquals(pFrom+"."+pcol, pk[i], "__r."+rcol, rk[i]))
	}
	for i := range pm {
		a, b := comparable(QuoteIdent(pm[i].name), pm[i], QuoteIdent(rm[i].name), rm[i])
		ph, rh = append(ph, a), append(rh, b)
		ac, _ := comparable(pFrom+"."+QuoteIdent(pm[i].name), pm[i], "", rm[i])
		phCorr = append(phCorr, ac)
	}
	if len(pm) > 0 {
		p.proj = append(p.proj, "hash("+strings.Join(ph, ", ")+") AS __h")
		q.proj = append(q.proj, "hash("+strings.Join(rh, ", ")+") AS __h")
		on = append(on, "__p.__h = __r.__h")
		rhCorr := make([]string, len(rh))
		for i := range rh {
			_, rhCorr[i] = comparable("", pm[i], "__r."+QuoteIdent(rm[i].name), rm[i])
		}
		corr = append(corr, "hash("+strings.Join(phCorr, ", ")+") = hash("+strings.Join(rhCorr, ", ")+")")
	}
	matched := pl.subquery("SELECT count(*) FROM (SELECT " + strings.Join(p.proj, ", ") + " FROM " + pFrom + ") AS __p JOIN (SELECT " +
		strings.Join(q.proj, ", ") + " FROM " + ref.from + ") AS __r ON " + strings.Join(on, " AND "))
	// Keys must be unique on both sides (Deequ groups by the key: NULL
	// keys group together).
	dupP := pl.subquery("SELECT count(*) FROM (SELECT 1 FROM " + pFrom + " GROUP BY " + strings.Join(p.keyList, ", ") + " HAVING count(*) > 1)")
	dupR := pl.subquery("SELECT count(*) FROM (SELECT 1 FROM " + ref.from + " GROUP BY " + strings.Join(q.keyList, ", ") + " HAVING count(*) > 1)")
	total := pl.aggregate(countRows())
	lp.row = &rowCheck{pred: native("EXISTS (SELECT 1 FROM "+ref.from+" AS __r WHERE "+strings.Join(corr, " AND ")+")", "per-row comparison with a reference dataset (a correlated subquery)")}
	lp.judge = datasetMatchJudge(r, ref, matched, dupP, dupR, total)
}

// datasetMatchJudge judges DatasetMatch from the matched pairs, the
// duplicate keys of both sides and the primary's rows.
func datasetMatchJudge(r *dqdl.SimpleRule, ref *relation, matched, dupP, dupR, total slot) func(ctx context.Context, ev *evalState) *outcome {
	metric := "Dataset." + ref.alias + ".DatasetMatch"
	return func(ctx context.Context, ev *evalState) *outcome {
		vals := make([]float64, 4)
		for i, s := range []slot{matched, dupP, dupR, total} {
			v, _, err := s.value(ev)
			if err != nil {
				return errored(execMessage(err))
			}
			vals[i] = v
		}
		switch {
		case vals[3] == 0:
			return failed("Cannot evaluate: primary DataFrame is empty")
		case vals[1] > 0 || vals[2] > 0:
			return failed("Provided key map not suitable for given data frames")
		}
		return ev.comparison(ctx, r, metric, vals[0]/vals[3])
	}
}

// planAggregateMatch: the ratio of two sums or means, each over the primary
// or a reference (spec §6.27). Primary aggregates join the fused scan;
// reference aggregates share one scan per reference.
func (pl *planner) planAggregateMatch(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	var slots [2]slot
	var names [2]string
	for i := range slots {
		fn, alias, col, err := parseAggregate(r.Params[i].Value)
		if err != nil {
			lp.fixed = failed(err.Error())
			return
		}
		var c column
		var bad *outcome
		if alias == "" {
			c, bad = pl.column(col)
		} else {
			var ref *relation
			if ref, bad = pl.reference(alias); bad == nil {
				c, bad = refColumn(ref, col)
			}
			if bad == nil && classify(c.typ) == classNumeric {
				slots[i] = pl.referenceScan(ref).add(aggr(sqlexpr.Func(fn), sqlexpr.Col{Name: c.name}))
			}
		}
		if bad != nil {
			lp.fixed = bad
			return
		}
		if classify(c.typ) != classNumeric {
			lp.fixed = failed(wrongTypeMessage(c.label(), numericTypeList, c.typ))
			return
		}
		if alias == "" {
			slots[i] = pl.aggregate(aggr(sqlexpr.Func(fn), sqlexpr.Col{Name: c.name}))
		}
		names[i] = c.label()
	}
	metric := columnMetric(names[0], "AggregateMatch")
	if names[0] != names[1] {
		metric = columnMetric(names[0]+","+names[1], "AggregateMatch")
	}
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		a, aNull, err := slots[0].value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		b, bNull, err := slots[1].value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		// Glue's computeRatio: both zero match; a zero or missing (empty
		// input) denominator or numerator gives 0.
		var m float64
		switch {
		case aNull || bNull:
			m = 0
		case a == 0 && b == 0:
			m = 1
		case b == 0:
			m = 0
		default:
			m = a / b
		}
		return ev.comparison(ctx, r, metric, m)
	}
}

// planRowCountMatch: rows(primary) / rows(reference) (spec §6.2); +Inf
// against an empty reference, NaN when both are empty.
func (pl *planner) planRowCountMatch(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	ref, bad := pl.reference(r.Params[0].Value)
	if bad != nil {
		lp.fixed = bad
		return
	}
	pn := pl.aggregate(countRows())
	rn := pl.referenceScan(ref).add(countRows())
	metric := "Dataset." + ref.alias + ".RowCountMatch"
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
		a, _, err := pn.value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		b, _, err := rn.value(ev)
		if err != nil {
			return errored(execMessage(err))
		}
		return ev.comparison(ctx, r, metric, a/b) // Go's float division gives Glue's +Inf and NaN
	}
}

// planSchemaMatch compares the schemas, known at plan time (spec §6.26,
// §18 #33).
func (pl *planner) planSchemaMatch(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	ref, bad := pl.reference(r.Params[0].Value)
	if bad != nil {
		lp.fixed = bad
		return
	}
	metric := "Dataset." + ref.alias + ".SchemaMatch"
	pcols := pl.plan.rel.columns
	switch {
	case len(pcols) == 0 || len(ref.columns) == 0:
		lp.fixed = failed("One or both DataFrames have no columns")
		return
	case len(pcols) != len(ref.columns):
		o := failed("Column counts do not match")
		o.metric(metric, 0)
		lp.fixed = o
		return
	}
	same := 0
	for _, c := range pcols {
		if rc, err := ref.lookup(c.sourceName()); err == nil && schemaTypeName(c.typ) == schemaTypeName(rc.typ) {
			same++
		}
	}
	m := float64(same) / float64(len(pcols))
	lp.judge = func(ctx context.Context, ev *evalState) *outcome {
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
		if !compare(r.Condition.Op, m, xs) {
			o.fail(fmt.Sprintf("%.2f%% of columns passed the threshold", m*100))
		}
		return o
	}
}

// schemaTypeName is a DuckDB type reduced the way Spark's typeName reduces
// a Spark type: parameters dropped (DECIMAL(10,2) is DECIMAL), every
// struct, list and map one kind, but integer widths kept apart.
func schemaTypeName(t string) string {
	t = strings.ToUpper(strings.TrimSpace(t))
	switch {
	case strings.HasSuffix(t, "]"):
		return "ARRAY"
	case strings.HasPrefix(t, "STRUCT"):
		return "STRUCT"
	case strings.HasPrefix(t, "MAP"):
		return "MAP"
	}
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}
