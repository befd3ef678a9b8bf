// Package sinks defines where evaluation results go besides the terminal:
// the Sink interface that every publisher implements, and the vocabulary
// the publishers share (rule counts, the run verdict, object names).
//
// Each destination lives in its own sub-package:
//
//	sinks/resultfiles  JSON Lines or Parquet files, Hive-partitioned, on S3
//	                   or in a local directory (Athena-queryable)
//	sinks/cloudwatch   CloudWatch metrics with Glue's names and dimensions
//	sinks/sns          an SNS notification with a readable summary
//	sinks/eventbridge  an EventBridge event shaped like Glue's
//	sinks/spool        a local directory that keeps results a sink could
//	                   not deliver, for `dq publish` to re-send
//	sinks/publish      configuration, fan-out to the sinks, and spooling
//
// A Sink never decides whether an evaluation succeeded: it reports whether
// it delivered, and the caller decides what a failed delivery means.
package sinks

import (
	"context"

	"github.com/dqlabs/dq/engine"
)

// Sink delivers one evaluation result to one destination.
//
// Publish must be safe to call again with the same result (a retry, or
// `dq publish` re-sending a spooled run): file sinks overwrite, message
// sinks may deliver a duplicate and say so in their documentation. It
// returns an error, wrapped with the sink's name, when the result was not
// delivered; it honours ctx's deadline and cancellation.
type Sink interface {
	// Name identifies the destination in messages, e.g.
	// "s3://bucket/prefix" or "sns arn:aws:sns:…".
	Name() string
	Publish(ctx context.Context, r *engine.Result) error
}

// Counts are the rule totals every sink reports, in Glue's terms.
type Counts struct {
	Passed  int // rules whose Result is PASS
	Failed  int // rules whose Result is FAIL
	Errored int // rules that could not be evaluated (ERROR)
}

// Total is the number of rules.
func (c Counts) Total() int { return c.Passed + c.Failed + c.Errored }

// NotPassed is the number of rules that did not pass: Glue's
// glue.data.quality.rules.failed and numRulesFailed count an ERROR rule as
// failed, so passed + failed always adds up to the total.
func (c Counts) NotPassed() int { return c.Failed + c.Errored }

// CountsOf counts r's rule results.
func CountsOf(r *engine.Result) Counts {
	p, f, e := r.Counts()
	return Counts{Passed: p, Failed: f, Errored: e}
}

// State is Glue's EventBridge verdict for a run (spec §12.1, §18 #22):
// FAILED when any rule failed or errored, SUCCEEDED otherwise.
func State(r *engine.Result) string {
	if r.Passed() {
		return "SUCCEEDED"
	}
	return "FAILED"
}

// S3Outcome spells a rule outcome as Glue's result files and ETL frames do
// (spec §12.1): Passed, Failed or Error.
func S3Outcome(o engine.Outcome) string {
	switch o {
	case engine.Pass:
		return "Passed"
	case engine.Fail:
		return "Failed"
	default:
		return "Error"
	}
}

// Table is the Glue table a result names, or the zero value for local data.
func Table(r *engine.Result) engine.GlueTable {
	if r.DataSource != nil && r.DataSource.GlueTable != nil {
		return *r.DataSource.GlueTable
	}
	return engine.GlueTable{}
}

// Location is the dataset's path or description, "" when unknown.
func Location(r *engine.Result) string {
	if r.DataSource != nil {
		return r.DataSource.Location
	}
	return ""
}

// SafeID returns id with every byte that is not a letter, digit, '-', '_'
// or '.' replaced by '_', so a result id can name an object or a file on
// any file system. The mapping is deterministic, so re-publishing a run
// still lands on the same name.
func SafeID(id string) string {
	b := []byte(id)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || s == "." || s == ".." {
		return "_" + s
	}
	return s
}
