package recommend

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// aggregate collects the expressions of one fused SELECT and, for each,
// where its value goes. Keeping the expression next to its destination
// is what lets one query serve every column without index bookkeeping.
type aggregate struct {
	exprs []string
	sets  []func(any) error
}

func (a *aggregate) add(expr string, set func(any) error) {
	a.exprs = append(a.exprs, expr)
	a.sets = append(a.sets, set)
}

func (a *aggregate) sql(from string) string {
	return "SELECT " + strings.Join(a.exprs, ",\n  ") + "\nFROM " + from
}

// run executes the SELECT, which must return exactly one row.
func (a *aggregate) run(ctx context.Context, s *engine.Session, from string) error {
	vals := make([]any, len(a.exprs))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := s.Conn().QueryRowContext(ctx, a.sql(from)).Scan(ptrs...); err != nil {
		return err
	}
	for i, v := range vals {
		if err := a.sets[i](v); err != nil {
			return fmt.Errorf("reading %s: %w", a.exprs[i], err)
		}
	}
	return nil
}

// parseTypes are the DQDL types a string column is tested against, in
// Parses field order.
var parseTypes = []string{"Integer", "Double", "Boolean", "Date", "Timestamp"}

// profileBatch is how many columns one profiling statement covers. Each
// column adds a dozen aggregates, and DuckDB's memory for a statement grows
// with its aggregates outside the buffer manager (count(DISTINCT) keeps a
// hash table per column), so one statement over 3,000 columns took 6.7 GB;
// batches keep each statement's memory fixed. Tables up to this width keep
// the one scan.
const profileBatch = 100

// runAggregate is the scan behind most of the profile: one statement per
// profileBatch columns. The inner projection renames the columns c0, c1,
// ... (so that no source name can collide with the helper columns) and
// adds f<i>, the finite DOUBLE view of each numeric column.
func runAggregate(ctx context.Context, s *engine.Session, ds *engine.Dataset, p *Profile, approx bool) error {
	for start := 0; start == 0 || start < len(p.Columns); start += profileBatch {
		var a aggregate
		if start == 0 {
			// First, so that p.Rows is known when the columns' setters run.
			a.add("count(*)", func(v any) error { return setInt(&p.Rows, v) })
		}
		inner := addColumns(&a, p, start, min(start+profileBatch, len(p.Columns)), approx)
		from := ds.Relation
		if len(inner) > 0 {
			from = "(SELECT " + strings.Join(inner, ", ") + " FROM " + ds.Relation + ")"
		}
		if err := a.run(ctx, s, from); err != nil {
			return err
		}
	}
	return nil
}

// addColumns adds the statistics of the columns from index first to end
// (exclusive) and returns the inner projection they read.
func addColumns(a *aggregate, p *Profile, first, end int, approx bool) []string {
	var inner []string
	for i := first; i < end; i++ {
		c := p.Columns[i]
		q := fmt.Sprintf(`"c%d"`, i)
		inner = append(inner, engine.QuoteIdent(c.Name)+" AS "+q)
		a.add("count("+q+")", func(v any) error {
			// Setters run in order, so p.Rows is already known here.
			var nonNull int64
			err := setInt(&nonNull, v)
			c.Rows, c.Nulls = p.Rows, p.Rows-nonNull
			return err
		})
		distinct := "count(DISTINCT " + q + ")"
		if approx {
			distinct = "approx_count_distinct(" + q + ")"
		}
		a.add(distinct, func(v any) error { return setInt(&c.Distinct, v) })

		switch c.Class {
		case Numeric:
			fin := fmt.Sprintf(`"f%d"`, i)
			d := "CAST(" + engine.QuoteIdent(c.Name) + " AS DOUBLE)"
			if isFloat(c.Type) {
				d = "CASE WHEN isfinite(" + d + ") THEN " + d + " END"
			}
			inner = append(inner, d+" AS "+fin)
			addNumeric(a, c, q, fin)
		case String:
			addString(a, c, q, engine.Column{Name: fmt.Sprintf("c%d", i), Type: c.Type})
		}
		if c.Class == String || c.Class == Boolean || c.Class == Temporal {
			a.add("CAST(min("+q+") AS VARCHAR)", func(v any) error { return setString(&c.Min, v) })
			a.add("CAST(max("+q+") AS VARCHAR)", func(v any) error { return setString(&c.Max, v) })
		}
	}
	return inner
}

