package engine

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
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
	exprs []expr
	keys  []string // exprs rendered in DuckDB: identical expressions are one
	index map[string]int
	users []string // rule and analyzer names served, in first-use order
	// served indexes users; cur is the user being planned, whom add
	// records in exprUsers[i] (the users of expression i), so that a
	// statement split into parts lists only the rules each part serves.
	served    map[string]bool
	cur       string
	exprUsers [][]string

	// groupingScan: the column set and one count per where clause.
	cols   []string
	wheres []string
	windex map[string]int

	// rowScan: the projected per-row expressions.
	projs  []expr
	pindex map[string]int

	// known are the expressions answered without the scan (Parquet footer
	// statistics, plan_metadata.go), fixed when the plan is built; the
	// statements leave them out.
	known map[int]sql.NullFloat64
}

// slot is one value a scan returns.
type slot struct {
	s *scan
	i int
}

func newScan(kind scanKind, from string) *scan {
	return &scan{kind: kind, from: from, index: map[string]int{}, windex: map[string]int{},
		served: map[string]bool{}, pindex: map[string]int{}}
}

func (s *scan) add(e expr) slot {
	key := duck(e)
	i, ok := s.index[key]
	if !ok {
		s.exprs = append(s.exprs, e)
		s.keys = append(s.keys, key)
		s.exprUsers = append(s.exprUsers, nil)
		i = len(s.exprs) - 1
		s.index[key] = i
	}
	if us := s.exprUsers[i]; s.cur != "" && (len(us) == 0 || us[len(us)-1] != s.cur) {
		s.exprUsers[i] = append(us, s.cur)
	}
	return slot{s, i}
}

// serve records that user's metrics come from this scan; expressions
// added next are attributed to user.
func (s *scan) serve(user string) {
	s.cur = user
	if !s.served[user] {
		s.served[user] = true
		s.users = append(s.users, user)
	}
}

// groupCount returns the per-group row count under a where clause ("" =
// all rows) in a grouping scan, as a name the outer aggregates read.
func (s *scan) groupCount(where string) expr {
	i, ok := s.windex[where]
	if !ok {
		s.wheres = append(s.wheres, where)
		i = len(s.wheres) - 1
		s.windex[where] = i
	}
	return sqlexpr.Name{Name: fmt.Sprintf("__n%d", i)}
}

// project adds a per-row expression to a row scan and returns its name.
func (s *scan) project(e expr) string {
	key := duck(e)
	if i, ok := s.pindex[key]; ok {
		return fmt.Sprintf("__r%d", i)
	}
	s.projs = append(s.projs, e)
	s.pindex[key] = len(s.projs) - 1
	return fmt.Sprintf("__r%d", len(s.projs)-1)
}

// allNullColumn is true for the group whose columns are all NULL; Deequ's
// frequency analyzers drop those rows (spec Appendix C).
const allNullColumn = "__allnull"

// sql renders the statement in dialect d, reading from (the scan's
// relation as that engine names it), with every expression, or only
// the expressions in only (one part, or one expression for the one-by-one
// fallback). A grouping scan computes only the per-where counts that the
// chosen expressions read. The error is an *sqlexpr.Unsupported when d
// cannot express one of them.
func (s *scan) sql(d *sqlexpr.Dialect, from string, only ...int) (string, error) {
	idx := only
	if idx == nil {
		for i := range s.exprs {
			idx = append(idx, i)
		}
	}
	return s.sqlOf(d, from, idx, func(i int) expr { return s.exprs[i] })
}

