package history

import (
	"context"
	"fmt"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// Backtest replays the stored runs of datasetID through the dynamic and
// anomaly rules of rs (see engine.Backtest). Runs before since are read too:
// they are the history of the first judged runs.
func Backtest(ctx context.Context, s Store, datasetID string, rs *dqdl.Ruleset, since time.Time) ([]engine.BacktestRule, error) {
	runs, err := s.Runs(ctx, RunQuery{DatasetID: datasetID, WithMetrics: true})
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", datasetID, err)
	}
	recorded := make([]engine.RecordedRun, len(runs))
	for i, r := range runs {
		rr := engine.RecordedRun{ResultID: r.ResultID, At: r.At, Metrics: map[string]float64{}, Excluded: map[string]bool{}}
		for _, m := range r.Metrics {
			rr.Metrics[m.Name] = m.Value
			if m.Excluded {
				rr.Excluded[m.Name] = true
			}
		}
		recorded[i] = rr
	}
	return engine.Backtest(ctx, rs, recorded, since), nil
}
