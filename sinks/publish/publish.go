// Package publish sends an evaluation result to every configured sink and
// keeps what could not be delivered.
//
// Each sink gets the result concurrently, bounded by Config.Timeout; AWS
// requests are retried by the SDK's standard retryer (exponential backoff
// with jitter, Config.MaxAttempts attempts). A sink that still fails does
// not stop the others: its result is spooled (see sinks/spool) for
// Resend, and the Report says so. Callers turn a report with failures into
// their "not delivered" exit status; the evaluation itself stands.
//
// Credentials and region come only from the AWS SDK's default chain
// (environment, shared config and credentials files, SSO, container and
// instance roles). Endpoints can be overridden the SDK's way, with
// AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> (S3, SNS, CLOUDWATCH,
// EVENTBRIDGE), e.g. for S3-compatible stores and local stand-ins.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cwsdk "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	ebsdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/cloudwatch"
	"github.com/dqlabs/dq/sinks/eventbridge"
	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sns"
	"github.com/dqlabs/dq/sinks/spool"
)

// Options are the dependencies of a Publisher that tests replace.
type Options struct {
	// AWS is the client configuration; when nil it is loaded from the
	// SDK's default chain, and only if a sink needs AWS.
	AWS *aws.Config
	// Now is the clock for spool entries; time.Now when nil.
	Now func() time.Time
}

// target is one configured sink: the Config reduced to that sink, which is
// also what a spool entry stores to rebuild it.
type target struct {
	key  string
	cfg  Config
	sink sinks.Sink
}

// Publisher delivers results to the configured sinks.
type Publisher struct {
	cfg     Config
	spool   spool.Dir
	now     func() time.Time
	targets []target
}

// New builds the sinks cfg names. It fails on an invalid configuration and
// when AWS configuration cannot be loaded; it does not contact any sink.
func New(ctx context.Context, cfg Config, opts Options) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	sp, err := spool.Open(cfg.Spool)
	if err != nil {
		return nil, err
	}
	p := &Publisher{cfg: cfg, spool: sp, now: opts.Now}
	if p.now == nil {
		p.now = time.Now
	}
	var (
		awsCfg aws.Config
		awsErr error
	)
	if cfg.needsAWS() {
		if opts.AWS != nil {
			awsCfg = *opts.AWS
		} else {
			awsCfg, awsErr = LoadAWS(ctx, cfg.MaxAttempts)
		}
	}
	for _, t := range cfg.split() {
		if awsErr != nil && t.cfg.needsAWS() {
			// Without AWS configuration (a broken profile, say) the
			// sink cannot deliver, but its result can still be spooled
			// for when the configuration is fixed.
			t.sink = unavailable{name: t.name(), err: awsErr}
			p.targets = append(p.targets, t)
			continue
		}
		s, err := build(t.cfg, awsCfg)
		if err != nil {
			return nil, err
		}
		t.sink = s
		p.targets = append(p.targets, t)
	}
	return p, nil
}

// unavailable is a sink that cannot be built; publishing to it fails, so
// its results are spooled.
type unavailable struct {
	name string
	err  error
}

func (u unavailable) Name() string { return u.name }

func (u unavailable) Publish(context.Context, *engine.Result) error {
	return fmt.Errorf("%s: %w", u.name, u.err)
}

// name is the sink's display name without building it; it matches the
// sinks' own Name methods.
func (t target) name() string {
	c := t.cfg
	switch {
	case c.Results != "":
		loc, _ := resultfiles.ParseLocation(c.Results)
		return "results " + loc.String()
	case c.cloudWatchOn():
		ns := c.CloudWatch.Namespace
		if ns == "" {
			ns = cloudwatch.DefaultNamespace
		}
		return "cloudwatch " + ns
	case c.snsOn():
		return "sns " + c.SNS.Topic
	case c.eventBridgeOn():
		bus := c.EventBridge.Bus
		if bus == "" {
			bus = eventbridge.DefaultBus
		}
		return "eventbridge bus " + bus
	}
	return "unknown sink"
}

// LoadAWS loads the SDK's default configuration with a bounded standard
// retryer.
func LoadAWS(ctx context.Context, maxAttempts int) (aws.Config, error) {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			// The SDK's 20 s cap would let three attempts outlast a
			// typical publish timeout; 5 s still spreads retries out.
			o.MaxBackoff = 5 * time.Second
		})
	}))
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return cfg, nil
}

// split reduces cfg to one Config per configured sink, in a fixed order.
func (c Config) split() []target {
	var out []target
	if c.Results != "" {
		out = append(out, target{key: "results", cfg: Config{Results: c.Results, ResultsFormat: c.ResultsFormat, S3PathStyle: c.S3PathStyle}})
	}
	if c.cloudWatchOn() {
		out = append(out, target{key: "cloudwatch", cfg: Config{CloudWatch: c.CloudWatch}})
	}
	if c.snsOn() {
		out = append(out, target{key: "sns", cfg: Config{SNS: c.SNS}})
	}
	if c.eventBridgeOn() {
		out = append(out, target{key: "eventbridge", cfg: Config{EventBridge: c.EventBridge}})
	}
	return out
}

