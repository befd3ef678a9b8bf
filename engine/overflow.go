package engine

import (
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// DuckDB's stddev_pop, var_pop and corr raise "… is out of range" when
// their result is not finite, which finite inputs near ±1e308 cause: the
// squared deviations overflow. Spark's Welford update (which Glue runs)
// carries the overflow through to an Infinity or NaN metric instead, and
// the rule fails or passes on it. So when a statement with one of those
// aggregates fails that way, the one-by-one retry (scan.runPart) runs the
// expression again in overflowTolerant form, built on covar_pop: the same
// Welford update (covar_pop(x, x) is var_pop(x)), but finalised without
// the check. Statements that do not overflow never see the rewrite, so
// their results stay DuckDB's own aggregates, bit for bit.

// overflowed reports whether err is DuckDB's error for a moment that did
// not come out finite.
func overflowed(err error) bool {
	return err != nil && strings.Contains(err.Error(), "is out of range")
}

// overflowTolerant returns e with every stddev_pop, var_pop and corr
// aggregate replaced by its covar_pop equivalent, and whether there was
// one to replace:
//
//	stddev_pop(x) → sqrt(covar_pop(x, x))
//	var_pop(x)    → covar_pop(x, x)
//	corr(x, y)    → covar_pop(x, y) / sqrt(covar_pop(x, x) * covar_pop(y, y))
//
// Each keeps the aggregate's FILTER. For corr the n's cancel, leaving
// Spark's ck / sqrt(xMk * yMk); with fewer than two pairs or a constant
// column it is 0/0 = NaN, which the planner already reads as "no value"
// (sqlexpr.Corr).
func overflowTolerant(e expr) (expr, bool) {
	switch n := e.(type) {
	case sqlexpr.Agg:
		covar := func(a, b expr) expr {
			return sqlexpr.Agg{Fn: sqlexpr.CovarPop, Args: []expr{a, b}, Filter: n.Filter}
		}
		switch {
		case n.Fn == sqlexpr.StddevPop && len(n.Args) == 1:
			return call(sqlexpr.Sqrt, covar(n.Args[0], n.Args[0])), true
		case n.Fn == sqlexpr.VarPop && len(n.Args) == 1:
			return covar(n.Args[0], n.Args[0]), true
		case n.Fn == sqlexpr.Corr && len(n.Args) == 2:
			x, y := n.Args[0], n.Args[1]
			return sqlexpr.Binary{Op: sqlexpr.Div, L: covar(x, y),
				R: call(sqlexpr.Sqrt, sqlexpr.Binary{Op: sqlexpr.Mul, L: covar(x, x), R: covar(y, y)})}, true
		}
		return n, false
	case sqlexpr.Call:
		args, ok := overflowTolerantList(n.Args)
		n.Args = args
		return n, ok
	case sqlexpr.Binary:
		l, okL := overflowTolerant(n.L)
		r, okR := overflowTolerant(n.R)
		n.L, n.R = l, r
		return n, okL || okR
	case sqlexpr.Not:
		x, ok := overflowTolerant(n.X)
		n.X = x
		return n, ok
	case sqlexpr.IsNull:
		x, ok := overflowTolerant(n.X)
		n.X = x
		return n, ok
	case sqlexpr.Cast:
		x, ok := overflowTolerant(n.X)
		n.X = x
		return n, ok
	case sqlexpr.Case:
		found := false
		whens := make([]sqlexpr.When, len(n.Whens))
		for i, w := range n.Whens {
			c, ok1 := overflowTolerant(w.Cond)
			t, ok2 := overflowTolerant(w.Then)
			whens[i] = sqlexpr.When{Cond: c, Then: t}
			found = found || ok1 || ok2
		}
		n.Whens = whens
		if n.Else != nil {
			el, ok := overflowTolerant(n.Else)
			n.Else = el
			found = found || ok
		}
		return n, found
	}
	return e, false
}

func overflowTolerantList(ns []expr) ([]expr, bool) {
	out := make([]expr, len(ns))
	found := false
	for i, a := range ns {
		var ok bool
		out[i], ok = overflowTolerant(a)
		found = found || ok
	}
	return out, found
}
