package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres"
	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// postgresWithDuck starts a private PostgreSQL cluster with a fresh
// database, and opens an in-memory DuckDB to copy test rows from.
func postgresWithDuck(t *testing.T) (*pgtest.Cluster, string, *pgx.Conn, *sql.DB) {
	t.Helper()
	cluster := pgtest.StartT(t)
	db := cluster.NewDB(t)
	conn := cluster.Conn(t, db)
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	return cluster, db, conn, duck
}

// TestPostgresMatchesOracle runs the engine's crosscheck suite pushed down
// to a private PostgreSQL 15 holding the crosscheck datasets: every rule
// must get the oracle's outcome, metrics (rel. 1e-9) and message, as the
// embedded engine does in TestCrosscheck, except the rules PostgreSQL
// cannot express, which must ERROR naming the dialect and the construct.
// Those are counted by reason in the log (and listed in the README).
func TestPostgresMatchesOracle(t *testing.T) {
	ctx := context.Background()
	cluster, db, conn, duck := postgresWithDuck(t)

	unsupported := map[string]int{}
	var agreed int
	for _, s := range engine.CrosscheckSuites(t) {
		if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, s.Name, "SELECT * FROM read_parquet("+engine.QuoteString(s.Parquet)+")"); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		rs, err := dqdl.Parse(s.Name+".dqdl", "Rules = [\n  "+strings.Join(s.Rules, ",\n  ")+"\n]")
		if err != nil {
			t.Fatal(err)
		}
		url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.%s", cluster.User, cluster.Host, cluster.Port, db, pgx.Identifier{s.Name}.Sanitize())
		b, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: engine.TestNow})
		b.Close()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if len(res.RuleResults) != len(s.Rules) {
			t.Fatalf("%s: %d results for %d rules", s.Name, len(res.RuleResults), len(s.Rules))
		}
		for i, got := range res.RuleResults {
			if got.Result == engine.Error && strings.HasPrefix(got.EvaluationMessage, "Cannot evaluate on postgresql") {
				unsupported[ruleKind(s.Rules[i])+": "+strings.TrimPrefix(got.EvaluationMessage, "Cannot evaluate on postgresql: ")]++
				continue
			}
			if d := s.Check(i, got); len(d) > 0 {
				t.Errorf("%s: %s\n    %s", s.Name, s.Rules[i], strings.Join(d, "\n    "))
				continue
			}
			agreed++
		}
	}
	var lines []string
	for k, n := range unsupported {
		lines = append(lines, fmt.Sprintf("%5d × %s", n, k))
	}
	sort.Strings(lines)
	t.Logf("%d rules agree with the oracle; ERROR as not expressible in PostgreSQL:\n%s", agreed, strings.Join(lines, "\n"))
	if agreed < 10000 {
		t.Errorf("only %d rules agreed", agreed)
	}
}

// ruleKind is a rule's type, or "composite".
func ruleKind(rule string) string {
	if strings.HasPrefix(rule, "(") {
		return "composite"
	}
	if i := strings.IndexAny(rule, " ("); i > 0 {
		return rule[:i]
	}
	return rule
}