// build makes the one sink a single-sink Config names.
func build(c Config, awsCfg aws.Config) (sinks.Sink, error) {
	switch {
	case c.Results != "":
		opts := resultfiles.Options{Format: resultfiles.Format(c.ResultsFormat)}
		if loc, _ := resultfiles.ParseLocation(c.Results); loc.IsS3() {
			pathStyle := c.S3PathStyle || awsCfg.BaseEndpoint != nil
			opts.S3 = s3sdk.NewFromConfig(awsCfg, func(o *s3sdk.Options) { o.UsePathStyle = o.UsePathStyle || pathStyle })
		}
		return resultfiles.New(c.Results, opts)
	case c.cloudWatchOn():
		return cloudwatch.New(cloudwatch.Options{
			Client: cwsdk.NewFromConfig(awsCfg), Namespace: c.CloudWatch.Namespace, Dimensions: c.CloudWatch.Dimensions,
		})
	case c.snsOn():
		return sns.New(sns.Options{Client: snssdk.NewFromConfig(awsCfg), TopicARN: c.SNS.Topic, On: sns.When(c.SNS.On)})
	case c.eventBridgeOn():
		return eventbridge.New(eventbridge.Options{
			Client: ebsdk.NewFromConfig(awsCfg), Bus: c.EventBridge.Bus, Source: c.EventBridge.Source,
		})
	}
	return nil, errors.New("publish: a spool target names no sink")
}

// Sinks names the configured sinks, in publishing order.
func (p *Publisher) Sinks() []string {
	names := make([]string, len(p.targets))
	for i, t := range p.targets {
		names[i] = t.sink.Name()
	}
	return names
}

// Delivery is the outcome for one sink.
type Delivery struct {
	Sink string
	Err  error // nil when delivered
	// Spooled is the spool file holding the result when Err != nil; ""
	// if spooling failed too (SpoolErr says why).
	Spooled  string
	SpoolErr error
}

// Report is the outcome of publishing one result.
type Report struct {
	Deliveries []Delivery
}

// Failed returns the deliveries that did not succeed.
func (r Report) Failed() []Delivery {
	var out []Delivery
	for _, d := range r.Deliveries {
		if d.Err != nil {
			out = append(out, d)
		}
	}
	return out
}

// Err is nil when every sink delivered, else a *NotDeliveredError.
func (r Report) Err() error {
	if f := r.Failed(); len(f) > 0 {
		return &NotDeliveredError{Failures: f}
	}
	return nil
}

// NotDeliveredError says that some sinks did not get the result.
type NotDeliveredError struct {
	Failures []Delivery
}

func (e *NotDeliveredError) Error() string {
	parts := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		parts[i] = f.Err.Error()
		switch {
		case f.Spooled != "":
			parts[i] += " (spooled to " + f.Spooled + ")"
		case f.SpoolErr != nil:
			parts[i] += " (and not spooled: " + f.SpoolErr.Error() + ")"
		}
	}
	return "results not delivered: " + strings.Join(parts, "; ")
}

// Publish sends r to every sink concurrently and spools it for each sink
// that fails. It never returns early: every sink gets its chance.
func (p *Publisher) Publish(ctx context.Context, r *engine.Result) Report {
	rep := Report{Deliveries: make([]Delivery, len(p.targets))}
	var wg sync.WaitGroup
	for i, t := range p.targets {
		wg.Go(func() {
			d := Delivery{Sink: t.sink.Name()}
			d.Err = p.deliver(ctx, t.sink, r)
			if d.Err != nil && r != nil {
				d.Spooled, d.SpoolErr = p.put(ctx, t, r, d.Err, 1)
			}
			rep.Deliveries[i] = d
		})
	}
	wg.Wait()
	return rep
}

func (p *Publisher) deliver(ctx context.Context, s sinks.Sink, r *engine.Result) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	err := s.Publish(ctx, r)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (gave up after the publish timeout, %s)", err, p.cfg.Timeout)
	}
	return err
}

func (p *Publisher) put(ctx context.Context, t target, r *engine.Result, cause error, attempts int) (string, error) {
	e, err := spool.NewEntry(t.sink.Name(), t.key, t.cfg, r, cause, attempts, p.now())
	if err != nil {
		return "", err
	}
	// Spooling is the fallback for a failed or timed-out delivery, so it
	// must not inherit that delivery's deadline or a cancellation.
	return p.spool.Put(context.WithoutCancel(ctx), r.ResultID, e)
}

