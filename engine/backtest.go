package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// Backtesting replays recorded runs through a ruleset's dynamic and anomaly
// rules: for each past run, the rule is judged on the value that run
// recorded, against the history as it stood before that run. It needs no
// data, only the store, so a user can tune `avg(last(5)) * 0.9` against a
// quarter of history in a second before turning the rule on.

// RecordedRun is one stored run of a dataset, as backtesting reads it.
type RecordedRun struct {
	ResultID string
	At       time.Time
	Metrics  map[string]float64
	// Excluded names the metrics a user excluded from dynamic calculations
	// in this run; they are judged but never feed later runs' history.
	Excluded map[string]bool
}

// BacktestRule is what one dynamic or anomaly rule would have said on each
// replayed run.
type BacktestRule struct {
	Name    string           `json:"Name"` // Rule_<i> of the top-level rule
	Rule    string           `json:"Rule"` // the (leaf) rule replayed
	Metrics []string         `json:"Metrics"`
	Runs    []BacktestResult `json:"Runs"`
	Failed  int              `json:"Failed"`
	Errored int              `json:"Errored"`
	// Skipped counts runs that recorded none of the rule's metrics.
	Skipped int `json:"Skipped"`
	// Problem is set when the rule cannot be replayed at all.
	Problem string `json:"Problem,omitempty"`
}

// BacktestResult is one rule's verdict on one recorded run.
type BacktestResult struct {
	ResultID      string             `json:"ResultId"`
	At            time.Time          `json:"At"`
	Result        Outcome            `json:"Result"`
	Values        map[string]float64 `json:"Values"`
	EvaluatedRule string             `json:"EvaluatedRule,omitempty"`
	Message       string             `json:"Message,omitempty"`
	Excluded      bool               `json:"Excluded,omitempty"`
	History       int                `json:"HistoryPoints"`
	Lower         *float64           `json:"LowerLimit,omitempty"`
	Upper         *float64           `json:"UpperLimit,omitempty"`
}

// Backtest replays runs (any order) through every dynamic rule and every
// DetectAnomalies rule of rs, also those inside composites, judging only the
// runs at or after since; earlier runs still serve as history.
func Backtest(ctx context.Context, rs *dqdl.Ruleset, runs []RecordedRun, since time.Time) []BacktestRule {
	runs = append([]RecordedRun(nil), runs...)
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].At.Before(runs[j].At) })
	var out []BacktestRule
	for i, r := range rs.Rules {
		for _, leaf := range leaves(r) {
			if leaf.Type != "DetectAnomalies" && !isDynamic(leaf.Condition) && !isDynamic(leaf.Threshold) {
				continue
			}
			out = append(out, backtestLeaf(ctx, fmt.Sprintf("Rule_%d", i), leaf, runs, since))
		}
	}
	return out
}

func leaves(r dqdl.Rule) []*dqdl.SimpleRule {
	switch r := r.(type) {
	case *dqdl.SimpleRule:
		return []*dqdl.SimpleRule{r}
	case *dqdl.CompositeRule:
		var out []*dqdl.SimpleRule
		for _, k := range r.Rules {
			out = append(out, leaves(k)...)
		}
		return out
	}
	return nil
}

