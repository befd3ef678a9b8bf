package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/cmd/internal/web"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

// ReportCmd is `dq report`: a single-file HTML report of a dataset's
// recorded runs, the same page dq serve shows for a check.
type ReportCmd struct {
	storeFlag `embed:""`
	DatasetID string `name:"dataset-id" required:"" placeholder:"ID" help:"The dataset whose runs to report (dq history list shows the ids; dq serve uses the check name)."`
	Output    string `short:"o" required:"" placeholder:"FILE.html" help:"Write the report here (atomically)."`
	Limit     int    `default:"500" placeholder:"N" help:"Chart at most the N most recent runs."`
}

// Run writes the report: scores, metrics and each rule's outcome strip
// from the recorded runs (runs recorded before dq kept rule outcomes show
// as grey cells; messages and failure details are only in result files).
func (c *ReportCmd) Run(e *env) error {
	st, err := openHistoryStore(e.ctx, c.History, true)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	defer st.Close()
	runs, err := st.Runs(e.ctx, history.RunQuery{DatasetID: c.DatasetID, Limit: c.Limit, WithMetrics: true})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if len(runs) == 0 {
		return &exitError{code: exitInvalid, err: fmt.Errorf("no recorded runs of dataset %q; dq history list shows the dataset ids", c.DatasetID)}
	}
	p := web.CheckPage{Name: c.DatasetID, Dataset: c.DatasetID, Static: true, Generated: time.Now(),
		Spark: web.ScoreSpark(runs), Metrics: web.MetricViews(runs), Score: runs[0].Score, Status: recordedStatus(runs[0]),
		Rules: web.RuleRows(web.WithRecorded(nil, runs))}
	if runs[0].RulesetName != "" {
		p.Name = runs[0].RulesetName + " on " + c.DatasetID
	}
	for _, r := range runs {
		p.Runs = append(p.Runs, scheduler.Run{ID: r.ResultID, Check: c.DatasetID, Started: r.At, Date: r.At, Status: scheduler.Status(recordedStatus(r)), Score: r.Score})
		if len(p.Runs) == 50 {
			break
		}
	}
	var b bytes.Buffer
	if err := web.WriteCheck(&b, p); err != nil {
		return err
	}
	if err := writeFileAtomic(c.Output, b.Bytes()); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("writing the report: %w", err)}
	}
	if !e.quiet {
		fmt.Fprintf(e.stderr, "dq: wrote a report of %d runs to %s\n", len(runs), c.Output)
	}
	return nil
}

// recordedStatus is what a recorded run's score says: every rule passed
// exactly when the score is 1.
func recordedStatus(r history.Run) string { return string(web.RecordedStatus(r)) }

// htmlReport renders one evaluation as a static page, with the dataset's
// recorded history charted when a store is open.
func htmlReport(ctx context.Context, res *engine.Result, store history.Store, datasetID string) ([]byte, error) {
	if res == nil {
		return nil, errors.New("no result")
	}
	run := scheduler.Run{ID: res.ResultID, Started: res.StartedOn, Finished: res.CompletedOn, Date: res.StartedOn, Result: res, Score: res.Score, Status: scheduler.Passed}
	if !res.Passed() {
		run.Status = scheduler.Failed
	}
	p := web.CheckPage{Name: res.RulesetName, Static: true, Generated: time.Now(), Status: string(run.Status), Score: res.Score,
		Rules: web.RuleRows([]scheduler.Run{run}), Runs: []scheduler.Run{run}}
	if res.DataSource != nil {
		p.Dataset = res.DataSource.Location
	}
	if store != nil && datasetID != "" {
		if runs, err := store.Runs(ctx, history.RunQuery{DatasetID: datasetID, Limit: 500, WithMetrics: true}); err == nil {
			p.Spark, p.Metrics = web.ScoreSpark(runs), web.MetricViews(runs)
			// Earlier runs' outcomes extend the strips; this run (recorded
			// or not) keeps its messages and failure details.
			p.Rules = web.RuleRows(web.WithRecorded([]scheduler.Run{run}, runs))
		}
	}
	if p.Name == "" {
		p.Name = "dq report"
	}
	var b bytes.Buffer
	err := web.WriteCheck(&b, p)
	return b.Bytes(), err
}

// writeHTML writes the --format html report to -o, or to stdout.
func (c *EvalCmd) writeHTML(ctx context.Context, e *env, res *engine.Result) error {
	var store history.Store
	if c.historyFlags.store != nil {
		store = c.historyFlags.store
	}
	page, err := htmlReport(ctx, res, store, c.historyFlags.datasetID)
	if err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	if c.Output != "" {
		if err := writeFileAtomic(c.Output, page); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("writing the report: %w", err)}
		}
		return nil
	}
	if _, err := e.stdout.Write(page); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
