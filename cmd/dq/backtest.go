package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/console"
)

// BacktestCmd is `dq backtest`.
type BacktestCmd struct {
	Rules string `arg:"" help:"Ruleset file; - reads standard input."`

	storeFlag `embed:""`
	DatasetID string  `name:"dataset-id" required:"" placeholder:"ID" help:"The dataset whose recorded runs to replay: the dq eval --dataset-id, or the data path given to dq eval (relative paths are resolved as dq eval resolves them)."`
	Since     string  `default:"90d" placeholder:"AGE|TIME" help:"Judge the runs since then: an age (90d, 12w, 36h) or a time (2026-01-31, RFC 3339). Older runs still count as history."`
	All       bool    `help:"In the table, list every replayed run, not only those a rule would have failed."`
	Format    *string `enum:"table,json" placeholder:"table|json" help:"Output. Default: table on a terminal, json otherwise."`
	Strict    bool    `help:"Treat ruleset warnings as errors."`
}

// backtestJSON is the JSON output.
type backtestJSON struct {
	DatasetID string                `json:"DatasetId"`
	Since     time.Time             `json:"Since"`
	Rules     []engine.BacktestRule `json:"Rules"`
}

// Run replays the dataset's recorded runs through the ruleset's dynamic
// and DetectAnomalies rules. It reports; it does not judge, so the exit
// status is 0 whatever the rules would have said.
func (c *BacktestCmd) Run(e *env) error {
	since, err := parseSince(c.Since, time.Now())
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("--since: %w", err)}
	}
	rs, err := loadRuleset(e, c.Rules, c.Strict)
	if err != nil {
		return err
	}
	s, err := c.open(e.ctx, true)
	if err != nil {
		return err
	}
	id, err := resolveDatasetID(e.ctx, s, c.DatasetID)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	c.DatasetID = id
	bts, err := history.Backtest(e.ctx, s, c.DatasetID, rs, since)
	if err != nil {
		return err
	}
	if len(bts) == 0 {
		return &exitError{code: exitInvalid, err: errors.New("the ruleset has no dynamic rules (e.g. RowCount > avg(last(5))) and no DetectAnomalies rules to backtest")}
	}
	if outputFormat(e, c.Format) == "json" {
		return writeJSON(e.stdout, backtestJSON{DatasetID: c.DatasetID, Since: since.UTC(), Rules: bts})
	}
	tw := tabwriter.NewWriter(console.Escaper{W: e.stdout}, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Backtest of %s over the runs since %s\n", c.DatasetID, stamp(since))
	for _, bt := range bts {
		fmt.Fprintf(tw, "\n%s  %s\n", bt.Name, bt.Rule)
		if bt.Problem != "" {
			fmt.Fprintf(tw, "  cannot replay: %s\n", bt.Problem)
			continue
		}
		summary := fmt.Sprintf("  %d run(s) replayed: would have failed on %d", len(bt.Runs), bt.Failed)
		if bt.Errored > 0 {
			summary += fmt.Sprintf(", errored on %d", bt.Errored)
		}
		if bt.Skipped > 0 {
			summary += fmt.Sprintf(" (%d run(s) without the metric skipped)", bt.Skipped)
		}
		fmt.Fprintln(tw, summary)
		if bt.Failed+bt.Errored == 0 && !c.All {
			continue
		}
		fmt.Fprintln(tw, "  RUN\tRESULT ID\tVALUE\tJUDGED AGAINST\tRESULT")
		for _, r := range bt.Runs {
			if r.Result == engine.Pass && !c.All {
				continue
			}
			var value string
			for _, m := range bt.Metrics {
				if v, ok := r.Values[m]; ok {
					if value != "" {
						value += " "
					}
					value += number(v)
				}
			}
			against := r.EvaluatedRule
			switch {
			case r.Lower != nil:
				against = fmt.Sprintf("[%s, %s]", number(*r.Lower), number(*r.Upper))
			case bt.Rule != "" && r.EvaluatedRule == "":
				against = r.Message
			}
			verdict := string(r.Result)
			if r.Excluded {
				verdict += " (value excluded from history)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", stamp(r.At), r.ResultID, value, against, verdict)
		}
	}
	return tw.Flush()
}
