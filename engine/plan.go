package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Plan is how a ruleset is evaluated against one dataset: the few SQL
// statements that compute every metric, and which rules each serves.
// Build one with Explain; Evaluate builds and runs one internally.
type Plan struct {
	// Queries are the statements in execution order. Statements that depend
	// on the results of others (row-mode composites with dataset-level
	// parts) are not listed; they run after the rest.
	Queries []PlannedQuery

	rel       *relation
	agg       *scan
	groups    map[string]*scan
	scans     []*scan // every scan, in creation order (agg first)
	customs   []*customRun
	rules     []*rulePlan
	analyzers []*analyzerPlan
	now       time.Time
	mode      CompositeMode
	// footer are the rules and analyzers with values answered from
	// Parquet footers (plan_metadata.go).
	footer map[string]bool
	// rowGroups narrows the aggregate scan to the row groups the
	// footers do not decide (plan_rowgroups.go); nil = all.
	rowGroups *rowGroupScan
	// notes are remarks dq explain prints after the statements (which
	// statements the state cache makes incremental).
	notes []string
	// footerCached is the number of files whose Parquet footers the plan
	// read through the state cache; 0 when it did not.
	footerCached int
}

// PlannedQuery is one statement of a Plan.
type PlannedQuery struct {
	Kind   string   // "aggregate", "grouping", "row" or "custom"
	SQL    string   // the statement, in the dialect of Engine
	Serves []string // Rule_<i> / Analyzer_<i> names whose metrics it computes
	// Engine is the dialect the statement runs in ("embedded duckdb", or
	// a Backend's dialect name).
	Engine string
	// Unsupported, when set, says why no engine runs this entry: the
	// expressions of the rules in Serves that the Backend's dialect
	// cannot express (those rules ERROR); SQL is then empty.
	Unsupported string
}

type rulePlan struct {
	name string
	rule dqdl.Rule
	root *node
}

type analyzerPlan struct {
	name string
	an   *dqdl.Analyzer
	text string
	// parts are the metric producers; an analyzer such as AllStatistics
	// has several.
	parts []*leafPlan
	fixed *outcome
}

// node is a rule tree: a leaf or a composite.
type node struct {
	leaf *leafPlan
	op   dqdl.LogicalOp
	kids []*node
	row  *rowMode // set on composites evaluated in ROW mode
}

// leafPlan is a planned simple rule: either decided at plan time (fixed)
// or judged from scanned values.
type leafPlan struct {
	rule  *dqdl.SimpleRule
	fixed *outcome
	judge func(ctx context.Context, ev *evalState) *outcome
	// row is the rule's per-row form (spec §11.3); nil for dataset-level
	// rules.
	row *rowCheck
	// rowExcluded says why the rule cannot take part in a ROW-mode
	// composite, or is "".
	rowExcluded string
	// sample describes the failing rows when the rule fails; nil for rules
	// without row-level failures to show.
	sample *failureSample
}

// rowCheck is a per-row predicate over the primary relation's columns.
type rowCheck struct {
	pred   expr   // boolean; NULL counts as failing
	filter string // the rule's where clause, "" if none
	window bool   // pred uses window functions, so it cannot sit in an aggregate FILTER
}

// planner builds a Plan. It needs the connection to validate where clauses
// and to discover CustomSql output columns. The build's context is passed
// to each method (they may query), never stored: a planner, like the Plan
// it builds, holds no context.
type planner struct {
	q      querier
	sess   *Session // nil in planner unit tests; needed for CustomSql
	plan   *Plan
	wheres map[string]error
	clean  map[string]string // where text → the vetted expression
	user   string            // the rule or analyzer being planned, for PlannedQuery.Serves
	// analyzer is true while planning an Analyzers entry: metrics only.
	analyzer bool
	// fileSystems serve non-local paths in File* rules, by URL scheme.
	fileSystems map[string]FileSystem
	// fileRoots extend the File* rules' scope (Options.FileRoots); scope is
	// built from them and the session's datasets on first use.
	fileRoots []string
	scope     *fileScope
	// remote is the Backend's dialect when the plan runs on one (nil:
	// embedded). Rules that need the embedded engine (File*, references
	// that live elsewhere, ROW-mode composites with dataset-level rules)
	// are decided as ERRORs at plan time.
	remote *sqlexpr.Dialect
	// backend is the rest of what planning for a Backend needs (its
	// relations, the references that live elsewhere, its user-SQL
	// runner); nil when embedded.
	backend *backendPlan
}

func newPlan(rel *relation, now time.Time, mode CompositeMode) *Plan {
	p := &Plan{rel: rel, groups: map[string]*scan{}, now: now, mode: mode}
	p.agg = newScan(aggregateScan, rel.from)
	p.scans = append(p.scans, p.agg)
	return p
}

