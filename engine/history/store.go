// Package history keeps the metrics of every dq eval run, so that dynamic
// rules (`RowCount > avg(last(10)) * 0.9`), DetectAnomalies and observations
// can compare a run with the runs before it, and so that dq backtest can
// replay them. Glue keeps this history inside AWS; dq keeps it wherever the
// user runs, by default in an embedded DuckDB file that needs no setup.
//
// The engine knows only engine.History; Store is the seam where another
// backend (an S3 store reading the Athena result files back) plugs in.
package history

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/dqlabs/dq/engine"
)

// Run is one recorded evaluation of a dataset.
type Run struct {
	ResultID    string
	DatasetID   string
	RulesetName string
	At          time.Time // the run's instant (UTC)
	Score       *float64
	Metrics     []Metric
	// Rules are the run's rule outcomes in ruleset order, so that a page
	// can draw each rule's outcome history from the store (after a
	// restart, or in dq report). Runs recorded before dq kept them have
	// none.
	Rules []RuleOutcome
}

// RuleOutcome is one rule's verdict in a recorded run. A rule is the same
// rule across runs when its Description (canonical text) is; Rule_<i>
// names shift when a ruleset is edited.
type RuleOutcome struct {
	Name        string         `json:"Name"`
	Description string         `json:"Description"`
	Result      engine.Outcome `json:"Result"`
}

// Metric is one metric value of a run.
type Metric struct {
	Name   string
	Value  float64
	Source string // the rule or analyzer that reported it, e.g. Rule_0
	// Excluded marks a point a user took out of dynamic calculations
	// (Glue's "exclude statistics"); it stays visible in dq history.
	Excluded bool
}

// RunQuery selects runs, newest first. Zero fields do not filter.
type RunQuery struct {
	DatasetID   string
	ResultID    string
	Since       time.Time // runs at or after
	Limit       int
	WithMetrics bool
}

// Store is where run metrics live.
type Store interface {
	// Record stores a run and its metrics atomically.
	Record(ctx context.Context, run Run) error
	// Snapshot returns, for every metric of datasetID, up to perMetric of
	// the most recent points recorded strictly before before, most recent
	// first, without excluded points.
	Snapshot(ctx context.Context, datasetID string, before time.Time, perMetric int) (map[string][]engine.Point, error)
	// Runs lists runs, newest first.
	Runs(ctx context.Context, q RunQuery) ([]Run, error)
	// Prune deletes the runs of datasetID ("" = every dataset) recorded
	// before the given instant, and returns how many it deleted.
	Prune(ctx context.Context, datasetID string, before time.Time) (int, error)
	// SetExcluded marks (or, with excluded false, unmarks) metric points of
	// a run; no metrics means all of the run's metrics. It returns how many
	// points changed state.
	SetExcluded(ctx context.Context, resultID string, metrics []string, excluded bool) (int, error)
	Close() error
}

// FromResult turns an evaluation result into a Run: every rule's outcome,
// and every metric of every
// rule that passed or failed, and of every analyzer. Errored rules are left
// out (spec §18 #34): their metrics, if any, are not trustworthy. A metric
// computed under a where clause is stored under engine.HistoryKey, apart
// from the unfiltered one. When two rules report the same metric under the
// same (or no) where clause, the first one in ruleset order is kept, so a
// run has one value per series.
func FromResult(res *engine.Result, datasetID string, at time.Time) Run {
	run := Run{ResultID: res.ResultID, DatasetID: datasetID, RulesetName: res.RulesetName, At: at.UTC(), Score: res.Score}
	seen := map[string]bool{}
	// A metric computed under a where clause is its own series
	// (engine.HistoryKey), so a filtered RowCount never feeds the history
	// of the plain one.
	add := func(source string, ms map[string]float64, wheres map[string]string) {
		names := make([]string, 0, len(ms))
		for n := range ms {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			key := engine.HistoryKey(n, wheres[n])
			if !seen[key] {
				seen[key] = true
				run.Metrics = append(run.Metrics, Metric{Name: key, Value: ms[n], Source: source})
			}
		}
	}
	for _, rr := range res.RuleResults {
		run.Rules = append(run.Rules, RuleOutcome{Name: rr.Name, Description: rr.Description, Result: rr.Result})
		if rr.Result != engine.Error {
			add(rr.Name, rr.EvaluatedMetrics, rr.MetricWheres)
		}
	}
	for _, ar := range res.AnalyzerResults {
		add(ar.Name, ar.EvaluatedMetrics, nil)
	}
	return run
}

// snapshotDepth bounds how many points per metric a run loads: last(k)
// beyond it sees only the most recent snapshotDepth values.
const snapshotDepth = 1000

// View is the engine.History of one dataset as it stood before a run. It
// loads the store's snapshot on first use, in one read, so the store is
// not held open (and locked) while the data is scanned, and a ruleset
// without dynamic rules never reads it.
type View struct {
	store     Store
	datasetID string
	before    time.Time

	once   sync.Once
	points map[string][]engine.Point
	err    error
}

// NewView returns the history of datasetID recorded before the instant
// before (the current run's), which is therefore never part of it.
func NewView(s Store, datasetID string, before time.Time) *View {
	return &View{store: s, datasetID: datasetID, before: before}
}

func (v *View) load(ctx context.Context) error {
	v.once.Do(func() {
		v.points, v.err = v.store.Snapshot(ctx, v.datasetID, v.before, snapshotDepth)
		if v.err != nil {
			v.err = fmt.Errorf("reading the history of %s: %w", v.datasetID, v.err)
		}
	})
	return v.err
}

// Points implements engine.History.
func (v *View) Points(ctx context.Context, metric string, k int) ([]engine.Point, error) {
	if err := v.load(ctx); err != nil {
		return nil, err
	}
	p := v.points[metric]
	if len(p) > k {
		p = p[:k]
	}
	return p, nil
}

// Last implements engine.History.
func (v *View) Last(ctx context.Context, metric string, k int) ([]float64, error) {
	p, err := v.Points(ctx, metric, k)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(p))
	for i, x := range p {
		out[i] = x.Value
	}
	return out, nil
}

var _ engine.History = (*View)(nil)
