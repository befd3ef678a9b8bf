package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/publish"
)

// PublishFlags are dq eval's flags for sending results where AWS users
// look: result files for Athena, CloudWatch metrics, SNS and EventBridge.
// Each overrides the same setting in the publish section of the
// --publish-config file. Embed them in a command and call publish once the
// result exists.
type PublishFlags struct {
	PublishConfig string `name:"publish-config" env:"DQ_PUBLISH_CONFIG" placeholder:"FILE" group:"Publishing" help:"Read publishing settings from the publish section of this YAML file (e.g. dq.yaml); flags override it."`

	Results       string  `placeholder:"s3://BUCKET/PREFIX|DIR" group:"Publishing" help:"Write Athena-queryable result files (Glue's layout: year=/month=/day= partitions, one file per run) to S3 or a local directory."`
	ResultsFormat *string `name:"results-format" enum:"json,parquet" placeholder:"json|parquet" group:"Publishing" help:"Format of the result files. Default: json (JSON Lines, as Glue writes)."`
	S3PathStyle   bool    `name:"s3-path-style" group:"Publishing" help:"Address S3 buckets by path, as S3-compatible stores need. Implied by AWS_ENDPOINT_URL."`

	CloudWatch          *bool    `name:"cloudwatch" negatable:"" group:"Publishing" help:"Put glue.data.quality.rules.passed/failed and a score metric to CloudWatch, with Glue's dimensions."`
	CloudWatchNamespace string   `name:"cloudwatch-namespace" placeholder:"NS" group:"Publishing" help:"CloudWatch namespace. Default: Glue Data Quality."`
	CloudWatchDimension []string `name:"cloudwatch-dimension" sep:"none" placeholder:"NAME=VALUE" group:"Publishing" help:"Add a dimension to every metric, e.g. Environment=prod (repeatable)."`

	SNS   string  `name:"sns" placeholder:"TOPIC-ARN" group:"Publishing" help:"Notify an SNS topic with a readable summary of the run."`
	SNSOn *string `name:"sns-on" enum:"fail,always" placeholder:"fail|always" group:"Publishing" help:"When to notify: only when a rule failed or errored, or always. Default: fail."`

	EventBridge       *bool  `name:"eventbridge" negatable:"" group:"Publishing" help:"Put a Glue-shaped 'Data Quality Evaluation Results Available' event on EventBridge."`
	EventBridgeBus    string `name:"eventbridge-bus" placeholder:"NAME|ARN" group:"Publishing" help:"Event bus. Default: default."`
	EventBridgeSource string `name:"eventbridge-source" placeholder:"SOURCE" group:"Publishing" help:"Event source. Default: dq.glue-dataquality (aws.* is reserved)."`

	Spool           string        `placeholder:"DIR" group:"Publishing" help:"Keep results a sink could not deliver here, for dq publish. Default: dq-spool."`
	PublishTimeout  time.Duration `name:"publish-timeout" placeholder:"DURATION" group:"Publishing" help:"Give up on a sink after this long, retries included. Default: 30s."`
	PublishAttempts int           `name:"publish-attempts" placeholder:"N" group:"Publishing" help:"Attempts per AWS request, with exponential backoff (1 = no retry). Default: 3."`

	cfg publish.Config // file and flags merged by Validate
	// awsHTTP, when set, is the HTTP client AWS sinks share (dq serve:
	// one connection pool for every run instead of one per run).
	awsHTTP aws.HTTPClient
}

// Validate merges the config file and the flags and checks the result, so
// that a typo fails before the data is read. kong calls it after parsing.
func (f *PublishFlags) Validate() error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	f.cfg = cfg
	return nil
}

