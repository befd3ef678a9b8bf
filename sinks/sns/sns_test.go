package sns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	log "github.com/sirupsen/logrus"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/sinks/sns"
)

// goaws keeps its topics in process-global state, so these tests do not
// run in parallel and each uses its own topic name.
func TestMain(m *testing.M) {
	app.CurrentEnvironment.AccountID = "100010001000"
	app.CurrentEnvironment.Region = "us-east-1"
	app.CurrentEnvironment.Host = "127.0.0.1"
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// notification is what an HTTP(S) subscriber receives from SNS.
type notification struct {
	Type              string
	Subject           string
	Message           string
	MessageAttributes map[string]struct{ Type, Value string }
}

// fixture is goaws behind the faults, a topic, and an HTTP subscriber
// that records the notifications it receives.
type fixture struct {
	client   *awssns.Client
	faults   *sinktest.Faults
	topicARN string

	mu       sync.Mutex
	received []notification
}

// shared is the one goaws server, topic and subscriber of this test
// binary: goaws holds every Subscribe for a second before confirming, so
// a fixture per test would cost seconds.
var (
	sharedOnce sync.Once
	shared     *fixture
	sharedErr  error
)

// newFixture returns the shared fixture with no faults and nothing
// received.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = startFixture() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	shared.faults.Reset()
	shared.mu.Lock()
	shared.received = nil
	shared.mu.Unlock()
	t.Cleanup(shared.faults.Reset)
	return shared
}

// startFixture starts servers that live as long as the test binary.
func startFixture() (*fixture, error) {
	f := &fixture{faults: &sinktest.Faults{}}
	ts := httptest.NewServer(f.faults.Wrap(router.New()))
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n notification
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n.Type == "Notification" {
			f.mu.Lock()
			f.received = append(f.received, n)
			f.mu.Unlock()
		}
	}))
	f.client = awssns.NewFromConfig(sinktest.AWSConfig(ts.URL))
	ctx := context.Background()
	topic, err := f.client.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("dq-alerts")})
	if err != nil {
		return nil, fmt.Errorf("CreateTopic: %w", err)
	}
	f.topicARN = aws.ToString(topic.TopicArn)
	if _, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(sub.URL),
	}); err != nil {
		return nil, fmt.Errorf("Subscribe: %w", err)
	}
	return f, nil
}

func (f *fixture) sink(t *testing.T, on sns.When) *sns.Sink {
	t.Helper()
	s, err := sns.New(sns.Options{Client: f.client, TopicARN: f.topicARN, On: on})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// notifications returns what the subscriber got. goaws calls subscribers
// before it answers Publish, so nothing is in flight when Publish returns.
func (f *fixture) notifications() []notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notification(nil), f.received...)
}

func (f *fixture) deliveries() []sinktest.Delivery {
	var out []sinktest.Delivery
	for _, n := range f.notifications() {
		a := n.MessageAttributes
		d := sinktest.Delivery{ResultID: a["resultId"].Value, Ruleset: a["rulesetName"].Value}
		d.Passed, _ = strconv.Atoi(a["numRulesSucceeded"].Value)
		d.NotPassed, _ = strconv.Atoi(a["numRulesFailed"].Value)
		if v, err := strconv.ParseFloat(a["score"].Value, 64); err == nil {
			d.Score = &v
		}
		out = append(out, d)
	}
	return out
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, func() []sinktest.Delivery) {
			f := newFixture(t)
			return f.sink(t, sns.OnFail), f.deliveries
		},
		Broken: func(t *testing.T) sinks.Sink {
			f := newFixture(t)
			f.faults.FailAlways(http.StatusInternalServerError)
			return f.sink(t, sns.OnFail)
		},
	})
}

