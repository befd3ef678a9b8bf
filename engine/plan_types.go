package engine

import (
	"context"

	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// dateFormats maps the ColumnDataType `format` tag values Glue accepts to
// strptime formats; a missing day is the 1st, a missing year 2000 (spec §6.6).
var dateFormats = map[string]string{
	"dd-MM-yyyy": "%d-%m-%Y", "MM-dd-yyyy": "%m-%d-%Y", "yyyy-MM-dd": "%Y-%m-%d",
	"dd/MM/yyyy": "%d/%m/%Y", "MM/dd/yyyy": "%m/%d/%Y", "yyyy/MM/dd": "%Y/%m/%d",
	"MM-yyyy": "%m-%Y", "yyyy-MM": "%Y-%m", "MM/yyyy": "%m/%Y", "yyyy/MM": "%Y/%m",
	"dd-MM": "%d-%m-%Y", "MM-dd": "%m-%d-%Y", "dd/MM": "%d/%m/%Y", "MM/dd": "%m/%d/%Y",
}

var decimalType = regexp.MustCompile(`^(?i)DECIMAL\((\d+),\s*(\d+)\)$`)

// dataTypePredicate says per row whether the value converts to the DQDL
// type. Strings are parsed (integers strictly: "1.5" is not an Integer,
// spec §18 #29); other columns are cast.
func dataTypePredicate(c column, typ, format string) (expr, error) {
	q := col(c.name)
	cls := classify(c.typ)
	t := strings.ToLower(typ)
	var duck string
	switch t {
	case "boolean":
		duck = "BOOLEAN"
	case "date":
		duck = "DATE"
	case "timestamp":
		duck = "TIMESTAMP"
	case "integer", "integral":
		duck = "INTEGER"
	case "long":
		duck = "BIGINT"
	case "double", "fractional":
		duck = "DOUBLE"
	case "float":
		duck = "FLOAT"
	default:
		m := decimalType.FindStringSubmatch(typ)
		if m == nil {
			return nil, fmt.Errorf("Unsupported data type: %s", typ)
		}
		duck = "DECIMAL(" + m[1] + "," + m[2] + ")"
	}
	if format != "" && duck != "DATE" {
		return nil, fmt.Errorf("Unsupported rule format")
	}
	castOK := func(x expr, to string) expr { return call(sqlexpr.DuckDBCastSucceeds, x, strLit(to)) }
	if cls != classString {
		if (cls == classNumeric || cls == classBoolean) && !strings.HasPrefix(duck, "DECIMAL") && duck != "DATE" && duck != "TIMESTAMP" {
			// Spark's non-ANSI casts between numeric and boolean types
			// never yield NULL: a BIGINT beyond the INTEGER range wraps and
			// NaN becomes 0, so every non-NULL value complies (§18 #29).
			// DuckDB's TRY_CAST would reject both.
			return isNotNull(q), nil
		}
		if castable(cls, duck) {
			return castOK(q, duck), nil
		}
		return boolLit(false), nil
	}
	// Spark trims spaces and control characters before parsing.
	s := call(sqlexpr.SparkTrim, q)
	switch duck {
	case "BOOLEAN":
		return call(sqlexpr.SparkBooleanText, s), nil
	case "INTEGER":
		return call(sqlexpr.IntegerText, s, num(32)), nil
	case "BIGINT":
		return call(sqlexpr.IntegerText, s, num(64)), nil
	case "DATE":
		if format != "" {
			f, ok := dateFormats[format]
			if !ok {
				return boolLit(false), nil
			}
			if !strings.Contains(format, "yyyy") {
				// A missing year is 2000 (a leap year: 29-02 is a date).
				return call(sqlexpr.DuckDBStrptimeSucceeds, s, strLit(f), strLit(format[2:3]+"2000")), nil
			}
			return call(sqlexpr.DuckDBStrptimeSucceeds, s, strLit(f), strLit("")), nil
		}
		return isNotNull(call(sqlexpr.SparkDate, s)), nil
	}
	return castOK(s, duck), nil
}

// castable reports whether DuckDB has a cast from the class to the type, so
// that TRY_CAST binds.
func castable(cls typeClass, duck string) bool {
	switch duck {
	case "DATE", "TIMESTAMP":
		return cls == classDate || cls == classTimestamp || cls == classTimestampTZ
	case "BOOLEAN":
		return cls == classBoolean || cls == classNumeric
	}
	return cls == classNumeric || cls == classBoolean
}

func (pl *planner) planColumnDataType(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(ctx, r, lp)
	if !ok {
		return
	}
	cond := r.Condition
	if cond == nil || len(cond.Operands) == 0 { // an analyzer built by hand; dqdl rejects it
		lp.fixed = failed("ColumnDataType needs a condition such as = \"Integer\"")
		return
	}
	lit, ok := cond.Operands[0].(*dqdl.StringLit)
	if cond.Op != dqdl.OpEq || !ok {
		lp.fixed = failed("Unsupported operator for ColumnDataType: only = \"<type>\" is supported")
		return
	}
	format := ""
	if t := r.Tag("format"); t != nil {
		format = t.Text()
	}
	pred, err := dataTypePredicate(c, lit.Value, format)
	if err != nil {
		lp.fixed = failed(err.Error())
		return
	}
	pl.compliance(ctx, r, lp, pred, w, columnMetric(c.label(), "ColumnDataType.Compliance"), "ColumnDataType", c, true)
}

// roundHalfUp rounds to n decimals, halves away from zero (Java HALF_UP).
func roundHalfUp(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}

// planDataFreshness computes each row's age in hours, rounded HALF_UP to 2
// decimals, against the duration in hours (spec §6.22). Naive timestamps
// are UTC (spec §18 #30); NULL and unparsable values fail.
func (pl *planner) planDataFreshness(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(ctx, r, lp)
	if !ok {
		return
	}
	if r.Condition == nil { // an analyzer built by hand; dqdl rejects it
		lp.fixed = failed("DataFreshness needs a condition such as <= 24 hours")
		return
	}
	q := col(c.name)
	var ts expr
	switch classify(c.typ) {
	case classTimestamp, classTimestampTZ:
		ts = q
	case classDate:
		ts = sqlexpr.Cast{X: q, To: sqlexpr.Timestamp}
	case classString:
		ts = call(sqlexpr.DuckDBTimestampText, q)
	default:
		lp.fixed = failed(wrongTypeMessage(c.label(), "DATE,TIMESTAMP,TIMESTAMP WITH TIME ZONE,VARCHAR", c.typ))
		return
	}
	var xs []float64
	for _, o := range r.Condition.Operands {
		d, ok := o.(*dqdl.Duration)
		if !ok {
			lp.fixed = failed("DataFreshness takes durations such as 24 hours")
			return
		}
		var h float64
		switch d.Unit {
		case dqdl.Days:
			h = float64(d.Amount) * 24
		case dqdl.Hours:
			h = float64(d.Amount)
		default:
			h = roundHalfUp(float64(d.Amount)/60, 4)
		}
		xs = append(xs, h)
	}
	age := call(sqlexpr.HoursSince, num(float64(pl.plan.now.UnixMicro())), ts)
	pred := and(isNotNull(ts), numberPredicate(r.Condition.Op, age, q, xs, false, false))
	pl.compliance(ctx, r, lp, pred, w, columnMetric(c.label(), "DataFreshness.Compliance"), "DataFreshness", c, true)
}
