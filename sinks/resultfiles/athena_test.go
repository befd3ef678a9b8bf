package resultfiles_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// ddlTable is one CREATE EXTERNAL TABLE statement, parsed back from the
// text DDL prints.
type ddlTable struct {
	name     string
	columns  [][2]string // lower-cased name, Athena type, in order
	serde    string      // ROW FORMAT SERDE class, "" for Parquet
	location string
	props    map[string]string // TBLPROPERTIES
}

var (
	createRE   = regexp.MustCompile("(?s)CREATE EXTERNAL TABLE IF NOT EXISTS `([a-z_]+)` \\((.*?)\\)\nPARTITIONED BY \\(`year` string, `month` string, `day` string\\)(.*?);")
	columnRE   = regexp.MustCompile("^\\s*`([a-z0-9_]+)` ([a-z]+(?:<[a-z,]+>)?),?$")
	serdeRE    = regexp.MustCompile(`ROW FORMAT SERDE '([^']*)'`)
	locationRE = regexp.MustCompile(`LOCATION '([^']*)'`)
	propRE     = regexp.MustCompile(`'([^']*)'='([^']*)'`)
)

func parseDDL(t *testing.T, ddl string) map[string]ddlTable {
	t.Helper()
	out := map[string]ddlTable{}
	for _, m := range createRE.FindAllStringSubmatch(ddl, -1) {
		tb := ddlTable{name: m[1], props: map[string]string{}}
		for _, line := range strings.Split(strings.TrimSpace(m[2]), "\n") {
			c := columnRE.FindStringSubmatch(line)
			if c == nil {
				t.Fatalf("unparsable column line %q", line)
			}
			tb.columns = append(tb.columns, [2]string{c[1], c[2]})
		}
		if p := serdeRE.FindStringSubmatch(m[3]); p != nil {
			tb.serde = p[1]
		}
		if l := locationRE.FindStringSubmatch(m[3]); l != nil {
			tb.location = l[1]
		}
		if _, props, ok := strings.Cut(m[3], "TBLPROPERTIES"); ok {
			for _, p := range propRE.FindAllStringSubmatch(props, -1) {
				tb.props[p[1]] = p[2]
			}
		}
		out[tb.name] = tb
	}
	if len(out) != 2 {
		t.Fatalf("DDL has %d tables, want 2:\n%s", len(out), ddl)
	}
	return out
}

// duckOf is DuckDB's type for each Athena type the DDL declares.
var duckOf = map[string]string{
	"string": "VARCHAR", "timestamp": "TIMESTAMP", "double": "DOUBLE", "int": "INTEGER", "bigint": "BIGINT",
	"map<string,double>": "MAP(VARCHAR, DOUBLE)", "map<string,string>": "MAP(VARCHAR, VARCHAR)",
}

// hiveSerDe is the SerDe the JSON tables must use (Athena's recommendation).
const hiveSerDe = "org.apache.hive.hcatalog.data.JsonSerDe"

