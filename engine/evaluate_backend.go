package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
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
// (File* rules, ROW-mode composites with dataset-level parts), ERRORs with
// a message naming the dialect and the construct: dq never substitutes an
// approximation. Cross-dataset rules run as joins in b when their
// references are b's tables (Options.BackendReferences, or database.table
// aliases), and ERROR when a reference lives elsewhere. CustomSql runs the
// user's text in b's own SQL dialect when b is a UserQuerier, read-only. Failing rules report
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
	if err := pl.judge(ctx, nil, ev, rs, res, opts.Judged); err != nil {
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

// backendPlan is what planning for a Backend needs besides its dialect.
type backendPlan struct {
	dialect *sqlexpr.Dialect
	// relations maps the local mirror relations (the primary and the
	// co-located references, empty tables with the engine's columns) to
	// the engine's relations.
	relations map[string]string
	// refs maps each co-located reference alias (lower case) to the
	// engine's relation, for CustomSql.
	refs map[string]string
	// apart says, by lower-case alias, why a reference cannot be joined
	// with the primary in the engine: its rules ERROR with it.
	apart map[string]string
	// user runs CustomSql statements; nil when the Backend does not.
	user func(ctx context.Context, query string, maxRows int) ([]string, [][]sql.NullFloat64, error)
	// location is the primary dataset's, for messages.
	location string
}

// planOnBackend describes b's primary dataset and the references the
// ruleset needs, mirrors their columns in empty tables of a local session
// (where clauses bind against them, the planner resolves columns in
// them), and plans for b's dialect. The returned executor runs the
// plan's statements on b, reading b's relations where the plan reads the
// local ones.
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
	bk := &backendPlan{dialect: d, relations: map[string]string{}, refs: map[string]string{}, apart: map[string]string{}, location: ds.Location}
	if u, ok := b.(UserQuerier); ok {
		bk.user = u.QueryUser
	}
	refs, err := describeReferences(ctx, rs, b, opts, bk)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sess, err := OpenSession(ctx, opts.Session)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	mirror := func(alias string, ds *Dataset) (*Dataset, error) {
		cols := make([]string, len(ds.Columns))
		for i, c := range ds.Columns {
			cols[i] = "CAST(NULL AS " + c.Type + ") AS " + QuoteIdent(c.Name)
		}
		local, err := sess.Register(ctx, alias, Query("SELECT "+strings.Join(cols, ", ")+" WHERE false"))
		if err != nil {
			return nil, fmt.Errorf("mirroring the columns of %s (%s) for validation: %w", ds.Location, d.Name, err)
		}
		bk.relations[local.Relation] = ds.Relation
		return local, nil
	}
	local, err := mirror("primary", ds)
	for _, r := range refs {
		if err != nil {
			break
		}
		_, err = mirror(r.alias, r.ds)
		bk.refs[strings.ToLower(r.alias)] = r.ds.Relation
	}
	if err == nil {
		err = sess.Seal(ctx)
	}
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, err
	}
	rel := relationOf(local)
	pl, err := buildPlanOn(ctx, sess, sess.Conn(), rs, rel, opts, bk)
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, fmt.Errorf("planning: %w", err)
	}
	x := &executor{dialect: d, queryRow: b.QueryRow, relations: bk.relations, user: bk.user, local: sess.Conn()}
	pl.listQueries(x)
	return pl, x, ds, func() { sess.Close() }, nil
}

// backendRef is a reference described by the Backend.
type backendRef struct {
	alias string
	ds    *Dataset
}

// describeReferences resolves every reference alias the ruleset needs on
// b: Options.BackendReferences by the name given there, a database.table
// alias by itself (a table of the engine, as a catalog name). A reference
// b reports as outside its engine, or bound to local data
// (Options.References), is recorded in bk.apart: its rules ERROR. Any
// other failure to describe one stops the run, as for the primary; an
// alias bound nowhere is an *UnboundReferenceError.
func describeReferences(ctx context.Context, rs *dqdl.Ruleset, b Backend, opts Options, bk *backendPlan) ([]backendRef, error) {
	names, local := map[string]string{}, map[string]bool{}
	for a, n := range opts.BackendReferences {
		names[strings.ToLower(a)] = n
	}
	for a := range opts.References {
		local[strings.ToLower(a)] = true
	}
	var out []backendRef
	var missing []string
	engineName := bk.dialect.Name
	for _, a := range requiredReferences(rs) {
		key := strings.ToLower(a)
		name, ok := names[key]
		switch {
		case ok:
		case local[key]:
			bk.apart[key] = fmt.Sprintf("reference dataset '%s' is local data, not a table of the %s engine that holds the primary dataset (%s)", a, engineName, bk.location)
			continue
		default:
			if _, _, dotted := splitTableName(a); !dotted {
				missing = append(missing, a)
				continue
			}
			name = a
		}
		ds, err := b.Describe(ctx, name)
		if errors.Is(err, ErrNotColocated) {
			why := strings.TrimSuffix(err.Error(), ": "+ErrNotColocated.Error())
			bk.apart[key] = fmt.Sprintf("reference dataset '%s' is not in the %s engine that holds the primary dataset (%s): %s", a, engineName, bk.location, why)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("describing the reference dataset %q on %s: %w", a, engineName, err)
		}
		if len(ds.Columns) == 0 {
			return nil, fmt.Errorf("the reference dataset %q on %s (%s) has no columns", a, engineName, ds.Location)
		}
		out = append(out, backendRef{alias: a, ds: ds})
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &UnboundReferenceError{Aliases: missing}
	}
	return out, nil
}

// notColocated is the message of a rule comparing with a reference that
// does not live where the primary dataset does.
func notColocated(engine, why string) string {
	return cannotEvaluate + engine + ": " + why + ". Cross-dataset rules run as joins inside the engine, so references must be tables of the same engine and database (the same Athena catalog; the same PostgreSQL or Redshift database)." +
		" Bind the alias to such a table (--ref ALIAS=schema.table, a URL of the same database, or glue://database/table), or evaluate with the embedded engine (--engine duckdb)"
}
