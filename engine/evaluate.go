package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/statecache"
)

// CompositeMode is how composite rules combine their parts (spec §7).
type CompositeMode int

const (
	// CompositeDataset judges each part over the whole dataset and combines
	// the verdicts (Glue's default, "COLUMN").
	CompositeDataset CompositeMode = iota
	// CompositeRow combines the parts per row; the rule passes iff every
	// row passes (Glue's "ROW").
	CompositeRow
)

// Options configure an evaluation.
type Options struct {
	Session       SessionOptions
	Now           time.Time     // the run's instant; zero = time.Now(); truncated to the minute
	CompositeMode CompositeMode // CompositeDataset (default) or CompositeRow
	RulesetName   string
	References    map[string]Source // reference datasets by alias
	// BackendReferences bind reference aliases to datasets of the
	// Backend's engine, by the name its Describe resolves (a table of the
	// same database, a URL); EvaluateOnBackend and ExplainOnBackend only.
	// There, References (local data) are not co-located: the rules
	// comparing with them ERROR.
	BackendReferences map[string]string
	RowLevel          *RowLevelOptions // nil = no row-level output
	Progress          func(Progress)   // optional; called as the scans run
	History           History          // metric history for dynamic rules; nil = none
	// Catalog resolves database.table reference names that References does
	// not bind; nil = none.
	Catalog Catalog
	// Observations checks every metric of the run against its History and
	// reports the anomalous ones in Result.Observations (spec §9).
	Observations bool
	// FileSystems serve File* rule paths of other URL schemes ("s3" for
	// s3://…), keyed by scheme; local paths need none.
	FileSystems map[string]FileSystem
	// FileRoots are where File* rules may read besides the directories the
	// primary data and the references were read from (the default scope):
	// local directories, or URL prefixes such as s3://bucket/prefix/,
	// matched on the path string. A path outside makes the rule ERROR;
	// devices, pipes and sockets are refused everywhere. Paths are checked
	// after symlinks and ".." are resolved.
	FileRoots []string
	// NoMetadata computes every metric by scanning, even those the primary
	// dataset's Parquet footer statistics answer exactly (see
	// plan_metadata.go); for comparison and distrust of a writer.
	NoMetadata bool
	// Judged, when set, is called once, as soon as every rule and analyzer
	// has its verdict, metrics and score: before the failing rules' top
	// values are read, observations made or row-level output written, so
	// that a caller can start recording the run while those finish. The
	// Result then lacks FailureDetails' TopValues, Observations,
	// AggregatedMetrics and CompletedOn, and is still being completed: the
	// callback must copy what it needs before returning. The evaluation can
	// still fail after it (cancelled, a download for the top values or the
	// row-level output failing).
	Judged func(*Result)
	// StateCache, when set, keeps the mergeable states of the aggregate
	// metrics per data file of a local multi-file dataset, so that a run
	// scans only new or changed files for them (see statecache). nil = off.
	StateCache *statecache.Store
}

// Progress reports an evaluation's advance: Done of Total statements ran.
type Progress struct {
	Stage       string // "scan" while statements run, "row-level" while writing rows
	Done, Total int
}

// Evaluate runs the ruleset against the primary source in a new session.
// The error is for runs that cannot happen at all (unreadable data, bad
// options); problems of single rules become FAIL or ERROR results.
func Evaluate(ctx context.Context, rs *dqdl.Ruleset, primary Source, opts Options) (*Result, error) {
	res, closeSession, err := EvaluateKeepOpen(ctx, rs, primary, opts)
	closeSession()
	return res, err
}

