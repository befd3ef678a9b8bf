package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Row-group skipping.
//
// What the footers do not answer for the whole dataset they may still
// answer for most of its row groups: a ColumnValues bound that a few
// groups break, a DataFreshness age that only the latest groups straddle.
// When every expression the aggregate scan has left is of a kind the
// footers can decide (count(*), count(c), min(c), max(c), and the counts
// of rows meeting a rule's comparison: see plan_metadata.go), each row
// group for which the footers decide all of them is left out of the scan
// and contributes from its statistics: counts add, minimums and maximums
// combine. The scan reads the other row groups only, through DuckDB's
// file_row_number, whose ranges DuckDB uses to skip row groups unread.
// Both parts are exact, so the results are those of a full scan. A scan
// with any other expression (a sum, a mean, a pattern) reads every row
// group, since it needs them all anyway.

// rowGroupScan is the aggregate scan narrowed to some row groups.
type rowGroupScan struct {
	// from reads the row groups to scan, in place of the relation.
	from string
	// partial are the other row groups' contributions, by expression.
	partial        map[int]partialAgg
	scanned, total int // row groups
}

// partialAgg is a contribution to one expression: added (counts) or
// combined by min or max; null when the skipped groups hold no value.
type partialAgg struct {
	fn   sqlexpr.Func
	v    float64
	null bool
}

// maxRangeReads bounds the row-group ranges one scan reads (each is a
// read of the files in a UNION ALL); beyond it, the closest ranges are
// joined by also scanning the decided groups between them.
const maxRangeReads = 32

// maxFooterReads bounds ranges × files: the footers the narrowed query
// binds.
const maxFooterReads = 2000

// planRowGroups plans the aggregate scan's row-group skipping (see above),
// or answers the expressions left when every row group is decided.
func (pl *planner) planRowGroups(ctx context.Context, ff *footerFacts) {
	s := pl.plan.agg
	if ff.read == "" || !strings.HasSuffix(ff.read, ")") || ff.ds.RowGroups < 2 || len(ff.ds.Spans) != ff.ds.RowGroups {
		return
	}
	for _, c := range ff.rel.columns {
		if strings.EqualFold(c.name, "file_row_number") || strings.EqualFold(c.name, rowGroupFileColumn) {
			return // the reader's extra columns would shadow it
		}
	}
	var left []int
	fns := map[int]sqlexpr.Func{}
	for i, e := range s.exprs {
		if _, ok := s.known[i]; ok {
			continue
		}
		fn, ok := ff.decidable(e)
		if !ok {
			return // the scan reads every row group for this one
		}
		left = append(left, i)
		fns[i] = fn
	}
	if len(left) == 0 {
		return
	}
	groups := make([]int, ff.ds.RowGroups)
	for g := range groups {
		groups[g] = g
	}
	verdicts := ff.decide(ctx, pl.q, s.exprs, left, groups)
	scan := make([]bool, len(groups))
	for g := range groups {
		for _, i := range left {
			if _, ok := verdicts[verdictKey{i, g}]; !ok {
				scan[g] = true
				break
			}
		}
	}
	ranges := groupRanges(ff, scan)
	for len(ranges) > maxRangeReads {
		// Join the two closest ranges of a file: their gap is scanned.
		best, gap := -1, int64(math.MaxInt64)
		for k := 0; k+1 < len(ranges); k++ {
			a, b := ranges[k], ranges[k+1]
			if a.file == b.file && b.first-(a.first+a.rows) < gap {
				best, gap = k, b.first-(a.first+a.rows)
			}
		}
		if best < 0 {
			return // one range per file is still too many: scan everything
		}
		for g := ranges[best].lastGroup + 1; g < ranges[best+1].firstGroup; g++ {
			scan[g] = true
		}
		ranges = groupRanges(ff, scan)
	}
	// Each range reads the files' footers again when DuckDB binds it
	// (union_by_name): with many files, that costs more than it saves.
	if len(ranges)*len(ff.files) > maxFooterReads {
		return
	}
	partial := map[int]partialAgg{}
	scanned := 0
	for g := range groups {
		if scan[g] {
			scanned++
			continue
		}
		for _, i := range left {
			v := verdicts[verdictKey{i, g}]
			p, seen := partial[i]
			if !seen {
				p = partialAgg{fn: fns[i], null: true}
			}
			partial[i] = p.add(v)
		}
	}
	if scanned == len(groups) {
		return
	}
	if scanned == 0 {
		// Every row group is decided: so is every expression.
		for _, i := range left {
			p := partial[i]
			s.answer(i, p.v, p.null)
		}
		return
	}
	pl.plan.rowGroups = &rowGroupScan{from: ff.rangesSQL(ranges), partial: partial, scanned: scanned, total: len(groups)}
}

