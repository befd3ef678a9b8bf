package publish

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dqlabs/dq/sinks/eventbridge"
	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sns"
)

// Config says where results go. Its YAML form is the "publish" section of
// a dq.yaml file (see LoadFile); flags override it field by field. The
// zero value publishes nothing.
type Config struct {
	// Results is s3://bucket/prefix or a local directory.
	Results string `yaml:"results,omitempty" json:"results,omitempty"`
	// ResultsFormat is json (default) or parquet.
	ResultsFormat string `yaml:"resultsFormat,omitempty" json:"resultsFormat,omitempty"`
	// S3PathStyle addresses buckets as https://host/bucket, which most
	// S3-compatible stores need. It is implied when AWS_ENDPOINT_URL is
	// set.
	S3PathStyle bool `yaml:"s3PathStyle,omitempty" json:"s3PathStyle,omitempty"`

	CloudWatch  *CloudWatchConfig  `yaml:"cloudwatch,omitempty" json:"cloudwatch,omitempty"`
	SNS         *SNSConfig         `yaml:"sns,omitempty" json:"sns,omitempty"`
	EventBridge *EventBridgeConfig `yaml:"eventbridge,omitempty" json:"eventbridge,omitempty"`

	// Spool is where undelivered results are kept; default DefaultSpool.
	Spool string `yaml:"spool,omitempty" json:"-"`
	// Timeout bounds each sink's delivery, retries included; default
	// DefaultTimeout.
	Timeout time.Duration `yaml:"timeout,omitempty" json:"-"`
	// MaxAttempts is the SDK retryer's attempts per request (1 = no
	// retry); default DefaultMaxAttempts.
	MaxAttempts int `yaml:"maxAttempts,omitempty" json:"-"`
}

// CloudWatchConfig enables metrics.
type CloudWatchConfig struct {
	Enabled   bool   `yaml:"enabled" json:"enabled"`
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	// Dimensions are added to every datapoint, e.g. Environment: prod.
	Dimensions map[string]string `yaml:"dimensions,omitempty" json:"dimensions,omitempty"`
}

// SNSConfig enables notifications.
type SNSConfig struct {
	Topic string `yaml:"topic" json:"topic"`
	// On is fail (default) or always.
	On string `yaml:"on,omitempty" json:"on,omitempty"`
}

// EventBridgeConfig enables events.
type EventBridgeConfig struct {
	Enabled bool   `yaml:"enabled" json:"enabled"`
	Bus     string `yaml:"bus,omitempty" json:"bus,omitempty"`
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Defaults.
const (
	DefaultSpool       = "dq-spool"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 3
)

// SpoolDir is the spool directory, with the default applied.
func (c Config) SpoolDir() string { return c.withDefaults().Spool }

// Enabled reports whether any sink is configured.
func (c Config) Enabled() bool {
	return c.Results != "" || c.cloudWatchOn() || c.snsOn() || c.eventBridgeOn()
}

func (c Config) cloudWatchOn() bool  { return c.CloudWatch != nil && c.CloudWatch.Enabled }
func (c Config) snsOn() bool         { return c.SNS != nil && c.SNS.Topic != "" }
func (c Config) eventBridgeOn() bool { return c.EventBridge != nil && c.EventBridge.Enabled }

// needsAWS reports whether a sink talks to AWS (a local results
// directory does not, and must work without any AWS configuration).
func (c Config) needsAWS() bool {
	if c.cloudWatchOn() || c.snsOn() || c.eventBridgeOn() {
		return true
	}
	loc, err := resultfiles.ParseLocation(c.Results)
	return err == nil && loc.IsS3()
}

// Validate checks everything that can be checked without AWS, so a typo
// fails before the data is evaluated.
func (c Config) Validate() error {
	var errs []error
	if c.Results != "" {
		if _, err := resultfiles.ParseLocation(c.Results); err != nil {
			errs = append(errs, fmt.Errorf("results: %w", err))
		}
	}
	if _, err := resultfiles.ParseFormat(c.ResultsFormat); err != nil {
		errs = append(errs, err)
	}
	if c.ResultsFormat != "" && c.Results == "" {
		errs = append(errs, errors.New("a results format needs a results location"))
	}
	if c.snsOn() {
		if !strings.HasPrefix(c.SNS.Topic, "arn:") || strings.Count(c.SNS.Topic, ":") < 5 {
			errs = append(errs, fmt.Errorf("sns: %q is not a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", c.SNS.Topic))
		}
		if _, err := sns.ParseWhen(c.SNS.On); err != nil {
			errs = append(errs, err)
		}
	}
	if c.eventBridgeOn() && strings.HasPrefix(c.EventBridge.Source, "aws.") {
		errs = append(errs, fmt.Errorf("eventbridge: source %q: sources starting with aws. are reserved for AWS", c.EventBridge.Source))
	}
	if c.cloudWatchOn() {
		for k, v := range c.CloudWatch.Dimensions {
			if k == "" || v == "" {
				errs = append(errs, fmt.Errorf("cloudwatch: dimension %q=%q: names and values must not be empty", k, v))
			}
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("publish timeout must not be negative, got %s", c.Timeout))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("publish attempts must not be negative, got %d", c.MaxAttempts))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Spool == "" {
		c.Spool = DefaultSpool
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.eventBridgeOn() {
		eb := *c.EventBridge
		if eb.Source == "" {
			eb.Source = eventbridge.DefaultSource
		}
		c.EventBridge = &eb
	}
	return c
}

// File is the layout of a dq.yaml file. Only the publish section is read
// here; other sections belong to other commands and are ignored.
type File struct {
	Publish Config `yaml:"publish"`
}

// LoadFile reads the publish section of a dq.yaml file. Unknown keys in it
// are errors, so a misspelt setting is not silently ignored.
func LoadFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var raw struct {
		Publish yaml.Node `yaml:"publish"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	var c Config
	if raw.Publish.Kind == 0 {
		return c, nil
	}
	// Re-encode the section so the strict decoder sees only it.
	section, err := yaml.Marshal(&raw.Publish)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(section))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: publish: %w", path, err)
	}
	return c, nil
}
