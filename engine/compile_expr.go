package engine

import (
	"fmt"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// The planner builds its metric expressions and per-row predicates as
// sqlexpr nodes, and renders them per dialect when a statement is made:
// DuckDB for the embedded engine, the Backend's dialect for pushdown.
// These helpers keep the rule planners readable.

type expr = sqlexpr.Node

// duckDialect is the embedded engine's dialect: DuckDB's, under its own
// name, so that Native nodes (which may name the embedded session's
// relations) never render for a Backend, even one that speaks DuckDB.
var duckDialect = embeddedDialect()

func embeddedDialect() *sqlexpr.Dialect {
	d := *sqlexpr.DuckDB()
	d.Name = "embedded duckdb"
	return &d
}

// duck renders n as DuckDB SQL. Every node the planner builds renders in
// DuckDB (it is the reference dialect: each Func has an entry and Native
// nodes are written in it, except a Backend's own statements, which are
// keyed by their text), so an error here is a planner bug.
func duck(n expr) string {
	if nt, ok := n.(sqlexpr.Native); ok && nt.Dialect != duckDialect.Name {
		// A statement the planner wrote in a Backend's own dialect (a
		// cross-dataset join, plan_reference.go): its text is its
		// identity, which is all scans use this rendering for.
		return nt.Dialect + ": " + nt.SQL
	}
	s, err := duckDialect.Render(n)
	if err != nil {
		panic(fmt.Sprintf("internal error: rendering %#v in DuckDB: %v", n, err))
	}
	return s
}

// native wraps DuckDB text the neutral language does not express (yet):
// it runs only on the embedded engine; a Backend's dialect refuses it,
// naming what.
func native(sql, what string) expr {
	return sqlexpr.Native{Dialect: duckDialect.Name, SQL: sql, What: what}
}

// nativePred is native for a predicate that may sit inside AND/OR: it
// is parenthesised, since its text may have an OR at the top.
func nativePred(sql, what string) expr { return native("("+sql+")", what) }

func col(name string) expr  { return sqlexpr.Col{Name: name} }
func num(f float64) expr    { return sqlexpr.Num{V: f} }
func strLit(s string) expr  { return sqlexpr.Str{V: s} }
func boolLit(b bool) expr   { return sqlexpr.Bool{V: b} }
func not(x expr) expr       { return sqlexpr.Not{X: x} }
func isNull(x expr) expr    { return sqlexpr.IsNull{X: x} }
func isNotNull(x expr) expr { return sqlexpr.IsNull{X: x, Negate: true} }
func and(xs ...expr) expr   { return sqlexpr.AndAll(xs...) }
func cmp(op sqlexpr.Op, l, r expr) expr {
	return sqlexpr.Binary{Op: op, L: l, R: r}
}

// or joins conditions with OR (at least one).
func or(xs ...expr) expr {
	out := xs[0]
	for _, x := range xs[1:] {
		out = sqlexpr.Binary{Op: sqlexpr.Or, L: out, R: x}
	}
	return out
}

func call(fn sqlexpr.Func, args ...expr) expr { return sqlexpr.Call{Fn: fn, Args: args} }

// whereExpr is a rule's vetted where clause ("" = none) as a condition.
func whereExpr(w string) expr {
	if w == "" {
		return nil
	}
	return sqlexpr.Raw{SQL: w}
}

// aggr is the aggregate fn(arg) over the rows where every condition holds
// (nil conditions are skipped): every where clause shares the one scan.
// fn must ignore NULL inputs (see sqlexpr.Agg).
func aggr(fn sqlexpr.Func, arg expr, conds ...expr) expr {
	return sqlexpr.Agg{Fn: fn, Args: []expr{arg}, Filter: and(conds...)}
}

// countRows is count(*) over the rows where every condition holds.
func countRows(conds ...expr) expr { return aggr(sqlexpr.Count, sqlexpr.Star{}, conds...) }

// truthy makes a nullable predicate two-valued: NULL counts as failing,
// as in Deequ's compliance (only TRUE rows comply).
func truthy(pred expr) expr { return call(sqlexpr.Coalesce, pred, boolLit(false)) }
