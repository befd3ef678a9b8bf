package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// querier is what the evaluator needs from a connection; *sql.Conn and
// *sql.DB both provide it.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// evalState is one execution of a Plan: the scanned values and what
// judging needs besides them. The Plan itself is never changed by
// running it, so one Plan can be executed many times.
type evalState struct {
	scanned
	history History // nil: dynamic rules are errors
	now     time.Time
	// resolved holds the numbers each dynamic condition evaluated to, for
	// EvaluatedRule.
	resolved map[*dqdl.Condition][]float64
	// where is the where clause of the leaf being judged: dynamic operands
	// read the history of the metric as filtered by it (HistoryKey).
	where string
}

// scanned holds an execution's statement results.
type scanned struct {
	vals map[*scan][]sql.NullFloat64
	errs map[*scan][]error // per expression; set when the expression could not be computed
	// custom are the CustomSql statements' results.
	custom map[*customRun]*customResult
	// pending are the failing rules' details still waiting for their top
	// values (topValues fills them after judging).
	pending []pendingValues
	// pulled are the pull-backs' Backend results (pullback.go).
	pulled pulled
}

func newScanned() scanned {
	return scanned{vals: map[*scan][]sql.NullFloat64{}, errs: map[*scan][]error{}, custom: map[*customRun]*customResult{}}
}

// value returns a slot's value in an execution; null is true for SQL NULL
// (an empty aggregate), err when the expression could not be computed.
func (s slot) value(ev *evalState) (v float64, null bool, err error) {
	if errs := ev.errs[s.s]; errs != nil && errs[s.i] != nil {
		return 0, false, errs[s.i]
	}
	vals := ev.vals[s.s]
	if vals == nil {
		return 0, false, fmt.Errorf("internal error: %s scan was not run", s.s.kind)
	}
	nv := vals[s.i]
	if !nv.Valid {
		return math.NaN(), true, nil
	}
	return nv.Float64, false, nil
}

