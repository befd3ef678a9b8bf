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
