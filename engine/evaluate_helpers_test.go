package engine

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// testNow is the fixed instant of every test run.
var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// writeParquet materialises a SELECT as a Parquet file with a scratch
// DuckDB, independent of the engine's session.
func writeParquet(t *testing.T, name, query string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := filepath.Join(t.TempDir(), name+".parquet")
	if _, err := db.Exec("COPY (" + query + ") TO " + QuoteString(p) + " (FORMAT parquet)"); err != nil {
		t.Fatalf("writing %s: %v", name, err)
	}
	return p
}

// scalar runs an independent query on a Parquet file and returns one
// number: the reference value a metric is compared with.
func scalar(t *testing.T, path, query string) float64 {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE VIEW t AS SELECT * FROM read_parquet(" + QuoteString(path) + ")"); err != nil {
		t.Fatal(err)
	}
	var f sql.NullFloat64
	if err := db.QueryRow(query).Scan(&f); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}

func parseRules(t *testing.T, src string) *dqdl.Ruleset {
	t.Helper()
	rs, err := dqdl.Parse("test.dqdl", src)
	if err != nil {
		t.Fatalf("parsing %q: %v", src, err)
	}
	return rs
}

func evaluate(t *testing.T, path, src string, opts Options) *Result {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	res, err := Evaluate(context.Background(), parseRules(t, src), Files(path, FileOptions{}), opts)
	if err != nil {
		t.Fatalf("Evaluate(%s): %v", src, err)
	}
	return res
}

// ruleCase is one rule evaluated alone with its exact expected result.
type ruleCase struct {
	rule    string
	result  Outcome
	msg     string // exact message; prefix match when msgPrefix
	prefix  bool
	metrics map[string]float64
	approx  bool // compare metrics within 1e-12 relative (independent float summations)
}

func runCases(t *testing.T, path string, cases []ruleCase) {
	t.Helper()
	runCasesWith(t, path, Options{}, cases)
}

// runCasesWith is runCases with evaluation options.
func runCasesWith(t *testing.T, path string, opts Options, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res := evaluate(t, path, "Rules = [ "+c.rule+" ]", opts)
			if len(res.RuleResults) != 1 {
				t.Fatalf("got %d results", len(res.RuleResults))
			}
			checkRule(t, res.RuleResults[0], c)
		})
	}
}

func checkRule(t *testing.T, got RuleResult, c ruleCase) {
	t.Helper()
	if got.Result != c.result {
		t.Errorf("Result = %s, want %s (message %q)", got.Result, c.result, got.EvaluationMessage)
	}
	if c.prefix {
		if !strings.HasPrefix(got.EvaluationMessage, c.msg) {
			t.Errorf("message = %q, want prefix %q", got.EvaluationMessage, c.msg)
		}
	} else if got.EvaluationMessage != c.msg {
		t.Errorf("message = %q, want %q", got.EvaluationMessage, c.msg)
	}
	want := c.metrics
	if want == nil {
		want = map[string]float64{}
	}
	if len(got.EvaluatedMetrics) != len(want) {
		t.Errorf("metrics = %v, want %v", got.EvaluatedMetrics, want)
		return
	}
	for k, v := range want {
		g, ok := got.EvaluatedMetrics[k]
		switch {
		case !ok:
			t.Errorf("metric %s missing in %v", k, got.EvaluatedMetrics)
		case c.approx && math.Abs(g-v) > 1e-12*math.Max(1, math.Abs(v)):
			t.Errorf("metric %s = %v, want ≈ %v", k, g, v)
		case !c.approx && g != v:
			t.Errorf("metric %s = %v, want %v", k, g, v)
		}
	}
}

func m(kv ...any) map[string]float64 {
	out := map[string]float64{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case int:
			out[kv[i].(string)] = float64(v)
		case float64:
			out[kv[i].(string)] = v
		}
	}
	return out
}
