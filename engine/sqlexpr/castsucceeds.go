package sqlexpr

import (
	"regexp"
	"strconv"
	"strings"
)

// CastSucceeds rewrites DuckDBCastSucceeds(x, type) into plain SQL where
// the answer does not depend on DuckDB's parsers, for a dialect that knows
// the column types (typeOf, DuckDB spellings): a DATE or TIMESTAMP column
// (with or without time zone) always converts to DATE or TIMESTAMP, and
// an integer column converts to DECIMAL(p,s) when |x| < 10^(p-s) (DuckDB's
// TRY_CAST: no rounding is involved for integers). ok is false for any
// other use.
func CastSucceeds(c Call, typeOf func(string) (string, bool)) (n Node, ok bool) {
	if c.Fn != DuckDBCastSucceeds || len(c.Args) != 2 || typeOf == nil {
		return nil, false
	}
	x, ok1 := c.Args[0].(Col)
	to, ok2 := c.Args[1].(Str)
	if !ok1 || !ok2 {
		return nil, false
	}
	t, ok := typeOf(x.Name)
	if !ok {
		return nil, false
	}
	t = strings.ToUpper(t)
	notNull := IsNull{X: x, Negate: true}
	switch {
	case to.V == "DATE" || to.V == "TIMESTAMP":
		switch t {
		case "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
			return notNull, true
		}
	case integerTypes[t]:
		m := decimalSpec.FindStringSubmatch(to.V)
		if m == nil {
			return nil, false
		}
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		k := p - s
		if k >= 19 { // every BIGINT fits
			return notNull, true
		}
		lim := "1" + strings.Repeat("0", k)
		big := Cast{X: Str{V: lim}, To: BigInt} // exact where a DOUBLE literal would not be
		neg := Cast{X: Str{V: "-" + lim}, To: BigInt}
		return AndAll(notNull, Binary{Op: Gt, L: x, R: neg}, Binary{Op: Lt, L: x, R: big}), true
	}
	return nil, false
}

var integerTypes = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true}

var decimalSpec = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)