// sqlOf is sql with the expressions taken from exprAt instead of the
// plan, for a retry that rewrites one (overflowTolerant); the plan itself
// is never changed while it runs.
func (s *scan) sqlOf(d *sqlexpr.Dialect, from string, idx []int, exprAt func(int) expr) (string, error) {
	var b strings.Builder
	var err error
	render := func(n expr) string {
		t, e := d.Render(n)
		if e != nil && err == nil {
			err = e
		}
		return t
	}
	double := d.Types[sqlexpr.Double]
	b.WriteString("SELECT\n")
	for n, i := range idx {
		if n > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  CAST(%s AS %s) AS m%d", render(exprAt(i)), double, i)
	}
	b.WriteString("\nFROM ")
	switch s.kind {
	case aggregateScan:
		b.WriteString(from)
	case groupingScan:
		quoted := make([]string, len(s.cols))
		nulls := make([]string, len(s.cols))
		for i, c := range s.cols {
			quoted[i] = d.Ident(c)
			nulls[i] = quoted[i] + " IS NULL"
		}
		fmt.Fprintf(&b, "(\n  SELECT (%s) AS %s", strings.Join(nulls, " AND "), allNullColumn)
		for _, i := range s.wheresOf(idx) {
			fmt.Fprintf(&b, ",\n    %s AS __n%d", render(countRows(whereExpr(s.wheres[i]))), i)
		}
		fmt.Fprintf(&b, "\n  FROM %s\n  GROUP BY %s\n) AS __groups", from, strings.Join(quoted, ", "))
	case rowScan:
		b.WriteString("(\n  SELECT ")
		for i, p := range s.projs {
			if i > 0 {
				b.WriteString(",\n    ")
			}
			fmt.Fprintf(&b, "%s AS __r%d", render(p), i)
		}
		if len(s.projs) == 0 {
			b.WriteString("1 AS __r")
		}
		fmt.Fprintf(&b, "\n  FROM %s\n) AS __rows", from)
	}
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// duckSQL renders the statement for the embedded engine, which expresses
// everything the planner builds.
func (s *scan) duckSQL(only ...int) string {
	q, err := s.sql(duckDialect, s.from, only...)
	if err != nil {
		panic("internal error: " + err.Error())
	}
	return q
}

// Statement width bounds. DuckDB's working memory for one aggregate
// statement grows with the number of expressions it computes, outside the
// buffer manager (so --memory-limit does not cap it), and so does the
// time to plan it: a single statement of 20,000 aggregates took 700 MB and
// 50 s of CPU where 40 statements of 500 took 180 MB and 15 s (10,000
// rules with distinct where clauses on the 20k-row taxi sample; see
// bench/scale_test.go; widths from 100 to 1,000 cost the same CPU). A scan
// beyond the bounds is split into several statements, each a full pass
// over the data, so that each statement's memory stays fixed and the total
// grows linearly with the ruleset. Ordinary rulesets stay far below and
// keep the one scan.
const (
	// maxAggregates is the most expressions in one aggregate or grouping
	// statement.
	maxAggregates = 500
	// maxGroupCounts is the most per-where counts one grouping statement
	// computes per group (each widens every group's hash-table row).
	maxGroupCounts = 64
)

// parts splits the scan's expressions into statements of bounded width,
// as lists of expression indexes in order. Grouping scans are split by
// where clause, since the per-group counts are what widen them.
func (s *scan) parts() [][]int {
	n := len(s.exprs)
	if n == 0 {
		return nil
	}
	if len(s.known) == n {
		return nil // every value is known without the scan
	}
	if s.kind == rowScan {
		return [][]int{s.all()}
	}
	if s.kind == groupingScan && len(s.wheres) > maxGroupCounts {
		// Expressions go to the part of the where clause they read; the
		// parts then keep the expressions' order.
		byPart := map[int][]int{}
		var order []int
		for i := range s.exprs {
			k := 0
			if ws := s.wheresOf([]int{i}); len(ws) > 0 {
				k = ws[0] / maxGroupCounts
			}
			if _, ok := byPart[k]; !ok {
				order = append(order, k)
			}
			byPart[k] = append(byPart[k], i)
		}
		var out [][]int
		for _, k := range order {
			out = append(out, chunk(byPart[k], maxAggregates)...)
		}
		return out
	}
	return chunk(s.all(), maxAggregates)
}

func (s *scan) all() []int {
	idx := make([]int, 0, len(s.exprs))
	for i := range s.exprs {
		if _, ok := s.known[i]; !ok {
			idx = append(idx, i)
		}
	}
	return idx
}

func chunk(idx []int, size int) [][]int {
	var out [][]int
	for len(idx) > size {
		out = append(out, idx[:size:size])
		idx = idx[size:]
	}
	return append(out, idx)
}

// partUsers lists the rules and analyzers a part serves, in the scan's
// first-use order.
func (s *scan) partUsers(part []int) []string {
	if len(part) == len(s.exprs) {
		return s.users
	}
	in := map[string]bool{}
	for _, i := range part {
		for _, u := range s.exprUsers[i] {
			in[u] = true
		}
	}
	var out []string
	for _, u := range s.users {
		if in[u] {
			out = append(out, u)
		}
	}
	return out
}

// wheresOf returns the indexes of the per-where counts (__n<i>) that the
// given expressions of a grouping scan read, ascending.
func (s *scan) wheresOf(idx []int) []int {
	if len(idx) == len(s.exprs) {
		all := make([]int, len(s.wheres))
		for i := range all {
			all[i] = i
		}
		return all
	}
	seen := map[int]bool{}
	for _, i := range idx {
		e := s.keys[i]
		for {
			j := strings.Index(e, "__n")
			if j < 0 {
				break
			}
			e = e[j+3:]
			k := 0
			for k < len(e) && e[k] >= '0' && e[k] <= '9' {
				k++
			}
			if k > 0 {
				if w, err := strconv.Atoi(e[:k]); err == nil && w < len(s.wheres) {
					seen[w] = true
				}
			}
		}
	}
	out := make([]int, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}