// addNumeric adds a numeric column's statistics. fin is the column as a
// DOUBLE with NaN and ±Infinity turned into NULL (computed once per row in
// the inner projection): aggregating it needs no FILTER clause, which
// DuckDB evaluates separately for every aggregate and which made the scan
// several times slower.
func addNumeric(a *aggregate, c *ColumnProfile, q, fin string) {
	st := &NumericStats{}
	a.add("count("+q+") - count("+fin+")", func(v any) error { return setInt(&st.NonFinite, v) })
	var null bool
	// min decides whether there was any finite value at all; the others
	// are then non-NULL too.
	a.add("min("+fin+")", func(v any) error {
		if v == nil {
			null = true
			return nil
		}
		c.Numeric = st
		return setFloat(&st.Min, v)
	})
	for _, m := range []struct {
		expr string
		dst  *float64
	}{
		{"max(" + fin + ")", &st.Max},
		{"avg(" + fin + ")", &st.Mean},
		// covar_pop(x, x) runs the same Welford update as stddev_pop
		// but returns +Inf where stddev_pop raises "out of range" (finite
		// values near ±1e308 overflow the squared deviations): one such
		// column must not take the whole profile down.
		{"sqrt(covar_pop(" + fin + ", " + fin + "))", &st.StdDev},
		{"sum(" + fin + ")", &st.Sum},
	} {
		a.add(m.expr, func(v any) error {
			if null {
				return nil
			}
			return setFloat(m.dst, v)
		})
	}
	a.add("approx_quantile("+fin+", [0.25, 0.5, 0.75])", func(v any) error {
		if null {
			return nil
		}
		l, ok := v.([]any)
		if !ok || len(l) != 3 {
			return fmt.Errorf("want a list of 3 quantiles, got %T", v)
		}
		for i, dst := range []*float64{&st.Q25, &st.Q50, &st.Q75} {
			if err := setFloat(dst, l[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// addString adds a string column's statistics; col is the column as the
// aggregate's FROM names it.
func addString(a *aggregate, c *ColumnProfile, q string, col engine.Column) {
	ls := &LengthStats{}
	l := "length(" + q + ")"
	a.add("min("+l+")", func(v any) error {
		if v == nil {
			return nil
		}
		c.Length = ls
		return setInt(&ls.Min, v)
	})
	a.add("max("+l+")", func(v any) error {
		if v == nil {
			return nil
		}
		return setInt(&ls.Max, v)
	})
	a.add("avg("+l+")", func(v any) error {
		if v == nil {
			return nil
		}
		return setFloat(&ls.Mean, v)
	})
	ps := &Parses{}
	dst := []*bool{&ps.Integer, &ps.Double, &ps.Boolean, &ps.Date, &ps.Timestamp}
	for i, typ := range parseTypes {
		pred, err := engine.DataTypePredicate(col, typ)
		if err != nil {
			// Every type in parseTypes is one ColumnDataType knows.
			panic(fmt.Sprintf("recommend: DataTypePredicate(%s): %v", typ, err))
		}
		// true iff every non-NULL value passes (bool_and skips the NULLs);
		// NULL when there is no value.
		a.add("bool_and(CASE WHEN "+q+" IS NOT NULL THEN coalesce("+pred+", false) END)", func(v any) error {
			*dst[i], _ = v.(bool)
			return nil
		})
	}
	// Keep Parses (all false) for every string column with values, so the
	// JSON says "checked, nothing parses" rather than nothing.
	a.add("count("+q+") > 0", func(v any) error {
		if ok, _ := v.(bool); ok {
			c.Parses = ps
		}
		return nil
	})
}

// runHistograms counts the values of low-cardinality columns in one scan,
// with GROUPING SETS: DuckDB aggregates every set in the same pass.
func runHistograms(ctx context.Context, s *engine.Session, ds *engine.Dataset, p *Profile, opts ProfileOptions) error {
	limit := int64(opts.maxCategories())
	if opts.Approx {
		// DuckDB's HyperLogLog can be 20% off on small counts; ask for
		// more and drop the histograms that turn out too long.
		limit += limit/2 + 10
	}
	var cols []*ColumnProfile
	for _, c := range p.Columns {
		if c.Class != Other && c.Distinct > 0 && c.Distinct <= limit {
			cols = append(cols, c)
		}
	}
	// GROUPING_ID is a 64-bit mask: one bit per column.
	for len(cols) > 0 {
		n := min(len(cols), 62)
		if err := histogramBatch(ctx, s, ds, cols[:n]); err != nil {
			return err
		}
		cols = cols[n:]
	}
	for _, c := range p.Columns {
		if c.Histogram == nil {
			continue
		}
		if opts.Approx {
			c.Distinct, c.DistinctExact = int64(len(c.Histogram)), true
		}
		if len(c.Histogram) > opts.maxCategories() {
			c.Histogram = nil
		}
	}
	return nil
}

func histogramBatch(ctx context.Context, s *engine.Session, ds *engine.Dataset, cols []*ColumnProfile) error {
	var sel, keys, sets []string
	for _, c := range cols {
		q := engine.QuoteIdent(c.Name)
		keys = append(keys, q)
		sets = append(sets, "("+q+")")
		num := "NULL"
		if c.Class == Numeric {
			num = "CAST(" + q + " AS DOUBLE)"
		}
		sel = append(sel, "CAST("+q+" AS VARCHAR)", num)
	}
	query := "SELECT GROUPING_ID(" + strings.Join(keys, ", ") + "), count(*), " + strings.Join(sel, ", ") +
		"\nFROM " + ds.Relation + "\nGROUP BY GROUPING SETS (" + strings.Join(sets, ", ") + ")"
	rows, err := s.Conn().QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := len(cols)
	vals := make([]any, 2+2*n)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		var g, count int64
		if err := setInt(&g, vals[0]); err != nil {
			return err
		}
		if err := setInt(&count, vals[1]); err != nil {
			return err
		}
		// The grouped column's bit is the only clear one; the first
		// argument of GROUPING_ID is the most significant bit.
		free := ^uint64(g) & (1<<uint(n) - 1)
		if bits.OnesCount64(free) != 1 {
			return fmt.Errorf("unexpected grouping id %d", g)
		}
		i := n - 1 - bits.TrailingZeros64(free)
		text, num := vals[2+2*i], vals[3+2*i]
		if text == nil {
			continue // the NULL group: NULLs are counted by Nulls
		}
		vc := ValueCount{Count: count}
		if err := setString(&vc.Value, text); err != nil {
			return err
		}
		if num != nil {
			var f float64
			if err := setFloat(&f, num); err != nil {
				return err
			}
			vc.Number = &f
			vc.Value = formatNumber(f)
		}
		cols[i].Histogram = append(cols[i].Histogram, vc)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cols {
		sort.Slice(c.Histogram, func(a, b int) bool {
			x, y := c.Histogram[a], c.Histogram[b]
			if x.Count != y.Count {
				return x.Count > y.Count
			}
			if x.Number != nil && y.Number != nil {
				return *x.Number < *y.Number
			}
			return x.Value < y.Value
		})
	}
	return nil
}

// runExactDistinct replaces estimates that a recommendation would rely on:
// a column that looks unique must be checked exactly before IsUnique is
// proposed.
func runExactDistinct(ctx context.Context, s *engine.Session, ds *engine.Dataset, p *Profile) error {
	var a aggregate
	for _, c := range p.Columns {
		c := c
		nonNull := c.Rows - c.Nulls
		// The estimate can be 20% low; uniqueness is proposed from 92%.
		if c.DistinctExact || nonNull == 0 || float64(c.Distinct) < 0.7*float64(nonNull) {
			continue
		}
		a.add("count(DISTINCT "+engine.QuoteIdent(c.Name)+")", func(v any) error {
			c.DistinctExact = true
			return setInt(&c.Distinct, v)
		})
	}
	if len(a.exprs) == 0 {
		return nil
	}
	return a.run(ctx, s, ds.Relation)
}

// formatNumber prints a float so that it reads back as the same float and
// never in exponent form, which DQDL number literals do not have.
func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func setInt(dst *int64, v any) error {
	switch x := v.(type) {
	case nil:
		*dst = 0
	case int64:
		*dst = x
	case int32:
		*dst = int64(x)
	case uint64:
		*dst = int64(x)
	case float64:
		*dst = int64(x)
	case *big.Int:
		*dst = x.Int64()
	default:
		return fmt.Errorf("want an integer, got %T", v)
	}
	return nil
}

func setFloat(dst *float64, v any) error {
	switch x := v.(type) {
	case nil:
		*dst = math.NaN()
	case float64:
		*dst = x
	case float32:
		*dst = float64(x)
	case int64:
		*dst = float64(x)
	default:
		return fmt.Errorf("want a number, got %T", v)
	}
	return nil
}

func setString(dst *string, v any) error {
	switch x := v.(type) {
	case nil:
		*dst = ""
	case string:
		*dst = x
	default:
		return fmt.Errorf("want a string, got %T", v)
	}
	return nil
}
