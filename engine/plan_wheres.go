package engine

import (
	"context"

	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// whereBatch is how many where clauses one binding check covers. One
// EXPLAIN per clause costs about a millisecond, which made planning
// thousands of distinct where clauses take longer than scanning the data;
// a batch of 256 binds in about the time of ten single checks.
const whereBatch = 256

// vetWheres checks the ruleset's distinct where clauses against the
// relation in batches, before the rules are planned: one EXPLAIN binds a
// whole batch as a conjunction. A batch that binds marks each of its
// clauses valid; when it fails, its clauses stay unchecked and where()
// checks each on its own, so an invalid clause gets exactly the message a
// single check gives it. (A batch can only pass where a single check fails
// if the optimizer drops a clause that errors while folding constants
// because another clause is constant false; that rule then errors when the
// scan runs instead of at planning.)
func (pl *planner) vetWheres(ctx context.Context, rs *dqdl.Ruleset) {
	var batch, cleans []string
	flush := func() {
		if len(batch) == 0 {
			return
		}
		parts := make([]string, len(cleans))
		for i, c := range cleans {
			parts[i] = "(" + c + ")"
		}
		if pl.bindCheck(ctx, "EXPLAIN SELECT 1 FROM "+pl.plan.rel.from+" WHERE "+strings.Join(parts, " AND ")) == nil {
			for i, w := range batch {
				pl.wheres[w] = nil
				pl.clean[w] = cleans[i]
			}
		}
		batch, cleans = batch[:0], cleans[:0]
	}
	queued := map[string]bool{}
	var visit func(r dqdl.Rule)
	visit = func(r dqdl.Rule) {
		switch r := r.(type) {
		case *dqdl.SimpleRule:
			if r.Where == nil || queued[r.Where.SQL] {
				return
			}
			w := r.Where.SQL
			queued[w] = true
			// The same vetting as where() does before its EXPLAIN.
			clean, err := CheckExpressionSQL(sparkIdentifiers(unescapeQuotes(w)))
			if err == nil {
				clean, err = pl.plan.rel.bindNames(clean)
			}
			if err != nil {
				return // where() reports it
			}
			batch, cleans = append(batch, w), append(cleans, clean)
			if len(batch) == whereBatch {
				flush()
			}
		case *dqdl.CompositeRule:
			for _, k := range r.Rules {
				visit(k)
			}
		}
	}
	for _, r := range rs.Rules {
		visit(r)
	}
	flush()
}
