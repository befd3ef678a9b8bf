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
// the offending values from one bounded query, run only when the rule
// fails.
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
func (pl *planner) valueSample(pass, total slot, where string, c column, pred string) *failureSample {
	return &failureSample{from: pl.plan.rel.from, pass: pass, total: total, where: where,
		value: "CAST(" + QuoteIdent(c.name) + " AS VARCHAR)", fail: "NOT " + isTrue(pred)}
}

// details computes the FailureDetails; errors of the values query leave
// the values out (the verdict stands), but a cancelled run is an error.
func (s *failureSample) details(ctx context.Context, q querier) (*FailureDetails, error) {
	p, pNull, err := s.pass.value()
	if err != nil {
		return nil, nil
	}
	t, tNull, err := s.total.value()
	if err != nil || tNull || t == 0 {
		return nil, nil // no rows: the empty-state message says it all
	}
	if pNull {
		p = 0
	}
	failed, total := int64(t-p), int64(t)
	d := &FailureDetails{FailedRows: &failed, TotalRows: &total}
	if failed <= 0 {
		return d, nil
	}
	query := s.valuesQuery()
	if query == "" {
		return d, nil
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return d, ctx.Err()
	}
	defer rows.Close()
	for rows.Next() {
		var v sql.NullString
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return d, ctx.Err()
		}
		vc := ValueCount{Count: n}
		if v.Valid {
			s := cutValue(v.String)
			vc.Value = &s
		}
		d.TopValues = append(d.TopValues, vc)
	}
	if rows.Err() != nil {
		d.TopValues = nil
	}
	return d, ctx.Err()
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
