package engine

import (
	"strings"
)

// column and relation are the evaluator's view of a registered dataset:
// the SQL text to select from and its schema. Keeping them private lets the
// planner be tested without a session.
type column struct {
	name, typ string
}

type relation struct {
	alias   string   // the DQDL alias, e.g. "primary"
	from    string   // SQL text usable after FROM
	columns []column // in schema order
}

func (r *relation) lookup(name string) (column, bool) {
	for _, c := range r.columns {
		if c.name == name { // case-sensitive, as Deequ (spec §18 #28)
			return c, true
		}
	}
	return column{}, false
}

// typeClass groups DuckDB type names by what the rules can do with them.
type typeClass int

const (
	classOther typeClass = iota
	classNumeric
	classString
	classBoolean
	classDate
	classTimestamp   // naive timestamps, read as UTC (spec §18 #30)
	classTimestampTZ // instants
)

// TypeKind names the kind of a DuckDB column type as the rules see it:
// "numeric", "string", "boolean", "date", "timestamp" (naive, read as UTC),
// "timestamptz", or "other". Packages that judge columns the way the engine
// does (the profiler) use it instead of keeping their own type lists.
func TypeKind(typ string) string {
	return [...]string{"other", "numeric", "string", "boolean", "date", "timestamp", "timestamptz"}[classify(typ)]
}

func classify(typ string) typeClass {
	t := strings.ToUpper(typ)
	switch {
	case strings.HasPrefix(t, "DECIMAL"), strings.HasPrefix(t, "NUMERIC"):
		return classNumeric
	case strings.HasPrefix(t, "TIMESTAMP WITH TIME ZONE"), t == "TIMESTAMPTZ":
		return classTimestampTZ
	case strings.HasPrefix(t, "TIMESTAMP"), t == "DATETIME":
		return classTimestamp
	}
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "REAL", "DOUBLE", "INT", "INT1", "INT2", "INT4", "INT8":
		return classNumeric
	case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR":
		return classString
	case "BOOLEAN", "BOOL":
		return classBoolean
	case "DATE":
		return classDate
	}
	return classOther
}

// numericTypeList is what Deequ's "Expected type of column ..." message
// lists, in DuckDB's vocabulary.
const numericTypeList = "TINYINT,SMALLINT,INTEGER,BIGINT,HUGEINT,UTINYINT,USMALLINT,UINTEGER,UBIGINT,UHUGEINT,FLOAT,DOUBLE,DECIMAL"

// Metric keys follow Glue's <Entity>.<Instance>.<Name> naming (spec §6).
func datasetMetric(name string) string     { return "Dataset.*." + name }
func columnMetric(col, name string) string { return "Column." + col + "." + name }
func multiMetric(cols []string, name string) string {
	if len(cols) == 1 {
		return columnMetric(cols[0], name)
	}
	return "Multicolumn." + strings.Join(cols, ",") + "." + name
}

// analyzerName renders a Deequ-style analyzer description for empty-state
// messages, e.g. Mean(fare,None). Deequ prints its Scala case classes; we
// print the name, the column(s) and the where clause, which is what a user
// needs to find the rule.
func analyzerName(kind string, cols []string, where string) string {
	w := "None"
	if where != "" {
		w = "Some(" + where + ")"
	}
	return kind + "(" + strings.Join(cols, ",") + "," + w + ")"
}

func emptyStateMessage(kind string, cols []string, where string) string {
	return "Empty state for analyzer " + analyzerName(kind, cols, where) + ", all input values were NULL."
}

func missingColumnMessage(col string) string {
	return "Input data does not include column " + col + "!"
}

func wrongTypeMessage(col, want, got string) string {
	return "Expected type of column " + col + " to be one of (" + want + "), but found " + got + " instead!"
}
