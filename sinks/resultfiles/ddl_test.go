package resultfiles_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sinktest"
)

func TestDDLOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    resultfiles.DDLOptions
		want    []string
		wantErr string
	}{
		{name: "defaults", opts: resultfiles.DDLOptions{Location: "s3://b/p"},
			want: []string{"`dq_rule_results`", "`dq_runs`", "LOCATION 's3://b/p/'", "LOCATION 's3://b/p/_runs/'", "'classification'='json'"}},
		{name: "bucket root", opts: resultfiles.DDLOptions{Location: "s3://b"}, want: []string{"LOCATION 's3://b/'", "LOCATION 's3://b/_runs/'"}},
		{name: "names and parquet", opts: resultfiles.DDLOptions{Location: "s3://b/p/", Format: resultfiles.FormatParquet, Database: "dq", RulesTable: "rules", RunsTable: "runs"},
			want: []string{"`dq`.`rules`", "`dq`.`runs`", "STORED AS PARQUET", "MSCK REPAIR TABLE `dq`.`rules`;"}},
		{name: "local", opts: resultfiles.DDLOptions{Location: "./results"}, wantErr: "must be s3://"},
		{name: "quote", opts: resultfiles.DDLOptions{Location: "s3://b/it's"}, wantErr: "quote"},
		{name: "bad table", opts: resultfiles.DDLOptions{Location: "s3://b/p", RulesTable: "dq-rules"}, wantErr: "invalid Athena name"},
		{name: "bad format", opts: resultfiles.DDLOptions{Location: "s3://b/p", Format: "csv"}, wantErr: "json or parquet"},
		{name: "projection without a year", opts: resultfiles.DDLOptions{Location: "s3://b/p", Projection: true}, wantErr: "year of the first result"},
		{name: "dollar", opts: resultfiles.DDLOptions{Location: "s3://b/${x}"}, wantErr: "$"},
	}
	for _, tt := range tests {
		got, err := resultfiles.DDL(tt.opts)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: DDL lacks %q:\n%s", tt.name, w, got)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden DDL files in testdata/ddl")

// TestDDLGolden pins the exact statements `dq athena-ddl` prints, for both
// formats, with and without partition projection. Run with -update after a
// deliberate change and review the diff.
func TestDDLGolden(t *testing.T) {
	cases := map[string]resultfiles.DDLOptions{
		"json.sql":            {Location: "s3://dq-results/quality"},
		"parquet.sql":         {Location: "s3://dq-results/quality/", Format: resultfiles.FormatParquet},
		"json-projection.sql": {Location: "s3://dq-results/quality", Database: "dq", Projection: true, FirstYear: 2026},
		"parquet-projection.sql": {Location: "s3://dq-results/quality", Format: resultfiles.FormatParquet,
			Projection: true, FirstYear: 2024, RulesTable: "rules", RunsTable: "runs"},
	}
	for name, opts := range cases {
		got, err := resultfiles.DDL(opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", "ddl", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
		}
	}
}

// TestProjection checks the partition-projection properties against what
// the sink writes: the template, filled with a run's year/month/day as
// Athena fills it (date projection formatted yyyy, integers padded to two
// digits), names exactly the directory the run's files are in; and the
// run summaries' template never points inside the rule table's partitions.
func TestProjection(t *testing.T) {
	ddl, err := resultfiles.DDL(resultfiles.DDLOptions{Location: "s3://b/p/", Projection: true, FirstYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ddl, "\nMSCK REPAIR TABLE") {
		t.Errorf("projected DDL still asks for MSCK REPAIR TABLE:\n%s", ddl)
	}
	tables := parseDDL(t, ddl)
	s, err := resultfiles.New("s3://b/p/", resultfiles.Options{S3: newFakeS3(t).client})
	if err != nil {
		t.Fatal(err)
	}
	r := sinktest.Golden() // started 2026-03-04
	rulesKey, runKey, err := s.Keys(r)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(tmpl string) string {
		return strings.NewReplacer("${year}", "2026", "${month}", fmt.Sprintf("%02d", 3), "${day}", fmt.Sprintf("%02d", 4)).Replace(tmpl)
	}
	for name, key := range map[string]string{"dq_rule_results": rulesKey, "dq_runs": runKey} {
		tb := tables[name]
		p := tb.props
		if p["projection.enabled"] != "true" || p["projection.year.type"] != "date" || p["projection.year.range"] != "2026,NOW" ||
			p["projection.year.format"] != "yyyy" || p["projection.month.range"] != "1,12" || p["projection.month.digits"] != "2" ||
			p["projection.day.range"] != "1,31" || p["projection.day.digits"] != "2" {
			t.Errorf("%s: projection properties %v", name, p)
		}
		tmpl := p["storage.location.template"]
		if !strings.HasPrefix(tmpl, tb.location) {
			t.Errorf("%s: template %q is not under the table location %q", name, tmpl, tb.location)
		}
		dir := "s3://b/p/" + key[:strings.LastIndex(key, "/")+1]
		if got := fill(tmpl); got != dir {
			t.Errorf("%s: template fills to %q, but the files are in %q", name, got, dir)
		}
	}
	rulesTmpl := tables["dq_rule_results"].props["storage.location.template"]
	runsTmpl := tables["dq_runs"].props["storage.location.template"]
	if strings.HasPrefix(fill(runsTmpl), fill(rulesTmpl)) {
		t.Errorf("run summaries (%s) live inside the rule table's partitions (%s)", runsTmpl, rulesTmpl)
	}
}

// TestFirstYear lists the year partitions of results published to S3
// (gofakes3 through the real client) and ignores what dq did not write.
func TestFirstYear(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t)
	const location = "s3://dq-results/quality/"
	if _, found, err := resultfiles.FirstYear(ctx, location, f.client); err != nil || found {
		t.Fatalf("empty location: found %v, err %v; want nothing", found, err)
	}
	s, err := resultfiles.New(location, resultfiles.Options{S3: f.client})
	if err != nil {
		t.Fatal(err)
	}
	for i, year := range []int{2027, 2025, 2026} {
		r := sinktest.Golden()
		r.ResultID = fmt.Sprintf("dqresult-%d", i)
		r.StartedOn = time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)
		if err := s.Publish(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, found, err := resultfiles.FirstYear(ctx, location, f.client)
	if err != nil || !found || got != 2025 {
		t.Errorf("FirstYear = %d, %v, %v; want 2025", got, found, err)
	}
}
