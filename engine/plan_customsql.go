package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// customRun is a CustomSql statement in scalar mode: it runs on its own
// (user SQL cannot be fused) and must return exactly one number.
type customRun struct {
	user string
	sql  string // the rewritten, vetted statement
	// backend is the Backend dialect's name when the statement runs
	// there ("" = embedded).
	backend string
}

// customResult is what a customRun returned in one execution.
type customResult struct {
	rows int // rows returned (at most 2 are read)
	cols int
	val  sql.NullFloat64
	err  error
}

func (c *customRun) describe() string {
	if c.backend != "" {
		// The Backend reads each value as a number.
		return "SELECT * FROM (\n" + c.sql + "\n) AS __custom LIMIT 2"
	}
	return "SELECT CAST(COLUMNS(*) AS DOUBLE) FROM (\n" + c.sql + "\n) AS __custom LIMIT 2"
}

// engine is the dialect name the statement runs in.
func (c *customRun) engine() string {
	if c.backend != "" {
		return c.backend
	}
	return duckDialect.Name
}

// run executes the statement. An error of the user's SQL becomes the
// rule's outcome (c.err); an environment failure (out of memory, I/O,
// corrupt data) stops the run, as it does for the fused scan.
func (c *customRun) run(ctx context.Context, x *executor, st *scanned) error {
	res := &customResult{}
	st.custom[c] = res
	if c.backend != "" {
		if x.user == nil {
			res.err = fmt.Errorf("%s does not run user SQL", c.backend)
			return nil
		}
		cols, rows, err := x.user(ctx, c.describe(), 2)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res.err = err
			return nil
		}
		res.cols, res.rows = len(cols), len(rows)
		if len(rows) == 1 && len(cols) == 1 {
			res.val = rows[0][0]
		}
		return nil
	}
	if err := res.query(ctx, x.q, c.describe()); err != nil {
		return err
	}
	if ee := AsEnvironmentError(res.err); ee != nil {
		return ee
	}
	return nil
}

func (c *customResult) query(ctx context.Context, q querier, stmt string) error {
	rows, err := q.QueryContext(ctx, stmt)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.err = err
		return nil
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		c.err = err
		return nil
	}
	c.cols = len(names)
	for rows.Next() {
		c.rows++
		vals := make([]sql.NullFloat64, c.cols)
		ptrs := make([]any, c.cols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			c.err = err
			return nil
		}
		if c.rows == 1 && c.cols == 1 {
			c.val = vals[0]
		}
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.err = err
	}
	return nil
}

// planCustomSQL plans CustomSql (spec §6.23). The statement refers to the
// primary dataset as "primary" (a reserved word in DuckDB), so relations
// are rewritten first; then it is checked to be a single read-only query.
// With a condition (or as an analyzer) it is scalar; without one, each row
// of the primary passes when it appears in the statement's output.
func (pl *planner) planCustomSQL(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) error {
	rels := map[string]string{}
	if pl.sess != nil {
		rels = pl.sess.Relations()
	}
	rels["primary"] = pl.plan.rel.from
	// Glue runs the statement as written (Raw keeps escapes); a $variable
	// has no source text of its own, so its value is used.
	// \" is how a DQDL string holds a double-quoted identifier.
	text := unescapeQuotes(r.Params[0].Raw)
	if r.Params[0].Var != "" {
		text = r.Params[0].Value
	}
	text, err := pl.plan.rel.bindNames(text)
	if err != nil {
		lp.fixed = errored("Error executing SQL statement: " + err.Error())
		return nil
	}
	if pl.backend != nil {
		return pl.customOnBackend(ctx, r, lp, text)
	}
	stmt, err := RewriteRelations(text, rels)
	if err == nil && pl.sess != nil {
		err = pl.sess.CheckReadOnly(ctx, stmt)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lp.fixed = withSparkHint(errored("Error executing SQL statement: "+firstLine(err.Error())), text, err)
		return nil
	}
	if r.Condition != nil || pl.analyzer {
		c := &customRun{user: pl.user, sql: stmt}
		pl.plan.customs = append(pl.plan.customs, c)
		lp.judge = customJudge(r, c)
		return nil
	}
	return pl.customRowMode(ctx, r, lp, stmt)
}