// decidable says whether the footers can decide e for a row group, and
// how row groups' values combine.
func (ff *footerFacts) decidable(e expr) (sqlexpr.Func, bool) {
	a, ok := e.(sqlexpr.Agg)
	if !ok || len(a.Args) != 1 {
		return "", false
	}
	if a.Filter != nil {
		return sqlexpr.Count, ff.comparison(e, ff.now) != nil
	}
	switch arg := a.Args[0].(type) {
	case sqlexpr.Star:
		return sqlexpr.Count, a.Fn == sqlexpr.Count
	case sqlexpr.Col:
		st, c := ff.column(arg.Name)
		if st == nil {
			return "", false
		}
		switch a.Fn {
		case sqlexpr.Count:
			return a.Fn, true
		case sqlexpr.Min, sqlexpr.Max:
			return a.Fn, classify(c.typ) == classNumeric
		}
	}
	return "", false
}

// add combines one row group's value into the contribution.
func (p partialAgg) add(v verdict) partialAgg {
	if p.fn == sqlexpr.Count {
		if p.null {
			p.v, p.null = 0, false
		}
		p.v += v.v
		return p
	}
	if v.null {
		return p
	}
	if p.null || (p.fn == sqlexpr.Min && v.v < p.v) || (p.fn == sqlexpr.Max && v.v > p.v) {
		p.v, p.null = v.v, false
	}
	return p
}

// merge combines the scanned row groups' value with the contribution.
func (p partialAgg) merge(scanned sql.NullFloat64) sql.NullFloat64 {
	if p.fn == sqlexpr.Count {
		if !scanned.Valid {
			scanned = sql.NullFloat64{Valid: true}
		}
		if !p.null {
			scanned.Float64 += p.v
		}
		return scanned
	}
	if p.null {
		return scanned
	}
	if !scanned.Valid || (p.fn == sqlexpr.Min && p.v < scanned.Float64) || (p.fn == sqlexpr.Max && p.v > scanned.Float64) {
		return sql.NullFloat64{Float64: p.v, Valid: true}
	}
	return scanned
}

// groupRange is consecutive row groups of one file to scan.
type groupRange struct {
	file                  int
	first, rows           int64
	firstGroup, lastGroup int
}

func groupRanges(ff *footerFacts, scan []bool) []groupRange {
	var out []groupRange
	for g, yes := range scan {
		if !yes {
			continue
		}
		sp := ff.ds.Spans[g]
		if n := len(out); n > 0 && out[n-1].file == sp.File && out[n-1].lastGroup == g-1 {
			out[n-1].rows += sp.Rows
			out[n-1].lastGroup = g
			continue
		}
		out = append(out, groupRange{file: sp.File, first: sp.First, rows: sp.Rows, firstGroup: g, lastGroup: g})
	}
	return out
}

// rowGroupFileColumn names each row's file in the narrowed read.
const rowGroupFileColumn = "__dq_rg_file"

// rangesSQL reads the ranges as the view reads the files (the same
// reader, options and conversions), one UNION ALL branch per range: a
// filter on the file name and file_row_number, which DuckDB applies to
// skip files and row groups, where an OR of ranges would read them all.
func (ff *footerFacts) rangesSQL(ranges []groupRange) string {
	read := strings.TrimSuffix(ff.read, ")") + ", filename = " + QuoteString(rowGroupFileColumn) + ", file_row_number = true)"
	var parts []string
	for _, r := range ranges {
		parts = append(parts, fmt.Sprintf("%s WHERE %s = %s AND file_row_number BETWEEN %d AND %d",
			read, QuoteIdent(rowGroupFileColumn), QuoteString(ff.files[r.file]), r.first, r.first+r.rows-1))
	}
	return "(" + strings.Join(parts, "\nUNION ALL ") + ") AS __dq_row_groups"
}

// note says what row-group skipping does, for dq explain.
func (r *rowGroupScan) note() string {
	return fmt.Sprintf("row groups: the aggregate query reads %d of %d row groups; the Parquet statistics decide the others", r.scanned, r.total)
}

// run runs the aggregate scan s over the row groups to scan and adds the
// others' contributions.
func (r *rowGroupScan) run(ctx context.Context, x *executor, st *scanned, s *scan, step func()) error {
	narrow := *x
	narrow.relations = map[string]string{s.from: r.from}
	if err := s.run(ctx, &narrow, st, step); err != nil {
		return err
	}
	vals, errs := st.vals[s], st.errs[s]
	for i, p := range r.partial {
		if errs != nil && errs[i] != nil {
			continue
		}
		vals[i] = p.merge(vals[i])
	}
	return nil
}
