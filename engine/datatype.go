package engine

// DataTypePredicate returns the SQL boolean expression by which
// ColumnDataType judges one row of col against the DQDL type name (spec
// §6.6, §18 #29). It is exported for `dq recommend`, which must propose a
// ColumnDataType rule only when this very test holds on every value, so
// that its suggestion cannot disagree with what eval will compute.
func DataTypePredicate(col Column, typ string) (string, error) {
	p, err := dataTypePredicate(column{name: col.Name, typ: col.Type}, typ, "")
	if err != nil {
		return "", err
	}
	return duck(p), nil
}