// EvaluateKeepOpen is Evaluate, except that the session is left open when
// it returns: the caller must call closeSession (exactly once, with or
// without an error; it never blocks on the run). Ending a DuckDB that held
// a large scan's hash tables takes tens of milliseconds, which dq eval
// spends writing and recording the result instead of waiting for them.
// Closing removes the session's private directory (spill files).
func EvaluateKeepOpen(ctx context.Context, rs *dqdl.Ruleset, primary Source, opts Options) (res *Result, closeSession func() error, err error) {
	cancel := context.CancelFunc(func() {})
	if opts.Session.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, opts.Session.Timeout)
	}
	closeSession = func() error { cancel(); return nil }
	// Unbound references fail here, before any data is read.
	refs, err := resolveReferences(ctx, rs, opts)
	if err != nil {
		return nil, closeSession, err
	}
	opts.References = refs
	need := RulesetColumnNeed(rs, opts.RowLevel != nil)
	// A Remote primary fetches its data only once the plan shows that a
	// statement reads it: Parquet footers may answer every rule.
	need.Deferred = !opts.NoMetadata
	sess, ds, err := openPrimary(ctx, primary, opts, need)
	if err != nil {
		return nil, closeSession, err
	}
	closeSession = func() error {
		defer cancel()
		return sess.Close()
	}
	res, err = EvaluateOn(ctx, sess, rs, ds, opts)
	return res, closeSession, err
}

// Explain plans the ruleset against the primary source without evaluating
// it: the statements Evaluate would run, and the rules each serves.
func Explain(ctx context.Context, rs *dqdl.Ruleset, primary Source, opts Options) (*Plan, error) {
	refs, err := resolveReferences(ctx, rs, opts)
	if err != nil {
		return nil, err
	}
	opts.References = refs
	sess, ds, err := openPrimary(ctx, primary, opts, explainNeed(rs, opts))
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	pl, err := buildPlan(ctx, sess, sess.Conn(), rs, relationOf(ds), opts)
	if err != nil {
		return nil, err
	}
	pl.notes = explainIncremental(pl, ds, opts.StateCache)
	if pl.rowGroups != nil && incrementalUnused(ds, opts.StateCache) != "" { // else the state cache reads per file
		pl.notes = append(pl.notes, pl.rowGroups.note())
	}
	return pl, nil
}

func openPrimary(ctx context.Context, primary Source, opts Options, need ColumnNeed) (*Session, *Dataset, error) {
	so := opts.Session
	if opts.RowLevel != nil && opts.RowLevel.Path != "" {
		so.OutputPaths = append(append([]string(nil), so.OutputPaths...), opts.RowLevel.Path)
	}
	sess, err := startSession(ctx, so)
	if err != nil {
		return nil, nil, err
	}
	sess.stateCache = opts.StateCache
	if !opts.NoMetadata {
		sess.footersFor = QuoteIdent("primary")
	}
	// A Remote primary fetches only the columns the ruleset reads;
	// references are read whole.
	ds, err := sess.Register(withColumnNeed(ctx, need), "primary", primary)
	if err == nil {
		for alias, src := range opts.References {
			if _, err = sess.Register(ctx, alias, src); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = sess.Seal(ctx)
	}
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	return sess, ds, nil
}

// EvaluateOn runs the ruleset against a dataset already registered in s,
// for callers who manage the session.
func EvaluateOn(ctx context.Context, s *Session, rs *dqdl.Ruleset, primary *Dataset, opts Options) (_ *Result, err error) {
	if rs == nil || primary == nil || s == nil {
		return nil, errors.New("evaluate: nil ruleset, session or dataset")
	}
	defer func() { err = s.NameObjects(err) }()
	res := &Result{
		ResultID:    newResultID(),
		RulesetName: opts.RulesetName,
		StartedOn:   time.Now().UTC(),
		DataSource:  &DataSource{Location: primary.Location, UnparseableValues: primary.Unparseable, GlueTable: s.glueTable(primary.Relation)},
	}
	if err := checkReferences(rs, s); err != nil {
		return nil, err
	}
	pl, err := buildPlan(ctx, s, readyQuerier{s}, rs, relationOf(primary), opts)
	if err != nil {
		return nil, fmt.Errorf("planning: %w", err)
	}
	// The registrations may have left their views for when DuckDB has
	// started: a view that cannot be created fails the run, as it would
	// have failed registering, whether or not a statement reads it.
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	ev := &evalState{scanned: newScanned(), history: opts.History, now: pl.now}
	inc, _ := newIncremental(primary, opts.StateCache)
	// Deferred Remote data is fetched before the first statement that
	// may read it; a plan the footers answer whole fetches none.
	if len(pl.Queries) > 0 || opts.RowLevel != nil {
		if err := s.completeFetches(ctx); err != nil {
			return nil, err
		}
	}
	dq := &dataQuerier{s: s}
	if err := pl.execute(ctx, localExecutor(dq), &ev.scanned, opts.Progress, inc); err != nil {
		return nil, err
	}
	judged := opts.Judged
	if judged != nil {
		// A run whose data could not be fetched fails below: no verdicts
		// to report.
		judged = func(r *Result) {
			if dq.err == nil {
				opts.Judged(r)
			}
		}
	}
	if err := pl.judge(ctx, dq, ev, rs, res, judged); err != nil {
		return nil, err
	}
	if dq.err != nil {
		return nil, dq.err
	}
	if opts.Observations && opts.History != nil {
		res.Observations = ev.observe(ctx, res)
	}
	if opts.RowLevel != nil {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: "row-level"})
		}
		stats, err := s.WriteRowLevel(ctx, primary, pl.rowChecks(), *opts.RowLevel)
		if err != nil {
			return nil, fmt.Errorf("writing row-level results: %w", err)
		}
		passed, _, _ := res.Counts()
		n := float64(len(res.RuleResults))
		res.AggregatedMetrics = &AggregatedMetrics{
			TotalRowsProcessed:  float64(stats.Rows),
			TotalRowsPassed:     float64(stats.Passed),
			TotalRowsFailed:     float64(stats.Failed),
			TotalRulesProcessed: n,
			TotalRulesPassed:    float64(passed),
			TotalRulesFailed:    n - float64(passed),
		}
	}
	res.CompletedOn = time.Now().UTC()
	return res, nil
}

