package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/console"
)

// storeFlag is --history, shared by eval, history and backtest.
type storeFlag struct {
	History string `placeholder:"PATH" help:"Metric history store (a DuckDB file). Default: $XDG_DATA_HOME/dq/history.duckdb, i.e. ~/.local/share/dq/history.duckdb."`

	awsHTTP aws.HTTPClient // for s3:// stores; nil = the SDK's default (historystore.go)
}

func (f storeFlag) path() (string, error) {
	if f.History != "" {
		return f.History, nil
	}
	return history.DefaultPath(os.Getenv)
}

// open opens the store; mustExist is for commands that only read or edit
// it, so that a mistyped path reports "no history" instead of creating one.
func (f storeFlag) open(ctx context.Context, mustExist bool) (*history.DuckDB, error) {
	p, err := f.path()
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	s, err := history.Open(ctx, p, history.Options{MustExist: mustExist})
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	return s, nil
}

// historyFlags are dq eval's history flags: which store, which dataset
// series, and whether to report observations.
type historyFlags struct {
	storeFlag    `embed:""`
	NoHistory    bool   `name:"no-history" help:"Neither read nor record metric history (throwaway runs). Dynamic rules and DetectAnomalies then ERROR."`
	DatasetID    string `name:"dataset-id" placeholder:"ID" help:"The dataset's identity in the history: the series dynamic rules read and this run adds to. Default: the data's absolute path."`
	Observations bool   `help:"Check every metric that has history for anomalies and report them as Glue-shaped Observations."`

	store     history.Store
	datasetID string
	at        time.Time
}

// setup opens the store before the data is read, so that a damaged or
// newer store fails the run at once, and gives the engine the history of
// this dataset before the run's instant (--now, or the current time).
func (h *historyFlags) setup(ctx context.Context, opts *engine.Options, data string) error {
	if h.NoHistory {
		if h.History != "" || h.DatasetID != "" || h.Observations {
			return &exitError{code: exitInvalid, err: errors.New("--no-history cannot be combined with --history, --dataset-id or --observations")}
		}
		return nil
	}
	h.datasetID = h.DatasetID
	if id, ok := remoteDatasetID(data); ok && h.datasetID == "" {
		h.datasetID = id
	}
	if h.datasetID == "" {
		abs, err := filepath.Abs(data)
		if err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("--dataset-id: %w", err)}
		}
		h.datasetID = abs
	}
	h.at = opts.Now
	if h.at.IsZero() {
		h.at = time.Now()
	}
	s, err := h.openAny(ctx)
	if err != nil {
		return err
	}
	h.store = s
	opts.History = history.NewView(s, h.datasetID, h.at)
	opts.Observations = h.Observations
	return nil
}

// record adds the run's metrics to the store. A run that could not be
// recorded is reported after its result, with exit status 2: the verdict
// stands, but the next run's dynamic rules will miss this point.
func (h *historyFlags) record(ctx context.Context, res *engine.Result) error {
	if h.store == nil {
		return nil
	}
	if err := h.store.Record(ctx, history.FromResult(res, h.datasetID, h.at)); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("the result was not recorded in the history: %w", err)}
	}
	return nil
}

// HistoryCmd is `dq history`.
type HistoryCmd struct {
	List    HistoryListCmd    `cmd:"" help:"List recorded runs, newest first."`
	Show    HistoryShowCmd    `cmd:"" help:"Show the metrics of a run, or the series of one metric."`
	Prune   HistoryPruneCmd   `cmd:"" help:"Delete old runs."`
	Exclude HistoryExcludeCmd `cmd:"" help:"Exclude a run's metric values from dynamic rules and anomaly detection (Glue's exclude statistics), or include them again with --undo."`
}

// HistoryListCmd is `dq history list`.
type HistoryListCmd struct {
	storeFlag `embed:""`
	DatasetID string  `name:"dataset-id" placeholder:"ID" help:"Only this dataset's runs."`
	Limit     int     `default:"50" placeholder:"N" help:"At most N runs (0 = all)."`
	Format    *string `enum:"table,json" placeholder:"table|json" help:"Output. Default: table on a terminal, json otherwise."`
}