func (f *PublishFlags) config() (publish.Config, error) {
	var cfg publish.Config
	if f.PublishConfig != "" {
		c, err := publish.LoadFile(f.PublishConfig)
		if err != nil {
			return cfg, fmt.Errorf("--publish-config: %w", err)
		}
		cfg = c
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Results, f.Results)
	if f.ResultsFormat != nil {
		cfg.ResultsFormat = *f.ResultsFormat
	}
	cfg.S3PathStyle = cfg.S3PathStyle || f.S3PathStyle

	if f.CloudWatch != nil || f.CloudWatchNamespace != "" || len(f.CloudWatchDimension) > 0 {
		cw := publish.CloudWatchConfig{}
		if cfg.CloudWatch != nil {
			cw = *cfg.CloudWatch
		}
		if f.CloudWatch != nil {
			cw.Enabled = *f.CloudWatch
		} else if f.CloudWatchNamespace != "" || len(f.CloudWatchDimension) > 0 {
			// Naming a namespace or a dimension means "publish metrics".
			cw.Enabled = true
		}
		set(&cw.Namespace, f.CloudWatchNamespace)
		if len(f.CloudWatchDimension) > 0 {
			dims := make(map[string]string, len(cw.Dimensions)+len(f.CloudWatchDimension))
			for k, v := range cw.Dimensions {
				dims[k] = v
			}
			for _, d := range f.CloudWatchDimension {
				k, v, ok := strings.Cut(d, "=")
				if !ok || k == "" || v == "" {
					return cfg, fmt.Errorf("--cloudwatch-dimension must be NAME=VALUE, got %q", d)
				}
				dims[k] = v
			}
			cw.Dimensions = dims
		}
		cfg.CloudWatch = &cw
	}

	if f.SNS != "" || f.SNSOn != nil {
		s := publish.SNSConfig{}
		if cfg.SNS != nil {
			s = *cfg.SNS
		}
		set(&s.Topic, f.SNS)
		if f.SNSOn != nil {
			s.On = *f.SNSOn
		}
		if s.Topic == "" {
			return cfg, errors.New("--sns-on needs a topic (--sns ARN or sns.topic in the config file)")
		}
		cfg.SNS = &s
	}

	if f.EventBridge != nil || f.EventBridgeBus != "" || f.EventBridgeSource != "" {
		eb := publish.EventBridgeConfig{}
		if cfg.EventBridge != nil {
			eb = *cfg.EventBridge
		}
		if f.EventBridge != nil {
			eb.Enabled = *f.EventBridge
		} else {
			eb.Enabled = true
		}
		set(&eb.Bus, f.EventBridgeBus)
		set(&eb.Source, f.EventBridgeSource)
		cfg.EventBridge = &eb
	}

	set(&cfg.Spool, f.Spool)
	if f.PublishTimeout != 0 {
		cfg.Timeout = f.PublishTimeout
	}
	if f.PublishAttempts != 0 {
		cfg.MaxAttempts = f.PublishAttempts
	}
	return cfg, cfg.Validate()
}

// publish sends res to the configured sinks, if any. It returns nil when
// everything was delivered and an exitError with exitNotDelivered when a
// sink failed: the result has then been spooled, and the verdict printed
// before still stands.
func (f *PublishFlags) publish(e *env, res *engine.Result) error {
	return f.publishKept(e, res, "")
}

// publishKept is publish for a command that also kept the result: kept
// says where ("FILE", or "" for nowhere), so that a result that could be
// neither delivered nor spooled is not reported as awaiting dq publish.
func (f *PublishFlags) publishKept(e *env, res *engine.Result, kept string) error {
	if !f.cfg.Enabled() {
		return nil
	}
	// The evaluation's --timeout does not cover publishing: a slow run
	// must not leave no time to deliver its result.
	p, err := publish.New(e.ctx, f.cfg, f.options(e.ctx))
	if err != nil {
		// Only an invalid configuration gets here, and Validate has
		// checked it; this is a safety net.
		return &exitError{code: exitInvalid, err: err}
	}
	rep := p.Publish(e.ctx, res)
	spooled, lost := 0, 0
	for _, d := range rep.Deliveries {
		switch {
		case d.Err == nil:
			if !e.quiet {
				fmt.Fprintf(e.stderr, "dq: published to %s\n", d.Sink)
			}
		case d.Spooled != "":
			spooled++
			fmt.Fprintf(e.stderr, "dq: not delivered: %v\n    spooled to %s\n", d.Err, d.Spooled)
		default:
			lost++
			fmt.Fprintf(e.stderr, "dq: not delivered: %v\n    and the result was NOT spooled: %v\n", d.Err, d.SpoolErr)
		}
	}
	if rep.Err() == nil {
		return nil
	}
	if spooled > 0 {
		fmt.Fprintf(e.stderr, "dq: re-send with: dq publish %s\n", f.cfg.SpoolDir())
	}
	if lost > 0 {
		// dq publish cannot help: say where the result still exists.
		if kept != "" {
			fmt.Fprintf(e.stderr, "dq: dq publish cannot re-send this result (the spool %s could not be written); it is still in %s\n", f.cfg.SpoolDir(), kept)
		} else {
			fmt.Fprintf(e.stderr, "dq: dq publish cannot re-send this result (the spool %s could not be written), and it was not saved: run again with -o FILE to keep a copy\n", f.cfg.SpoolDir())
		}
	}
	return reported(exitNotDelivered)
}

// options are the publisher's options: the defaults, or with awsHTTP set,
// the SDK configuration on that shared client.
func (f *PublishFlags) options(ctx context.Context) publish.Options {
	if f.awsHTTP == nil {
		return publish.Options{}
	}
	c, err := publish.LoadAWS(ctx, f.cfg.MaxAttempts)
	if err != nil {
		// publish.New loads it again and reports the error.
		return publish.Options{}
	}
	c.HTTPClient = f.awsHTTP
	return publish.Options{AWS: &c}
}