func relationOf(ds *Dataset) *relation {
	cols := make([]column, 0, len(ds.Columns))
	for _, c := range ds.Columns {
		cols = append(cols, column{name: c.Name, typ: c.Type})
	}
	return newRelation(ds.Alias, ds.Relation, cols)
}

// runInstant is the one instant now() means for the whole run, truncated
// to the minute like Glue (spec §18 #32).
func runInstant(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Minute)
}

func newResultID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	return "dqresult-" + hex.EncodeToString(b)
}

// execute runs every planned statement.
// The results go to st; the Plan is not changed. inc, when not nil,
// computes the aggregate scan from per-file states.
func (p *Plan) execute(ctx context.Context, x *executor, st *scanned, progress func(Progress), inc *incremental) error {
	if x.rel == nil {
		xr := *x
		xr.rel = p.rel
		x = &xr
	}
	total := len(p.Queries)
	done := 0
	step := func() {
		if progress != nil {
			progress(Progress{Stage: "scan", Done: done, Total: total})
		}
		done++
	}
	for _, s := range p.scans {
		if len(s.exprs) == 0 {
			continue
		}
		if s == p.agg && inc != nil && x.dialect == duckDialect {
			step()
			if err := inc.run(ctx, x, st, s); err != nil {
				return err
			}
			if progress != nil {
				progress(Progress{Stage: "files", Done: inc.scanned, Total: len(inc.files)})
			}
			continue
		}
		if s == p.agg && p.rowGroups != nil && x.dialect == duckDialect {
			if err := p.rowGroups.run(ctx, x, st, s, step); err != nil {
				return err
			}
			continue
		}
		if err := s.run(ctx, x, st, step); err != nil {
			return err
		}
	}
	for _, c := range p.customs {
		step()
		if err := c.run(ctx, x, st); err != nil {
			return err
		}
	}
	if progress != nil {
		progress(Progress{Stage: "scan", Done: total, Total: total})
	}
	return nil
}