// ResendReport is the outcome of re-sending a spool.
type ResendReport struct {
	Delivered []spool.Item
	Failed    []Delivery // Spooled is the entry, kept for the next try
	// Busy counts entries another publisher claimed first (a concurrent
	// dq publish on the same spool): they are its to send.
	Busy int
	// Recovered counts entries given back from publishers that died
	// while sending them; they are re-sent in this run.
	Recovered int
}

// Err is nil when the spool was emptied, else a *NotDeliveredError.
func (r ResendReport) Err() error {
	if len(r.Failed) > 0 {
		return &NotDeliveredError{Failures: r.Failed}
	}
	return nil
}

// Resend re-sends every entry of the spool at dir to the sink it failed
// for, built from the entry and the retry settings of cfg (its sinks are
// ignored). Delivered entries are removed; failed ones are kept with the
// new error and attempt count. An entry that cannot be read is an error:
// Resend stops rather than risk skipping a result.
//
// Each entry is claimed (spool.Dir.Claim) before it is sent, so that two
// Resends on one spool — two `dq publish` from cron, say — never deliver a
// result twice; claims of a Resend that died are recovered first.
func Resend(ctx context.Context, dir string, cfg Config, opts Options) (rep ResendReport, err error) {
	sp, err := spool.Open(dir)
	if err != nil {
		return rep, err
	}
	if rep.Recovered, err = sp.RecoverStale(); err != nil {
		return rep, err
	}
	items, err := sp.List()
	if err != nil {
		return rep, err
	}
	cfg = Config{Timeout: cfg.Timeout, MaxAttempts: cfg.MaxAttempts, Spool: dir}.withDefaults()
	p := &Publisher{cfg: cfg, spool: sp, now: opts.Now}
	if p.now == nil {
		p.now = time.Now
	}
	var awsCfg *aws.Config
	for _, listed := range items {
		c, ok, err := sp.Claim(listed)
		if err != nil {
			return rep, err
		}
		if !ok {
			rep.Busy++
			continue
		}
		d, delivered, err := p.resendOne(ctx, sp, c, opts, &awsCfg)
		if delivered {
			rep.Delivered = append(rep.Delivered, c.Item)
		}
		if err != nil {
			// Not delivered: give the entry back (if it was spooled
			// again, the newer copy stays and the claim goes).
			if !delivered {
				if rerr := sp.Release(c); rerr != nil {
					err = errors.Join(err, rerr)
				}
			}
			return rep, err
		}
		if !delivered {
			rep.Failed = append(rep.Failed, d)
		}
	}
	return rep, nil
}

// resendOne sends one claimed entry. A delivered entry is removed; a
// failed one is spooled again with the new error, or, if that fails too,
// released unchanged. An error means the entry could not be tried.
func (p *Publisher) resendOne(ctx context.Context, sp spool.Dir, it spool.Claimed, opts Options, awsCfg **aws.Config) (Delivery, bool, error) {
	var tc Config
	if err := json.Unmarshal(it.Target, &tc); err != nil {
		return Delivery{}, false, fmt.Errorf("spool entry %s: bad target: %w", it.Path, err)
	}
	r, err := it.Decode()
	if err != nil {
		return Delivery{}, false, fmt.Errorf("spool entry %s: %w", it.Path, err)
	}
	if err := tc.Validate(); err != nil {
		return Delivery{}, false, fmt.Errorf("spool entry %s: %w", it.Path, err)
	}
	if tc.needsAWS() && *awsCfg == nil {
		if opts.AWS != nil {
			*awsCfg = opts.AWS
		} else {
			c, err := LoadAWS(ctx, p.cfg.MaxAttempts)
			if err != nil {
				return Delivery{}, false, err
			}
			*awsCfg = &c
		}
	}
	var ac aws.Config
	if *awsCfg != nil {
		ac = **awsCfg
	}
	s, err := build(tc, ac)
	if err != nil {
		return Delivery{}, false, fmt.Errorf("spool entry %s: %w", it.Path, err)
	}
	if err := p.deliver(ctx, s, r); err != nil {
		d := Delivery{Sink: s.Name(), Err: err}
		d.Spooled, d.SpoolErr = p.put(ctx, target{key: it.Key, cfg: tc, sink: s}, r, err, it.Attempts+1)
		if d.SpoolErr != nil {
			// The new error could not be recorded; the entry as it was
			// is still the result's only copy: give it back.
			if rerr := sp.Release(it); rerr != nil {
				return d, false, errors.Join(d.SpoolErr, rerr)
			}
			d.Spooled, d.SpoolErr = it.Path, nil
			return d, false, nil
		}
		return d, false, sp.Done(it)
	}
	return Delivery{}, true, sp.Done(it)
}
