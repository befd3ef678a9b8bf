package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// querier is what the evaluator needs from a connection; *sql.Conn and
// *sql.DB both provide it.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// evalState carries what judging needs besides the scanned values.
type evalState struct {
	ctx     context.Context
	history History // nil: dynamic rules are errors
	now     time.Time
	// resolved holds the numbers each dynamic condition evaluated to, for
	// EvaluatedRule.
	resolved map[*dqdl.Condition][]float64
	// where is the where clause of the leaf being judged: dynamic operands
	// read the history of the metric as filtered by it (HistoryKey).
	where string
}

// value returns a slot's value; null is true for SQL NULL (an empty
// aggregate), err when the expression could not be computed.
func (s slot) value() (v float64, null bool, err error) {
	if s.s.errs != nil && s.s.errs[s.i] != nil {
		return 0, false, s.s.errs[s.i]
	}
	if s.s.vals == nil {
		return 0, false, fmt.Errorf("internal error: %s scan was not run", s.s.kind)
	}
	nv := s.s.vals[s.i]
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
func (s *scan) run(ctx context.Context, q querier, step func()) error {
	if len(s.exprs) == 0 {
		return nil
	}
	s.vals = make([]sql.NullFloat64, len(s.exprs))
	for _, part := range s.parts() {
		if step != nil {
			step()
		}
		if err := s.runPart(ctx, q, part); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) runPart(ctx context.Context, q querier, part []int) error {
	vals, err := queryRow(ctx, q, s.sql(part...), len(part))
	if err == nil {
		for n, i := range part {
			s.vals[i] = vals[n]
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// Out of memory, a failed disk or a corrupt page is the machine
	// failing, not a rule: the run stops (the CLI's "could not run" exit)
	// rather than reporting ERROR for whichever rules were in the scan.
	if ee := AsEnvironmentError(err); ee != nil {
		return ee
	}
	// Tell "the data cannot be read at all" (the run fails) from "one
	// expression fails" (that rule errors).
	if _, perr := queryRow(ctx, q, "SELECT CAST(count(*) AS DOUBLE) FROM "+s.from, 1); perr != nil {
		if ee := AsEnvironmentError(perr); ee != nil {
			return ee
		}
		return fmt.Errorf("reading %s: %w", s.from, perr)
	}
	if s.errs == nil {
		s.errs = make([]error, len(s.exprs))
	}
	for _, i := range part {
		v, err := queryRow(ctx, q, s.sql(i), 1)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if ee := AsEnvironmentError(err); ee != nil {
				return ee
			}
			s.errs[i] = err
			continue
		}
		s.vals[i] = v[0]
	}
	return nil
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
