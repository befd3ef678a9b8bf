package engine

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/dqlabs/dq/dqdl"
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
func dataTypePredicate(c column, typ, format string) (string, error) {
	q := QuoteIdent(c.name)
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
			return "", fmt.Errorf("Unsupported data type: %s", typ)
		}
		duck = "DECIMAL(" + m[1] + "," + m[2] + ")"
	}
	if format != "" && duck != "DATE" {
		return "", fmt.Errorf("Unsupported rule format")
	}
	if cls != classString {
		if (cls == classNumeric || cls == classBoolean) && !strings.HasPrefix(duck, "DECIMAL") && duck != "DATE" && duck != "TIMESTAMP" {
			// Spark's non-ANSI casts between numeric and boolean types
			// never yield NULL: a BIGINT beyond the INTEGER range wraps and
			// NaN becomes 0, so every non-NULL value complies (§18 #29).
			// DuckDB's TRY_CAST would reject both.
			return q + " IS NOT NULL", nil
		}
		if castable(cls, duck) {
			return "TRY_CAST(" + q + " AS " + duck + ") IS NOT NULL", nil
		}
		return "false", nil
	}
	// Spark trims spaces and control characters before parsing.
	s := "trim(" + q + ", ' \t\n\r')"
	switch duck {
	case "BOOLEAN":
		return "lower(" + s + ") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0')", nil
	case "INTEGER", "BIGINT":
		return "regexp_full_match(" + s + ", '[+-]?[0-9]+') AND TRY_CAST(" + s + " AS " + duck + ") IS NOT NULL", nil
	case "DATE":
		if format != "" {
			f, ok := dateFormats[format]
			if !ok {
				return "false", nil
			}
			if !strings.Contains(format, "yyyy") {
				sep := format[2:3]
				return "TRY_STRPTIME(" + s + " || '" + sep + "2000', '" + f + "') IS NOT NULL", nil
			}
			return "TRY_STRPTIME(" + s + ", '" + f + "') IS NOT NULL", nil
		}
		return sparkToDate(s) + " IS NOT NULL", nil
	}
	return "TRY_CAST(" + s + " AS " + duck + ") IS NOT NULL", nil
}

// sparkDatePattern is what Spark's string-to-date conversion accepts: a
// year of 4 to 7 digits, then optionally -[m]m, then optionally -[d]d
// followed by anything after a space or a 'T' (a time, ignored).
const sparkDatePattern = `([0-9]{4,7})(-([0-9]{1,2})(-([0-9]{1,2})([ T].*)?)?)?`

// sparkToDate converts a (trimmed) string expression to a DATE the way
// Spark's CAST(... AS DATE) and to_date do: "2024" is 2024-01-01 and
// "2024-02" is 2024-02-01, "2024-01-01 10:00" is 2024-01-01; "1" or "42"
// are not dates (DuckDB would read them as years). NULL when it does not
// convert.
func sparkToDate(s string) string {
	p := QuoteString(sparkDatePattern)
	part := func(i int, def string) string {
		return fmt.Sprintf("coalesce(nullif(regexp_extract(%s, %s, %d), ''), '%s')", s, p, i, def)
	}
	return "CASE WHEN regexp_full_match(" + s + ", " + p + ") THEN TRY_CAST(" +
		part(1, "") + " || '-' || " + part(3, "1") + " || '-' || " + part(5, "1") + " AS DATE) END"
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

func (pl *planner) planColumnDataType(r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(r, lp)
	if !ok {
		return
	}
	cond := r.Condition
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
	pl.compliance(r, lp, nativePred(pred, "ColumnDataType (Spark's conversion rules)"), w, columnMetric(c.label(), "ColumnDataType.Compliance"), "ColumnDataType", c, true)
}

// roundHalfUp rounds to n decimals, halves away from zero (Java HALF_UP).
func roundHalfUp(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}

// planDataFreshness computes each row's age in hours, rounded HALF_UP to 2
// decimals, against the duration in hours (spec §6.22). Naive timestamps
// are UTC (spec §18 #30); NULL and unparsable values fail.
func (pl *planner) planDataFreshness(r *dqdl.SimpleRule, lp *leafPlan) {
	c, w, ok := pl.target(r, lp)
	if !ok {
		return
	}
	q := QuoteIdent(c.name)
	var ts string
	switch classify(c.typ) {
	case classTimestamp, classTimestampTZ:
		ts = q
	case classDate:
		ts = "CAST(" + q + " AS TIMESTAMP)"
	case classString:
		ts = "TRY_CAST(" + q + " AS TIMESTAMP)"
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
	now := pl.plan.now.UnixMicro()
	age := fmt.Sprintf("round((%d - epoch_us(%s)) / 3600000000.0, 2)", now, ts)
	pred := nativePred(ts+" IS NOT NULL AND ("+numberPredicateSQL(r.Condition.Op, age, q, xs, false)+")", "DataFreshness (timestamp arithmetic)")
	pl.compliance(r, lp, pred, w, columnMetric(c.label(), "DataFreshness.Compliance"), "DataFreshness", c, true)
}
