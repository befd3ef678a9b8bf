package engine

import (
	"database/sql"
	"fmt"
	"strings"
)

// scanKind says what shape of statement a scan compiles to.
type scanKind int

const (
	// aggregateScan is the fused scan: every scan-shareable aggregate of
	// the primary dataset in one SELECT, where clauses as FILTERs.
	aggregateScan scanKind = iota
	// groupingScan is one GROUP BY per distinct column set, with one
	// filtered count per where clause, and aggregates over the groups.
	groupingScan
	// rowScan aggregates over a per-row projection, for checks that need
	// window functions or the user's SQL (row-mode composites, CustomSql
	// row mode).
	rowScan
)

func (k scanKind) String() string {
	return [...]string{"aggregate", "grouping", "row"}[k]
}

// scan is one SELECT that returns a single row of DOUBLEs. Metrics ask it
// for aggregate expressions with add; identical expressions are computed
// once, which is what deduplicates metrics across rules.
type scan struct {
	kind  scanKind
	from  string
	exprs []string
	index map[string]int
	users []string // rule and analyzer names served, in first-use order

	// groupingScan: the column set and one count per where clause.
	cols   []string
	wheres []string
	windex map[string]int

	// rowScan: the projected per-row expressions.
	projs []string

	vals []sql.NullFloat64
	errs []error // per expression; set when the expression could not be computed
}

// slot is one value a scan returns.
type slot struct {
	s *scan
	i int
}

func newScan(kind scanKind, from string) *scan {
	return &scan{kind: kind, from: from, index: map[string]int{}, windex: map[string]int{}}
}

func (s *scan) add(expr string) slot {
	if i, ok := s.index[expr]; ok {
		return slot{s, i}
	}
	s.exprs = append(s.exprs, expr)
	s.index[expr] = len(s.exprs) - 1
	return slot{s, len(s.exprs) - 1}
}

func (s *scan) serve(user string) {
	for _, u := range s.users {
		if u == user {
			return
		}
	}
	s.users = append(s.users, user)
}

// groupCount returns the name of the per-group row count under a where
// clause ("" = all rows) in a grouping scan.
func (s *scan) groupCount(where string) string {
	i, ok := s.windex[where]
	if !ok {
		s.wheres = append(s.wheres, where)
		i = len(s.wheres) - 1
		s.windex[where] = i
	}
	return fmt.Sprintf("__n%d", i)
}

// project adds a per-row expression to a row scan and returns its name.
func (s *scan) project(expr string) string {
	for i, p := range s.projs {
		if p == expr {
			return fmt.Sprintf("__r%d", i)
		}
	}
	s.projs = append(s.projs, expr)
	return fmt.Sprintf("__r%d", len(s.projs)-1)
}

// allNullColumn is true for the group whose columns are all NULL; Deequ's
// frequency analyzers drop those rows (spec Appendix C).
const allNullColumn = "__allnull"

// sql renders the statement with every expression, or only the
// expressions in only (for the one-by-one fallback).
func (s *scan) sql(only ...int) string {
	idx := only
	if idx == nil {
		for i := range s.exprs {
			idx = append(idx, i)
		}
	}
	var b strings.Builder
	b.WriteString("SELECT\n")
	for n, i := range idx {
		if n > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  CAST(%s AS DOUBLE) AS m%d", s.exprs[i], i)
	}
	b.WriteString("\nFROM ")
	switch s.kind {
	case aggregateScan:
		b.WriteString(s.from)
	case groupingScan:
		quoted := make([]string, len(s.cols))
		nulls := make([]string, len(s.cols))
		for i, c := range s.cols {
			quoted[i] = QuoteIdent(c)
			nulls[i] = quoted[i] + " IS NULL"
		}
		fmt.Fprintf(&b, "(\n  SELECT (%s) AS %s", strings.Join(nulls, " AND "), allNullColumn)
		for i, w := range s.wheres {
			fmt.Fprintf(&b, ",\n    %s AS __n%d", filtered("count(*)", w), i)
		}
		fmt.Fprintf(&b, "\n  FROM %s\n  GROUP BY %s\n) AS __groups", s.from, strings.Join(quoted, ", "))
	case rowScan:
		b.WriteString("(\n  SELECT ")
		for i, p := range s.projs {
			if i > 0 {
				b.WriteString(",\n    ")
			}
			fmt.Fprintf(&b, "%s AS __r%d", p, i)
		}
		if len(s.projs) == 0 {
			b.WriteString("1 AS __r")
		}
		fmt.Fprintf(&b, "\n  FROM %s\n) AS __rows", s.from)
	}
	return b.String()
}
