package cloudwatch_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/cloudwatch"
	"github.com/dqlabs/dq/sinks/sinktest"
)

func newSink(t *testing.T, f *sinktest.FakeCloudWatch, opts cloudwatch.Options) *cloudwatch.Sink {
	t.Helper()
	opts.Client = cw.NewFromConfig(sinktest.AWSConfig(f.URL))
	s, err := cloudwatch.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deliveries turns each PutMetricData call back into the run's facts.
func deliveries(f *sinktest.FakeCloudWatch) []sinktest.Delivery {
	var out []sinktest.Delivery
	for _, c := range f.Calls() {
		var d sinktest.Delivery
		for _, m := range c.Data {
			d.Ruleset = m.Dimensions["Ruleset"]
			switch m.Name {
			case cloudwatch.MetricPassed:
				d.Passed = int(m.Value)
			case cloudwatch.MetricFailed:
				d.NotPassed = int(m.Value)
			case cloudwatch.MetricScore:
				v := m.Value
				d.Score = &v
			}
		}
		out = append(out, d)
	}
	return out
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		NoResultID: true,
		New: func(t *testing.T) (sinks.Sink, func() []sinktest.Delivery) {
			f := sinktest.NewCloudWatch(t)
			return newSink(t, f, cloudwatch.Options{}), func() []sinktest.Delivery { return deliveries(f) }
		},
		Broken: func(t *testing.T) sinks.Sink {
			f := sinktest.NewCloudWatch(t)
			f.Faults.FailAlways(http.StatusInternalServerError)
			return newSink(t, f, cloudwatch.Options{})
		},
	})
}

// TestWire asserts the decoded CBOR: namespace, metric names, Glue's
// dimensions, values, units and timestamps.
func TestWire(t *testing.T) {
	local := sinktest.Golden()
	local.DataSource = &engine.DataSource{Location: "data/orders.parquet"}
	local.Score = nil

	tests := []struct {
		name      string
		opts      cloudwatch.Options
		result    *engine.Result
		namespace string
		dims      map[string]string
		metrics   map[string]float64
	}{
		{
			name: "glue table", result: sinktest.Golden(), namespace: "Glue Data Quality",
			dims:    map[string]string{"CatalogId": "123456789012", "Database": "sales", "Table": "orders", "Ruleset": "orders_checks"},
			metrics: map[string]float64{"glue.data.quality.rules.passed": 1, "glue.data.quality.rules.failed": 2, "glue.data.quality.score": 1.0 / 3},
		},
		{
			name: "local data, custom namespace and dimension, no score",
			opts: cloudwatch.Options{Namespace: "DQ/Test", Dimensions: map[string]string{"Environment": "prod"}}, result: local,
			namespace: "DQ/Test",
			dims:      map[string]string{"Ruleset": "orders_checks", "Dataset": "data/orders.parquet", "Environment": "prod"},
			metrics:   map[string]float64{"glue.data.quality.rules.passed": 1, "glue.data.quality.rules.failed": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sinktest.NewCloudWatch(t)
			if err := newSink(t, f, tt.opts).Publish(context.Background(), tt.result); err != nil {
				t.Fatal(err)
			}
			calls := f.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d PutMetricData calls, want 1", len(calls))
			}
			if calls[0].Namespace != tt.namespace {
				t.Errorf("namespace %q, want %q", calls[0].Namespace, tt.namespace)
			}
			got := map[string]float64{}
			for _, d := range calls[0].Data {
				got[d.Name] = d.Value
				if len(d.Dimensions) != len(tt.dims) {
					t.Errorf("%s dimensions %v, want %v", d.Name, d.Dimensions, tt.dims)
				}
				for k, v := range tt.dims {
					if d.Dimensions[k] != v {
						t.Errorf("%s dimension %s = %q, want %q", d.Name, k, d.Dimensions[k], v)
					}
				}
				wantUnit := "Count"
				if d.Name == cloudwatch.MetricScore {
					wantUnit = "None"
				}
				if d.Unit != wantUnit {
					t.Errorf("%s unit %q, want %q", d.Name, d.Unit, wantUnit)
				}
				if !d.Timestamp.Equal(time.Date(2026, 3, 5, 0, 0, 1, 456e6, time.UTC)) {
					t.Errorf("%s timestamp %v, want the run's CompletedOn", d.Name, d.Timestamp)
				}
			}
			if len(got) != len(tt.metrics) {
				t.Errorf("metrics %v, want %v", got, tt.metrics)
			}
			for k, v := range tt.metrics {
				if g, ok := got[k]; !ok || g < v-1e-9 || g > v+1e-9 {
					t.Errorf("%s = %v, want %v", k, g, v)
				}
			}
		})
	}
}

// TestRetriesThenRecovers is the fault test for a destination that fails
// with 500s and then recovers: the SDK's retryer absorbs it.
func TestRetriesThenRecovers(t *testing.T) {
	f := sinktest.NewCloudWatch(t)
	f.Faults.FailNext(2, http.StatusInternalServerError)
	if err := newSink(t, f, cloudwatch.Options{}).Publish(context.Background(), sinktest.Golden()); err != nil {
		t.Fatalf("Publish after two 500s: %v", err)
	}
	if total, failed := f.Faults.Requests(); total != 3 || failed != 2 {
		t.Errorf("requests %d (failed %d), want 3 (2)", total, failed)
	}
	if n := len(f.Calls()); n != 1 {
		t.Errorf("%d calls delivered, want 1", n)
	}
}

// TestRetriesAreBounded: a destination that never recovers gets
// MaxAttempts requests, then the error.
func TestRetriesAreBounded(t *testing.T) {
	f := sinktest.NewCloudWatch(t)
	f.Faults.FailAlways(http.StatusServiceUnavailable)
	if err := newSink(t, f, cloudwatch.Options{}).Publish(context.Background(), sinktest.Golden()); err == nil {
		t.Fatal("Publish succeeded against a failing server")
	}
	if total, _ := f.Faults.Requests(); total != 3 {
		t.Errorf("%d requests, want 3 (the retryer's MaxAttempts)", total)
	}
}

func TestNewRejectsEmptyDimension(t *testing.T) {
	_, err := cloudwatch.New(cloudwatch.Options{Client: &cw.Client{}, Dimensions: map[string]string{"Env": ""}})
	if err == nil {
		t.Error("accepted an empty dimension value")
	}
}
