package main

import (
	"context"
	"io"

	"github.com/alecthomas/kong"
)

// CLI is the command line. Each command lives in its own file as a struct
// with a Run(*env) error method; add new commands (eval, explain, ...) as
// fields here, in the order they should appear in --help.
type CLI struct {
	Quiet   bool             `short:"q" help:"Print only errors: no summaries, no warnings."`
	Version kong.VersionFlag `help:"Print the version and exit."`

	Fmt        FmtCmd        `cmd:"" help:"Print a ruleset in canonical form, or rewrite it in place with -w."`
	Validate   ValidateCmd   `cmd:"" help:"Check that rulesets parse and are valid DQDL."`
	Rules      RulesCmd      `cmd:"" help:"List the rule types with their parameters and supported clauses."`
	Eval       EvalCmd       `cmd:"" help:"Evaluate a ruleset against data; exit 1 if a rule fails."`
	Explain    ExplainCmd    `cmd:"" help:"Show the SQL statements eval would run and which rules each serves."`
	History    HistoryCmd    `cmd:"" help:"Inspect, prune and annotate the metric history that dynamic rules and anomaly detection read."`
	Backtest   BacktestCmd   `cmd:"" help:"Replay recorded runs through a ruleset's dynamic and anomaly rules: on which past runs would each have failed?"`
	Profile    ProfileCmd    `cmd:"" help:"Profile data: per column NULLs, distinct values, min/max, mean, lengths, top values."`
	Recommend  RecommendCmd  `cmd:"" help:"Propose a starting ruleset from a profile of the data, with the evidence for each rule."`
	Publish    PublishCmd    `cmd:"" help:"Re-send results that dq eval could not deliver (exit 4) from its spool directory."`
	Serve      ServeCmd      `cmd:"" help:"Run the checks of a dq.yaml on their schedules and serve a results page, a JSON API and Prometheus metrics."`
	Report     ReportCmd     `cmd:"" help:"Write a single-file HTML report of a dataset's recorded runs: score and metric charts with the anomaly band."`
	Run        RunCmd        `cmd:"" help:"Run the checks of a dq.yaml once (for cron, CronJobs, scheduled tasks) with dq eval's exit codes."`
	AthenaDDL  AthenaDDLCmd  `cmd:"" name:"athena-ddl" help:"Print the Athena tables (CREATE EXTERNAL TABLE) over the result files of dq eval --results."`
	VersionCmd VersionCmd    `cmd:"" name:"version" help:"Print the version of dq and the Go toolchain it was built with."`
	Completion CompletionCmd `cmd:"" help:"Print a shell completion script for bash, zsh or fish."`
	Help       HelpCmd       `cmd:"" help:"Show the help of a command, e.g. dq help eval."`
}

// env is what a command may touch: the context and the process's streams.
// Commands get it from run instead of using os.Std* so that tests can
// capture their output.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	// stderr escapes control characters (console.Escaper): messages quote
	// column names, values, paths and DuckDB errors, any of which may hold
	// terminal escape sequences.
	stderr io.Writer
	// rawStderr is the unescaped stream, for the progress line's own
	// cursor control.
	rawStderr io.Writer
	quiet     bool
}
