package eventbridge_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/eventbridge"
	"github.com/dqlabs/dq/sinks/sinktest"
)

func newSink(t *testing.T, f *sinktest.FakeEventBridge, opts eventbridge.Options) *eventbridge.Sink {
	t.Helper()
	opts.Client = eb.NewFromConfig(sinktest.AWSConfig(f.URL))
	s, err := eventbridge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func deliveries(f *sinktest.FakeEventBridge) []sinktest.Delivery {
	var out []sinktest.Delivery
	for _, e := range f.Events() {
		d := sinktest.Delivery{
			ResultID:  e.Detail["resultId"].(string),
			Passed:    int(e.Detail["numRulesSucceeded"].(float64)),
			NotPassed: int(e.Detail["numRulesFailed"].(float64)),
		}
		if names, _ := e.Detail["rulesetNames"].([]any); len(names) == 1 {
			d.Ruleset, _ = names[0].(string)
		}
		if s, ok := e.Detail["score"].(float64); ok {
			d.Score = &s
		}
		out = append(out, d)
	}
	return out
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, func() []sinktest.Delivery) {
			f := sinktest.NewEventBridge(t)
			return newSink(t, f, eventbridge.Options{}), func() []sinktest.Delivery { return deliveries(f) }
		},
		Broken: func(t *testing.T) sinks.Sink {
			f := sinktest.NewEventBridge(t)
			f.Faults.FailAlways(http.StatusInternalServerError)
			return newSink(t, f, eventbridge.Options{})
		},
	})
}

// TestWire asserts the event as EventBridge receives it: Glue's shape
// (spec §14) with resultId, numRules*, state and a numeric score.
func TestWire(t *testing.T) {
	f := sinktest.NewEventBridge(t)
	s := newSink(t, f, eventbridge.Options{Source: "acme.dq", Bus: "quality"})
	if err := s.Publish(context.Background(), sinktest.Golden()); err != nil {
		t.Fatal(err)
	}
	evs := f.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	e := evs[0]
	if e.Source != "acme.dq" || e.EventBusName != "quality" || e.DetailType != "Data Quality Evaluation Results Available" {
		t.Errorf("source %q, bus %q, detail-type %q", e.Source, e.EventBusName, e.DetailType)
	}
	if e.Time != 1772668801.456 {
		t.Errorf("time %v, want the run's CompletedOn in epoch seconds", e.Time)
	}
	want := map[string]any{
		"resultId": "dqresult-0123456789abcdef", "rulesetNames": []any{"orders_checks"}, "state": "FAILED",
		"numRulesSucceeded": 1.0, "numRulesFailed": 2.0, "numRulesSkipped": 0.0, "numRulesErrored": 1.0,
		"context": map[string]any{"contextType": "GLUE_DATA_CATALOG", "runId": "dqresult-0123456789abcdef",
			"databaseName": "sales", "tableName": "orders", "catalogId": "123456789012"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(e.Detail[k], v) {
			t.Errorf("detail.%s = %#v, want %#v", k, e.Detail[k], v)
		}
	}
	if score, ok := e.Detail["score"].(float64); !ok || score < 0.333 || score > 0.334 {
		t.Errorf("detail.score = %#v, want the number 1/3 (numeric matching needs a JSON number)", e.Detail["score"])
	}
	failed, _ := e.Detail["failedRules"].([]any)
	if len(failed) != 2 || failed[0].(map[string]any)["name"] != "Rule_1" || failed[1].(map[string]any)["outcome"] != "Error" {
		t.Errorf("failedRules = %v", e.Detail["failedRules"])
	}
}

func TestDetailStates(t *testing.T) {
	pass := sinktest.Golden()
	pass.RuleResults = pass.RuleResults[:1]
	local := sinktest.Golden()
	local.DataSource = &engine.DataSource{Location: "data.parquet"}
	tests := []struct {
		name        string
		r           *engine.Result
		state, kind string
	}{
		{"all passed", pass, "SUCCEEDED", "GLUE_DATA_CATALOG"},
		{"a rule failed", sinktest.Golden(), "FAILED", "GLUE_DATA_CATALOG"},
		{"local data", local, "FAILED", "DQ_LOCAL"},
	}
	for _, tt := range tests {
		d := eventbridge.DetailOf(tt.r)
		if d.State != tt.state || d.Context.ContextType != tt.kind {
			t.Errorf("%s: state %s, context %s; want %s, %s", tt.name, d.State, d.Context.ContextType, tt.state, tt.kind)
		}
	}
	if d := eventbridge.DetailOf(local); d.Context.Dataset != "data.parquet" || d.Context.TableName != "" {
		t.Errorf("local context = %+v", d.Context)
	}
}

// TestRejectedEntry: PutEvents answers 200 with a failed entry (e.g. the
// bus does not exist); that is a failed delivery, not a success.
func TestRejectedEntry(t *testing.T) {
	f := sinktest.NewEventBridge(t)
	f.Reject("ResourceNotFoundException")
	err := newSink(t, f, eventbridge.Options{}).Publish(context.Background(), sinktest.Golden())
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("err = %v, want the rejection", err)
	}
}

func TestReservedSource(t *testing.T) {
	if _, err := eventbridge.New(eventbridge.Options{Client: &eb.Client{}, Source: "aws.glue-dataquality"}); err == nil {
		t.Error("accepted a source in the reserved aws. namespace")
	}
}
