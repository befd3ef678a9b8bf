package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// dq eval/explain --engine postgres against a private PostgreSQL: the
// same verdicts as the embedded engine on the same rows, the statements
// shown in PostgreSQL's SQL, and flags that only make sense for local data
// refused.
func TestEnginePostgres(t *testing.T) {
	requireParser(t)
	ctx := context.Background()
	cluster := pgtest.StartT(t)
	db := cluster.NewDB(t)
	conn := cluster.Conn(t, db)
	for _, s := range []string{
		`CREATE TABLE trips ("Fare" float8, city text, n int)`,
		`INSERT INTO trips VALUES (1.5, 'Zürich', 1), (2.5, 'Bern', 2), (NULL, 'Bern', 3), (-4, NULL, 4)`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	rules := writeFile(t, dir, "trips.dqdl", `Rules = [
	RowCount = 4,
	Completeness "Fare" > 0.7,
	ColumnValues "Fare" >= 0,
	Mean "n" = 2.5,
	ColumnValues "city" in ["Bern", "Zürich"] with threshold >= 0.7,
	IsUnique "n",
	ColumnValues "city" matches "[A-Z][a-zü]+"
]`, 0o644)
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.trips", cluster.User, cluster.Host, cluster.Port, db)
	hist := "--history=" + filepath.Join(dir, "history.duckdb")

	r := runDQ(t, "", "eval", "--engine", "postgres", "--format", "json", hist, rules, url)
	if r.code != exitFailed {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	// The embedded engine on the same rows.
	csv := writeFile(t, dir, "trips.csv", "Fare,city,n\n1.5,Zürich,1\n2.5,Bern,2\n,Bern,3\n-4,,4\n", 0o644)
	local := runDQ(t, "", "eval", "--format", "json", "--no-history", rules, csv)
	got, want := verdicts(t, r.stdout), verdicts(t, local.stdout)
	if got != want || !strings.HasPrefix(got, "PASS|PASS|FAIL:Value: -4.0 does not meet") {
		t.Fatalf("PostgreSQL: %s\nembedded:   %s", got, want)
	}
	if strings.Contains(r.stdout+r.stderr, cluster.Password) {
		t.Error("the password shows in the output")
	}

	r = runDQ(t, "", "explain", "--engine", "postgres", rules, url)
	if r.code != 0 || !strings.Contains(r.stdout, `FROM "public"."trips"`) || !strings.Contains(r.stdout, `"city" ~ '\A(?:`) {
		t.Errorf("explain: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = runDQ(t, "", "eval", "--engine", "postgres", "--rows-out", filepath.Join(dir, "rows.parquet"), rules, url)
	if r.code != exitInvalid || !strings.Contains(r.stderr, "row-level output") {
		t.Errorf("--rows-out: exit %d, %s", r.code, r.stderr)
	}
	r = runDQ(t, "", "eval", "--engine", "postgres", hist, rules, strings.Replace(url, "postgres://"+cluster.User, "postgres://"+cluster.User+":pw", 1))
	if r.code != exitInvalid || !strings.Contains(r.stderr, "PGPASSWORD") || strings.Contains(r.stderr, ":pw@") {
		t.Errorf("password in URL: exit %d, %s", r.code, r.stderr)
	}
	r = runDQ(t, "", "eval", "--engine", "postgres", hist, rules, strings.Replace(url, "trips", "nope", 1))
	if r.code != exitInvalid || !strings.Contains(r.stderr, "not found") {
		t.Errorf("missing table: exit %d, %s", r.code, r.stderr)
	}
}

// verdicts is a result document's outcomes and messages, one string.
func verdicts(t *testing.T, doc string) string {
	var d struct {
		RuleResults []struct{ Result, EvaluationMessage string }
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var out []string
	for _, r := range d.RuleResults {
		s := r.Result
		if r.EvaluationMessage != "" {
			s += ":" + r.EvaluationMessage
		}
		out = append(out, s)
	}
	return strings.Join(out, "|")
}
