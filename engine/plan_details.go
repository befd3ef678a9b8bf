package engine

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTopValues is how many distinct offending values a failing rule shows.
const maxTopValues = 5

// failureSample says how to describe a failing leaf's rows: the counts
// come from slots of the fused plan (no extra scan for rules that pass);
// the offending values from one extra scan shared by every failing rule
// (see topValues), returning at most maxTopValues rows per rule.
type failureSample struct {
	from        string
	pass, total slot   // rows that pass, rows judged (after the where clause)
	where       string // the rule's vetted where clause, "" for none
	// value is the SQL text of an offending value as VARCHAR, and fail
	// the predicate true on failing rows; value == "" shows no values.
	value, fail string
	// group, when set, makes the offending values the duplicated tuples of
	// these (quoted) columns, with their counts: the uniqueness rules.
	group []string
}

// valueSample describes failing rows of a per-row predicate on column c.
func (pl *planner) valueSample(pass, total slot, where string, c column, pred expr) *failureSample {
	return &failureSample{from: pl.plan.rel.from, pass: pass, total: total, where: where,
		value: "CAST(" + QuoteIdent(c.name) + " AS VARCHAR)", fail: "NOT " + isTrue(duck(pred))}
}

// pendingValues is a failing rule's details awaiting its top values.
type pendingValues struct {
	s *failureSample
	d *FailureDetails
}

// failureCounts builds a failing leaf's details from the plan's counts and
// queues it for its top values; nil when the counts are unavailable or
// there were no rows (the empty-state message says it all).
func (p *Plan) failureCounts(ev *evalState, s *failureSample) *FailureDetails {
	pass, pNull, err := s.pass.value(ev)
	if err != nil {
		return nil
	}
	t, tNull, err := s.total.value(ev)
	if err != nil || tNull || t == 0 {
		return nil
	}
	if pNull {
		pass = 0
	}
	failed, total := int64(t-pass), int64(t)
	d := &FailureDetails{FailedRows: &failed, TotalRows: &total}
	if failed > 0 && (s.value != "" || len(s.group) > 0) {
		ev.pending = append(ev.pending, pendingValues{s, d})
	}
	return d
}

// topValues fills the queued details with their most frequent offending
// values. Per-row predicates share one extra scan of the primary dataset
// for all failing rules; uniqueness rules group by their own columns. A
// query that fails leaves the values out (the verdicts stand); only a
// cancelled run is an error.
func (p *Plan) topValues(ctx context.Context, q querier, ev *evalState) error {
	if q == nil { // a Backend's run: the rows stay in its engine
		ev.pending = nil
		return ctx.Err()
	}
	var batch []pendingValues
	for _, pv := range ev.pending {
		if len(pv.s.group) > 0 {
			pv.d.TopValues = p.runValues(ctx, q, pv.s.valuesQuery(), nil)[0]
			continue
		}
		batch = append(batch, pv)
	}
	ev.pending = nil
	if len(batch) > 0 {
		samples := make([]*failureSample, len(batch))
		for i, pv := range batch {
			samples[i] = pv.s
		}
		vals := p.runValues(ctx, q, batchValuesQuery(p.rel.from, samples), samples)
		for i, pv := range batch {
			pv.d.TopValues = vals[i]
		}
	}
	return ctx.Err()
}

// runValues runs a top-values query returning (rule index, value, count)
// rows, or (value, count) rows when samples is nil, and groups them by rule.
// When a batched query fails, each sample is retried on its own so one bad
// predicate cannot hide the others' values.
func (p *Plan) runValues(ctx context.Context, q querier, query string, samples []*failureSample) [][]ValueCount {
	n := max(len(samples), 1)
	out := make([][]ValueCount, n)
	rows, err := q.QueryContext(ctx, query)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var i int
			var v sql.NullString
			var c int64
			if samples == nil {
				err = rows.Scan(&v, &c)
			} else {
				err = rows.Scan(&i, &v, &c)
			}
			if err != nil || i < 0 || i >= n {
				break
			}
			vc := ValueCount{Count: c}
			if v.Valid {
				s := cutValue(v.String)
				vc.Value = &s
			}
			out[i] = append(out[i], vc)
		}
		if err == nil {
			err = rows.Err()
		}
	}
	if err == nil || ctx.Err() != nil {
		return out
	}
	out = make([][]ValueCount, n)
	if len(samples) > 1 {
		for i, s := range samples {
			out[i] = p.runValues(ctx, q, s.valuesQuery(), nil)[0]
		}
	}
	return out
}