func backtestLeaf(ctx context.Context, name string, r *dqdl.SimpleRule, runs []RecordedRun, since time.Time) BacktestRule {
	bt := BacktestRule{Name: name, Rule: r.String(), Runs: []BacktestResult{}}
	metrics, cond, err := ruleMetrics(r)
	if err != nil {
		bt.Problem = err.Error()
		return bt
	}
	// Metrics with alternatives (ColumnValues' Minimum or MinimumLength,
	// decided by the column's type at run time) keep those the store has.
	if len(metrics) > 1 {
		var have []string
		for _, m := range metrics {
			for _, run := range runs {
				if _, ok := run.Metrics[m]; ok {
					have = append(have, m)
					break
				}
			}
		}
		if len(have) > 0 {
			metrics = have
		}
	}
	bt.Metrics = metrics
	// The stored series of a rule with a where clause is its own
	// (HistoryKey); replayHistory is keyed the same way.
	where := ""
	if r.Where != nil {
		where = r.Where.SQL
	}
	keys := make([]string, len(metrics))
	for i, m := range metrics {
		keys[i] = HistoryKey(m, where)
	}
	h := replayHistory{}
	for _, run := range runs {
		if run.At.Before(since) {
			h.add(run, keys)
			continue
		}
		ev := &evalState{history: h, now: run.At, where: where}
		res := BacktestResult{ResultID: run.ResultID, At: run.At, Values: map[string]float64{}}
		o := newOutcome()
		for i, m := range metrics {
			v, ok := run.Metrics[keys[i]]
			if !ok {
				continue
			}
			res.Values[m] = v
			res.Excluded = res.Excluded || run.Excluded[keys[i]]
			res.History = len(h[keys[i]])
			if r.Type == "DetectAnomalies" {
				b, ok, _ := ev.band(ctx, keys[i])
				if ok {
					lo, hi := roundSig(b.Lower), roundSig(b.Upper)
					res.Lower, res.Upper = &lo, &hi
				}
				switch {
				case !ok:
					o.msgs = append(o.msgs, fmt.Sprintf("insufficient history (%d/%d)", b.N, MinAnomalyHistory))
				case !b.Contains(v):
					o.fail(anomalyMessage(m, v, b))
				}
				continue
			}
			ev.check(ctx, o, cond, m, v)
		}
		h.add(run, keys)
		if len(res.Values) == 0 {
			bt.Skipped++
			continue
		}
		res.Result, res.Message = o.result, o.message()
		if r.Type != "DetectAnomalies" {
			res.EvaluatedRule = ev.evaluatedRule(r)
		}
		switch res.Result {
		case Fail:
			bt.Failed++
		case Error:
			bt.Errored++
		}
		bt.Runs = append(bt.Runs, res)
	}
	return bt
}

// replayHistory is the history of the replayed metrics as it stood before
// the run being judged: points in ascending time, excluded ones left out.
type replayHistory map[string][]Point

func (h replayHistory) add(run RecordedRun, metrics []string) {
	for _, m := range metrics {
		if v, ok := run.Metrics[m]; ok && !run.Excluded[m] {
			h[m] = append(h[m], Point{At: run.At, Value: v})
		}
	}
}

// Points returns the k most recent points, most recent first.
func (h replayHistory) Points(_ context.Context, metric string, k int) ([]Point, error) {
	asc := h[metric]
	if len(asc) > k {
		asc = asc[len(asc)-k:]
	}
	out := make([]Point, len(asc))
	for i, p := range asc {
		out[len(asc)-1-i] = p
	}
	return out, nil
}

func (h replayHistory) Last(ctx context.Context, metric string, k int) ([]float64, error) {
	p, _ := h.Points(ctx, metric, k)
	out := make([]float64, len(p))
	for i, x := range p {
		out[i] = x.Value
	}
	return out, nil
}

// ruleMetrics names the metric(s) a rule reports without planning it
// against data (backtesting has none): the same names the planners use,
// with the columns as the rule writes them. cond is the condition judged
// on the metric (the rule's own, or its threshold).
func ruleMetrics(r *dqdl.SimpleRule) (metrics []string, cond *dqdl.Condition, err error) {
	if r.Type == "DetectAnomalies" {
		inner, err := anomalyTarget(r)
		if err != nil {
			return nil, nil, err
		}
		ms, _, err := metricNames(inner)
		return ms, nil, err
	}
	ms, threshold, err := metricNames(r)
	if err != nil {
		return nil, nil, err
	}
	cond = r.Condition
	if threshold {
		cond = r.Threshold
	}
	if cond == nil {
		return nil, nil, fmt.Errorf("%s has no condition to replay", r.Type)
	}
	return ms, cond, nil
}

// metricNames returns the metric names of r; threshold is true when r's
// dynamic part is its `with threshold` (judged on a compliance metric).
func metricNames(r *dqdl.SimpleRule) (names []string, threshold bool, err error) {
	if k := ruleKinds[r.Type]; k != nil && k.metrics != nil {
		if names, threshold, ok := k.metrics(r, paramValues(r)); ok {
			return names, threshold, nil
		}
	}
	return nil, false, fmt.Errorf("backtesting does not support %s rules (dynamic operands are for the rule types Glue documents: %s)",
		r.Type, strings.Join(anomalyTargets(), ", "))
}
