// Package cloudwatch publishes an evaluation's rule counts as CloudWatch
// metrics, with the names and dimensions AWS Glue Data Quality uses
// (spec §15), so Glue's dashboards and alarms work on dq's runs too.
//
// Per run, one datapoint each, timestamped with the run's CompletedOn:
//
//	glue.data.quality.rules.passed   Count  rules that passed
//	glue.data.quality.rules.failed   Count  rules that failed or errored
//	glue.data.quality.score          None   passed / total, 0..1 (dq's addition;
//	                                        Glue users compute it with metric math)
//
// Dimensions: for a Glue table, CatalogId, Database, Table and Ruleset, as
// Glue sets them; for local data, Ruleset and Dataset (the path). Empty
// values are left out, since CloudWatch rejects them. Options.Dimensions adds
// fixed ones, such as an environment name.
//
// # Re-publishing
//
// CloudWatch has no idempotent write: publishing a run twice stores its
// datapoints twice at the same timestamp. Maximum, Minimum and Average are
// unaffected; Sum and SampleCount double for that minute. Alarm on Maximum
// of glue.data.quality.rules.failed to be safe against re-sends. CloudWatch
// also rejects datapoints older than two weeks, so a spooled run must be
// re-sent within that time.
package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// DefaultNamespace is Glue Data Quality's namespace.
const DefaultNamespace = "Glue Data Quality"

// Metric names.
const (
	MetricPassed = "glue.data.quality.rules.passed"
	MetricFailed = "glue.data.quality.rules.failed"
	MetricScore  = "glue.data.quality.score"
)

// Options configure a Sink.
type Options struct {
	Client *cw.Client
	// Namespace defaults to DefaultNamespace.
	Namespace string
	// Dimensions are added to every datapoint, after the run's own.
	Dimensions map[string]string
	// Now stamps results that have no CompletedOn; time.Now when nil.
	Now func() time.Time
}

// Sink publishes metrics. It is safe for concurrent use.
type Sink struct {
	opts Options
}

var _ sinks.Sink = (*Sink)(nil)

// New returns a CloudWatch sink.
func New(opts Options) (*Sink, error) {
	if opts.Client == nil {
		return nil, errors.New("cloudwatch: a client is needed")
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for k, v := range opts.Dimensions {
		if k == "" || v == "" {
			return nil, fmt.Errorf("cloudwatch: dimension %q=%q: names and values must not be empty", k, v)
		}
	}
	return &Sink{opts: opts}, nil
}

// Name names the namespace.
func (s *Sink) Name() string { return "cloudwatch " + s.opts.Namespace }

// Publish puts the run's datapoints in one PutMetricData call.
func (s *Sink) Publish(ctx context.Context, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("%s: nil result", s.Name())
	}
	in := s.Input(r)
	if _, err := s.opts.Client.PutMetricData(ctx, in); err != nil {
		return fmt.Errorf("%s: PutMetricData: %w", s.Name(), err)
	}
	return nil
}

// Input is the PutMetricData request Publish sends for r.
func (s *Sink) Input(r *engine.Result) *cw.PutMetricDataInput {
	ts := r.CompletedOn
	if ts.IsZero() {
		ts = s.opts.Now()
	}
	dims := s.dimensions(r)
	c := sinks.CountsOf(r)
	datum := func(name string, v float64, unit types.StandardUnit) types.MetricDatum {
		return types.MetricDatum{
			MetricName: aws.String(name),
			Dimensions: dims,
			Timestamp:  aws.Time(ts),
			Value:      aws.Float64(v),
			Unit:       unit,
		}
	}
	data := []types.MetricDatum{
		datum(MetricPassed, float64(c.Passed), types.StandardUnitCount),
		datum(MetricFailed, float64(c.NotPassed()), types.StandardUnitCount),
	}
	if r.Score != nil && !math.IsNaN(*r.Score) && !math.IsInf(*r.Score, 0) {
		data = append(data, datum(MetricScore, *r.Score, types.StandardUnitNone))
	}
	return &cw.PutMetricDataInput{Namespace: aws.String(s.opts.Namespace), MetricData: data}
}

func (s *Sink) dimensions(r *engine.Result) []types.Dimension {
	var dims []types.Dimension
	add := func(name, value string) {
		if value != "" {
			dims = append(dims, types.Dimension{Name: aws.String(name), Value: aws.String(value)})
		}
	}
	if t := sinks.Table(r); t.TableName != "" {
		add("CatalogId", t.CatalogID)
		add("Database", t.DatabaseName)
		add("Table", t.TableName)
		add("Ruleset", r.RulesetName)
	} else {
		add("Ruleset", r.RulesetName)
		add("Dataset", sinks.Location(r))
	}
	// Sorted so the same configuration always yields the same metric
	// identity; CloudWatch treats dimension sets as unordered anyway.
	names := make([]string, 0, len(s.opts.Dimensions))
	for k := range s.opts.Dimensions {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		add(k, s.opts.Dimensions[k])
	}
	return dims
}