// judge turns scanned values into rule and analyzer results, calling
// judged (if not nil) when the verdicts are complete, before the failing
// rules' top values are read.
func (p *Plan) judge(ctx context.Context, q querier, ev *evalState, rs *dqdl.Ruleset, res *Result, judged func(*Result)) error {
	res.RuleResults = []RuleResult{}
	res.AnalyzerResults = []AnalyzerResult{}
	for _, rp := range p.rules {
		o, err := p.judgeNode(ctx, q, ev, rp.root)
		if err != nil {
			return err
		}
		text := rp.rule.String()
		res.RuleResults = append(res.RuleResults, RuleResult{
			Name:              rp.name,
			Description:       text,
			EvaluationMessage: o.message(),
			Result:            o.result,
			EvaluatedMetrics:  o.metrics,
			EvaluatedRule:     ev.evaluatedRule(rp.rule),
			Labels:            rs.EffectiveLabels(rp.rule),
			MetricWheres:      o.wheres,
			FailureDetails:    o.details,
		})
	}
	if len(res.RuleResults) > 0 {
		passed, failed, errored := res.Counts()
		score := float64(passed) / float64(passed+failed+errored)
		res.Score = &score
	}
	for _, ap := range p.analyzers {
		o := ap.fixed
		if o == nil {
			var parts []*outcome
			for _, lp := range ap.parts {
				parts = append(parts, judgeLeaf(ctx, ev, lp))
			}
			o = combine(dqdl.And, parts)
		}
		res.AnalyzerResults = append(res.AnalyzerResults, AnalyzerResult{
			Name:              ap.name,
			Description:       ap.text,
			EvaluationMessage: o.message(),
			EvaluatedMetrics:  o.metrics,
		})
	}
	if judged != nil {
		judged(res)
	}
	return p.topValues(ctx, q, ev)
}

func judgeLeaf(ctx context.Context, ev *evalState, lp *leafPlan) *outcome {
	o := lp.fixed
	where := ""
	if lp.rule != nil && lp.rule.Where != nil {
		where = lp.rule.Where.SQL
	}
	if o == nil {
		ev.where = where
		o = lp.judge(ctx, ev)
		ev.where = ""
	}
	if where != "" && len(o.metrics) > 0 {
		o.wheres = make(map[string]string, len(o.metrics))
		for n := range o.metrics {
			o.wheres[n] = where
		}
	}
	return o
}

func (p *Plan) judgeNode(ctx context.Context, q querier, ev *evalState, n *node) (*outcome, error) {
	if n.leaf != nil {
		o := judgeLeaf(ctx, ev, n.leaf)
		if o.result == Fail && n.leaf.fixed == nil && n.leaf.sample != nil {
			o.details = p.failureCounts(ev, n.leaf.sample)
		}
		return o, nil
	}
	if n.row != nil {
		leaves := map[*leafPlan]*outcome{}
		for _, lp := range nodeLeaves(n) {
			leaves[lp] = judgeLeaf(ctx, ev, lp)
		}
		return p.judgeRowMode(ctx, q, ev, n, leaves)
	}
	kids := make([]*outcome, len(n.kids))
	for i, k := range n.kids {
		o, err := p.judgeNode(ctx, q, ev, k)
		if err != nil {
			return nil, err
		}
		kids[i] = o
	}
	return combine(n.op, kids), nil
}

// rowChecks gives the data layer each top-level rule's per-row test
// (spec §11.3): the rule's predicate, or "" for dataset-level rules.
// Composites are per-row when all their leaves are.
func (p *Plan) rowChecks() []RowCheck {
	out := make([]RowCheck, 0, len(p.rules))
	for _, rp := range p.rules {
		rc := RowCheck{Rule: rp.rule.String()}
		switch {
		case rp.root.leaf != nil && rp.root.leaf.row != nil:
			rc.Predicate = duck(truthy(rp.root.leaf.row.pred))
			rc.Filter = rp.root.leaf.row.filter
		case rp.root.leaf != nil && rp.root.leaf.fixed != nil && rp.root.leaf.fixed.result == Fail:
			rc.Predicate = "false" // e.g. a missing column: every row fails it
		case rp.root.leaf == nil && allPerRow(rp.root):
			rc.Predicate = duck(rowExpr(rp.root, nil))
		}
		out = append(out, rc)
	}
	return out
}

func allPerRow(n *node) bool {
	for _, lp := range nodeLeaves(n) {
		if lp.row == nil {
			return false
		}
	}
	return true
}

// explainNeed is the column need of a plan-only run: Remote sources fetch
// metadata and report what evaluating would fetch.
func explainNeed(rs *dqdl.Ruleset, opts Options) ColumnNeed {
	n := RulesetColumnNeed(rs, opts.RowLevel != nil)
	n.MetadataOnly = true
	return n
}
