package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// A pull-back computes, on a Backend, an aggregate whose per-row part the
// dialect cannot express exactly (the text of a DOUBLE in PostgreSQL, say)
// when that part reads one numeric column only: the Backend groups the
// rows by that column's value (and its sign, so that -0.0 stays apart
// from 0.0) and returns at most maxPulled distinct values with their row
// counts, in one row; the embedded DuckDB then evaluates the aggregate
// over those (value, count) pairs, exactly as it would over the rows.
// With more distinct values the expression is not computed and its rule
// ERRORs, naming the bound: the result is exact or absent.
//
// Only values a DOUBLE carries exactly are pulled back (DOUBLE, FLOAT and
// integer columns up to 32 bits), since the Backend returns DOUBLEs.

// maxPulled is the most distinct values one pull-back returns: two result
// columns each, under PostgreSQL's limit of 1664 columns per statement.
const maxPulled = 500

// pullback is the plan of one pulled-back aggregate.
type pullback struct {
	col     column
	remote  expr // the conditions the Backend renders (nil = every row)
	local   expr // the aggregate over __pulled(col, __n) in DuckDB
	dialect *sqlexpr.Dialect
}

// pullable reports whether column type typ travels exactly as a DOUBLE.
func pullable(typ string) bool {
	switch strings.ToUpper(typ) {
	case "DOUBLE", "FLOAT", "REAL", "INTEGER", "SMALLINT", "TINYINT", "UTINYINT", "USMALLINT":
		return true
	}
	return false
}

// floating reports a DOUBLE or FLOAT column type.
func floating(typ string) bool {
	switch strings.ToUpper(typ) {
	case "DOUBLE", "FLOAT", "REAL":
		return true
	}
	return false
}

