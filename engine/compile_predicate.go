package engine

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// numLiteral renders a number for SQL. Integers stay integers so that
// BIGINT columns compare exactly; other values go through a DOUBLE cast of
// their shortest round-trip text.
func numLiteral(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "CAST('" + strconv.FormatFloat(f, 'g', -1, 64) + "' AS DOUBLE)"
	}
	return "CAST(" + QuoteString(strconv.FormatFloat(f, 'g', -1, 64)) + " AS DOUBLE)"
}

// staticNumbers returns the literal numbers of a condition and whether NULL
// is among the operands. Dynamic operands are rejected with Glue's message.
func staticNumbers(c *dqdl.Condition, rule string) (xs []float64, hasNull bool, err error) {
	for _, o := range c.Operands {
		switch o := o.(type) {
		case *dqdl.Number:
			xs = append(xs, o.Value)
		case *dqdl.Keyword:
			if o.Kind != dqdl.Null {
				return nil, false, errors.New(rule + " rule only supports numeric operands or NULL keyword in conditions.")
			}
			hasNull = true
		default:
			return nil, false, errors.New(rule + " rule only supports numeric operands or NULL keyword in conditions.")
		}
	}
	return xs, hasNull, nil
}

// numberPredicate is the per-row form of a number condition on the value
// expression v (spec §6.21 table). col is the column itself, used for the
// NULL tests so that a value that fails to convert is not taken for NULL.
func numberPredicate(op dqdl.Op, v, col string, xs []float64, hasNull bool) string {
	lits := make([]string, len(xs))
	for i, x := range xs {
		lits[i] = numLiteral(x)
	}
	switch op {
	case dqdl.OpEq:
		if hasNull {
			return col + " IS NULL"
		}
		return v + " = " + lits[0]
	case dqdl.OpNe:
		if hasNull {
			return col + " IS NOT NULL"
		}
		return col + " IS NULL OR " + v + " <> " + lits[0]
	case dqdl.OpGt, dqdl.OpGe, dqdl.OpLt, dqdl.OpLe:
		return v + " " + op.String() + " " + lits[0]
	case dqdl.OpBetween:
		return v + " > " + lits[0] + " AND " + v + " < " + lits[1]
	case dqdl.OpNotBetween:
		return v + " <= " + lits[0] + " OR " + v + " >= " + lits[1]
	case dqdl.OpIn:
		return inList(v, col, lits, hasNull, false)
	case dqdl.OpNotIn:
		return inList(v, col, lits, hasNull, true)
	}
	return "false"
}

// inList is `v IN (...)` with Glue's NULL rules: NULL fails IN unless
// listed and passes NOT IN unless listed.
func inList(v, col string, lits []string, hasNull, negated bool) string {
	list := strings.Join(lits, ", ")
	switch {
	case !negated && len(lits) > 0 && hasNull:
		return "(" + v + " IN (" + list + ") OR " + col + " IS NULL)"
	case !negated && len(lits) > 0:
		return v + " IN (" + list + ")"
	case !negated && hasNull:
		return col + " IS NULL"
	case !negated:
		return "false"
	case len(lits) > 0 && hasNull:
		return "(" + v + " NOT IN (" + list + ") AND " + col + " IS NOT NULL)"
	case len(lits) > 0:
		return "(" + col + " IS NULL OR " + v + " NOT IN (" + list + "))"
	case hasNull:
		return col + " IS NOT NULL"
	}
	return "true"
}

