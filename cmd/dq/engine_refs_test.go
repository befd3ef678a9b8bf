package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// dq eval/explain --engine postgres with --ref: references that are
// tables of the same database are joined there, with the verdicts of the
// embedded engine on the same rows; a reference elsewhere ERRORs its
// rules, one that does not exist stops the run (exit 2).
func TestEnginePostgresReferences(t *testing.T) {
	requireParser(t)
	ctx := context.Background()
	cluster := pgtest.StartT(t)
	db, other := cluster.NewDB(t), cluster.NewDB(t)
	for _, d := range []string{db, other} {
		conn := cluster.Conn(t, d)
		for _, s := range []string{
			`CREATE TABLE trips ("Fare" float8, city text, n int)`,
			`INSERT INTO trips VALUES (1.5, 'Zürich', 1), (2.5, 'Bern', 2), (NULL, 'Bern', 3), (-4, NULL, 4)`,
			`CREATE TABLE cities (name text, n int)`,
			`INSERT INTO cities VALUES ('Bern', 2), ('Basel', 9), ('Genève', 3)`,
		} {
			if _, err := conn.Exec(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	rules := writeFile(t, dir, "trips.dqdl", `Rules = [
	RowCount = 4,
	ReferentialIntegrity "city" "cities.name" >= 0.5,
	RowCountMatch "cities" between 1.3 and 1.4,
	AggregateMatch "sum(n)" "sum(cities.n)" = 1,
	DatasetMatch "cities" "city->name" "n" > 0.2,
	SchemaMatch "cities" > 0.5,
	CustomSql "select count(*) from primary t join cities c on t.city = c.name" = 2,
	CustomSql "select n from primary where n > 1" with threshold >= 0.75
]`, 0o644)
	url := func(db, table string) string {
		return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.%s", cluster.User, cluster.Host, cluster.Port, db, table)
	}
	r := runDQ(t, "", "eval", "--engine", "postgres", "--format", "json", "--no-history", "--ref", "cities=public.cities", rules, url(db, "trips"))
	if r.code != exitFailed {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	tripsCSV := writeFile(t, dir, "trips.csv", "Fare,city,n\n1.5,Zürich,1\n2.5,Bern,2\n,Bern,3\n-4,,4\n", 0o644)
	citiesCSV := writeFile(t, dir, "cities.csv", "name,n\nBern,2\nBasel,9\nGenève,3\n", 0o644)
	local := runDQ(t, "", "eval", "--format", "json", "--no-history", "--ref", "cities="+citiesCSV, rules, tripsCSV)
	got, want := verdicts(t, r.stdout), verdicts(t, local.stdout)
	if got != want || strings.Contains(got, "ERROR") || !strings.Contains(got, "FAIL") {
		t.Fatalf("PostgreSQL: %s\nembedded:   %s", got, want)
	}
	// The same table by URL.
	r = runDQ(t, "", "eval", "--engine", "postgres", "--format", "json", "--no-history", "--ref", "cities="+url(db, "cities"), rules, url(db, "trips"))
	if got := verdicts(t, r.stdout); got != want {
		t.Errorf("reference by URL: %s\nwant %s", got, want)
	}

	// Another database, and a local file: the reference rules ERROR,
	// the rest runs.
	for _, ref := range []string{url(other, "cities"), citiesCSV} {
		r = runDQ(t, "", "eval", "--engine", "postgres", "--format", "json", "--no-history", "--ref", "cities="+ref, rules, url(db, "trips"))
		v := strings.Split(verdicts(t, r.stdout), "|")
		if len(v) != 8 || v[0] != "PASS" || !strings.HasPrefix(v[7], "PASS") {
			t.Fatalf("--ref %s: exit %d %v %s", ref, r.code, v, r.stderr)
		}
		// CustomSql naming the alias too; the one that does not runs.
		for _, x := range v[1:7] {
			if !strings.HasPrefix(x, "ERROR:Cannot evaluate on postgresql: reference dataset 'cities' is") || !strings.Contains(x, "references must be tables of the same engine and database") {
				t.Errorf("--ref %s: %s", ref, x)
			}
		}
		if strings.Contains(r.stdout+r.stderr, cluster.Password) {
			t.Error("the password shows in the output")
		}
	}
	r = runDQ(t, "", "eval", "--engine", "postgres", "--no-history", "--ref", "cities=public.nosuch", rules, url(db, "trips"))
	if r.code != exitInvalid || !strings.Contains(r.stderr, `reference dataset "cities"`) || !strings.Contains(r.stderr, "not found") {
		t.Errorf("missing reference table: exit %d, %s", r.code, r.stderr)
	}

	r = runDQ(t, "", "explain", "--engine", "postgres", "--ref", "cities=public.cities", rules, url(db, "trips"))
	for _, want := range []string{
		`on postgresql for Rule_1`, `WHERE NOT EXISTS (SELECT 1 FROM "public"."cities" AS __r WHERE __p."city" = __r."name")`,
		`FROM "public"."cities"`, `(custom) on postgresql for Rule_6`, `from "public"."trips" t join "public"."cities" c`,
	} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q: exit %d\n%s\n%s", want, r.code, r.stdout, r.stderr)
		}
	}
	r = runDQ(t, "", "explain", "--engine", "postgres", "--ref", "cities="+citiesCSV, rules, url(db, "trips"))
	if r.code != 0 || !strings.Contains(r.stdout, "no query: ERROR: Cannot evaluate on postgresql: reference dataset 'cities' is local data") {
		t.Errorf("explain with a local reference: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// dq eval --engine athena --ref alias=glue://…: the reference is a Glue
// table of the same catalog, joined in Athena; an s3:// reference is not
// co-located. The run's verdicts equal the embedded engine's reading the
// same tables through Glue.
func TestEngineAthenaReferences(t *testing.T) {
	requireParser(t)
	fake := lakeEnv(t)
	fake.Athena.DefaultOutput = "s3://dq-results/athena/"
	dir := t.TempDir()
	rules := writeFile(t, dir, "refs.dqdl", `Rules = [
	RowCountMatch "s" > 0,
	AggregateMatch "sum(vendorid)" "sum(s.id)" > 0,
	CustomSql "select count(*) from s" > 0
]`, 0o644)
	got, r := evalJSON(t, exitOK, "--no-history", "--engine", "athena", "--ref", "s=glue://lake/sales", rules, "glue://lake/taxi")
	want, _ := evalJSON(t, exitOK, "--no-history", "--ref", "s=glue://lake/sales", rules, "glue://lake/taxi")
	for i, g := range got.RuleResults {
		w := want.RuleResults[i]
		if g.Result != engine.Pass || g.Result != w.Result || !sameFloats(g.EvaluatedMetrics, w.EvaluatedMetrics) {
			t.Errorf("%s: athena %s %q %v, embedded %s %v", g.Description, g.Result, g.EvaluationMessage, g.EvaluatedMetrics, w.Result, w.EvaluatedMetrics)
		}
	}
	var sawSales bool
	for _, q := range fake.Athena.Queries() {
		sawSales = sawSales || strings.Contains(q.SQL, `FROM "lake"."sales"`) || strings.Contains(q.SQL, `from "lake"."sales"`)
	}
	if !sawSales {
		t.Errorf("Athena never read lake.sales; stderr %s", r.stderr)
	}
	got, _ = evalJSON(t, exitFailed, "--no-history", "--engine", "athena", "--ref", "s=s3://lake/sales/", rules, "glue://lake/taxi")
	for _, g := range got.RuleResults {
		if g.Result != engine.Error || !strings.Contains(g.EvaluationMessage, "reference dataset 's' is not in the trino engine") {
			t.Errorf("s3 reference: %s %s %q", g.Description, g.Result, g.EvaluationMessage)
		}
	}
}

func sameFloats(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || x != y && (x-y > 1e-9*max(x, -x, y, -y) || y-x > 1e-9*max(x, -x, y, -y)) {
			return false
		}
	}
	return true
}
