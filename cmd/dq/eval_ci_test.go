package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"

	"github.com/dqlabs/dq/engine"
)

// withoutSummary drops the one-line verdict dq eval prints on stderr when
// stdout is not a terminal.
func withoutSummary(stderr string) string {
	return summaryRE.ReplaceAllString(stderr, "")
}

var summaryRE = regexp.MustCompile(`(?m)^dq: .*: \d+ passed, \d+ failed, \d+ errored(, score [0-9.]+)?\n`)

// labelsRuleset is the labels example of Glue's DQDL reference, corrected
// to parse (see README "Failing CI on some rules only").
const labelsRuleset = `DefaultLabels = ["frequency"="monthly"]

Rules = [
    # Inherits frequency=monthly.
    IsComplete "order_id",
    # Its own labels; frequency overrides the default.
    ColumnValues "status" in ["OPEN","SHIPPED"] labels=["frequency"="daily", "severity"="high"],
    ColumnValues "amount" > 0 labels=["severity"="low"],
    ((IsComplete "customer_id") AND (RowCount > 0)) labels=["team"="crm"]
]
`

func TestEvalLabelGating(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "orders.dqdl", labelsRuleset, 0o644)
	// amount -1 fails the low-severity rule only; status "LOST" also fails
	// the high-severity one.
	lowOnly := writeFile(t, dir, "low.csv", "order_id,status,amount,customer_id\n1,OPEN,5,a\n2,SHIPPED,-1,b\n", 0o644)
	both := writeFile(t, dir, "both.csv", "order_id,status,amount,customer_id\n1,OPEN,5,a\n2,LOST,-1,b\n", 0o644)

	for _, tc := range []struct {
		name     string
		args     []string
		data     string
		code     int
		inStderr string
	}{
		{"no filter", nil, lowOnly, exitFailed, ""},
		{"fail-on high, low failed", []string{"--fail-on", "severity=high"}, lowOnly, exitOK, "Rule_2 FAIL (ColumnValues \"amount\" > 0 labels=[\"severity\"=\"low\"]) does not fail the run: it does not match --fail-on severity=high"},
		{"fail-on high, high failed", []string{"--fail-on", "severity=high"}, both, exitFailed, "Rule_2 FAIL"},
		{"fail-on either value", []string{"--fail-on", "severity=high", "--fail-on", "severity=low"}, lowOnly, exitFailed, ""},
		{"warn-on low", []string{"--warn-on", "severity=low"}, lowOnly, exitOK, "it matches --warn-on severity=low"},
		{"warn-on low, high failed", []string{"--warn-on", "severity=low"}, both, exitFailed, ""},
		{"fail-on other label", []string{"--fail-on", "frequency=daily"}, lowOnly, exitOK, "does not match --fail-on frequency=daily"},
		// Rule_2 inherits frequency=monthly from DefaultLabels.
		{"fail-on inherited default label", []string{"--fail-on", "frequency=monthly"}, lowOnly, exitFailed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"eval", "--no-history", "--format", "json"}, tc.args...)
			r := runDQ(t, "", append(args, rules, tc.data)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.inStderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			var res engine.Result
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.RuleResults) != 4 || res.RuleResults[2].Result != engine.Fail {
				t.Errorf("the JSON still reports every rule as it is: %v %+v", err, res.RuleResults)
			}
		})
	}

	// --rules-with evaluates only the matching rules, under their names in
	// the whole ruleset.
	res, r := evalJSON(t, exitOK, "--no-history", "--rules-with", "frequency=monthly", "--rules-with", "team=crm", rules, both)
	if len(res.RuleResults) != 1 || res.RuleResults[0].Name != "Rule_3" || res.RuleResults[0].Result != engine.Pass {
		t.Errorf("--rules-with: %+v\n%s", res.RuleResults, r.stderr)
	}
	res, _ = evalJSON(t, exitFailed, "--no-history", "--rules-with", "severity=high", "--rules-with", "severity=low", rules, both)
	if len(res.RuleResults) != 2 || res.RuleResults[0].Name != "Rule_1" || res.RuleResults[1].Name != "Rule_2" {
		t.Errorf("--rules-with two values: %+v", res.RuleResults)
	}
	r = runDQ(t, "", "eval", "--no-history", "--rules-with", "team=billing", rules, both)
	if r.code != exitInvalid || !strings.Contains(r.stderr, "no rule matches --rules-with team=billing (labels in the ruleset: frequency=daily, frequency=monthly, severity=high, severity=low, team=crm)") {
		t.Errorf("--rules-with nothing: %d %s", r.code, r.stderr)
	}
	if r := runDQ(t, "", "eval", "--fail-on", "severity", rules, both); r.code != exitInvalid || !strings.Contains(r.stderr, "--fail-on must be LABEL=VALUE") {
		t.Errorf("bad --fail-on: %d %s", r.code, r.stderr)
	}
}