// planPullback plans expression e of an aggregate scan for dialect d, or
// returns nil when it does not qualify: count(*), count(x), min(x) or
// max(x) whose arguments and unrenderable conditions read the same one
// pullable column, every other condition renderable in d.
func planPullback(e expr, d *sqlexpr.Dialect, rel *relation) *pullback {
	a, ok := e.(sqlexpr.Agg)
	if !ok || len(a.Args) != 1 || rel == nil {
		return nil
	}
	switch a.Fn {
	case sqlexpr.Count, sqlexpr.Min, sqlexpr.Max:
	default:
		return nil
	}
	var remote, local []expr
	for _, c := range conjuncts(a.Filter) {
		if _, err := d.Render(c); err == nil {
			remote = append(remote, c)
		} else {
			local = append(local, c)
		}
	}
	_, star := a.Args[0].(sqlexpr.Star)
	cols := map[string]bool{}
	if !star && !colsOf(a.Args[0], cols) {
		return nil
	}
	for _, c := range local {
		if !colsOf(c, cols) {
			return nil
		}
	}
	if len(cols) != 1 {
		return nil
	}
	var name string
	for n := range cols {
		name = n
	}
	c, bad := rel.lookup(name)
	if bad != nil || c.name != name || !pullable(c.typ) {
		return nil
	}
	n := sqlexpr.Name{Name: "__n"}
	var agg expr
	switch {
	case a.Fn == sqlexpr.Count && star:
		agg = call(sqlexpr.Coalesce, aggr(sqlexpr.Sum, n, local...), num(0))
	case a.Fn == sqlexpr.Count:
		agg = call(sqlexpr.Coalesce, aggr(sqlexpr.Sum, n, append(local, isNotNull(a.Args[0]))...), num(0))
	default:
		agg = aggr(a.Fn, a.Args[0], local...)
	}
	return &pullback{col: c, remote: and(remote...), local: agg, dialect: d}
}

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(n expr) []expr {
	if n == nil {
		return nil
	}
	if b, ok := n.(sqlexpr.Binary); ok && b.Op == sqlexpr.And {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []expr{n}
}

// colsOf adds the columns n reads to cols; false when n reads anything
// else than columns and constants (user SQL, names bound elsewhere,
// windows, native text).
func colsOf(n expr, cols map[string]bool) bool {
	switch n := n.(type) {
	case sqlexpr.Col:
		cols[n.Name] = true
		return true
	case sqlexpr.Num, sqlexpr.Str, sqlexpr.Bool, sqlexpr.Null:
		return true
	case sqlexpr.Call:
		return all(n.Args, cols)
	case sqlexpr.Binary:
		return colsOf(n.L, cols) && colsOf(n.R, cols)
	case sqlexpr.Not:
		return colsOf(n.X, cols)
	case sqlexpr.IsNull:
		return colsOf(n.X, cols)
	case sqlexpr.In:
		return colsOf(n.X, cols) && all(n.List, cols)
	case sqlexpr.Cast:
		return colsOf(n.X, cols)
	case sqlexpr.Case:
		for _, w := range n.Whens {
			if !colsOf(w.Cond, cols) || !colsOf(w.Then, cols) {
				return false
			}
		}
		return n.Else == nil || colsOf(n.Else, cols)
	}
	return false
}

func all(ns []expr, cols map[string]bool) bool {
	for _, n := range ns {
		if !colsOf(n, cols) {
			return false
		}
	}
	return true
}

// key identifies the Backend statement; expressions with the same column
// and remote conditions share it.
func (pb *pullback) key() string {
	if pb.remote == nil {
		return pb.col.name
	}
	return pb.col.name + "\x00" + duck(pb.remote)
}

// negZero is true for -0.0 (DuckDB's `/`: 1/-0.0 is -Infinity, which the
// dialects render exactly).
func negZero(c expr) expr {
	return and(cmp(sqlexpr.Eq, c, num(0)), cmp(sqlexpr.Lt, cmp(sqlexpr.Div, num(1), c), num(0)))
}

// remoteSQL is the Backend's statement: the number of distinct (value,
// sign) groups with a row under the remote conditions, then for the first
// maxPulled of them in value order the value, the -0.0 flag and the count.
func (pb *pullback) remoteSQL(from string) (string, error) {
	d := pb.dialect
	c := col(pb.col.name)
	n := countRows(pb.remote)
	double := d.Types[sqlexpr.Double]
	var inner expr = num(0)
	if floating(pb.col.typ) {
		// Only floats have a -0.0 (and 1/0 on an integer column is an
		// error in Trino).
		inner = sqlexpr.Case{Whens: []sqlexpr.When{{Cond: negZero(c), Then: num(1)}}, Else: num(0)}
	}
	cs, err := d.Render(c)
	if err != nil {
		return "", err
	}
	ns, err := d.Render(n)
	if err != nil {
		return "", err
	}
	zs, err := d.Render(inner)
	if err != nil {
		return "", err
	}
	groupBy := cs // a constant in GROUP BY would be a column position
	if floating(pb.col.typ) {
		groupBy += ", " + zs
	}
	parts := []string{"CAST(count(*) AS " + double + ") AS k"}
	for i := 1; i <= maxPulled; i++ {
		for _, f := range []string{"__v", "__z", "__c"} {
			parts = append(parts, fmt.Sprintf("CAST(max(CASE WHEN __i = %d THEN %s END) AS %s)", i, f, double))
		}
	}
	return "SELECT " + strings.Join(parts, ", ") + "\nFROM (\n  SELECT __v, __z, __c, row_number() OVER (ORDER BY __v, __z) AS __i\n  FROM (\n    SELECT " +
		cs + " AS __v, " + zs + " AS __z, " + ns + " AS __c\n    FROM " + from + "\n    GROUP BY " + groupBy +
		"\n  ) AS __g\n  WHERE __c > 0\n) AS __r", nil
}

// localSQL evaluates the aggregate in DuckDB over the pulled (value,
// count) pairs.
func (pb *pullback) localSQL(vals []sql.NullFloat64, why *sqlexpr.Unsupported) (string, error) {
	k := int(vals[0].Float64)
	if k > maxPulled {
		return "", &sqlexpr.Unsupported{Dialect: why.Dialect, What: fmt.Sprintf("%s (and %q has %d distinct values, more than the %d dq pulls back to evaluate locally)",
			why.What, pb.col.name, k, maxPulled)}
	}
	q := QuoteIdent(pb.col.name)
	rows := []string{"SELECT CAST(NULL AS " + pb.col.typ + ") AS " + q + ", CAST(0 AS DOUBLE) AS __n WHERE FALSE"}
	for i := 0; i < k; i++ {
		v, z, c := vals[1+3*i], vals[2+3*i], vals[3+3*i]
		lit := "NULL"
		if v.Valid {
			f := v.Float64
			if z.Valid && z.Float64 == 1 {
				f = math.Copysign(0, -1)
			}
			lit = "CAST(" + duckFloat(f) + " AS DOUBLE)"
		}
		rows = append(rows, fmt.Sprintf("SELECT CAST(%s AS %s), %s", lit, pb.col.typ, duckFloat(c.Float64)))
	}
	return "SELECT CAST(" + duck(pb.local) + " AS DOUBLE) FROM (\n" + strings.Join(rows, "\nUNION ALL ") + "\n) AS __pulled", nil
}

// duckFloat is f as DuckDB text that reads back exactly (-0.0, NaN and
// ±Inf included).
func duckFloat(f float64) string {
	if f == 0 && math.Signbit(f) {
		return "'-0.0'"
	}
	s, err := duckDialect.Render(num(f))
	if err != nil {
		panic(err)
	}
	return s
}

// pulled are one execution's pull-back results by key, so that the
// expressions sharing a statement run it once.
type pulled map[string][]sql.NullFloat64

// run computes the expression: the Backend's statement (once per key),
// then the local aggregate.
func (pb *pullback) run(ctx context.Context, x *executor, from string, cache pulled, why *sqlexpr.Unsupported) (sql.NullFloat64, error) {
	key := pb.key()
	vals, ok := cache[key]
	if !ok {
		stmt, err := pb.remoteSQL(from)
		if err != nil {
			return sql.NullFloat64{}, err
		}
		vals, err = x.queryRow(ctx, stmt, 1+3*maxPulled)
		if err != nil {
			return sql.NullFloat64{}, err
		}
		cache[key] = vals
	}
	stmt, err := pb.localSQL(vals, why)
	if err != nil {
		return sql.NullFloat64{}, err
	}
	out, err := queryRow(ctx, x.local, stmt, 1)
	if err != nil {
		return sql.NullFloat64{}, fmt.Errorf("evaluating pulled-back values: %w", err)
	}
	return out[0], nil
}

// pulledQuery is one pull-back statement of an explained plan and the
// expressions it serves.
type pulledQuery struct {
	pb     *pullback
	idx    []int
	locals []expr
}

// pullbackOf is the pull-back of expression i of s on x, or nil.
func (p *Plan) pullbackOf(s *scan, i int, x *executor) *pullback {
	if s.kind != aggregateScan || x.local == nil {
		return nil
	}
	return planPullback(s.exprs[i], x.dialect, p.rel)
}

// describe is what dq explain shows of a pull-back: the grouping the
// Backend runs (its result is pivoted into one row of at most maxPulled
// groups) and the aggregates the embedded engine then computes over the
// groups (__n: a group's row count).
func (pq *pulledQuery) describe(from string) string {
	d := pq.pb.dialect
	c, _ := d.Render(col(pq.pb.col.name))
	n, _ := d.Render(countRows(pq.pb.remote))
	var b strings.Builder
	fmt.Fprintf(&b, "-- pulled back: the distinct values of %s with their row counts (at most %d, pivoted into one row; -0.0 apart from 0.0),\n-- then computed on the embedded engine over them:\n", c, maxPulled)
	for _, l := range pq.locals {
		fmt.Fprintf(&b, "--   %s\n", duck(l))
	}
	fmt.Fprintf(&b, "SELECT %s AS __v, %s AS __n\nFROM %s\nGROUP BY %s", c, n, from, c)
	return b.String()
}
