package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	DatasetID    string `name:"dataset-id" placeholder:"ID" help:"The dataset's identity in the history (the series dynamic rules read and this run adds to) and in everything published (result files, SNS, EventBridge, CloudWatch). Default: the data's absolute path."`
	Observations bool   `help:"Check every metric that has history for anomalies and report them as Glue-shaped Observations."`

	store     history.Store
	datasetID string
	at        time.Time
	// opened is closed when the store's opening, which setup starts and
	// which runs while the session opens and the data is read, has
	// finished: then store is set, or openErr says why it is not.
	opened  chan struct{}
	openErr error
	needs   bool // rules (or --observations) read the history
	warned  bool
	// recording is closed when the recording that startRecord began has
	// ended, recordErr saying whether it failed; nil: none began.
	recording chan struct{}
	recordErr error
}

// setup starts opening the store and gives the engine the history of the
// dataset id before the run's instant (--now, or the current time). The
// store opens (and is checked) on another goroutine while the session
// starts and the data is read: both are mostly waiting on one core, and
// the store's first read, if rules need one, waits for it. A store that
// cannot be opened does not stop the run: it is not recorded (one warning
// says why, before the result), and when rules need history (or
// --observations asks for it) they ERROR with the reason while the rest
// evaluate.
func (h *historyFlags) setup(ctx context.Context, e *env, opts *engine.Options, id string, needsHistory bool) error {
	if h.NoHistory {
		if h.History != "" || h.Observations {
			return &exitError{code: exitInvalid, err: errors.New("--no-history cannot be combined with --history or --observations")}
		}
		return nil
	}
	h.datasetID = id
	h.recording, h.recordErr = nil, nil
	h.at = opts.Now
	if h.at.IsZero() {
		h.at = time.Now()
	}
	h.needs = needsHistory || h.Observations
	h.opened = make(chan struct{})
	go func() {
		defer close(h.opened)
		s, err := h.openAny(ctx)
		if err != nil {
			var xe *exitError
			if errors.As(err, &xe) && xe.err != nil {
				err = xe.err
			}
			h.openErr = err
			return
		}
		h.store = s
	}()
	opts.History = &openingHistory{h: h}
	opts.Observations = h.Observations
	return nil
}

// settle waits for the store's opening and, when it failed, warns once
// that the run is not recorded (and that rules reading history ERROR).
// A run cancelled while the store opened is over.
func (h *historyFlags) settle(ctx context.Context, e *env) error {
	if h.opened == nil {
		return nil
	}
	<-h.opened
	if h.openErr == nil || h.warned {
		return nil
	}
	if ctx.Err() != nil {
		return &exitError{code: exitInvalid, err: h.openErr}
	}
	h.warned = true
	if h.needs {
		warnf(e, "metric history unavailable, so rules that read it ERROR and this run is not recorded: %v", h.openErr)
	} else {
		warnf(e, "metric history unavailable, so this run is not recorded: %v", h.openErr)
	}
	return nil
}

// openingHistory is the engine's history while the store opens: the first
// read waits for it, then reads the dataset's history view (one snapshot
// for the run), or fails with the reason the store is unavailable.
type openingHistory struct {
	h    *historyFlags
	once sync.Once
	view engine.History
}

func (o *openingHistory) get(ctx context.Context) (engine.History, error) {
	select {
	case <-o.h.opened:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.once.Do(func() {
		if o.h.openErr != nil {
			o.view = unavailableHistory{fmt.Errorf("metric history unavailable: %w", o.h.openErr)}
			return
		}
		o.view = history.NewView(o.h.store, o.h.datasetID, o.h.at)
	})
	return o.view, nil
}

func (o *openingHistory) Last(ctx context.Context, metric string, k int) ([]float64, error) {
	v, err := o.get(ctx)
	if err != nil {
		return nil, err
	}
	return v.Last(ctx, metric, k)
}

func (o *openingHistory) Points(ctx context.Context, metric string, k int) ([]engine.Point, error) {
	v, err := o.get(ctx)
	if err != nil {
		return nil, err
	}
	return v.Points(ctx, metric, k)
}

var _ engine.History = (*openingHistory)(nil)

// record adds the run's metrics to the store. A run that could not be
// recorded is reported after its result, with exit status 2: the verdict
// stands, but the next run's dynamic rules will miss this point.
func (h *historyFlags) record(ctx context.Context, res *engine.Result) error {
	var err error
	switch {
	case h.recording != nil:
		<-h.recording
		err = h.recordErr
	case h.opened != nil:
		<-h.opened
		if h.store != nil {
			err = h.store.Record(ctx, history.FromResult(res, h.datasetID, h.at))
		}
	}
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("the result was not recorded in the history: %w", err)}
	}
	return nil
}

// startRecord begins recording the run as soon as its verdicts and
// metrics are known (engine.Options.Judged), so that the store's commit
// (tens of milliseconds of DuckDB writing the file) overlaps the failing
// rules' top values, the session's end and the writing of the result;
// record then waits for it and reports a failure as before. The history
// keeps what the run measured, so a run whose result could not be written
// afterwards (or that was interrupted while its top values were read) is
// recorded all the same. res is copied here: the engine is still
// completing it. sel renames the rules as the printed result names them.
func (h *historyFlags) startRecord(ctx context.Context, res *engine.Result, sel selection) {
	if h.opened == nil || h.recording != nil {
		return
	}
	cp := *res
	cp.RuleResults = slices.Clone(res.RuleResults)
	sel.rename(&cp)
	run := history.FromResult(&cp, h.datasetID, h.at)
	h.recording = make(chan struct{})
	go func() {
		defer close(h.recording)
		<-h.opened
		if h.store != nil {
			h.recordErr = h.store.Record(ctx, run)
		}
	}()
}

// close waits for the store's opening and ends the store's use by this
// run (dq serve and dq run evaluate many times in one process). The
// recording is in the store file already and the file released, so the
// store's in-memory DuckDB is ended in the background: freeing it takes
// tens of milliseconds that a dq eval about to exit need not wait for.
func (h *historyFlags) close() {
	if h.opened != nil {
		<-h.opened
	}
	if h.recording != nil {
		<-h.recording
	}
	if h.store != nil {
		go h.store.Close()
		h.store = nil
	}
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
		all := slices.Clone(runs)
		var kept []history.Run
		for _, r := range runs {
			for _, m := range r.Metrics {
				if m.Name == c.Metric {
					r.Metrics = []history.Metric{m}
					kept = append(kept, r)
					break
				}
			}
		}
		if len(kept) == 0 {
			return &exitError{code: exitInvalid, err: fmt.Errorf("no values of %s recorded for %s%s", c.Metric, c.DatasetID, metricHint(c.Metric, all))}
		}
		runs = kept
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
