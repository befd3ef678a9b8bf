package main

import (
	"strings"
	"testing"
)

// TestEvalSandboxHidesSettings: CustomSql and where clauses must not read
// dq's settings (temp_directory is the private session directory) or other
// session introspection; each such rule ERRORs with a clear reason and no
// private path reaches the output (issue 15 #14).
func TestEvalSandboxHidesSettings(t *testing.T) {
	dir, data := fixture(t)
	rules := writeFile(t, dir, "peek.dqdl", `Rules = [
	RowCount = 4,
	CustomSql "select count(*) from primary where current_setting('temp_directory') like '/%'" = 4,
	CustomSql "select count(*) from duckdb_settings() where value like '%dq-session%'" = 0,
	CustomSql "select count(*) from query('select current_setting(''temp_directory'')')" = 1,
	CustomSql "select count(*) from duckdb_databases" > 0,
	ColumnValues "id" > 0 where "current_setting('temp_directory') <> ''"
]`, 0o644)
	res, r := evalJSON(t, 1, "--no-history", rules, data)
	if got := res.RuleResults[0].Result; got != "PASS" {
		t.Errorf("RowCount: %s, want PASS", got)
	}
	for i, rr := range res.RuleResults[1:] {
		// An invalid where clause FAILs its rule, as in Glue.
		want := "ERROR"
		if i == 4 {
			want = "FAIL"
		}
		if string(rr.Result) != want || !strings.Contains(rr.EvaluationMessage, "not allowed in a data quality rule") {
			t.Errorf("%s: %s %q, want %s saying it is not allowed", rr.Description, rr.Result, rr.EvaluationMessage, want)
		}
	}
	for _, leak := range []string{"dq-session-", "stored_secrets"} {
		if strings.Contains(r.stdout, leak) || strings.Contains(r.stderr, leak) {
			t.Errorf("output reveals %q:\n%s\n%s", leak, r.stdout, r.stderr)
		}
	}
}
