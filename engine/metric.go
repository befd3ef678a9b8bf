package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dqlabs/dq/dqdl"
)

// column and relation are the evaluator's view of a registered dataset:
// the SQL text to select from and its schema. Keeping them private lets the
// planner be tested without a session.
type column struct {
	name, typ string // name is the relation's column, as generated SQL names it
	// ref is the name as the rule wrote it, when it differs from name only
	// by case: metrics and messages use it, as Glue reports a column under
	// the name the rule gives (Deequ keys analyzers by the rule's text).
	ref string
	// orig is the name the source gave a column that DuckDB renamed because
	// it differs only by case from an earlier one ("A" read as "A_1").
	orig string
}

// label is the name metrics and messages use.
func (c column) label() string {
	if c.ref != "" {
		return c.ref
	}
	return c.name
}

// sourceName is the column's name in the source, before DuckDB renamed a
// case-variant duplicate.
func (c column) sourceName() string {
	if c.orig != "" {
		return c.orig
	}
	return c.name
}

// describe names the column for a message, with DuckDB's rename if any.
func (c column) describe() string {
	if c.orig != "" {
		return c.orig + " (read as " + c.name + ")"
	}
	return c.name
}

type relation struct {
	alias   string   // the DQDL alias, e.g. "primary"
	from    string   // SQL text usable after FROM
	columns []column // in schema order
}

// newRelation builds a relation and marks the columns DuckDB renamed on
// read. DuckDB, like Spark, resolves identifiers without case, so a source
// with columns "a" and "A" is read as "a" and "A_1"; remembering "A" lets a
// rule that names it find it, and a rule that names "A" loosely be refused
// as ambiguous rather than silently bound to "a".
func newRelation(alias, from string, cols []column) *relation {
	r := &relation{alias: alias, from: from, columns: cols}
	for i := range r.columns {
		c := &r.columns[i]
		base, ok := renamedBase(c.name)
		if !ok {
			continue
		}
		for _, prev := range r.columns[:i] {
			if prev.name != base && strings.EqualFold(prev.sourceName(), base) {
				c.orig = base
				break
			}
		}
	}
	return r
}

// renamedBase splits DuckDB's deduplicated name "A_1" into "A".
func renamedBase(name string) (string, bool) {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || i == len(name)-1 {
		return "", false
	}
	for _, r := range name[i+1:] {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return name[:i], true
}

// resolveError says why a column name did not resolve.
type resolveError struct {
	name       string
	ambiguous  []column // two or more columns equal to name ignoring case
	suggestion []string // close names, for a missing column
}

// outcome is the rule's verdict on an unresolved column: an ambiguous name
// is an ERROR (the data, not the rule, is at fault and no choice is safe);
// a missing one FAILs with Glue's message, and the suggestion goes to the
// result's FailureDetails so that message stays Glue's.
func (e *resolveError) outcome(missing string) *outcome {
	if len(e.ambiguous) > 0 {
		names := make([]string, len(e.ambiguous))
		for i, c := range e.ambiguous {
			names[i] = c.describe()
		}
		return errored(fmt.Sprintf("Column name %s is ambiguous: the data has columns %s, which differ only by case. Name one of them exactly.",
			e.name, strings.Join(names, " and ")))
	}
	o := failed(missing)
	if len(e.suggestion) > 0 {
		o.details = &FailureDetails{Hint: didYouMean(e.suggestion)}
	}
	return o
}

func didYouMean(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "did you mean " + strings.Join(q, " or ") + "?"
}

// lookup resolves a column name the way Spark does with
// spark.sql.caseSensitive=false (Glue's default): an exact match wins;
// otherwise the one column equal to it ignoring case. Glue crawlers
// lower-case names, so rules written against the source database's
// camelCase names must still find them.
func (r *relation) lookup(name string) (column, *resolveError) {
	var fold []column
	for _, c := range r.columns {
		if c.sourceName() == name || c.name == name {
			if c.name != name {
				c.ref = name
			}
			return c, nil
		}
		if strings.EqualFold(c.sourceName(), name) {
			fold = append(fold, c)
		}
	}
	switch len(fold) {
	case 1:
		c := fold[0]
		c.ref = name
		return c, nil
	case 0:
		return column{}, &resolveError{name: name, suggestion: r.closeNames(name)}
	}
	return column{}, &resolveError{name: name, ambiguous: fold}
}

// closeNames are the columns a misspelt name probably meant: those within
// a small edit distance (ignoring case), or sharing a prefix of at least
// three characters with it. At most three, closest first.
func (r *relation) closeNames(name string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	ln := strings.ToLower(name)
	limit := 1 + utf8.RuneCountInString(name)/4
	for _, c := range r.columns {
		n := c.sourceName()
		l := strings.ToLower(n)
		d := editDistance(ln, l)
		prefix := len(ln) >= 3 && len(l) >= 3 && (strings.HasPrefix(l, ln) || strings.HasPrefix(ln, l))
		if d <= limit || prefix {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance in runes (dqdl's, which its
// rule-type suggestions use).
func editDistance(a, b string) int { return dqdl.EditDistance(a, b) }

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
