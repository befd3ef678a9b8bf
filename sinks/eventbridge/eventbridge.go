// Package eventbridge publishes an evaluation as an EventBridge event with
// the shape of AWS Glue Data Quality's "Data Quality Evaluation Results
// Available" event (spec §14), so rules written for Glue's events match
// dq's with only the source changed.
//
// The detail carries resultId, rulesetNames, state (FAILED when any rule
// failed or errored, SUCCEEDED otherwise), a numeric score (so patterns
// such as {"score": [{"numeric": ["<=", 0.7]}]} work), numRulesSucceeded,
// numRulesFailed (failed + errored) and numRulesSkipped (always 0: dq skips
// no rule), and a context: GLUE_DATA_CATALOG with the table for Glue
// tables, or DQ_LOCAL with the dataset path for local data. dq adds
// numRulesErrored and failedRules (names, outcomes and messages, at most
// 50, so the event stays under EventBridge's 256 KB).
//
// Sources beginning with "aws." are reserved for AWS, so the default
// source is "dq.glue-dataquality"; the bus defaults to "default".
//
// # Re-publishing
//
// EventBridge assigns every event a new id: publishing a run twice sends
// two events. Consumers that must act once per run deduplicate on
// detail.resultId.
package eventbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// Defaults.
const (
	DefaultSource = "dq.glue-dataquality"
	DefaultBus    = "default"
	DetailType    = "Data Quality Evaluation Results Available"
)

// maxFailedRules bounds the failing rules listed in an event.
const maxFailedRules = 50

// Options configure a Sink.
type Options struct {
	Client *eb.Client
	Source string // default DefaultSource
	Bus    string // name or ARN; default DefaultBus
	// Now stamps results that have no CompletedOn; time.Now when nil.
	Now func() time.Time
}

// Sink publishes events. It is safe for concurrent use.
type Sink struct {
	opts Options
}

var _ sinks.Sink = (*Sink)(nil)

// New returns an EventBridge sink.
func New(opts Options) (*Sink, error) {
	if opts.Client == nil {
		return nil, errors.New("eventbridge: a client is needed")
	}
	if opts.Source == "" {
		opts.Source = DefaultSource
	}
	if strings.HasPrefix(opts.Source, "aws.") {
		return nil, fmt.Errorf("eventbridge: source %q: sources starting with aws. are reserved for AWS services", opts.Source)
	}
	if opts.Bus == "" {
		opts.Bus = DefaultBus
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sink{opts: opts}, nil
}

// Name names the bus.
func (s *Sink) Name() string { return "eventbridge bus " + s.opts.Bus }

// Detail is the event's detail object.
type Detail struct {
	Context           Context      `json:"context"`
	ResultID          string       `json:"resultId"`
	RulesetNames      []string     `json:"rulesetNames"`
	State             string       `json:"state"`
	Score             *float64     `json:"score,omitempty"`
	NumRulesSucceeded int          `json:"numRulesSucceeded"`
	NumRulesFailed    int          `json:"numRulesFailed"`
	NumRulesSkipped   int          `json:"numRulesSkipped"`
	NumRulesErrored   int          `json:"numRulesErrored"`
	FailedRules       []FailedRule `json:"failedRules,omitempty"`
}

// Context says what was evaluated, as Glue's event does.
type Context struct {
	ContextType       string `json:"contextType"` // GLUE_DATA_CATALOG or DQ_LOCAL
	RunID             string `json:"runId"`
	DatabaseName      string `json:"databaseName,omitempty"`
	TableName         string `json:"tableName,omitempty"`
	CatalogID         string `json:"catalogId,omitempty"`
	Dataset           string `json:"dataset,omitempty"`
	EvaluationContext string `json:"evaluationContext,omitempty"`
}

// FailedRule is one rule that did not pass.
type FailedRule struct {
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"` // Failed or Error
	Message string `json:"message,omitempty"`
}

// DetailOf builds the event detail for r.
func DetailOf(r *engine.Result) Detail {
	c := sinks.CountsOf(r)
	d := Detail{
		ResultID:          r.ResultID,
		RulesetNames:      []string{},
		State:             sinks.State(r),
		NumRulesSucceeded: c.Passed,
		NumRulesFailed:    c.NotPassed(),
		NumRulesErrored:   c.Errored,
	}
	if r.RulesetName != "" {
		d.RulesetNames = []string{r.RulesetName}
	}
	if r.Score != nil && !math.IsNaN(*r.Score) && !math.IsInf(*r.Score, 0) {
		s := *r.Score
		d.Score = &s
	}
	t := sinks.Table(r)
	d.Context = Context{RunID: r.ResultID, EvaluationContext: r.EvaluationContext}
	if t.TableName != "" {
		d.Context.ContextType = "GLUE_DATA_CATALOG"
		d.Context.DatabaseName, d.Context.TableName, d.Context.CatalogID = t.DatabaseName, t.TableName, t.CatalogID
	} else {
		d.Context.ContextType = "DQ_LOCAL"
		d.Context.Dataset = sinks.Location(r)
	}
	for _, rr := range r.RuleResults {
		if rr.Result == engine.Pass || len(d.FailedRules) == maxFailedRules {
			continue
		}
		d.FailedRules = append(d.FailedRules, FailedRule{
			Name: rr.Name, Rule: rr.Description, Outcome: sinks.S3Outcome(rr.Result), Message: rr.EvaluationMessage,
		})
	}
	return d
}

// Publish sends one event and checks that EventBridge accepted it:
// PutEvents reports rejected entries in its response, not as an error.
func (s *Sink) Publish(ctx context.Context, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("%s: nil result", s.Name())
	}
	detail, err := json.Marshal(DetailOf(r))
	if err != nil {
		return fmt.Errorf("%s: encoding the event: %w", s.Name(), err)
	}
	when := r.CompletedOn
	if when.IsZero() {
		when = s.opts.Now()
	}
	out, err := s.opts.Client.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		Source:       aws.String(s.opts.Source),
		DetailType:   aws.String(DetailType),
		Detail:       aws.String(string(detail)),
		EventBusName: aws.String(s.opts.Bus),
		Time:         aws.Time(when),
		Resources:    []string{},
	}}})
	if err != nil {
		return fmt.Errorf("%s: PutEvents: %w", s.Name(), err)
	}
	if out.FailedEntryCount > 0 {
		msg := "rejected"
		if len(out.Entries) > 0 && out.Entries[0].ErrorCode != nil {
			msg = aws.ToString(out.Entries[0].ErrorCode) + ": " + aws.ToString(out.Entries[0].ErrorMessage)
		}
		return fmt.Errorf("%s: PutEvents rejected the event: %s", s.Name(), msg)
	}
	return nil
}