// batchValuesQuery finds the top offending values of many per-row
// predicates in one scan: each row contributes a (rule, value) pair per
// rule it fails, and the pairs are counted and ranked per rule. Only rows
// that fail some rule are unnested: the WHERE keeps exactly the rows with
// a non-NULL pair, and a failing rule's rows are usually few, so building
// a list per row of the whole dataset cost most of the query (a 2.5M-row
// taxi file: 230 ms of CPU without the WHERE, 80 ms with it).
func batchValuesQuery(from string, samples []*failureSample) string {
	pairs := make([]string, len(samples))
	conds := make([]string, len(samples))
	for i, s := range samples {
		cond := s.fail
		if s.where != "" {
			cond = "(" + s.where + ") AND " + cond
		}
		conds[i] = "(" + cond + ")"
		pairs[i] = "CASE WHEN " + cond + " THEN {'r': " + strconv.Itoa(i) + ", 'v': " + s.value + "} END"
	}
	return "SELECT __r, __v, __n FROM (\n" +
		"  SELECT __p.r AS __r, __p.v AS __v, count(*) AS __n FROM (\n" +
		"    SELECT unnest(list_value(" + strings.Join(pairs, ",\n      ") + ")) AS __p FROM " + from + "\n" +
		"    WHERE " + strings.Join(conds, "\n      OR ") + "\n" +
		"  ) WHERE __p IS NOT NULL GROUP BY __p.r, __p.v\n" +
		") QUALIFY row_number() OVER (PARTITION BY __r ORDER BY __n DESC, __v ASC NULLS FIRST) <= " + strconv.Itoa(maxTopValues) +
		"\nORDER BY __r, __n DESC, __v ASC NULLS FIRST"
}

// maxValueRunes bounds a value kept in FailureDetails, so that a huge text
// value cannot bloat the result; a cut value ends in "…".
const maxValueRunes = 200

func cutValue(s string) string {
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	return string([]rune(s)[:maxValueRunes]) + "…"
}

// valuesQuery is the bounded query for the most frequent offending values,
// most frequent first, ties by value (NULL first) so output is stable.
func (s *failureSample) valuesQuery() string {
	order := " ORDER BY __n DESC, __v ASC NULLS FIRST LIMIT " + strconv.Itoa(maxTopValues)
	if len(s.group) > 0 {
		v := "CAST(" + s.group[0] + " AS VARCHAR)"
		nulls := make([]string, len(s.group))
		for i, c := range s.group {
			nulls[i] = c + " IS NULL"
		}
		if len(s.group) > 1 {
			v = "CAST(row(" + strings.Join(s.group, ", ") + ") AS VARCHAR)"
		}
		where := ""
		if s.where != "" {
			where = " WHERE (" + s.where + ")"
		}
		return "SELECT " + v + " AS __v, count(*) AS __n FROM " + s.from + where + " GROUP BY " + strings.Join(s.group, ", ") +
			" HAVING count(*) > 1 AND NOT (" + strings.Join(nulls, " AND ") + ")" + order
	}
	if s.value == "" {
		return ""
	}
	cond := s.fail
	if s.where != "" {
		cond = "(" + s.where + ") AND " + cond
	}
	return "SELECT " + s.value + " AS __v, count(*) AS __n FROM " + s.from + " WHERE " + cond + " GROUP BY __v" + order
}
