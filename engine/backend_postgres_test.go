package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

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
	db, conn, duck := newDBWithDuck(t, cluster)
	return cluster, db, conn, duck
}

// newDBWithDuck creates a fresh database in a running cluster, connects
// to it, and opens an in-memory DuckDB to copy test rows from; all end
// with the test.
func newDBWithDuck(t *testing.T, cluster *pgtest.Cluster) (string, *pgx.Conn, *sql.DB) {
	t.Helper()
	db := cluster.NewDB(t)
	conn := cluster.Conn(t, db)
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	return db, conn, duck
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

// TestPostgresParsesTextLikeDuckDB runs the rules that read timestamps
// and numbers out of strings (DataFreshness, date conditions with a time
// of day, ColumnDataType Timestamp/Double/Float) in PostgreSQL and
// embedded: same outcomes, messages and metrics. Decimal of text stays
// with DuckDB, and says so.
// inZone formats the instant in a zone offset seconds east of UTC.
func inZone(t time.Time, offset int, layout string) string {
	return t.In(time.FixedZone("", offset)).Format(layout)
}

func TestPostgresParsesTextLikeDuckDB(t *testing.T) {
	ctx := context.Background()
	cluster, db, conn, duck := postgresWithDuck(t)
	now := engine.TestNow
	at := func(d time.Duration, layout string) string { return now.Add(d).UTC().Format(layout) }
	texts := []any{
		at(-30*time.Minute, "2006-01-02 15:04:05"), at(-90*time.Minute, "2006-01-02T15:04:05Z"), at(-20*time.Hour, "2006-01-02 15:04:05.999999999"),
		at(-50*time.Hour, "2006-01-02 15:04"), at(-5*time.Minute, "2006-01-02T15:04:05+05:30"), at(-25*time.Hour, "2006-01-02 15:04:05 UTC"),
		at(-18*time.Second, "2006-01-02 15:04:05"), at(-54*time.Second, "2006-01-02 15:04:05.5"), at(0, "2006-01-02") + " 24:00",
		at(-24*time.Hour, "2006-01-02"), at(time.Hour, "2006-01-02 15:04:05"), "infinity", "-infinity", "epoch", "2024-02-30 10:00",
		"2024-06-01 10:00:60", " 2024-06-01 10:00:00 ", "1.5e3", "-nan", "1_000", "12", "", "   ", "junk", "２０２４-06-01", nil,
		// UTC offsets, honoured by both engines (they once were dropped).
		inZone(now.Add(-2*time.Hour), -8*3600, "2006-01-02T15:04:05-07:00"), inZone(now.Add(-30*time.Minute), 19800, "2006-01-02 15:04:05-0700"),
		inZone(now.Add(-3*time.Hour), 7200, "2006-01-02 15:04-07"), inZone(now.Add(-26*time.Hour), -3600, "2006-01-02 15:04:05.123 -07:00"),
		inZone(now.Add(-time.Hour), 19815, "2006-01-02 15:04:05-07:00:00"), "2024-06-01T10:00:00+02:00 ", "294247-01-10 04:00:54-05:00",
	}
	if _, err := duck.Exec("CREATE TABLE texts (id BIGINT, s VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		if _, err := duck.Exec("INSERT INTO texts VALUES (?, ?)", i, s); err != nil {
			t.Fatal(err)
		}
	}
	parquet := filepath.Join(t.TempDir(), "texts.parquet")
	if _, err := duck.Exec("COPY texts TO " + engine.QuoteString(parquet) + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, "texts", "SELECT * FROM texts"); err != nil {
		t.Fatal(err)
	}
	rules := []string{
		`DataFreshness "s" <= 24 hours`, `DataFreshness "s" between 1 hours and 3 days`, `DataFreshness "s" > 30 minutes where "id > 3"`,
		`DataFreshness "s" <= 10 minutes`, `ColumnValues "s" > (now() - 2 hours)`, `ColumnValues "s" <= now()`,
		`ColumnValues "s" between (now() - 1 days) and now() with threshold >= 0.3`, `ColumnValues "s" != (now() - 30 minutes)`,
		`ColumnDataType "s" = "Timestamp"`, `ColumnDataType "s" = "Timestamp" with threshold >= 0.5`,
		`ColumnDataType "s" = "Double" with threshold >= 0.1`, `ColumnDataType "s" = "Float" where "id > 10"`,
	}
	const decimal = `ColumnDataType "s" = "Decimal(10,2)"`
	rs, err := dqdl.Parse("texts.dqdl", "Rules = [\n  "+strings.Join(append(rules, decimal), ",\n  ")+"\n]")
	if err != nil {
		t.Fatal(err)
	}
	opts := engine.Options{Now: now}
	want, err := engine.Evaluate(ctx, rs, engine.Files(parquet, engine.FileOptions{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgres.Open(ctx, fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.texts", cluster.User, cluster.Host, cluster.Port, db), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := engine.EvaluateOnBackend(ctx, rs, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	for i, g := range got.RuleResults {
		w := want.RuleResults[i]
		if i == len(rules) {
			if g.Result != engine.Error || !strings.Contains(g.EvaluationMessage, "Cannot evaluate on postgresql") || !strings.Contains(g.EvaluationMessage, "DuckDB's own parsing") {
				t.Errorf("%s: %s %q, want an ERROR naming the dialect", decimal, g.Result, g.EvaluationMessage)
			}
			continue
		}
		if g.Result != w.Result || g.EvaluationMessage != w.EvaluationMessage || fmt.Sprint(g.EvaluatedMetrics) != fmt.Sprint(w.EvaluatedMetrics) {
			t.Errorf("%s:\n PostgreSQL %s %q %v\n embedded   %s %q %v", rules[i], g.Result, g.EvaluationMessage, g.EvaluatedMetrics, w.Result, w.EvaluationMessage, w.EvaluatedMetrics)
		}
		if w.Result == engine.Pass {
			passed++
		}
	}
	if passed == 0 || passed == len(rules) {
		t.Errorf("%d of %d rules passed: the data does not tell outcomes apart", passed, len(rules))
	}
}
