package gluecatalog

import (
	"strings"
	"testing"
)

func TestWhereSQL(t *testing.T) {
	keys := map[string]Key{"year": {Name: "year", Numeric: true}, "month": {Name: "Month", Text: true}, "dt": {Name: "dt"}}
	ident := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	str := func(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
	for filter, want := range map[string]string{
		"year='2024'":                              `("year" = 2024)`,
		"year >= 2023.5 and MONTH != 'it''s'":      `((CAST("year" AS DOUBLE) >= CAST('2023.5' AS DOUBLE)) AND ("Month" <> 'it''s'))`,
		"year not in (1, '02') or not month > 5":   `((NOT ("year" IN (1, 2))) OR (NOT ("Month" > '5')))`,
		"dt between '2024-01-01' and '2024-02-01'": `(CAST("dt" AS VARCHAR) BETWEEN '2024-01-01' AND '2024-02-01')`,
		"dt not like '2024-%' and year like '2_'":  `((NOT (CAST("dt" AS VARCHAR) LIKE '2024-%')) AND (CAST("year" AS VARCHAR) LIKE '2_'))`,
		"year IS NULL or month is not null":        `(("year" IS NULL) OR ("Month" IS NOT NULL))`,
	} {
		e, err := ParseExpr(filter)
		if err != nil {
			t.Fatal(err)
		}
		got, err := WhereSQL(e, keys, ident, str)
		if err != nil || got != want {
			t.Errorf("%s:\n got %s, %v\nwant %s", filter, got, err, want)
		}
	}
	for filter, want := range map[string]string{
		"region = 'eu'":      `names "region", which is not a partition key (the keys: Month, dt, year)`,
		"year < 'x'":         `partition key year is numeric: cannot compare it with "x"`,
		"year in (1, 'NaN')": `cannot compare it with "NaN"`,
		"month = 1 or a = 2": `names "a"`,
		"year between 1 and": "",
	} {
		e, err := ParseExpr(filter)
		if err == nil {
			_, err = WhereSQL(e, keys, ident, str)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", filter, err, want)
		}
	}
}
