package sqlexpr

// DaysInMonthSQL renders, for dialects that spell SparkDate and the
// timestamp parsers with arithmetic, the number of days of month m of
// year y in the proleptic Gregorian calendar (year 0 a leap year). y and m
// are rendered integer expressions; the text is standard SQL (%, CASE,
// IN), the same in PostgreSQL and Trino, so every dialect checks a
// calendar date by one rule.
func DaysInMonthSQL(y, m string) string {
	leap := "((" + y + " % 4 = 0 AND " + y + " % 100 <> 0) OR " + y + " % 400 = 0)"
	return "CASE WHEN " + m + " = 2 THEN CASE WHEN " + leap + " THEN 29 ELSE 28 END WHEN " + m + " IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
}

// ValidDateSQL renders the condition that y-m-d is a day of SparkDate's
// range: a real calendar day no later than 5881580-07-10, DuckDB's last
// date (y is at least 0 by SparkDate's pattern).
func ValidDateSQL(y, m, d string) string {
	return m + " BETWEEN 1 AND 12 AND " + d + " BETWEEN 1 AND " + DaysInMonthSQL(y, m) +
		" AND (" + y + " < 5881580 OR (" + y + " = 5881580 AND (" + m + " < 7 OR (" + m + " = 7 AND " + d + " <= 10))))"
}
