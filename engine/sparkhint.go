package engine

import (
	"regexp"
	"strings"
)

// Where clauses and CustomSql statements written for Glue are Spark SQL;
// dq runs them on DuckDB (README, Differences from AWS Glue). When one
// fails on a Spark construct DuckDB lacks or reads differently, the rule
// keeps Glue's message and FailureDetails.Hint names the DuckDB spelling,
// so a user migrating a ruleset need not guess. A table the statement names
// that nothing binds gets a hint too (Glue binds datasets in the job).

// sparkFuncs are Spark functions that DuckDB does not have, or has with
// other arguments, that Glue users commonly write in where clauses and
// CustomSql, with what to write instead.
var sparkFuncs = []struct {
	name, fix string
	call      *regexp.Regexp
}{
	{"to_date", "CAST(x AS DATE), or strptime(x, '%d/%m/%Y')::DATE for another format", regexp.MustCompile(`(?i)\bto_date\s*\(`)},
	{"to_timestamp", "CAST(x AS TIMESTAMP), or strptime(x, '%d/%m/%Y %H:%M') for another format", regexp.MustCompile(`(?i)\bto_timestamp\s*\(`)},
	{"date_sub", "d - INTERVAL 7 DAY", regexp.MustCompile(`(?i)\bdate_sub\s*\(`)},
	{"date_add", "d + INTERVAL 7 DAY", regexp.MustCompile(`(?i)\bdate_add\s*\(`)},
	{"datediff", "date_diff('day', start, end)", regexp.MustCompile(`(?i)\bdatediff\s*\(`)},
	{"date_format", "strftime(x, '%Y-%m-%d')", regexp.MustCompile(`(?i)\bdate_format\s*\(`)},
	{"unix_timestamp", "epoch(x)", regexp.MustCompile(`(?i)\bunix_timestamp\s*\(`)},
	{"from_unixtime", "to_timestamp(x)", regexp.MustCompile(`(?i)\bfrom_unixtime\s*\(`)},
	{"nvl", "coalesce(a, b)", regexp.MustCompile(`(?i)\bnvl\s*\(`)},
	{"nvl2", "CASE WHEN a IS NOT NULL THEN b ELSE c END", regexp.MustCompile(`(?i)\bnvl2\s*\(`)},
	{"size", "len(x)", regexp.MustCompile(`(?i)\bsize\s*\(`)},
}

var (
	sparkRlike   = regexp.MustCompile(`(?i)\b(?:not\s+)?(?:rlike|regexp)\s+'`)
	sparkSuffix  = regexp.MustCompile(`\b[0-9]+(?:\.[0-9]+)?(?:BD|[DLSY])\b`)
	missingIdent = regexp.MustCompile(`Referenced column "([^"]*)" not found`)
	missingTable = regexp.MustCompile(`Table with name ([^ ]+) does not exist`)
)

// sparkHint returns advice for a statement that DuckDB rejected with
// errText, or "" when the failure does not look like a Spark-ism.
func sparkHint(sql, errText string) string {
	lower := strings.ToLower(errText)
	for _, f := range sparkFuncs {
		// DuckDB names the function it cannot find or cannot apply.
		if f.call.MatchString(sql) &&
			(strings.Contains(lower, "function with name "+f.name+" ") || strings.Contains(lower, "'"+f.name+"(")) {
			return "Spark's " + f.name + "() is not DuckDB's: write " + f.fix
		}
	}
	if sparkRlike.MatchString(sql) && strings.Contains(lower, "syntax error") {
		return "Spark's RLIKE is regexp_matches(x, 'pattern') in DuckDB"
	}
	if m := sparkSuffix.FindString(sql); m != "" && strings.Contains(lower, "syntax error") {
		return "Spark's typed number literals (" + m + ") are plain numbers in DuckDB: drop the suffix"
	}
	if m := missingTable.FindStringSubmatch(errText); m != nil {
		return "the rule's data is the table primary; " + m[1] + " must be a reference dataset bound to that alias (dq eval --ref " + m[1] + "=PATH)"
	}
	if m := missingIdent.FindStringSubmatch(errText); m != nil && strings.Contains(sql, `"`+m[1]+`"`) {
		return `"` + m[1] + `" is a column name in DuckDB SQL (Spark reads it as text): write '` + m[1] + `' for the text`
	}
	return ""
}

// withSparkHint adds sparkHint's advice, if any, to a failed or errored
// outcome of the statement sql.
func withSparkHint(o *outcome, sql string, err error) *outcome {
	if err == nil {
		return o
	}
	if h := sparkHint(sql, err.Error()); h != "" {
		if o.details == nil {
			o.details = &FailureDetails{}
		}
		o.details.Hint = h
	}
	return o
}