// TestMessage checks the notification a subscriber reads: the summary in
// the body and the structured fields in the attributes.
func TestMessage(t *testing.T) {
	f := newFixture(t)
	if err := f.sink(t, sns.OnFail).Publish(context.Background(), sinktest.Golden()); err != nil {
		t.Fatal(err)
	}
	got := f.notifications()
	if len(got) != 1 {
		t.Fatalf("%d notifications, want 1", len(got))
	}
	n := got[0]
	if want := "dq FAILED: orders_checks on sales.orders (score 0.3333)"; n.Subject != want {
		t.Errorf("subject %q, want %q", n.Subject, want)
	}
	for _, want := range []string{
		"Data quality FAILED for ruleset orders_checks on sales.orders.",
		"Score:     0.3333",
		"Rules:     1 passed, 1 failed, 1 errored (of 3)",
		"Result id: dqresult-0123456789abcdef",
		"FAIL Rule_1: ColumnValues \"amount\" >= 0\n  Value: -12.5 does not meet the constraint requirement!",
		"ERROR Rule_2: CustomSql",
		`Binder Error: column "x" not found`,
	} {
		if !strings.Contains(n.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, n.Message)
		}
	}
	if strings.Contains(n.Message, "Rule_0") {
		t.Errorf("message lists the passing rule:\n%s", n.Message)
	}
	wantAttrs := map[string][2]string{
		"resultId": {"String", "dqresult-0123456789abcdef"}, "rulesetName": {"String", "orders_checks"},
		"state": {"String", "FAILED"}, "tableName": {"String", "orders"}, "databaseName": {"String", "sales"},
		"score": {"Number", "0.3333"}, "numRulesSucceeded": {"Number", "1"}, "numRulesFailed": {"Number", "2"},
		"numRulesErrored": {"Number", "1"},
	}
	for k, v := range wantAttrs {
		if a := n.MessageAttributes[k]; a.Type != v[0] || a.Value != v[1] {
			t.Errorf("attribute %s = %+v, want %v", k, a, v)
		}
	}
}

// TestOn: --sns-on fail sends only failing runs; always sends every run.
func TestOn(t *testing.T) {
	passed := sinktest.Golden()
	passed.RuleResults = passed.RuleResults[:1]
	tests := []struct {
		on   sns.When
		r    *engine.Result
		want int
	}{
		{sns.OnFail, passed, 0},
		{sns.OnFail, sinktest.Golden(), 1},
		{sns.OnAlways, passed, 1},
		{sns.OnAlways, sinktest.Golden(), 1},
	}
	for _, tt := range tests {
		f := newFixture(t)
		if err := f.sink(t, tt.on).Publish(context.Background(), tt.r); err != nil {
			t.Fatal(err)
		}
		if got := len(f.notifications()); got != tt.want {
			t.Errorf("on=%s, passed=%v: %d notifications, want %d", tt.on, tt.r.Passed(), got, tt.want)
		}
	}
}

func TestSubjectLimits(t *testing.T) {
	r := sinktest.Golden()
	r.RulesetName = strings.Repeat("ü", 80)
	s := sns.Subject(r)
	if len(s) > 100 {
		t.Errorf("subject is %d bytes, SNS allows 100", len(s))
	}
	for _, c := range s {
		if c > 126 || c < 32 {
			t.Fatalf("subject %q has a non-printable-ASCII character", s)
		}
	}
}

func TestMessageSizeBounded(t *testing.T) {
	r := sinktest.Golden()
	for i := range 5000 {
		r.RuleResults = append(r.RuleResults, engine.RuleResult{
			Name: "Rule_" + strconv.Itoa(i+3), Description: strings.Repeat("x", 100), Result: engine.Fail,
			EvaluationMessage: "Value: 1.0 does not meet the constraint requirement!",
		})
	}
	m := sns.Message(r)
	if len(m) > 210*1024 {
		t.Errorf("message is %d bytes; SNS allows 256 KiB with attributes", len(m))
	}
	if !strings.Contains(m, "more; see the full result") {
		t.Error("a truncated message does not say so")
	}
}

func TestNewRejectsBadARN(t *testing.T) {
	for _, arn := range []string{"", "my-topic", "arn:aws:sns"} {
		if _, err := sns.New(sns.Options{Client: &awssns.Client{}, TopicARN: arn}); err == nil {
			t.Errorf("accepted topic ARN %q", arn)
		}
	}
}