// customJudge judges a scalar CustomSql statement's result.
func customJudge(r *dqdl.SimpleRule, run *customRun) func(ctx context.Context, ev *evalState) *outcome {
	metric := datasetMetric("CustomSQL")
	return func(ctx context.Context, ev *evalState) *outcome {
		c := ev.custom[run]
		if c == nil {
			return errored("internal error: CustomSql statement was not run")
		}
		switch {
		case c.err != nil:
			return withSparkHint(errored("Error executing SQL statement: "+firstLine(c.err.Error())), run.sql, c.err)
		case c.rows != 1:
			return failed("Custom SQL did not return exactly 1 row")
		case c.cols != 1:
			return failed("Custom SQL did not return exactly 1 column")
		case !c.val.Valid:
			// Glue turns NULL into 0.0; that hides empty inputs (spec §18 #16).
			return failed("Custom SQL returned NULL")
		}
		o := newOutcome()
		o.metric(metric, c.val.Float64)
		if r.Condition != nil {
			ev.check(ctx, o, r.Condition, metric, c.val.Float64)
		}
		return o
	}
}

// customRowMode judges the share of primary rows found in the statement's
// output, matching null-safely on the returned columns (DuckDB compares
// row values with NULL equal to NULL).
func (pl *planner) customRowMode(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan, stmt string) error {
	rows, err := pl.q.QueryContext(ctx, "SELECT * FROM (\n"+stmt+"\n) AS __custom LIMIT 0")
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lp.fixed = withSparkHint(errored("Error executing SQL statement: "+firstLine(err.Error())), stmt, err)
		return nil
	}
	names, err := rows.Columns()
	rows.Close()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		lp.fixed = failed("The output from CustomSQL must contain at least one column that matches the input dataset. Ensure that matching columns are returned from the SQL.")
		return nil
	}
	var missing, outer, inner []string
	for i, n := range names {
		if _, err := pl.plan.rel.lookup(n); err != nil {
			missing = append(missing, n)
		}
		key := QuoteString(fmt.Sprintf("c%d", i))
		outer = append(outer, key+": "+QuoteIdent(n))
		inner = append(inner, key+": __custom."+QuoteIdent(n))
	}
	if len(missing) > 0 {
		lp.fixed = failed("The columns returned from the SQL statement should only belong to the primary table. Columns not found: " + strings.Join(missing, ", "))
		if len(names) == 1 {
			// One computed column (count(*), sum(x)): a scalar statement
			// written without the condition that would judge its value.
			lp.fixed.details = &FailureDetails{Hint: "without a condition CustomSql judges rows: the statement must return columns of primary; to check one number, add a condition (CustomSql \"select count(*) from primary where ...\" = 0)"}
		}
		return nil
	}
	pred := "{" + strings.Join(outer, ", ") + "} IN (SELECT {" + strings.Join(inner, ", ") + "} FROM (\n" + stmt + "\n) AS __custom)"
	lp.row = &rowCheck{pred: nativePred(pred, "CustomSql (user SQL over the primary relation)")}
	// Its own statement: an error in the user's SQL must not fail the fused scan.
	s := newScan(aggregateScan, pl.plan.rel.from)
	s.serve(pl.user)
	pl.plan.scans = append(pl.plan.scans, s)
	pass, total := s.add(countRows(lp.row.pred)), s.add(countRows())
	lp.judge = customRowJudge(r, pass, total)
	return nil
}

// customRowJudge judges CustomSql's row mode: the share of primary rows
// the statement returned.
func customRowJudge(r *dqdl.SimpleRule, pass, total slot) func(ctx context.Context, ev *evalState) *outcome {
	metric := datasetMetric("CustomSQL.Compliance")
	return func(ctx context.Context, ev *evalState) *outcome {
		m, empty, err := ratio(pass, total)(ev)
		switch {
		case err != nil:
			return errored("Error executing SQL statement: " + firstLine(err.Error()))
		case empty:
			return failed("Custom SQL rule could not be evaluated due to data frame being empty")
		}
		o := newOutcome()
		o.metric(metric, m)
		ok := m == 1
		if r.Threshold != nil {
			xs, err := ev.operands(ctx, r.Threshold, metric)
			if err != nil {
				o.setError(err.Error())
				return o
			}
			ok = compare(r.Threshold.Op, m, xs)
		}
		if !ok {
			o.fail("Custom SQL response failed to satisfy the threshold")
		}
		return o
	}
}