// runJSON is the JSON form of a recorded run.
type runJSON struct {
	ResultID    string       `json:"ResultId"`
	DatasetID   string       `json:"DatasetId"`
	RulesetName string       `json:"RulesetName"`
	At          time.Time    `json:"At"`
	Score       *float64     `json:"Score"`
	Metrics     []metricJSON `json:"Metrics,omitempty"`
}

type metricJSON struct {
	Name     string  `json:"Name"`
	Value    float64 `json:"Value"`
	Source   string  `json:"Source"`
	Excluded bool    `json:"Excluded,omitempty"`
}

func toJSON(runs []history.Run) []runJSON {
	out := make([]runJSON, len(runs))
	for i, r := range runs {
		out[i] = runJSON{ResultID: r.ResultID, DatasetID: r.DatasetID, RulesetName: r.RulesetName, At: r.At, Score: r.Score}
		for _, m := range r.Metrics {
			out[i].Metrics = append(out[i].Metrics, metricJSON(m))
		}
	}
	return out
}

func (c *HistoryListCmd) Run(e *env) error {
	s, err := c.open(e.ctx, true)
	if err != nil {
		return err
	}
	runs, err := s.Runs(e.ctx, history.RunQuery{DatasetID: c.DatasetID, Limit: c.Limit})
	if err != nil {
		return err
	}
	if outputFormat(e, c.Format) == "json" {
		return writeJSON(e.stdout, toJSON(runs))
	}
	tw := tabwriter.NewWriter(console.Escaper{W: e.stdout}, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tRESULT ID\tRULESET\tSCORE\tDATASET")
	for _, r := range runs {
		score := "-"
		if r.Score != nil {
			score = strconv.FormatFloat(*r.Score, 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", stamp(r.At), r.ResultID, r.RulesetName, score, r.DatasetID)
	}
	return tw.Flush()
}

// HistoryShowCmd is `dq history show`.
type HistoryShowCmd struct {
	storeFlag `embed:""`
	ResultID  string  `arg:"" optional:"" name:"result-id" help:"The run whose metrics to show."`
	DatasetID string  `name:"dataset-id" placeholder:"ID" help:"With --metric: the dataset whose series to show."`
	Metric    string  `placeholder:"NAME" help:"Show this metric's series (e.g. Dataset.*.RowCount) instead of one run."`
	Format    *string `enum:"table,json" placeholder:"table|json" help:"Output. Default: table on a terminal, json otherwise."`
}

func (c *HistoryShowCmd) Run(e *env) error {
	if (c.ResultID == "") == (c.Metric == "") {
		return &exitError{code: exitInvalid, err: errors.New("give a result id, or --metric NAME with --dataset-id ID")}
	}
	if c.Metric != "" && c.DatasetID == "" {
		return &exitError{code: exitInvalid, err: errors.New("--metric needs --dataset-id")}
	}
	s, err := c.open(e.ctx, true)
	if err != nil {
		return err
	}
	q := history.RunQuery{ResultID: c.ResultID, DatasetID: c.DatasetID, WithMetrics: true}
	runs, err := s.Runs(e.ctx, q)
	if err != nil {
		return err
	}
	if c.ResultID != "" && len(runs) == 0 {
		return &exitError{code: exitInvalid, err: fmt.Errorf("no recorded run %s", c.ResultID)}
	}
	if c.Metric != "" {
		// Keep only the metric; runs without it are not part of its series.
		kept := runs[:0]
		for _, r := range runs {
			for _, m := range r.Metrics {
				if m.Name == c.Metric {
					r.Metrics = []history.Metric{m}
					kept = append(kept, r)
					break
				}
			}
		}
		runs = kept
		if len(runs) == 0 {
			return &exitError{code: exitInvalid, err: fmt.Errorf("no values of %s recorded for %s", c.Metric, c.DatasetID)}
		}
	}
	if outputFormat(e, c.Format) == "json" {
		return writeJSON(e.stdout, toJSON(runs))
	}
	tw := tabwriter.NewWriter(console.Escaper{W: e.stdout}, 0, 0, 2, ' ', 0)
	if c.Metric != "" {
		fmt.Fprintf(tw, "%s of %s\n", c.Metric, c.DatasetID)
		fmt.Fprintln(tw, "TIME\tRESULT ID\tVALUE")
		for _, r := range runs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", stamp(r.At), r.ResultID, number(r.Metrics[0].Value)+excludedMark(r.Metrics[0]))
		}
		return tw.Flush()
	}
	r := runs[0]
	fmt.Fprintf(tw, "%s  %s  ruleset %s  dataset %s\n", r.ResultID, stamp(r.At), r.RulesetName, r.DatasetID)
	fmt.Fprintln(tw, "METRIC\tVALUE\tSOURCE")
	for _, m := range r.Metrics {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, number(m.Value)+excludedMark(m), m.Source)
	}
	return tw.Flush()
}

func excludedMark(m history.Metric) string {
	if m.Excluded {
		return " (excluded)"
	}
	return ""
}

// HistoryPruneCmd is `dq history prune`.
type HistoryPruneCmd struct {
	storeFlag `embed:""`
	OlderThan string `name:"older-than" placeholder:"AGE" help:"Delete runs older than this, e.g. 90d, 12w or 36h."`
	Before    string `placeholder:"TIME" help:"Delete runs before this RFC 3339 time or date (2026-01-31)."`
	DatasetID string `name:"dataset-id" placeholder:"ID" help:"Only this dataset's runs. Default: every dataset."`
}

func (c *HistoryPruneCmd) Run(e *env) error {
	if (c.OlderThan == "") == (c.Before == "") {
		return &exitError{code: exitInvalid, err: errors.New("give exactly one of --older-than and --before")}
	}
	cut, err := parseSince(c.OlderThan+c.Before, time.Now())
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	s, err := c.open(e.ctx, true)
	if err != nil {
		return err
	}
	n, err := s.Prune(e.ctx, c.DatasetID, cut)
	if err != nil {
		return err
	}
	if !e.quiet {
		fmt.Fprintf(e.stderr, "deleted %d run(s) recorded before %s\n", n, stamp(cut))
	}
	return nil
}

// HistoryExcludeCmd is `dq history exclude`.
type HistoryExcludeCmd struct {
	storeFlag `embed:""`
	ResultID  string   `arg:"" name:"result-id" help:"The run whose values to exclude."`
	Metric    []string `placeholder:"NAME" help:"Only this metric, e.g. Dataset.*.RowCount (repeatable). Default: every metric of the run."`
	Undo      bool     `help:"Include the values again."`
}

func (c *HistoryExcludeCmd) Run(e *env) error {
	s, err := c.open(e.ctx, true)
	if err != nil {
		return err
	}
	n, err := s.SetExcluded(e.ctx, c.ResultID, c.Metric, !c.Undo)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if !e.quiet {
		verb := "excluded"
		if c.Undo {
			verb = "included"
		}
		fmt.Fprintf(e.stderr, "%s %d value(s) of %s\n", verb, n, c.ResultID)
	}
	return nil
}

// parseSince reads an age (90d, 12w, 36h, 1h30m) as that long before now,
// or an RFC 3339 time or a date.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 {
			return now.AddDate(0, 0, -d), nil
		}
	}
	if n, ok := strings.CutSuffix(s, "w"); ok {
		if w, err := strconv.Atoi(n); err == nil && w >= 0 {
			return now.AddDate(0, 0, -7*w), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an age (90d, 12w, 36h) nor a time (2026-01-31 or RFC 3339)", s)
}

func outputFormat(e *env, f *string) string {
	if f != nil {
		return *f
	}
	if isTerminal(e.stdout) {
		return "table"
	}
	return "json"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

// number prints a metric value briefly: integers without a fraction.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
