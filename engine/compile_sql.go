package engine

import "strings"

// filtered adds a FILTER clause for a where predicate (and an extra
// condition), so that every where clause shares the one scan.
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
	return agg + " FILTER (WHERE " + strings.Join(parts, " AND ") + ")"
}

// orTrue makes a nullable boolean SQL predicate two-valued: NULL counts as
// failing, as in Deequ's compliance (only TRUE rows comply).
func isTrue(pred string) string { return "coalesce((" + pred + "), false)" }

// sparkIdentifiers turns Spark's `backtick` identifiers into DuckDB's
// "double-quoted" ones outside string literals, because Glue users quote
// awkward column names in where clauses that way and DuckDB has no
// backtick quoting.
func sparkIdentifiers(expr string) string {
	if !strings.Contains(expr, "`") {
		return expr
	}
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				j++
			}
			if j >= len(expr) {
				j = len(expr) - 1
			}
			b.WriteString(expr[i : j+1])
			i = j
		case '`':
			j := strings.IndexByte(expr[i+1:], '`')
			if j < 0 {
				b.WriteString(expr[i:])
				return b.String()
			}
			b.WriteString(QuoteIdent(expr[i+1 : i+1+j]))
			i += j + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