// run executes the scan, one statement per part (see parts), calling step
// (if not nil) before each. When a statement fails (an aggregate that
// overflows, a where clause that errors at run time), each of its
// expressions is retried on its own so that one bad rule cannot take the
// others down.
func (s *scan) run(ctx context.Context, x *executor, st *scanned, step func()) error {
	if len(s.exprs) == 0 {
		return nil
	}
	st.vals[s] = make([]sql.NullFloat64, len(s.exprs))
	for i, v := range s.known {
		st.vals[s][i] = v
	}
	for _, part := range s.parts() {
		if step != nil {
			step()
		}
		if err := s.runPart(ctx, x, st, part); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) runPart(ctx context.Context, x *executor, st *scanned, part []int) error {
	if x.dialect != duckDialect {
		// Expressions the dialect cannot express are pulled back when
		// they can be (pullback.go), or ERROR their rules; the rest still
		// run together, in one statement.
		ok := s.expressible(x, st, part)
		if err := s.pullBack(ctx, x, st, without(part, ok)); err != nil {
			return err
		}
		part = ok
		if len(part) == 0 {
			return nil
		}
	}
	stmt, err := s.sql(x.dialect, x.from(s.from), part...)
	var vals []sql.NullFloat64
	if err == nil {
		vals, err = x.queryRow(ctx, stmt, len(part))
	}
	if err == nil {
		for n, i := range part {
			st.vals[s][i] = vals[n]
		}
		return nil
	}
	if stop := runStopper(ctx, err); stop != nil {
		return stop
	}
	// Tell "the data cannot be read at all" (the run fails) from "one
	// expression fails" (that rule errors).
	if _, perr := x.queryRow(ctx, "SELECT CAST(count(*) AS "+x.dialect.Types[sqlexpr.Double]+") FROM "+x.from(s.from), 1); perr != nil {
		if ee := AsEnvironmentError(perr); ee != nil {
			return ee
		}
		return fmt.Errorf("reading %s: %w", x.from(s.from), perr)
	}
	if st.errs[s] == nil {
		st.errs[s] = make([]error, len(s.exprs))
	}
	for _, i := range part {
		stmt, err := s.sql(x.dialect, x.from(s.from), i)
		if err != nil { // the dialect cannot express this expression: its rules ERROR
			st.errs[s][i] = err
			continue
		}
		v, err := x.queryRow(ctx, stmt, 1)
		if overflowed(err) {
			v, err = s.retryOverflow(ctx, x, i, err)
		}
		if err != nil {
			if stop := runStopper(ctx, err); stop != nil {
				return stop
			}
			st.errs[s][i] = err
			continue
		}
		st.vals[s][i] = v[0]
	}
	return nil
}

// retryOverflow runs expression i again with its moments in
// overflowTolerant form, after DuckDB refused a result that overflowed
// (overflow.go). It returns the first error when there is nothing to
// rewrite, the dialect cannot express the rewrite, or the retry fails
// too.
func (s *scan) retryOverflow(ctx context.Context, x *executor, i int, first error) ([]sql.NullFloat64, error) {
	e, ok := overflowTolerant(s.exprs[i])
	if !ok {
		return nil, first
	}
	stmt, err := s.sqlOf(x.dialect, x.from(s.from), []int{i}, func(int) expr { return e })
	if err != nil {
		return nil, first
	}
	v, err := x.queryRow(ctx, stmt, 1)
	if err != nil {
		if runStopper(ctx, err) != nil {
			return nil, err
		}
		return nil, first
	}
	return v, nil
}

// executor runs a plan's statements on one engine: the embedded DuckDB
// session, or a Backend.
type executor struct {
	dialect  *sqlexpr.Dialect
	queryRow func(ctx context.Context, query string, n int) ([]sql.NullFloat64, error)
	// q is the embedded session's connection, for what runs only there
	// (CustomSql, ROW-mode composites, failure samples); nil on a Backend.
	q querier
	// relations maps the relations the plan reads (the embedded session's
	// names) to the engine's; nil = the same.
	relations map[string]string
	// user runs CustomSql statements on a Backend (UserQuerier); nil
	// when embedded or when the Backend does not run user SQL.
	user func(ctx context.Context, query string, maxRows int) ([]string, [][]sql.NullFloat64, error)
	// local is the embedded session's connection on a Backend, where
	// pulled-back values are evaluated (pullback.go); nil: no pull-back.
	local querier
	// rel is the plan's primary relation (its column types), set by
	// Plan.execute for the pull-back.
	rel *relation
}

func (x *executor) from(rel string) string {
	if r, ok := x.relations[rel]; ok {
		return r
	}
	return rel
}

// localExecutor runs statements on the embedded session.
func localExecutor(q querier) *executor {
	return &executor{dialect: duckDialect, q: q, queryRow: func(ctx context.Context, query string, n int) ([]sql.NullFloat64, error) {
		return queryRow(ctx, q, query, n)
	}}
}

// pullBack computes on x the expressions that x's dialect cannot express
// and that a pull-back can (pullback.go); the others keep their
// *sqlexpr.Unsupported, and a pull-back over the bound its error.
func (s *scan) pullBack(ctx context.Context, x *executor, st *scanned, idx []int) error {
	if s.kind != aggregateScan || x.local == nil || st.errs[s] == nil {
		return nil
	}
	for _, i := range idx {
		e := st.errs[s][i]
		var u *sqlexpr.Unsupported
		if e == nil || !errors.As(e, &u) {
			continue
		}
		pb := planPullback(s.exprs[i], x.dialect, x.rel)
		if pb == nil {
			continue
		}
		if st.pulled == nil {
			st.pulled = pulled{}
		}
		v, err := pb.run(ctx, x, x.from(s.from), st.pulled, u)
		if err != nil {
			if stop := runStopper(ctx, err); stop != nil {
				return stop
			}
			st.errs[s][i] = err
			continue
		}
		st.errs[s][i] = nil
		st.vals[s][i] = v
	}
	return nil
}

// without returns the indexes of all that are not in some (both in
// order).
func without(all, some []int) []int {
	var out []int
	j := 0
	for _, i := range all {
		if j < len(some) && some[j] == i {
			j++
			continue
		}
		out = append(out, i)
	}
	return out
}

// expressible returns the expressions of part that x's dialect renders,
// recording the others' *sqlexpr.Unsupported as their errors.
func (s *scan) expressible(x *executor, st *scanned, part []int) []int {
	var ok []int
	for _, i := range part {
		if _, err := s.sql(x.dialect, x.from(s.from), i); err != nil {
			if st.errs[s] == nil {
				st.errs[s] = make([]error, len(s.exprs))
			}
			st.errs[s][i] = err
			continue
		}
		ok = append(ok, i)
	}
	return ok
}

// queryRow runs a statement expected to return one row of n DOUBLEs.
func queryRow(ctx context.Context, q querier, query string, n int) ([]sql.NullFloat64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]sql.NullFloat64, n)
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("query returned no row")
	}
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, rows.Close()
}

// runStopper is the error that ends the whole run when a statement failed
// with err, or nil when only the rules it served should ERROR: the run was
// cancelled, or the machine failed — out of memory, a failed disk or a
// corrupt page is not a rule's fault, so the run stops (the CLI's "could
// not run" exit) rather than reporting ERROR for whichever rules were in
// the statement.
func runStopper(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ee := AsEnvironmentError(err); ee != nil {
		return ee
	}
	return nil
}