// stringPredicate is the per-row form of a string condition (spec §5.2
// truth tables). v is the column as VARCHAR.
func stringPredicate(c *dqdl.Condition, v string, ignoreCase bool) (string, error) {
	var quoted []string
	var hasNull, hasEmpty, hasWS bool
	for _, o := range c.Operands {
		switch o := o.(type) {
		case *dqdl.StringLit:
			s := QuoteString(o.Value)
			if ignoreCase {
				s = "lower(" + s + ")"
			}
			quoted = append(quoted, s)
		case *dqdl.Keyword:
			switch o.Kind {
			case dqdl.Null:
				hasNull = true
			case dqdl.Empty:
				hasEmpty = true
			case dqdl.WhitespacesOnly:
				hasWS = true
			}
		default:
			return "", errors.New("ColumnValues string conditions take quoted strings, NULL, EMPTY or WHITESPACES_ONLY")
		}
	}
	cv := v
	if ignoreCase {
		cv = "lower(" + v + ")"
	}
	var terms []string
	switch c.Op {
	case dqdl.OpEq, dqdl.OpIn:
		if hasNull {
			terms = append(terms, v+" IS NULL")
		}
		if hasEmpty {
			terms = append(terms, "("+v+" IS NOT NULL AND "+v+" = '')")
		}
		if hasWS {
			terms = append(terms, "("+v+" IS NOT NULL AND length(trim("+v+")) = 0 AND length("+v+") > 0)")
		}
		if len(quoted) > 0 {
			terms = append(terms, "("+v+" IS NOT NULL AND "+cv+" IN ("+strings.Join(quoted, ", ")+"))")
		}
		if len(terms) == 0 {
			return "false", nil
		}
		return strings.Join(terms, " OR "), nil
	case dqdl.OpNe, dqdl.OpNotIn:
		if hasNull {
			terms = append(terms, v+" IS NOT NULL")
		}
		if hasEmpty {
			terms = append(terms, "("+v+" IS NULL OR "+v+" <> '')")
		}
		if hasWS {
			terms = append(terms, "("+v+" IS NULL OR length(trim("+v+")) > 0 OR length("+v+") = 0)")
		}
		if len(quoted) > 0 {
			terms = append(terms, "("+v+" IS NULL OR "+cv+" NOT IN ("+strings.Join(quoted, ", ")+"))")
		}
		if len(terms) == 0 {
			return "true", nil
		}
		return strings.Join(terms, " AND "), nil
	case dqdl.OpMatches, dqdl.OpNotMatches:
		lit, ok := c.Operands[0].(*dqdl.StringLit)
		if !ok {
			return "", errors.New("matches takes a quoted regular expression")
		}
		// The pattern is used raw, as Glue does (spec §18 #25). DuckDB's
		// regexp_full_match is RE2, like Go's regexp: check it here so that
		// a bad pattern fails its rule, not the fused scan.
		if _, err := regexp.Compile(lit.Raw); err != nil {
			return "", errors.New("Invalid pattern " + strconv.Quote(lit.Raw) + " (dq uses RE2 regular expressions): " + err.Error())
		}
		m := "regexp_full_match(" + v + ", " + QuoteString(lit.Raw) + ")"
		if c.Op == dqdl.OpNotMatches {
			// NULL fails both forms (spec §18 #7).
			return v + " IS NOT NULL AND NOT " + m, nil
		}
		return m, nil
	}
	return "", errors.New("unsupported string operator " + c.Op.String())
}

// dateOperand is a date condition operand resolved to an instant (UTC).
type dateOperand struct {
	t       time.Time
	null    bool
	hasTime bool // carries a time of day (now(), offsets, "9:30 AM")
}

// resolveDate evaluates a date operand at the run's instant now (already
// truncated to the minute). loc is the rule's timeZone tag, used for
// time-of-day literals (spec §5.3, §18 #31).
func resolveDate(o dqdl.Operand, now time.Time, loc *time.Location) (dateOperand, error) {
	switch o := o.(type) {
	case *dqdl.Keyword:
		if o.Kind == dqdl.Null {
			return dateOperand{null: true}, nil
		}
	case *dqdl.DateLit:
		t := time.Date(o.Year, time.Month(o.Month), o.Day, 0, 0, 0, 0, time.UTC)
		if t.Year() != o.Year || int(t.Month()) != o.Month || t.Day() != o.Day {
			return dateOperand{}, errors.New("Error Parsing Date: " + o.Text + ". Invalid date.")
		}
		return dateOperand{t: t}, nil
	case *dqdl.Now:
		return dateOperand{t: now, hasTime: true}, nil
	case *dqdl.NowOffset:
		d := time.Duration(o.Amount.Minutes()) * time.Minute
		if o.Sign == '-' {
			d = -d
		}
		return dateOperand{t: now.Add(d), hasTime: true}, nil
	case *dqdl.TimeLit:
		local := now.In(loc)
		t := time.Date(local.Year(), local.Month(), local.Day(), o.Hour, o.Minute, 0, 0, loc)
		return dateOperand{t: t.UTC(), hasTime: true}, nil
	}
	return dateOperand{}, errors.New("unsupported date operand")
}

