package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// EvaluateOnBackend evaluates the ruleset where b's data lives: the plan's
// statements are rendered in b's dialect and run by b, and only their
// one-row results come back; judging, results, dynamic rules and anomaly
// detection are those of Evaluate.
//
// Where clauses are validated locally, against an empty embedded table
// with the Backend's columns, so that a bad clause fails its rule with the
// same located message as in an embedded run. A rule whose expressions b's
// dialect cannot express exactly, or that needs the embedded engine
// (CustomSql, File* rules, reference datasets, ROW-mode composites with
// dataset-level parts), ERRORs with a message naming the dialect and the
// construct: dq never substitutes an approximation. Failing rules report
// their failed and total row counts but no top values (those need the
// rows). Row-level output is refused.
func EvaluateOnBackend(ctx context.Context, rs *dqdl.Ruleset, b Backend, opts Options) (*Result, error) {
	if rs == nil || b == nil {
		return nil, errors.New("evaluate: nil ruleset or backend")
	}
	if opts.Session.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Session.Timeout)
		defer cancel()
	}
	if opts.RowLevel != nil {
		return nil, fmt.Errorf("row-level output needs every row, which stays in the %s engine; drop the row-level option or evaluate with the embedded engine", b.Dialect().Name)
	}
	pl, x, ds, closeSess, err := planOnBackend(ctx, rs, b, opts)
	if err != nil {
		return nil, err
	}
	defer closeSess()
	res := &Result{
		ResultID:    newResultID(),
		RulesetName: opts.RulesetName,
		StartedOn:   time.Now().UTC(),
		DataSource:  &DataSource{Location: ds.Location},
	}
	ev := &evalState{scanned: newScanned(), history: opts.History, now: pl.now}
	if err := pl.execute(ctx, x, &ev.scanned, opts.Progress, nil); err != nil {
		return nil, err
	}
	if err := pl.judge(ctx, nil, ev, rs, res); err != nil {
		return nil, err
	}
	if opts.Observations && opts.History != nil {
		res.Observations = ev.observe(ctx, res)
	}
	res.CompletedOn = time.Now().UTC()
	return res, nil
}

// ExplainOnBackend plans the ruleset for b without running it: each
// statement in b's dialect (PlannedQuery.Engine), and the rules b cannot
// evaluate with the reason (PlannedQuery.Unsupported, or the rule's
// planned ERROR).
func ExplainOnBackend(ctx context.Context, rs *dqdl.Ruleset, b Backend, opts Options) (*Plan, error) {
	if rs == nil || b == nil {
		return nil, errors.New("explain: nil ruleset or backend")
	}
	pl, _, _, closeSess, err := planOnBackend(ctx, rs, b, opts)
	if err != nil {
		return nil, err
	}
	closeSess()
	return pl, nil
}

// planOnBackend describes b's primary dataset, mirrors its columns in an
// empty table of a local session (where clauses bind against it), and
// plans for b's dialect. The returned executor runs the plan's statements
// on b, reading b's relation where the plan reads the local one.
func planOnBackend(ctx context.Context, rs *dqdl.Ruleset, b Backend, opts Options) (*Plan, *executor, *Dataset, func(), error) {
	d := b.Dialect()
	if d == nil {
		return nil, nil, nil, nil, errors.New("backend has no dialect")
	}
	ds, err := b.Describe(ctx, "primary")
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("describing the primary dataset on %s: %w", d.Name, err)
	}
	if len(ds.Columns) == 0 {
		return nil, nil, nil, nil, fmt.Errorf("the primary dataset on %s (%s) has no columns", d.Name, ds.Location)
	}
	sess, err := OpenSession(ctx, opts.Session)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cols := make([]string, len(ds.Columns))
	for i, c := range ds.Columns {
		cols[i] = "CAST(NULL AS " + c.Type + ") AS " + QuoteIdent(c.Name)
	}
	local, err := sess.Register(ctx, "primary", Query("SELECT "+strings.Join(cols, ", ")+" WHERE false"))
	if err == nil {
		err = sess.Seal(ctx)
	}
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, fmt.Errorf("mirroring the columns of %s (%s) for validation: %w", ds.Location, d.Name, err)
	}
	rel := relationOf(local)
	pl, err := buildPlanOn(ctx, sess, sess.Conn(), rs, rel, opts, d)
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, fmt.Errorf("planning: %w", err)
	}
	x := &executor{dialect: d, queryRow: b.QueryRow, relations: map[string]string{local.Relation: ds.Relation}, local: sess.Conn()}
	pl.listQueries(x)
	return pl, x, ds, func() { sess.Close() }, nil
}
