package main

import (
	"fmt"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/recommend"
)

// RecommendCmd is `dq recommend`.
type RecommendCmd struct {
	Data       string   `arg:"" help:"Data: a file, a glob (quote it; ** matches any depth), a directory (read recursively), - for standard input, s3://bucket/key|prefix/|glob or glue://database/table."`
	Output     string   `short:"o" placeholder:"FILE" help:"Write the ruleset to FILE (replacing it) instead of standard output."`
	Families   []string `name:"families" placeholder:"FAMILY" help:"Rule families to propose: rowcount, completeness, uniqueness, categorical, range, length, type, statistics. Default: all."`
	Strictness string   `enum:"strict,balanced,loose" default:"balanced" placeholder:"strict|balanced|loose" help:"Headroom of ranges and thresholds: strict (just past what the data shows), balanced (Deequ's 95% bounds, 10% headroom) or loose (99.9% bounds, 50%)."`
	MaxInList  int      `name:"max-in-list" default:"30" placeholder:"N" help:"Longest list of values to propose in ColumnValues ... in [...]."`

	scanFlags `embed:""`
}

// Run profiles the data and writes the recommended ruleset. Every proposed
// rule passes on this data, so `dq eval` of the output exits 0 on it.
func (c *RecommendCmd) Run(e *env) error {
	start := time.Now()
	var fams []recommend.Family
	for _, f := range c.Families {
		fs, err := recommend.ParseFamilies(f)
		if err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("--families: %w", err)}
		}
		fams = append(fams, fs...)
	}
	if c.MaxInList < 1 {
		return &exitError{code: exitInvalid, err: fmt.Errorf("--max-in-list must be at least 1, got %d", c.MaxInList)}
	}
	// The ruleset must not replace the data it is proposed for.
	var ins inputs
	ins.addData("the data being profiled", c.Data, engine.FileOptions{FollowSymlinks: c.FollowSymlinks})
	if err := ins.check([]output{{flag: "-o", path: c.Output}}); err != nil {
		return err
	}
	p, err := c.profile(e, c.Data)
	if err != nil {
		return err
	}
	rec, err := recommend.Recommend(p, recommend.Options{
		Families:   fams,
		Strictness: recommend.Strictness(c.Strictness),
		Skip:       c.Skip,
		MaxInList:  c.MaxInList,
	})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if c.Output == "" {
		if _, err := fmt.Fprint(terminalText(e), rec.Text); err != nil {
			return err
		}
	} else if err := writeFileAtomic(c.Output, []byte(rec.Text)); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("writing the ruleset: %w", err)}
	}
	if !e.quiet {
		to := ""
		if c.Output != "" {
			to = " to " + c.Output
		}
		fmt.Fprintf(e.stderr, "dq: recommended %s from %s rows × %s in %s%s\n", plural(len(rec.Rules), "rule"),
			thousands(p.Rows), plural(len(p.Columns), "column"), time.Since(start).Round(time.Millisecond), to)
	}
	return nil
}
