package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// columnTypeNames maps the DuckDB type names dq accepts in
// FileOptions.ColumnTypes (any case, DuckDB's aliases included) to the
// canonical name dq writes into SQL. The type is user text that ends up in
// a CAST, so it is parsed against this list and re-rendered, never pasted.
var columnTypeNames = map[string]string{
	"BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN", "LOGICAL": "BOOLEAN",
	"TINYINT": "TINYINT", "INT1": "TINYINT",
	"SMALLINT": "SMALLINT", "INT2": "SMALLINT", "SHORT": "SMALLINT",
	"INTEGER": "INTEGER", "INT": "INTEGER", "INT4": "INTEGER", "SIGNED": "INTEGER",
	"BIGINT": "BIGINT", "INT8": "BIGINT", "LONG": "BIGINT",
	"HUGEINT": "HUGEINT", "INT128": "HUGEINT",
	"UTINYINT": "UTINYINT", "USMALLINT": "USMALLINT", "UINTEGER": "UINTEGER",
	"UBIGINT": "UBIGINT", "UHUGEINT": "UHUGEINT",
	"FLOAT": "FLOAT", "FLOAT4": "FLOAT", "REAL": "FLOAT",
	"DOUBLE": "DOUBLE", "FLOAT8": "DOUBLE",
	"DECIMAL": "DECIMAL", "NUMERIC": "DECIMAL",
	"VARCHAR": "VARCHAR", "TEXT": "VARCHAR", "STRING": "VARCHAR", "CHAR": "VARCHAR", "BPCHAR": "VARCHAR",
	"DATE": "DATE", "TIME": "TIME",
	"TIMESTAMP": "TIMESTAMP", "DATETIME": "TIMESTAMP",
	"TIMESTAMPTZ": "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
	"INTERVAL": "INTERVAL", "UUID": "UUID", "BLOB": "BLOB",
}

// ParseColumnType checks a DuckDB scalar type name given by a user
// (--column-type amount=DECIMAL(10,2)) and returns its canonical spelling,
// safe to put into SQL. DECIMAL takes an optional (width[, scale]) with
// 1 ≤ width ≤ 38 and 0 ≤ scale ≤ width; VARCHAR an ignored (length).
func ParseColumnType(t string) (string, error) {
	s := strings.Join(strings.Fields(strings.ToUpper(t)), " ")
	name, args, hasArgs := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	canon, ok := columnTypeNames[name]
	if !ok {
		return "", fmt.Errorf("unknown type %q; use a DuckDB type such as BIGINT, DOUBLE, DECIMAL(10,2), VARCHAR, DATE, TIMESTAMP or BOOLEAN", t)
	}
	if !hasArgs {
		return canon, nil
	}
	inner, ok := strings.CutSuffix(strings.TrimSpace(args), ")")
	if !ok || strings.ContainsAny(inner, "()") {
		return "", fmt.Errorf("type %q: unbalanced parentheses", t)
	}
	var nums []int
	for _, part := range strings.Split(inner, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 0 {
			return "", fmt.Errorf("type %q: %q is not a whole number", t, strings.TrimSpace(part))
		}
		nums = append(nums, n)
	}
	switch canon {
	case "DECIMAL":
		if len(nums) > 2 {
			return "", fmt.Errorf("type %q: DECIMAL takes (width) or (width, scale)", t)
		}
		w, sc := nums[0], 0
		if len(nums) == 2 {
			sc = nums[1]
		}
		if w < 1 || w > 38 || sc > w {
			return "", fmt.Errorf("type %q: DECIMAL width must be 1 to 38 and scale at most the width", t)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", w, sc), nil
	case "VARCHAR":
		if len(nums) != 1 {
			return "", fmt.Errorf("type %q: VARCHAR takes at most a (length)", t)
		}
		// DuckDB ignores the length; so does dq.
		return "VARCHAR", nil
	}
	return "", fmt.Errorf("type %q: %s takes no parameters", t, canon)
}