// buildPlan plans every rule and analyzer of rs against rel.
func buildPlan(ctx context.Context, sess *Session, q querier, rs *dqdl.Ruleset, rel *relation, opts Options) (*Plan, error) {
	return buildPlanOn(ctx, sess, q, rs, rel, opts, nil)
}

// buildPlanOn is buildPlan for a Backend (bk nil = embedded): rel is
// then an empty local relation with the Backend's columns, against which
// where clauses are validated.
func buildPlanOn(ctx context.Context, sess *Session, q querier, rs *dqdl.Ruleset, rel *relation, opts Options, bk *backendPlan) (*Plan, error) {
	var remote *sqlexpr.Dialect
	if bk != nil {
		remote = bk.dialect
	}
	pl := &planner{q: q, sess: sess, plan: newPlan(rel, runInstant(opts.Now), opts.CompositeMode),
		wheres: map[string]error{}, clean: map[string]string{}, fileSystems: opts.FileSystems, fileRoots: opts.FileRoots,
		remote: remote, backend: bk}
	if len(rs.Rules) > 1 {
		pl.vetWheres(ctx, rs)
	}
	for i, r := range rs.Rules {
		name := fmt.Sprintf("Rule_%d", i)
		pl.user = name
		root, err := pl.planRule(ctx, r)
		if err != nil {
			return nil, err
		}
		if opts.CompositeMode == CompositeRow && root.leaf == nil {
			pl.planRowMode(root)
		}
		pl.plan.rules = append(pl.plan.rules, &rulePlan{name: name, rule: r, root: root})
	}
	pl.analyzer = true
	for i, a := range rs.Analyzers {
		name := fmt.Sprintf("Analyzer_%d", i)
		pl.user = name
		ap, err := pl.planAnalyzer(ctx, a)
		if err != nil {
			return nil, err
		}
		ap.name = name
		pl.plan.analyzers = append(pl.plan.analyzers, ap)
	}
	if !opts.NoMetadata && remote == nil {
		pl.answerFromFooters(ctx, readFooters(ctx, sess, rel, opts.StateCache))
	}
	if bk == nil {
		// A Backend's plan is listed by its caller, in the Backend's
		// dialect: its cross-dataset statements have no DuckDB text.
		pl.plan.listQueries(localExecutor(nil))
	}
	return pl.plan, nil
}

// listQueries renders the plan's statements as x runs them.
func (p *Plan) listQueries(x *executor) {
	p.Queries = nil
	for _, s := range p.scans {
		if len(s.exprs) == 0 {
			continue
		}
		for _, part := range s.parts() {
			if x.dialect == duckDialect {
				p.Queries = append(p.Queries, PlannedQuery{Kind: s.kind.String(), SQL: s.duckSQL(part...), Serves: s.partUsers(part), Engine: x.dialect.Name})
				continue
			}
			var ok, bad []int
			var why []string
			pulls := map[string]*pulledQuery{}
			var pullOrder []string
			for _, i := range part {
				if _, err := s.sql(x.dialect, x.from(s.from), i); err != nil {
					if pb := p.pullbackOf(s, i, x); pb != nil {
						k := pb.key()
						if pulls[k] == nil {
							pulls[k] = &pulledQuery{pb: pb}
							pullOrder = append(pullOrder, k)
						}
						pulls[k].idx = append(pulls[k].idx, i)
						pulls[k].locals = append(pulls[k].locals, pb.local)
						continue
					}
					bad = append(bad, i)
					if w := err.Error(); !slices.Contains(why, w) {
						why = append(why, w)
					}
					continue
				}
				ok = append(ok, i)
			}
			if len(ok) > 0 {
				q, _ := s.sql(x.dialect, x.from(s.from), ok...)
				p.Queries = append(p.Queries, PlannedQuery{Kind: s.kind.String(), SQL: q, Serves: s.partUsers(ok), Engine: x.dialect.Name})
			}
			if len(bad) > 0 {
				p.Queries = append(p.Queries, PlannedQuery{Kind: s.kind.String(), Serves: s.partUsers(bad), Unsupported: strings.Join(why, "; ")})
			}
			for _, k := range pullOrder {
				pq := pulls[k]
				p.Queries = append(p.Queries, PlannedQuery{Kind: "pull-back", SQL: pq.describe(x.from(s.from)), Serves: s.partUsers(pq.idx), Engine: x.dialect.Name})
			}
		}
	}
	for _, c := range p.customs {
		p.Queries = append(p.Queries, PlannedQuery{Kind: "custom", SQL: c.describe(), Serves: []string{c.user}, Engine: c.engine()})
	}
}

