package resultfiles

import (
	"fmt"
	"regexp"
	"strings"
)

// DDLOptions say what DDL prints.
type DDLOptions struct {
	// Location is the results prefix given to dq eval --results, an
	// s3:// URL (Athena reads only S3).
	Location string
	Format   Format
	// Database qualifies the table names when set.
	Database string
	// RulesTable and RunsTable name the tables; defaults dq_rule_results
	// and dq_runs.
	RulesTable, RunsTable string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// DDL returns the Athena statements that create the rule-result and
// run-summary tables over a results location and load their partitions.
//
// The rule table is Glue's documented table (spec §16) with dq's extra
// columns: same SerDe, same column types, same year/month/day string
// partitions. Columns are matched to JSON keys through the SerDe's 'paths'
// list, and to Parquet columns by their lower-cased names.
func DDL(opts DDLOptions) (string, error) {
	loc, err := ParseLocation(opts.Location)
	if err != nil {
		return "", err
	}
	if !loc.IsS3() {
		return "", fmt.Errorf("athena reads tables from S3: the location must be s3://bucket/prefix, got %q", opts.Location)
	}
	if strings.ContainsAny(opts.Location, `'\`) {
		return "", fmt.Errorf("the location %q contains a quote or backslash, which Athena DDL strings cannot carry safely", opts.Location)
	}
	format, err := ParseFormat(string(opts.Format))
	if err != nil {
		return "", err
	}
	rules, runs := opts.RulesTable, opts.RunsTable
	if rules == "" {
		rules = "dq_rule_results"
	}
	if runs == "" {
		runs = "dq_runs"
	}
	for _, n := range []string{opts.Database, rules, runs} {
		if n != "" && !identRE.MatchString(n) {
			// Athena table names are letters, digits and underscores;
			// anything else would need quoting rules that differ between
			// DDL and DML.
			return "", fmt.Errorf("invalid Athena name %q: use letters, digits and underscores", n)
		}
	}
	qualify := func(t string) string {
		if opts.Database != "" {
			return "`" + opts.Database + "`.`" + t + "`"
		}
		return "`" + t + "`"
	}
	var b strings.Builder
	b.WriteString("-- Rule results: one row per rule per run (AWS Glue Data Quality's result-file schema).\n")
	writeTable(&b, qualify(rules), RuleColumns, format, loc.String())
	b.WriteString("\n-- Run summaries: one row per run (score and counts, for dashboards).\n")
	writeTable(&b, qualify(runs), RunColumns, format, loc.String()+RunsDir)
	b.WriteString("\n-- Load partitions written since the last repair (or use partition projection).\n")
	fmt.Fprintf(&b, "MSCK REPAIR TABLE %s;\nMSCK REPAIR TABLE %s;\n", qualify(rules), qualify(runs))
	return b.String(), nil
}

func writeTable(b *strings.Builder, name string, cols []Column, format Format, location string) {
	fmt.Fprintf(b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s (\n", name)
	keys := make([]string, len(cols))
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "  `%s` %s%s\n", strings.ToLower(c.Key), c.Type, sep)
		keys[i] = c.Key
	}
	b.WriteString(")\nPARTITIONED BY (`year` string, `month` string, `day` string)\n")
	switch format {
	case FormatParquet:
		b.WriteString("STORED AS PARQUET\n")
		fmt.Fprintf(b, "LOCATION '%s'\n", location)
		b.WriteString("TBLPROPERTIES ('classification'='parquet');\n")
	default:
		b.WriteString("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n")
		fmt.Fprintf(b, "WITH SERDEPROPERTIES ('paths'='%s')\n", strings.Join(keys, ","))
		b.WriteString("STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'\n")
		b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
		fmt.Fprintf(b, "LOCATION '%s'\n", location)
		b.WriteString("TBLPROPERTIES ('classification'='json', 'compressionType'='none', 'typeOfData'='file');\n")
	}
}