// datePredicate is the per-row form of a date condition. Dates compare at
// day granularity, as Glue does; when the column holds timestamps and an
// operand has a time of day, instants are compared instead (spec §18 #5).
// NULL passes only != and not in (spec §18 #6).
func datePredicate(op dqdl.Op, col column, ops []dateOperand) (string, error) {
	q := QuoteIdent(col.name)
	cls := classify(col.typ)
	hasTime := false
	var hasNull bool
	var vals []dateOperand
	for _, o := range ops {
		if o.null {
			hasNull = true
			continue
		}
		hasTime = hasTime || o.hasTime
		vals = append(vals, o)
	}
	var v string
	var lit func(time.Time) string
	instant := hasTime && cls != classDate
	switch {
	case cls == classDate || (!instant && (cls == classTimestamp || cls == classString)):
		v = "CAST(" + q + " AS DATE)"
		if cls == classString {
			v = sparkToDate("trim(" + q + ", ' \t\n\r')")
		}
		lit = func(t time.Time) string { return "DATE '" + t.UTC().Format("2006-01-02") + "'" }
	case !instant && cls == classTimestampTZ:
		v = "CAST(timezone('UTC', " + q + ") AS DATE)"
		lit = func(t time.Time) string { return "DATE '" + t.UTC().Format("2006-01-02") + "'" }
	case cls == classTimestamp:
		v = "CAST(" + q + " AS TIMESTAMP)"
		lit = func(t time.Time) string { return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05") + "'" }
	case cls == classString:
		v = "TRY_CAST(" + q + " AS TIMESTAMP)"
		lit = func(t time.Time) string { return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05") + "'" }
	case cls == classTimestampTZ:
		v = q
		lit = func(t time.Time) string { return "TIMESTAMPTZ '" + t.UTC().Format("2006-01-02 15:04:05") + "+00'" }
	default:
		return "", errors.New(wrongTypeMessage(col.name, "DATE,TIMESTAMP,TIMESTAMP WITH TIME ZONE,VARCHAR", col.typ))
	}
	lits := make([]string, len(vals))
	for i, o := range vals {
		lits[i] = lit(o.t)
	}
	need := func(n int) error {
		if len(lits) < n {
			return errors.New("date condition " + op.String() + " needs a date operand")
		}
		return nil
	}
	switch op {
	case dqdl.OpEq:
		if hasNull {
			return q + " IS NULL", nil
		}
		if err := need(1); err != nil {
			return "", err
		}
		return v + " = " + lits[0], nil
	case dqdl.OpNe:
		if hasNull {
			return q + " IS NOT NULL", nil
		}
		if err := need(1); err != nil {
			return "", err
		}
		return q + " IS NULL OR " + v + " <> " + lits[0], nil
	case dqdl.OpGt, dqdl.OpGe, dqdl.OpLt, dqdl.OpLe:
		if err := need(1); err != nil {
			return "", err
		}
		return v + " " + op.String() + " " + lits[0], nil
	case dqdl.OpBetween:
		if err := need(2); err != nil {
			return "", err
		}
		return v + " > " + lits[0] + " AND " + v + " < " + lits[1], nil
	case dqdl.OpNotBetween:
		if err := need(2); err != nil {
			return "", err
		}
		return v + " <= " + lits[0] + " OR " + v + " >= " + lits[1], nil
	case dqdl.OpIn:
		return inList(v, q, lits, hasNull, false), nil
	case dqdl.OpNotIn:
		return inList(v, q, lits, hasNull, true), nil
	}
	return "", errors.New("unsupported date operator " + op.String())
}