// duckColumns turns a parsed table into read_json's columns={...}, keyed
// by JSON key, the way the Hive JSON SerDe maps them: a column reads the
// key that equals its name ignoring case (case.insensitive, the default).
// The keys come from the files themselves, so a key the DDL cannot match,
// or two keys that differ only in case, fail the test.
func duckColumns(t *testing.T, tb ddlTable, lines []map[string]any) string {
	t.Helper()
	keys := map[string]string{} // lower-cased -> as written
	for _, l := range lines {
		for k := range l {
			if prev, ok := keys[strings.ToLower(k)]; ok && prev != k {
				t.Fatalf("table %s: keys %q and %q differ only in case; the Hive SerDe cannot tell them apart", tb.name, prev, k)
			}
			keys[strings.ToLower(k)] = k
		}
	}
	var parts []string
	for _, c := range tb.columns {
		key, ok := keys[c[0]]
		if !ok {
			t.Fatalf("table %s: column %s matches no JSON key in the files (%v)", tb.name, c[0], keys)
		}
		dt, ok := duckOf[c[1]]
		if !ok {
			t.Fatalf("table %s: column %s has type %s, unknown to this test", tb.name, c[0], c[1])
		}
		parts = append(parts, fmt.Sprintf("'%s': '%s'", key, dt))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// checkHiveValues applies the Hive JSON SerDe's per-type rules to every
// value in the files, as Athena's reader does: a scalar column must hold a
// JSON scalar or null (an object there fails the query with "value must be
// a scalar json value"), a map column an object of the declared value
// type, and a timestamp a string java.sql.Timestamp.valueOf accepts.
func checkHiveValues(t *testing.T, tb ddlTable, lines []map[string]any) {
	t.Helper()
	for i, l := range lines {
		for _, c := range tb.columns {
			var v any
			for k, x := range l {
				if strings.EqualFold(k, c[0]) {
					v = x
				}
			}
			if v == nil {
				continue
			}
			where := fmt.Sprintf("table %s line %d column %s", tb.name, i+1, c[0])
			switch c[1] {
			case "string":
				if _, ok := v.(string); !ok {
					t.Errorf("%s: %T %v in a string column", where, v, v)
				}
			case "double", "int", "bigint":
				if _, ok := v.(float64); !ok {
					t.Errorf("%s: %T %v in a %s column", where, v, v, c[1])
				}
			case "timestamp":
				s, ok := v.(string)
				if !ok {
					t.Errorf("%s: %T %v in a timestamp column", where, v, v)
				} else if _, err := timestampValueOf(s); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			case "map<string,double>", "map<string,string>":
				m, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s: %T %v in a map column", where, v, v)
				}
				for k, x := range m {
					if _, num := x.(float64); num != (c[1] == "map<string,double>") {
						t.Errorf("%s: map value %q = %T", where, k, x)
					}
				}
			default:
				t.Errorf("%s: type %s unknown to this test", where, c[1])
			}
		}
	}
}

// glueDocColumns are the columns of the table in AWS Glue's documentation
// (spec §16): dq's DDL keeps them as its first columns, in order, with
// Glue's types, except evaluatedmetrics, a map under the Hive SerDe (see
// resultfiles.RuleColumns for why).
var glueDocColumns = [][2]string{
	{"catalogid", "string"}, {"databasename", "string"}, {"tablename", "string"}, {"dqrunid", "string"},
	{"evaluationstartedon", "timestamp"}, {"evaluationcompletedon", "timestamp"},
	{"rule", "string"}, {"outcome", "string"}, {"failurereason", "string"}, {"evaluatedmetrics", "map<string,double>"},
}

// TestAthenaQueryable is the proof that published files are what the
// Athena DDL says: results go to S3 (gofakes3, real SDK client), are listed
// back and mirrored to disk key for key, and DuckDB reads them with
// read_json + hive_partitioning using exactly the columns, types, JSON keys
// and partitions parsed out of the DDL text that `dq athena-ddl` prints.
// The Parquet variant is read with read_parquet and must have the DDL's
// column names and types.
func TestAthenaQueryable(t *testing.T) {
	for _, format := range []resultfiles.Format{resultfiles.FormatJSON, resultfiles.FormatParquet} {
		t.Run(string(format), func(t *testing.T) { testAthenaQueryable(t, format) })
	}
}

func testAthenaQueryable(t *testing.T, format resultfiles.Format) {
	ctx := context.Background()
	f := newFakeS3(t)
	const location = "s3://dq-results/quality/"
	s, err := resultfiles.New(location, resultfiles.Options{S3: f.client, Format: format})
	if err != nil {
		t.Fatal(err)
	}
	// Two runs on different days; the first is published twice.
	first := sinktest.Golden()
	second := sinktest.Golden()
	second.ResultID = "dqresult-second"
	second.StartedOn = time.Date(2026, 12, 31, 8, 0, 0, 0, time.UTC)
	second.CompletedOn = second.StartedOn.Add(time.Second)
	second.RuleResults = second.RuleResults[:1]
	one := 1.0
	second.Score = &one
	second.DataSource = &engine.DataSource{Location: "./data/orders.parquet"} // local data: no Glue table
	for _, r := range []*engine.Result{first, first, second} {
		if err := s.Publish(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// Mirror the bucket to disk exactly as listed: DuckDB sees the keys
	// Athena would see.
	root := t.TempDir()
	var ruleLines, runLines []map[string]any // JSON lines, by table
	for key, body := range f.objects(t, "quality/") {
		if format == resultfiles.FormatJSON {
			for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if strings.HasPrefix(key, resultfiles.RunsDir) {
					runLines = append(runLines, m)
				} else {
					ruleLines = append(ruleLines, m)
				}
			}
		}
		path := filepath.Join(root, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ddl, err := resultfiles.DDL(resultfiles.DDLOptions{Location: location, Format: format})
	if err != nil {
		t.Fatal(err)
	}
	tables := parseDDL(t, ddl)
	rules, runs := tables["dq_rule_results"], tables["dq_runs"]
	if rules.location != location || runs.location != location+"_runs/" {
		t.Errorf("locations %q, %q; want %q and its _runs/", rules.location, runs.location, location)
	}
	for i, c := range glueDocColumns {
		if i >= len(rules.columns) || rules.columns[i] != c {
			t.Fatalf("rule table column %d is %v, want Glue's %v", i, rules.columns[i], c)
		}
	}
	lines := map[string][]map[string]any{rules.name: ruleLines, runs.name: runLines}
	for _, tb := range []ddlTable{rules, runs} {
		if format == resultfiles.FormatJSON {
			if tb.serde != hiveSerDe {
				t.Errorf("table %s: SerDe %q, want %q", tb.name, tb.serde, hiveSerDe)
			}
			checkHiveValues(t, tb, lines[tb.name])
		}
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hive := "hive_partitioning = true, hive_types = {'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR'}"
	from := func(tb ddlTable, dir string) string {
		glob := filepath.ToSlash(filepath.Join(root, dir, "year=*", "month=*", "day=*", "*"))
		if format == resultfiles.FormatParquet {
			return fmt.Sprintf("read_parquet('%s.parquet', %s)", glob, hive)
		}
		ext := ".jsonl"
		if dir != "" {
			ext = ".json"
		}
		return fmt.Sprintf("read_json('%s%s', format = 'newline_delimited', columns = %s, %s)", glob, ext, duckColumns(t, tb, lines[tb.name]), hive)
	}
	for name, src := range map[string]string{"rules": from(rules, ""), "runs": from(runs, "_runs")} {
		if _, err := db.Exec(fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM %s", name, src)); err != nil {
			t.Fatalf("reading the %s files as the DDL declares them: %v", name, err)
		}
	}

	// Column names and types, as DuckDB sees them, are the DDL's, followed
	// by the partitions.
	for view, tb := range map[string]ddlTable{"rules": rules, "runs": runs} {
		rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE " + view + ")")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n, ty string
			if err := rows.Scan(&n, &ty); err != nil {
				t.Fatal(err)
			}
			got = append(got, strings.ToLower(n)+" "+ty)
		}
		rows.Close()
		var want []string
		for _, c := range tb.columns {
			want = append(want, c[0]+" "+duckOf[c[1]])
		}
		// DuckDB appends the partitions in name order.
		want = append(want, "day VARCHAR", "month VARCHAR", "year VARCHAR")
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("%s columns:\n got %v\nwant %v", view, got, want)
		}
	}

	// Athena-style queries over the rule rows.
	var n int
	if err := db.QueryRow("SELECT count(*) FROM rules").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // 3 rules of the first run (published twice: no duplicates) + 1
		t.Errorf("rule rows = %d, want 4", n)
	}
	var (
		year, month, day, outcome, reason, catalog string
		started                                    time.Time
		minimum                                    float64
	)
	err = db.QueryRow(`SELECT year, month, day, outcome, failurereason, catalogid, evaluationstartedon,
			evaluatedmetrics['Column.amount.Minimum']
		FROM rules WHERE dqrunid = 'dqresult-0123456789abcdef' AND rulename = 'Rule_1'`).
		Scan(&year, &month, &day, &outcome, &reason, &catalog, &started, &minimum)
	if err != nil {
		t.Fatal(err)
	}
	if year != "2026" || month != "03" || day != "04" {
		t.Errorf("partition %s/%s/%s, want 2026/03/04 (zero-padded strings)", year, month, day)
	}
	if outcome != "Failed" || !strings.HasPrefix(reason, "Value: -12.5") || catalog != "123456789012" {
		t.Errorf("outcome %q, failurereason %q, catalogid %q", outcome, reason, catalog)
	}
	if want := time.Date(2026, 3, 4, 23, 59, 58, 123e6, time.UTC); !started.Equal(want) {
		t.Errorf("evaluationstartedon = %v, want %v", started, want)
	}
	if minimum != -12.5 {
		t.Errorf("evaluatedmetrics Column.amount.Minimum = %v, want -12.5", minimum)
	}
	var outcomes string
	if err := db.QueryRow(`SELECT string_agg(outcome, ',' ORDER BY rulename) FROM rules WHERE dqrunid = 'dqresult-0123456789abcdef'`).Scan(&outcomes); err != nil {
		t.Fatal(err)
	}
	if outcomes != "Passed,Failed,Error" {
		t.Errorf("outcomes = %s, want Passed,Failed,Error", outcomes)
	}
	// The query of AWS's Glue Data Quality walkthrough, a time window on
	// evaluationcompletedon, in DuckDB's spelling (strptime for Athena's
	// parse_datetime): it must see the typed timestamps, not NULLs.
	var passedInWindow int
	if err := db.QueryRow(`SELECT count(*) FROM rules WHERE outcome = 'Passed'
		AND evaluationcompletedon BETWEEN strptime('2026-03-04 00:00:00', '%Y-%m-%d %H:%M:%S')
		AND strptime('2026-03-05 23:59:59', '%Y-%m-%d %H:%M:%S')`).Scan(&passedInWindow); err != nil {
		t.Fatal(err)
	}
	if passedInWindow != 1 {
		t.Errorf("passed rules completed 2026-03-04..05 = %d, want 1 (Rule_0 of the first run)", passedInWindow)
	}
	var nullTable, nullReason bool
	if err := db.QueryRow(`SELECT tablename IS NULL, failurereason IS NULL FROM rules WHERE dqrunid = 'dqresult-second'`).Scan(&nullTable, &nullReason); err != nil {
		t.Fatal(err)
	}
	if !nullTable || !nullReason {
		t.Errorf("local-data run: tablename null %v, passing failurereason null %v; want both null", nullTable, nullReason)
	}

	// The dashboard query: score per day from the run summaries.
	rows, err := db.Query(`SELECT year || '-' || month || '-' || day, dqrunid, score, numrules, numrulesfailed, state, totalrowsprocessed
		FROM runs ORDER BY evaluationstartedon`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var d, id, state string
		var score float64
		var numRules, failed int
		var total sql.NullInt64
		if err := rows.Scan(&d, &id, &score, &numRules, &failed, &state, &total); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %.4f %d %d %s %v", d, id, math.Round(score*1e4)/1e4, numRules, failed, state, total.Int64))
	}
	want := []string{
		"2026-03-04 dqresult-0123456789abcdef 0.3333 3 2 FAILED 1500",
		"2026-12-31 dqresult-second 1.0000 1 0 SUCCEEDED 1500",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("runs:\n got %q\nwant %q", got, want)
	}
}
