// Package sns publishes an evaluation to an SNS topic: a summary a person
// can read in an e-mail or a chat message (ruleset, dataset, score, each
// failing rule with its message), and the same facts as message attributes
// for subscription filter policies and programs:
//
//	resultId, rulesetName, state (SUCCEEDED|FAILED), dataset, databaseName,
//	tableName, catalogId                                   String
//	score, numRulesSucceeded, numRulesFailed, numRulesErrored  Number
//
// Empty values are left out; SNS rejects them. With OnFail (the default)
// only runs where a rule failed or errored are sent.
//
// # Re-publishing
//
// A standard topic delivers every Publish: sending a run twice notifies
// twice. For a FIFO topic (ARN ending in .fifo) the message deduplication
// id is the ResultId, so SNS drops a re-send within its five-minute
// deduplication window.
package sns

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// When says which runs are sent.
type When string

const (
	OnFail   When = "fail"   // only runs with a failed or errored rule
	OnAlways When = "always" // every run
)

// ParseWhen accepts "fail" (also "") and "always".
func ParseWhen(s string) (When, error) {
	switch s {
	case "", "fail":
		return OnFail, nil
	case "always":
		return OnAlways, nil
	}
	return "", fmt.Errorf("--sns-on must be fail or always, got %q", s)
}

// SNS limits (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
const (
	maxSubject = 100
	// The whole request, attributes included, must stay under 256 KiB;
	// the body gets most of it.
	maxBody = 200 * 1024
)

// Options configure a Sink.
type Options struct {
	Client   *awssns.Client
	TopicARN string
	On       When
}

// Sink publishes notifications. It is safe for concurrent use.
type Sink struct {
	opts Options
}

var _ sinks.Sink = (*Sink)(nil)

// New returns an SNS sink.
func New(opts Options) (*Sink, error) {
	if opts.Client == nil {
		return nil, errors.New("sns: a client is needed")
	}
	if !strings.HasPrefix(opts.TopicARN, "arn:") || strings.Count(opts.TopicARN, ":") < 5 {
		return nil, fmt.Errorf("sns: %q is not a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", opts.TopicARN)
	}
	on, err := ParseWhen(string(opts.On))
	if err != nil {
		return nil, err
	}
	opts.On = on
	return &Sink{opts: opts}, nil
}

// Name names the topic.
func (s *Sink) Name() string { return "sns " + s.opts.TopicARN }

// Publish sends r's notification, or nothing when r passed and the sink
// sends only failures.
func (s *Sink) Publish(ctx context.Context, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("%s: nil result", s.Name())
	}
	if s.opts.On == OnFail && r.Passed() {
		return nil
	}
	in := &awssns.PublishInput{
		TopicArn:          aws.String(s.opts.TopicARN),
		Subject:           aws.String(Subject(r)),
		Message:           aws.String(Message(r)),
		MessageAttributes: Attributes(r),
	}
	if strings.HasSuffix(s.opts.TopicARN, ".fifo") {
		group := r.RulesetName
		if group == "" {
			group = "dq"
		}
		in.MessageGroupId = aws.String(truncate(sinks.SafeID(group), 128))
		in.MessageDeduplicationId = aws.String(truncate(sinks.SafeID(r.ResultID), 128))
	}
	if _, err := s.opts.Client.Publish(ctx, in); err != nil {
		return fmt.Errorf("%s: Publish: %w", s.Name(), err)
	}
	return nil
}

// Subject is the e-mail subject line: verdict, ruleset, dataset, score. SNS
// wants printable ASCII without line breaks, at most 100 characters.
func Subject(r *engine.Result) string {
	s := "dq " + sinks.State(r)
	if r.RulesetName != "" {
		s += ": " + r.RulesetName
	}
	if d := dataset(r); d != "" {
		s += " on " + d
	}
	if sc := score(r); sc != "" {
		s += " (score " + sc + ")"
	}
	s = strings.Map(func(c rune) rune {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return '?'
		}
		return c
	}, s)
	return truncate(s, maxSubject)
}

