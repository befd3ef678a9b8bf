package resultfiles_test

import (
	"strings"
	"testing"

	"github.com/dqlabs/dq/sinks/resultfiles"
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
