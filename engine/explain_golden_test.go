package engine

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// updateGolden rewrites the explain golden files: go test -tags
// duckdb_arrow ./engine -run TestExplainGolden -update
var updateGolden = flag.Bool("update", false, "rewrite engine/testdata/explain/*.golden")

// TestExplainGolden pins the SQL the planner emits for the shipped
// rulesets (and the crosscheck suite's, which covers every rule type and
// condition form) against their data: what `dq explain` prints, plus each
// rule's per-row predicate (row-level output, ROW-mode composites). A plan
// change shows up here as a diff to review; deliberate ones are committed
// with -update.
func TestExplainGolden(t *testing.T) {
	type golden struct {
		name, rules, data string
		refs              map[string]string
		mode              CompositeMode
		src               string // ruleset text instead of a file
	}
	cases := []golden{
		{name: "taxi", rules: "../testdata/taxi/taxi.dqdl", data: "../testdata/taxi/sample.parquet"},
		{name: "taxi-three-columns", rules: "../testdata/taxi/three-columns.dqdl", data: "../testdata/taxi/sample.parquet"},
		{name: "taxi-footer", rules: "../testdata/taxi/footer.dqdl", data: "../testdata/taxi/sample.parquet"},
		{name: "quickstart", rules: "../testdata/rules/quickstart.dqdl", data: "../testdata/taxi/sample.parquet"},
		{name: "quickstart-row", rules: "../testdata/rules/quickstart.dqdl", data: "../testdata/taxi/sample.parquet", mode: CompositeRow},
		{name: "reconcile", rules: "../testdata/retail/reconcile.dqdl", data: "../testdata/retail/orders.parquet",
			refs: map[string]string{"customers": "../testdata/retail/customers.parquet", "reference": "../testdata/retail/s3copy/orders"}},
		{name: "serve-orders", rules: "../examples/serve/rules/orders.dqdl", data: "../examples/serve/data/orders.parquet",
			refs: map[string]string{"customers": "../examples/serve/data/customers.parquet"}},
	}
	// The crosscheck suite's rules over its mixed dataset, in both
	// composite modes.
	d := loadCx(t, "mixed", cxMixedRows)
	var texts []string
	for _, c := range cxCases(d) {
		texts = append(texts, c.rule)
	}
	src := "Rules = [\n  " + strings.Join(texts, ",\n  ") + "\n]"
	cases = append(cases,
		golden{name: "crosscheck", src: src, data: d.path},
		golden{name: "crosscheck-row", src: src, data: d.path, mode: CompositeRow})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.src
			if c.rules != "" {
				b, err := os.ReadFile(c.rules)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			rs, err := dqdl.Parse(c.name+".dqdl", text)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Now: testNow, CompositeMode: c.mode, References: map[string]Source{}}
			for alias, p := range c.refs {
				opts.References[alias] = Files(p, FileOptions{})
			}
			p, err := Explain(context.Background(), rs, Files(c.data, FileOptions{}), opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(p.String())
			b.WriteString("\n-- per-row predicates\n")
			for i, rc := range p.rowChecks() {
				if rc.Predicate == "" {
					continue
				}
				b.WriteString("Rule_" + strconv.Itoa(i) + ": " + rc.Predicate)
				if rc.Filter != "" {
					b.WriteString("\n  where " + rc.Filter)
				}
				b.WriteString("\n")
			}
			got := strings.ReplaceAll(b.String(), d.path, "<crosscheck.parquet>")
			path := filepath.Join("testdata", "explain", c.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("explain output differs from %s (run with -update after reviewing):\n%s\n%s", path, firstDiff(string(want), got), parseDiff(t, string(want), got))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + w + "\n  got: " + g
		}
	}
	return "(no line differs)"
}

// goldenStatements splits an explain golden into its statements: the
// queries, and each per-row predicate as a SELECT of it.
func goldenStatements(text string) []string {
	var out []string
	queries, preds, _ := strings.Cut(text, "\n-- per-row predicates\n")
	for _, sec := range strings.Split(queries, "\n-- query ")[1:] {
		_, body, _ := strings.Cut(sec, "\n")
		out = append(out, strings.TrimSpace(body))
	}
	// A predicate may span lines (a string literal holding a newline).
	for _, entry := range strings.Split("\n"+preds, "\nRule_")[1:] {
		_, p, _ := strings.Cut(entry, ": ")
		p, _, _ = strings.Cut(p, "\n  where ")
		out = append(out, "SELECT "+strings.TrimSuffix(p, "\n"))
	}
	return out
}

// parseDiff tells a reviewer whether a changed golden parses to the same
// statements: DuckDB's json_serialize_sql is the parse tree, without the
// parentheses and spellings (FALSE/false, "x"/x) that do not change it.
func parseDiff(t *testing.T, want, got string) string {
	ws, gs := goldenStatements(want), goldenStatements(got)
	if len(ws) != len(gs) {
		return fmt.Sprintf("%d statements, want %d", len(gs), len(ws))
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tree := func(q string) string {
		var j string
		if err := db.QueryRow("SELECT CAST(json_serialize_sql(" + QuoteString(q) + ") AS VARCHAR)").Scan(&j); err != nil {
			t.Fatalf("json_serialize_sql: %v", err)
		}
		if strings.Contains(j, `"error":true`) {
			t.Fatalf("json_serialize_sql cannot parse %s: %s", q, j)
		}
		return queryLocation.ReplaceAllString(j, "")
	}
	var differ []string
	for i := range ws {
		if ws[i] != gs[i] && tree(ws[i]) != tree(gs[i]) {
			differ = append(differ, fmt.Sprintf("statement %d:\n want: %s\n  got: %s", i+1, ws[i], gs[i]))
		}
	}
	if len(differ) == 0 {
		return "every statement parses to the same tree as the golden's (parenthesisation or spelling only)"
	}
	return fmt.Sprintf("%d of %d statements parse differently; first: %s", len(differ), len(ws), differ[0])
}

var queryLocation = regexp.MustCompile(`"query_location":\d+,?`)
