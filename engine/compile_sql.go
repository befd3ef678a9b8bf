package engine

import (
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// filtered restricts an aggregate call agg to the rows where every
// condition holds (a where clause, an extra condition), so that every where
// clause shares the one scan. agg must be a call of an aggregate that
// ignores NULL inputs (count, sum, avg, min, max, stddev_pop, var_pop,
// corr...), possibly count(*).
//
// The condition goes inside the arguments — fn(CASE WHEN cond THEN x END),
// count(*) as count(CASE WHEN cond THEN 1 END) — rather than into a FILTER
// clause. The two agree for such aggregates, but DuckDB gives every
// FILTERed aggregate its own copy of a vector chunk holding all the
// statement's aggregate inputs, so n filtered aggregates cost memory in n²
// (600 where clauses took 2 GB on a 3-row file, outside --memory-limit);
// CASE costs one vector per aggregate. The THEN branch is evaluated only
// on the rows the condition selects, as FILTER's rows are.
func filtered(agg string, conds ...string) string {
	var parts []string
	for _, c := range conds {
		if c != "" {
			parts = append(parts, "("+c+")")
		}
	}
	if len(parts) == 0 {
		return agg
	}
	cond := strings.Join(parts, " AND ")
	open := strings.IndexByte(agg, '(')
	if open < 0 || !strings.HasSuffix(agg, ")") {
		return agg + " FILTER (WHERE " + cond + ")"
	}
	fn, inner := agg[:open], agg[open+1:len(agg)-1]
	if strings.TrimSpace(inner) == "*" {
		return fn + "(CASE WHEN " + cond + " THEN 1 END)"
	}
	args := splitArgs(inner)
	for i, a := range args {
		args[i] = "CASE WHEN " + cond + " THEN " + strings.TrimSpace(a) + " END"
	}
	return fn + "(" + strings.Join(args, ", ") + ")"
}

// quotedEnd returns the index of the quote closing the 'string literal' or
// "quoted identifier" that opens at s[open] (a doubled quote stays
// inside), or len(s) when it is not closed. The SQL scanners here skip
// quoted text with it, so that a comma or parenthesis inside never counts.
func quotedEnd(s string, open int) int {
	q := s[open]
	for j := open + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j
		}
	}
	return len(s)
}

// splitArgs splits a SQL argument list at its top-level commas: not inside
// parentheses, 'string literals' or "quoted identifiers".
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			i = quotedEnd(s, i)
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// orTrue makes a nullable boolean SQL predicate two-valued: NULL counts as
// failing, as in Deequ's compliance (only TRUE rows comply).
func isTrue(pred string) string { return "coalesce((" + pred + "), false)" }

// sparkIdentifiers turns Spark's `backtick` identifiers into DuckDB's
// "double-quoted" ones outside string literals, because Glue users quote
// awkward column names in where clauses that way and DuckDB has no
// backtick quoting.
func sparkIdentifiers(expr string) string {
	return sqlexpr.SparkIdentifiers(expr, `"`)
}
