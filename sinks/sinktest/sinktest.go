// Package sinktest is the conformance test every sink passes, and the
// fault injection and AWS client settings the sinks' tests share.
//
// Sinks are tested against servers that speak the real wire protocol
// (gofakes3, goaws, httptest fakes that decode CBOR and JSON), never against
// interface mocks: what a Harness reports is decoded from what the server
// received.
package sinktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// Delivery is what a destination received for one published result,
// decoded back to the facts every sink must carry.
type Delivery struct {
	ResultID  string // "" where the sink's format has no place for it (metrics)
	Ruleset   string
	Passed    int
	NotPassed int      // failed + errored, Glue's "failed"
	Score     *float64 // nil where the sink does not carry a score
}

// Harness adapts one sink to the conformance test.
type Harness struct {
	// New returns a sink wired to a fresh, healthy destination, and a
	// function listing what that destination has received so far.
	New func(t *testing.T) (sinks.Sink, func() []Delivery)
	// Broken returns a sink whose destination refuses every request.
	Broken func(t *testing.T) sinks.Sink
	// Idempotent is true for sinks where publishing a run twice leaves one
	// delivery (files), false where it leaves two (messages, metrics).
	Idempotent bool
	// NoResultID is true for sinks whose output cannot carry the id.
	NoResultID bool
	// NoScore is true for sinks whose output does not carry the score.
	NoScore bool
}

// Golden is the result the conformance test publishes: a run on a Glue
// table with one passing, one failing and one erroring rule, at fixed
// times. Each call returns a fresh copy.
func Golden() *engine.Result {
	score := 1.0 / 3
	return &engine.Result{
		ResultID:    "dqresult-0123456789abcdef",
		Score:       &score,
		RulesetName: "orders_checks",
		DataSource: &engine.DataSource{
			GlueTable: &engine.GlueTable{DatabaseName: "sales", TableName: "orders", CatalogID: "123456789012"},
			Location:  "s3://data/sales/orders/",
		},
		StartedOn:   time.Date(2026, 3, 4, 23, 59, 58, 123e6, time.UTC),
		CompletedOn: time.Date(2026, 3, 5, 0, 0, 1, 456e6, time.UTC),
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: "RowCount > 100", Result: engine.Pass,
				EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 1500}, EvaluatedRule: "RowCount > 100"},
			{Name: "Rule_1", Description: `ColumnValues "amount" >= 0`, Result: engine.Fail,
				EvaluationMessage: "Value: -12.5 does not meet the constraint requirement!",
				EvaluatedMetrics:  map[string]float64{"Column.amount.Minimum": -12.5},
				EvaluatedRule:     `ColumnValues "amount" >= 0`,
				Labels:            map[string]string{"severity": "high"}},
			{Name: "Rule_2", Description: `CustomSql "select count(*) from primary where x"`, Result: engine.Error,
				EvaluationMessage: `Binder Error: column "x" not found`,
				EvaluatedMetrics:  map[string]float64{},
				EvaluatedRule:     `CustomSql "select count(*) from primary where x"`},
		},
		AnalyzerResults: []engine.AnalyzerResult{},
		AggregatedMetrics: &engine.AggregatedMetrics{
			TotalRowsProcessed: 1500, TotalRowsPassed: 1490, TotalRowsFailed: 10,
			TotalRulesProcessed: 3, TotalRulesPassed: 1, TotalRulesFailed: 2,
		},
	}
}

// Run is the conformance test: the same result in gives the same facts
// out, republishing behaves as the sink documents, and failures surface as
// errors that name the sink.
func Run(t *testing.T, h Harness) {
	t.Helper()
	want := Delivery{ResultID: "dqresult-0123456789abcdef", Ruleset: "orders_checks", Passed: 1, NotPassed: 2}
	check := func(t *testing.T, got Delivery) {
		t.Helper()
		w := want
		if h.NoResultID {
			w.ResultID = ""
		}
		if got.ResultID != w.ResultID || got.Ruleset != w.Ruleset || got.Passed != w.Passed || got.NotPassed != w.NotPassed {
			t.Errorf("delivered %+v, want %+v", got, w)
		}
		switch {
		case h.NoScore:
		case got.Score == nil:
			t.Errorf("delivered no score, want 1/3")
		case *got.Score < 0.3333 || *got.Score > 0.3334:
			t.Errorf("delivered score %v, want 1/3", *got.Score)
		}
	}

	t.Run("delivers", func(t *testing.T) {
		s, received := h.New(t)
		if err := s.Publish(context.Background(), Golden()); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		got := received()
		if len(got) != 1 {
			t.Fatalf("destination received %d deliveries, want 1: %+v", len(got), got)
		}
		check(t, got[0])
	})

	t.Run("republish", func(t *testing.T) {
		s, received := h.New(t)
		for i := range 2 {
			if err := s.Publish(context.Background(), Golden()); err != nil {
				t.Fatalf("Publish #%d: %v", i+1, err)
			}
		}
		got := received()
		n := 2
		if h.Idempotent {
			n = 1
		}
		if len(got) != n {
			t.Fatalf("after publishing twice the destination holds %d deliveries, want %d", len(got), n)
		}
		for _, d := range got {
			check(t, d)
		}
	})

	t.Run("nil result", func(t *testing.T) {
		s, _ := h.New(t)
		if err := s.Publish(context.Background(), nil); err == nil {
			t.Fatal("Publish(nil) succeeded")
		}
	})

	t.Run("broken destination", func(t *testing.T) {
		s := h.Broken(t)
		err := s.Publish(context.Background(), Golden())
		if err == nil {
			t.Fatal("Publish to a broken destination succeeded")
		}
		if !strings.Contains(err.Error(), s.Name()) {
			t.Errorf("error %q does not name the sink %q", err, s.Name())
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		s, received := h.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		if err := s.Publish(ctx, Golden()); err == nil {
			t.Fatal("Publish with a cancelled context succeeded")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Publish took %s to notice the cancelled context", d)
		}
		if got := received(); len(got) != 0 {
			t.Errorf("destination received %d deliveries from a cancelled publish", len(got))
		}
	})
}
