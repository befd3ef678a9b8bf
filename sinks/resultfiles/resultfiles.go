// Package resultfiles publishes evaluation results as files that Athena
// (and DuckDB, Spark, Trino) can query: on S3 or in a local directory.
//
// # Layout
//
// Under the location's prefix, per run (spec §16, §18 #23):
//
//	year=YYYY/month=MM/day=DD/<ResultId>.jsonl         one line per rule result
//	_runs/year=YYYY/month=MM/day=DD/<ResultId>.json    one line: the run summary
//
// With FormatParquet the extensions are .parquet and the files hold the same
// columns, lower-cased. The date is the run's StartedOn in UTC, and the
// partition values are zero-padded strings, as in Glue.
//
// The rule files follow AWS Glue Data Quality's own result files: Glue's
// field names (catalogId, databaseName, tableName, dqRunId,
// evaluationStartedOn, evaluationCompletedOn, rule, outcome, failureReason,
// evaluatedMetrics) and partitions, so the table from Glue's documentation
// reads them with LOCATION at the prefix. dq adds rulesetName, ruleName,
// evaluatedRule, dataset and labels. outcome is Passed, Failed or Error.
// Timestamps are ISO-8601 UTC with milliseconds. evaluatedMetrics and labels
// are JSON objects, declared string in Athena.
//
// Summaries live under _runs/ because Hive and Athena skip directories whose
// names start with an underscore, so the rule table at the prefix never
// reads them; their own table has LOCATION <prefix>/_runs/. DDL prints
// both tables' CREATE statements.
//
// # Idempotency
//
// Objects are named by ResultId and written whole (S3 PutObject; a rename
// for directories), so publishing a run again replaces its files and
// never adds rows. Keep one format per location: switching a location from
// JSON to Parquet leaves the old .jsonl files, which a Parquet table cannot
// read.
package resultfiles

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// Format is the file format of published results.
type Format string

const (
	FormatJSON    Format = "json"    // JSON Lines, OpenX JSON SerDe in Athena
	FormatParquet Format = "parquet" // Parquet (snappy), for large histories
)

// ParseFormat accepts "json" (also "jsonl", "") and "parquet".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "json", "jsonl":
		return FormatJSON, nil
	case "parquet":
		return FormatParquet, nil
	}
	return "", fmt.Errorf("results format must be json or parquet, got %q", s)
}

// RunsDir is the directory of run summaries under a results prefix.
const RunsDir = "_runs/"

// Options configure a Sink.
type Options struct {
	Format Format
	// S3 is the client for s3:// locations; it is not used for
	// directories. Its retryer and endpoint are the caller's.
	S3 *s3.Client
}

// Sink writes result files. It is safe for concurrent use.
type Sink struct {
	loc    Location
	format Format
	store  store
}

var _ sinks.Sink = (*Sink)(nil)

// New returns a sink writing to location, s3://bucket/prefix or a
// directory (created on first publish).
func New(location string, opts Options) (*Sink, error) {
	loc, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	format, err := ParseFormat(string(opts.Format))
	if err != nil {
		return nil, err
	}
	s := &Sink{loc: loc, format: format}
	if loc.IsS3() {
		if opts.S3 == nil {
			return nil, errors.New("resultfiles: an S3 client is needed for " + loc.String())
		}
		s.store = &s3Store{client: opts.S3, bucket: loc.Bucket, prefix: loc.Prefix}
	} else {
		s.store = &dirStore{root: loc.Dir}
	}
	return s, nil
}

// Name is the location.
func (s *Sink) Name() string { return "results " + s.loc.String() }

// Keys returns the object keys, relative to the location, that Publish
// writes for r: the rule file ("" when r has no rules) and the summary.
func (s *Sink) Keys(r *engine.Result) (rules, run string, err error) {
	day := r.StartedOn
	if day.IsZero() {
		day = r.CompletedOn
	}
	if day.IsZero() {
		// The partition must be a function of the run, or re-publishing
		// would not overwrite.
		return "", "", errors.New("result has no StartedOn or CompletedOn to partition by")
	}
	if r.ResultID == "" {
		return "", "", errors.New("result has no ResultId to name its files by")
	}
	day = day.UTC()
	part := fmt.Sprintf("year=%04d/month=%02d/day=%02d/", day.Year(), int(day.Month()), day.Day())
	id := sinks.SafeID(r.ResultID)
	ruleExt, runExt := ".jsonl", ".json"
	if s.format == FormatParquet {
		ruleExt, runExt = ".parquet", ".parquet"
	}
	if len(r.RuleResults) > 0 {
		rules = part + id + ruleExt
	}
	return rules, RunsDir + part + id + runExt, nil
}

// Publish writes r's rule file and then its summary.
func (s *Sink) Publish(ctx context.Context, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("%s: nil result", s.Name())
	}
	if err := s.publish(ctx, r); err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	return nil
}

func (s *Sink) publish(ctx context.Context, r *engine.Result) error {
	rulesKey, runKey, err := s.Keys(r)
	if err != nil {
		return err
	}
	rules, err := ruleLines(r)
	if err != nil {
		return fmt.Errorf("encoding rule results: %w", err)
	}
	run, err := runLine(r)
	if err != nil {
		return fmt.Errorf("encoding run summary: %w", err)
	}
	contentType := "application/x-ndjson"
	if s.format == FormatParquet {
		contentType = "application/vnd.apache.parquet"
		if rulesKey != "" {
			if rules, err = toParquet(ctx, rules, RuleColumns); err != nil {
				return fmt.Errorf("converting rule results to Parquet: %w", err)
			}
		}
		if run, err = toParquet(ctx, run, RunColumns); err != nil {
			return fmt.Errorf("converting run summary to Parquet: %w", err)
		}
	}
	if rulesKey != "" {
		if err := s.store.put(ctx, rulesKey, rules, contentType); err != nil {
			return err
		}
	}
	return s.store.put(ctx, runKey, run, contentType)
}