func (pl *planner) planRule(ctx context.Context, r dqdl.Rule) (*node, error) {
	switch r := r.(type) {
	case *dqdl.SimpleRule:
		lp, err := pl.planLeaf(ctx, r)
		if err != nil {
			return nil, err
		}
		return &node{leaf: lp}, nil
	case *dqdl.CompositeRule:
		n := &node{op: r.Op}
		for _, k := range r.Rules {
			kn, err := pl.planRule(ctx, k)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kn)
		}
		return n, nil
	}
	return nil, fmt.Errorf("unknown rule node %T", r)
}

// Helpers shared by the rule planners.

// aggregate adds an expression to the fused scan of the primary dataset.
func (pl *planner) aggregate(e expr) slot {
	pl.plan.agg.serve(pl.user)
	return pl.plan.agg.add(e)
}

// grouping returns the grouping scan for a column set, creating it once.
func (pl *planner) grouping(cols []string) *scan {
	key := strings.Join(cols, "\x00")
	s, ok := pl.plan.groups[key]
	if !ok {
		s = newScan(groupingScan, pl.plan.rel.from)
		s.cols = cols
		pl.plan.groups[key] = s
		pl.plan.scans = append(pl.plan.scans, s)
	}
	s.serve(pl.user)
	return s
}

// column resolves a rule's column parameter against the schema.
func (pl *planner) column(name string) (column, *outcome) {
	c, err := pl.plan.rel.lookup(name)
	if err != nil {
		return column{}, err.outcome(missingColumnMessage(name))
	}
	return c, nil
}

// target resolves the column a single-column rule names and its where
// clause. When either is unusable it records the rule's outcome (a missing
// column or an invalid where clause fails the rule) and reports false.
func (pl *planner) target(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) (column, string, bool) {
	c, bad := pl.column(r.Params[0].Value)
	if bad == nil {
		var w string
		if w, bad = pl.where(ctx, r); bad == nil {
			return c, w, true
		}
	}
	lp.fixed = bad
	return column{}, "", false
}

// where validates a rule's where clause once per distinct text, so that a
// clause that does not bind fails its rules instead of the fused scan.
func (pl *planner) where(ctx context.Context, r *dqdl.SimpleRule) (string, *outcome) {
	if r.Where == nil {
		return "", nil
	}
	w := r.Where.SQL
	err, seen := pl.wheres[w]
	if !seen {
		var clean string
		clean, err = CheckExpressionSQL(sparkIdentifiers(unescapeQuotes(w)))
		if err == nil {
			clean, err = pl.plan.rel.bindNames(clean)
			if err != nil {
				err = &ambiguousError{err}
			}
		}
		if err == nil {
			pl.clean[w] = clean
			err = pl.bindCheck(ctx, "EXPLAIN SELECT 1 FROM "+pl.plan.rel.from+" WHERE ("+clean+")")
		}
		pl.wheres[w] = err
	}
	if a, ok := err.(*ambiguousError); ok {
		return "", errored(fmt.Sprintf("Rule %s: %s", r.String(), a.err.Error()))
	}
	if err != nil {
		bare := *r
		bare.Where = nil
		return "", withSparkHint(failed(fmt.Sprintf("Rule %s where %q has provided an invalid where clause : %s", bare.String(), w, firstLine(err.Error()))), unescapeQuotes(w), err)
	}
	return pl.clean[w], nil
}

// ambiguousError marks a where clause naming a column that differs from
// another only by case: the rule ERRORs rather than FAILs.
type ambiguousError struct{ err error }

func (e *ambiguousError) Error() string { return e.err.Error() }

// bindCheck runs a statement that binds SQL without reading data.
func (pl *planner) bindCheck(ctx context.Context, query string) error {
	rows, err := pl.q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	return rows.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// cannotEvaluate starts the message of a rule a Backend cannot evaluate.
const cannotEvaluate = "Cannot evaluate on "

// execMessage is the message of a rule whose SQL failed at run time.
func execMessage(err error) string {
	var u *sqlexpr.Unsupported
	if errors.As(err, &u) {
		return cannotEvaluate + u.Dialect + ": " + u.Error() + "; the embedded engine (--engine duckdb) evaluates this rule"
	}
	return "Exception thrown while evaluating rule: " + firstLine(err.Error())
}

// emptyState is the verdict on a statistic with no input: a failure, unless
// a where clause filtered every row away, which Glue treats as a pass
// (spec §6 "Empty input", §18 #14).
func emptyState(kind string, cols []string, where string) *outcome {
	if where != "" {
		return newOutcome()
	}
	return failed(emptyStateMessage(kind, cols, where))
}

func paramValues(r *dqdl.SimpleRule) []string {
	out := make([]string, len(r.Params))
	for i, p := range r.Params {
		out[i] = p.Value
	}
	return out
}