// Message is the readable body.
func Message(r *engine.Result) string {
	c := sinks.CountsOf(r)
	var b strings.Builder
	fmt.Fprintf(&b, "Data quality %s", sinks.State(r))
	if r.RulesetName != "" {
		fmt.Fprintf(&b, " for ruleset %s", r.RulesetName)
	}
	if d := dataset(r); d != "" {
		fmt.Fprintf(&b, " on %s", d)
	}
	b.WriteString(".\n\n")
	if sc := score(r); sc != "" {
		fmt.Fprintf(&b, "Score:     %s\n", sc)
	}
	fmt.Fprintf(&b, "Rules:     %d passed, %d failed, %d errored (of %d)\n", c.Passed, c.Failed, c.Errored, c.Total())
	fmt.Fprintf(&b, "Result id: %s\n", r.ResultID)
	if !r.StartedOn.IsZero() {
		fmt.Fprintf(&b, "Started:   %s\n", r.StartedOn.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if c.NotPassed() == 0 {
		return b.String()
	}
	b.WriteString("\nRules that did not pass:\n")
	for i, rr := range r.RuleResults {
		if rr.Result == engine.Pass {
			continue
		}
		var item strings.Builder
		fmt.Fprintf(&item, "\n%s %s: %s\n", rr.Result, rr.Name, rr.Description)
		if rr.EvaluatedRule != "" && rr.EvaluatedRule != rr.Description {
			fmt.Fprintf(&item, "  evaluated as: %s\n", rr.EvaluatedRule)
		}
		if rr.EvaluationMessage != "" {
			fmt.Fprintf(&item, "  %s\n", strings.ReplaceAll(rr.EvaluationMessage, "\n", "\n  "))
		}
		if b.Len()+item.Len() > maxBody {
			fmt.Fprintf(&b, "\n… and %d more; see the full result (id %s).\n", remaining(r.RuleResults[i:]), r.ResultID)
			break
		}
		b.WriteString(item.String())
	}
	return b.String()
}

// Attributes are the message attributes: filterable facts about the run.
func Attributes(r *engine.Result) map[string]types.MessageAttributeValue {
	attrs := map[string]types.MessageAttributeValue{}
	str := func(k, v string) {
		if v != "" {
			attrs[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	num := func(k, v string) {
		attrs[k] = types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(v)}
	}
	c := sinks.CountsOf(r)
	t := sinks.Table(r)
	str("resultId", r.ResultID)
	str("rulesetName", r.RulesetName)
	str("state", sinks.State(r))
	str("dataset", sinks.Location(r))
	str("databaseName", t.DatabaseName)
	str("tableName", t.TableName)
	str("catalogId", t.CatalogID)
	if sc := score(r); sc != "" {
		num("score", sc)
	}
	num("numRulesSucceeded", strconv.Itoa(c.Passed))
	num("numRulesFailed", strconv.Itoa(c.NotPassed()))
	num("numRulesErrored", strconv.Itoa(c.Errored))
	// SNS allows at most 10 attributes; catalogId is the first to go
	// (it rarely varies), then databaseName.
	for _, k := range []string{"catalogId", "databaseName"} {
		if len(attrs) > 10 {
			delete(attrs, k)
		}
	}
	return attrs
}

func dataset(r *engine.Result) string {
	if t := sinks.Table(r); t.TableName != "" {
		if t.DatabaseName != "" {
			return t.DatabaseName + "." + t.TableName
		}
		return t.TableName
	}
	return sinks.Location(r)
}

// score formats the score with up to 4 decimals; "" when there is none.
func score(r *engine.Result) string {
	if r.Score == nil || math.IsNaN(*r.Score) || math.IsInf(*r.Score, 0) {
		return ""
	}
	return strconv.FormatFloat(math.Round(*r.Score*1e4)/1e4, 'f', -1, 64)
}

func remaining(rrs []engine.RuleResult) int {
	n := 0
	for _, rr := range rrs {
		if rr.Result != engine.Pass {
			n++
		}
	}
	return n
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
