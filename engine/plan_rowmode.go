package engine

import (
	"context"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// rowMode is a composite rule evaluated in ROW mode (spec §7.3, §18 #18):
// it passes iff every row satisfies the AND/OR of its leaves' per-row
// predicates.
type rowMode struct {
	err         string // why the composite cannot be evaluated per row
	fail, total slot   // rows failing the combined predicate, all rows
	// deferred composites contain dataset-level leaves (RowCount, Mean…),
	// whose verdict is the same for every row; they are scanned after the
	// leaves are judged, with those verdicts as constants.
	deferred bool
}

func (pl *planner) planRowMode(n *node) {
	rm := &rowMode{}
	n.row = rm
	window := false
	for _, lp := range nodeLeaves(n) {
		switch {
		case lp.rowExcluded != "":
			rm.err = "ROW-mode composite rules cannot contain " + lp.rule.String() + ": " + lp.rowExcluded
			return
		case lp.fixed != nil:
		case lp.row == nil:
			rm.deferred = true
		case lp.row.window || strings.Contains(duck(lp.row.pred), "SELECT"):
			window = true
		}
	}
	if rm.deferred {
		if pl.remote != nil {
			rm.err = cannotEvaluate + pl.remote.Name + ": ROW-mode composite rules with dataset-level parts are evaluated only on the embedded engine (--engine duckdb)"
		}
		return
	}
	expr := rowExpr(n, nil)
	if window {
		s := newScan(rowScan, pl.plan.rel.from)
		s.serve(pl.user)
		pl.plan.scans = append(pl.plan.scans, s)
		name := s.project(expr)
		rm.fail, rm.total = s.add(rowFailures(name)), s.add(countRows())
		return
	}
	rm.fail, rm.total = pl.aggregate(countRows(not(expr))), pl.aggregate(countRows())
}

func nodeLeaves(n *node) []*leafPlan {
	if n.leaf != nil {
		return []*leafPlan{n.leaf}
	}
	var out []*leafPlan
	for _, k := range n.kids {
		out = append(out, nodeLeaves(k)...)
	}
	return out
}

// rowExpr is the two-valued per-row form of a rule tree. A leaf's filtered
// rows pass it (Glue's default); a leaf decided at plan time (say, a missing
// column) passes or fails every row; a dataset-level leaf contributes its
// verdict from verdicts.
func rowExpr(n *node, verdicts map[*leafPlan]bool) expr {
	if n.leaf != nil {
		lp := n.leaf
		switch {
		case lp.fixed != nil:
			return boolLit(lp.fixed.result == Pass)
		case lp.row == nil:
			return boolLit(verdicts[lp])
		}
		return rowPredicate(lp.row)
	}
	parts := make([]expr, len(n.kids))
	for i, k := range n.kids {
		parts[i] = rowExpr(k, verdicts)
	}
	if n.op == dqdl.Or {
		return or(parts...)
	}
	return and(parts...)
}

// rowPredicate is a leaf's two-valued per-row predicate with its where
// clause folded in: filtered rows pass.
func rowPredicate(rc *rowCheck) expr {
	p := truthy(rc.pred)
	if rc.filter == "" {
		return p
	}
	return or(not(truthy(whereExpr(rc.filter))), p)
}

// rowFailures counts the rows of a row scan whose projected verdict is
// false.
func rowFailures(name string) expr {
	return countRows(not(sqlexpr.Name{Name: name}))
}

// judgeRowMode finishes a ROW-mode composite once its leaves are judged.
func (p *Plan) judgeRowMode(ctx context.Context, q querier, ev *evalState, n *node, leaves map[*leafPlan]*outcome) (*outcome, error) {
	rm := n.row
	o := newOutcome()
	for _, lp := range nodeLeaves(n) {
		lo := leaves[lp]
		for k, v := range lo.metrics {
			o.metrics[k] = v
		}
		if lo.result == Error {
			o.setError(lo.message())
		}
	}
	if rm.err != "" {
		o.setError(rm.err)
	}
	if o.result == Error {
		return o, nil
	}
	failS, totalS := rm.fail, rm.total
	if rm.deferred {
		verdicts := map[*leafPlan]bool{}
		for lp, lo := range leaves {
			verdicts[lp] = lo.result == Pass
		}
		// A scan of this execution only: the verdicts are its own.
		s := newScan(rowScan, p.rel.from)
		name := s.project(rowExpr(n, verdicts))
		failS, totalS = s.add(rowFailures(name)), s.add(countRows())
		if err := s.run(ctx, localExecutor(q), &ev.scanned, nil); err != nil {
			return nil, err
		}
	}
	fails, _, err := failS.value(ev)
	if err != nil {
		return errored(execMessage(err)), nil
	}
	total, _, err := totalS.value(ev)
	if err != nil {
		return errored(execMessage(err)), nil
	}
	if fails > 0 {
		o.fail(valueMessage((total - fails) / total))
	}
	return o, nil
}
