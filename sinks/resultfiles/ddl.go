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
	// Projection declares partition projection for year/month/day, so
	// Athena computes the partitions from the query instead of needing
	// MSCK REPAIR TABLE as results accumulate.
	Projection bool
	// FirstYear is the earliest year partition projection enumerates: the
	// year of the first result under the location. Required with
	// Projection; the range ends at NOW.
	FirstYear int
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// DDL returns the Athena statements that create the rule-result and
// run-summary tables over a results location and, without partition
// projection, load their partitions.
//
// The rule table has the columns of Glue's documented table (spec §16), in
// its order, followed by dq's, and the same year/month/day string
// partitions. JSON files are read with the Hive JSON SerDe, not the OpenX
// SerDe of Glue's documentation: Athena's documentation warns that with the
// OpenX SerDe "the number of results and their values can be
// non-deterministic" and recommends the Hive SerDe. It matches JSON keys to
// columns case-insensitively and parses timestamps with
// java.sql.Timestamp.valueOf, which is the form dq writes (TimeLayout).
// Parquet columns are matched by their lower-cased names.
func DDL(opts DDLOptions) (string, error) {
	loc, err := ParseLocation(opts.Location)
	if err != nil {
		return "", err
	}
	if !loc.IsS3() {
		return "", fmt.Errorf("athena reads tables from S3: the location must be s3://bucket/prefix, got %q", opts.Location)
	}
	if opts.Projection && (opts.FirstYear < 1970 || opts.FirstYear > 9999) {
		return "", fmt.Errorf("partition projection needs the year of the first result (1970-9999), got %d", opts.FirstYear)
	}
	if strings.ContainsAny(opts.Location, `'\$`) {
		return "", fmt.Errorf("the location %q contains a quote, backslash or $, which Athena DDL strings (and projection templates) cannot carry safely", opts.Location)
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
	b.WriteString("-- Rule results: one row per rule per run (AWS Glue Data Quality's result-file columns first).\n")
	writeTable(&b, qualify(rules), RuleColumns, format, loc.String(), opts)
	b.WriteString("\n-- Run summaries: one row per run (score and counts, for dashboards).\n")
	writeTable(&b, qualify(runs), RunColumns, format, loc.String()+RunsDir, opts)
	if opts.Projection {
		b.WriteString("\n-- Partitions are projected from year/month/day: no MSCK REPAIR TABLE is needed as results accumulate.\n")
		return b.String(), nil
	}
	b.WriteString("\n-- Load partitions written since the last repair (or print the DDL with --projection).\n")
	fmt.Fprintf(&b, "MSCK REPAIR TABLE %s;\nMSCK REPAIR TABLE %s;\n", qualify(rules), qualify(runs))
	return b.String(), nil
}

func writeTable(b *strings.Builder, name string, cols []Column, format Format, location string, opts DDLOptions) {
	fmt.Fprintf(b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s (\n", name)
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "  `%s` %s%s\n", strings.ToLower(c.Key), c.Type, sep)
	}
	b.WriteString(")\nPARTITIONED BY (`year` string, `month` string, `day` string)\n")
	props := []string{"'classification'='parquet'"}
	switch format {
	case FormatParquet:
		b.WriteString("STORED AS PARQUET\n")
	default:
		// No SERDEPROPERTIES: the Hive SerDe lower-cases JSON keys to
		// match the columns (case.insensitive defaults to true), and
		// its default timestamp parser reads what dq writes.
		b.WriteString("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n")
		b.WriteString("STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'\n")
		b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
		props = []string{"'classification'='json'", "'compressionType'='none'", "'typeOfData'='file'"}
	}
	fmt.Fprintf(b, "LOCATION '%s'\n", location)
	if opts.Projection {
		props = append(props, projection(location, opts.FirstYear)...)
	}
	b.WriteString("TBLPROPERTIES (\n  " + strings.Join(props, ",\n  ") + "\n);\n")
}

// projection returns the table properties that project year/month/day
// partitions under location. The year is a date projection so that its
// range can end at NOW and never needs updating; month and day are
// zero-padded integers, as the files' paths are. Days that a month does
// not have are locations with no objects, which Athena reads as empty.
func projection(location string, firstYear int) []string {
	return []string{
		"'projection.enabled'='true'",
		"'projection.year.type'='date'",
		"'projection.year.format'='yyyy'",
		fmt.Sprintf("'projection.year.range'='%04d,NOW'", firstYear),
		"'projection.year.interval'='1'",
		"'projection.year.interval.unit'='YEARS'",
		"'projection.month.type'='integer'",
		"'projection.month.range'='1,12'",
		"'projection.month.digits'='2'",
		"'projection.day.type'='integer'",
		"'projection.day.range'='1,31'",
		"'projection.day.digits'='2'",
		"'storage.location.template'='" + location + "year=${year}/month=${month}/day=${day}/'",
	}
}
