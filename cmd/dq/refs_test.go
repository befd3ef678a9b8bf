package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
)

const (
	retailDir   = "../../testdata/retail"
	retailRules = retailDir + "/reconcile.dqdl"
)

// TestEvalRetail runs the shipped reconciliation example as the README
// shows it and checks each verdict against independently computed numbers:
// 4 of 100 orders dangle (997, 998, 999, NULL), the copy lacks one order
// and changed three, and widened orderNumber to BIGINT.
func TestEvalRetail(t *testing.T) {
	res, r := evalJSON(t, 1, retailRules, retailDir+"/orders.parquet",
		"--ref", "customers="+retailDir+"/customers.parquet",
		"--ref", "reference="+retailDir+"/s3copy/orders")
	if withoutSummary(r.stderr) != "" {
		t.Errorf("stderr = %q", r.stderr)
	}
	db := duck(t, "")
	var sumP, sumR, avgP, avgR float64
	if err := db.QueryRow(`SELECT (SELECT sum(amount) FROM '`+retailDir+`/orders.parquet')::DOUBLE,
		(SELECT sum(amount) FROM '`+retailDir+`/s3copy/orders/part-00000.parquet')::DOUBLE,
		(SELECT avg(amount) FROM '`+retailDir+`/orders.parquet')::DOUBLE,
		(SELECT avg(amount) FROM '`+retailDir+`/s3copy/orders/part-00000.parquet')::DOUBLE`).Scan(&sumP, &sumR, &avgP, &avgR); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		result engine.Outcome
		metric string
		value  float64
	}{
		{engine.Pass, "Dataset.*.RowCount", 100},
		{engine.Fail, "Column.customers.ReferentialIntegrity", 0.96},
		{engine.Fail, "Dataset.reference.RowCountMatch", 100.0 / 99},
		{engine.Pass, "Dataset.reference.SchemaMatch", 0.8},
		{engine.Pass, "Dataset.reference.DatasetMatch", 0.96},
		{engine.Fail, "Dataset.reference.DatasetMatch", 0.96},
		{engine.Fail, "Column.amount.AggregateMatch", sumP / sumR},
		{engine.Pass, "Column.amount.AggregateMatch", avgP / avgR},
		{engine.Pass, "Dataset.*.CustomSQL", 19},
	}
	if len(res.RuleResults) != len(want) {
		t.Fatalf("%d results, want %d", len(res.RuleResults), len(want))
	}
	for i, w := range want {
		rr := res.RuleResults[i]
		got, ok := rr.EvaluatedMetrics[w.metric]
		if rr.Result != w.result || !ok || got != w.value {
			t.Errorf("%s %s: %s %v (%s), want %s %s=%v", rr.Name, rr.Description, rr.Result, rr.EvaluatedMetrics, rr.EvaluationMessage, w.result, w.metric, w.value)
		}
	}
	// Sanity of the hand count behind the sum: the copy lacks order 10150
	// (i = 50: 50*37 % 500 + 50.25 = 400.25) and adds 100 to 10130.
	if d := sumP - sumR; d < 300.25-1e-9 || d > 300.25+1e-9 {
		t.Errorf("sum(primary) - sum(copy) = %v, want 400.25 - 100", d)
	}
}

func TestEvalReferenceFlags(t *testing.T) {
	dir := t.TempDir()
	data := retailDir + "/orders.parquet"
	catalog := filepath.Join(dir, "catalog.json")
	abs, err := filepath.Abs(retailDir + "/customers.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(catalog, []byte(`{"crm.customers": "`+abs+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	catRules := writeFile(t, dir, "cat.dqdl", `Rules = [ ReferentialIntegrity "customerNumber" "crm.customers.customerNumber" >= 0.96 ]`, 0o644)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"unbound", []string{"eval", retailRules, data, "--ref", "customers=" + retailDir + "/customers.parquet"}, 2, "not bound: reference; bind each with --ref ALIAS=PATH"},
		{"explain unbound", []string{"explain", retailRules, data}, 2, "not bound: customers, reference"},
		{"bad ref", []string{"eval", retailRules, data, "--ref", "customers"}, 2, "--ref must be ALIAS=PATH"},
		{"ref twice", []string{"eval", retailRules, data, "--ref", "a=x", "--ref", "A=y"}, 2, "bound twice"},
		{"missing ref file", []string{"eval", retailRules, data, "--ref", "customers=" + dir + "/none.parquet", "--ref", "reference=" + dir}, 2, "reading "},
		{"catalog", []string{"eval", catRules, data, "--catalog", catalog}, 0, ""},
		{"catalog dir", []string{"eval", catRules, data, "--catalog", dir}, 2, "not bound: crm.customers"},
		{"bad catalog", []string{"eval", catRules, data, "--catalog", dir + "/none.json"}, 2, "--catalog"},
		{"explain with refs", []string{"explain", retailRules, data, "--ref", "customers=" + retailDir + "/customers.parquet", "--ref", "reference=" + retailDir + "/s3copy/orders"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDQ(t, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tt.wantCode, r.stderr, tt.wantStderr)
			}
		})
	}
}