func TestEvalCIFormats(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "orders.dqdl", labelsRuleset, 0o644)
	data := writeFile(t, dir, "both.csv", "order_id,status,amount,customer_id\n1,OPEN,5,a\n2,LOST,-1,b\n", 0o644)

	r := runDQ(t, "", "eval", "--no-history", "--format", "junit", rules, data)
	if r.code != exitFailed {
		t.Fatalf("junit: exit %d %s", r.code, r.stderr)
	}
	suites, err := gojunit.Ingest([]byte(r.stdout))
	if err != nil || len(suites) != 1 {
		t.Fatalf("junit: %v\n%s", err, r.stdout)
	}
	s := suites[0]
	if s.Name != "orders" || s.Totals.Tests != 4 || s.Totals.Failed != 2 || s.Totals.Passed != 2 {
		t.Errorf("junit suite %q: %+v", s.Name, s.Totals)
	}
	if tc := s.Tests[1]; tc.Status != gojunit.StatusFailed || !strings.HasPrefix(tc.Name, `Rule_1: ColumnValues "status"`) || tc.Message == "" && tc.Error == nil {
		t.Errorf("junit case 1: %+v", tc)
	}
	// A one-line verdict on stderr, since stdout is not a terminal.
	if want := "dq: orders: 2 passed, 2 failed, 0 errored, score 0.50\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	if r := runDQ(t, "", "-q", "eval", "--no-history", "--format", "json", rules, data); r.stderr != "" {
		t.Errorf("-q: stderr %q", r.stderr)
	}

	r = runDQ(t, "", "eval", "--no-history", "--format", "markdown", rules, data)
	if r.code != exitFailed || !strings.HasPrefix(r.stdout, "### ❌ dq: orders\n\n**2 passed, 2 failed, 0 errored — score 0.50 — `") ||
		!strings.Contains(r.stdout, "| Rule_1 | ❌ FAIL | `ColumnValues \"status\" in [\"OPEN\",\"SHIPPED\"] labels=[\"frequency\"=\"daily\", \"severity\"=\"high\"]` |") {
		t.Errorf("markdown: %d\n%s", r.code, r.stdout)
	}
}

// TestEvalDatasetIdentity: relative and absolute spellings of one path are
// one dataset in the history and in the result; --dataset-id names it
// everywhere, also with --no-history.
func TestEvalDatasetIdentity(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "r.dqdl", "Rules = [ RowCount > 0 ]\n", 0o644)
	writeFile(t, dir, "d.csv", "a\n1\n", 0o644)
	store := dir + "/h.duckdb"
	t.Chdir(dir)
	for _, spelling := range []string{"d.csv", "./d.csv", dir + "/d.csv", dir + "//./d.csv"} {
		res, _ := evalJSON(t, exitOK, "--history", store, rules, spelling)
		if res.DataSource == nil || res.DataSource.Location != dir+"/d.csv" {
			t.Errorf("%s: DataSource %+v", spelling, res.DataSource)
		}
	}
	r := runDQ(t, "", "history", "list", "--history", store, "--format", "json")
	var runs []runJSON
	json.Unmarshal([]byte(r.stdout), &runs)
	if len(runs) != 4 {
		t.Fatalf("runs: %s", r.stdout)
	}
	for _, run := range runs {
		if run.DatasetID != dir+"/d.csv" {
			t.Errorf("history dataset %q", run.DatasetID)
		}
	}
	res, _ := evalJSON(t, exitOK, "--no-history", "--dataset-id", "sales.orders", rules, "d.csv")
	if res.DataSource.Location != "sales.orders" {
		t.Errorf("--dataset-id: %+v", res.DataSource)
	}
	if _, err := os.Stat(store); err != nil {
		t.Fatal(err)
	}
}
