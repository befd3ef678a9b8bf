package engine

import (
	"fmt"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Cross-dataset statements for a Backend whose references are its own
// tables: the same counts as the embedded statements (plan_reference.go),
// written in the Backend's dialect over its relations. DuckDB-only
// constructs are replaced by standard SQL computing the same thing:
//
//   - ANTI JOIN by NOT EXISTS (both keep a primary row when no reference
//     row satisfies the ON condition; a NULL key satisfies none);
//   - DatasetMatch's hash of the compared columns by a null-safe equality
//     of each compared pair: hash() makes NULL equal NULL and otherwise
//     compares values, which is what (a IS NULL AND b IS NULL) OR a = b
//     says, without hash()'s (negligible) collisions;
//   - equality of floating-point values is written NaN-aware, since
//     DuckDB (and PostgreSQL) hold NaN equal to NaN and Trino does not.
//
// Comparisons whose meaning differs between DuckDB and the engine are
// refused, and the rule ERRORs naming them: casting text to another type
// (the engines accept different spellings), and the text of a
// floating-point or timestamp value (each engine prints them its own
// way), or of types whose equality differs (intervals, JSON...).

// fromAs is a Backend's relation under the correlation name alias. The
// relation may be a subquery that names itself ((SELECT … WHERE …) AS
// "t", e.g. a table restricted to some partitions); it is then nested.
func fromAs(rel, alias string) string {
	if strings.HasPrefix(rel, "(") {
		return "(SELECT * FROM " + rel + ") AS " + alias
	}
	return rel + " AS " + alias
}

// backendFrom is the engine's relation for a local mirror relation.
func (pl *planner) backendFrom(rel *relation) string {
	return pl.backend.relations[rel.from]
}

// backendSubquery adds a scalar subquery written in the Backend's
// dialect to the one statement of cross-dataset subqueries; identical
// subqueries are computed once. One statement, not one per subquery as
// in the embedded engine: each Athena query is billed at least 10 MB and
// waits in a queue. The one-row FROM keeps a failing subquery an error of
// its rule: when the statement fails, its expressions are retried one by
// one (scan.runPart).
func (pl *planner) backendSubquery(sql string) slot {
	e := sqlexpr.Native{Dialect: pl.remote.Name, SQL: "(" + sql + ")", What: "a cross-dataset statement written for " + pl.remote.Name}
	return pl.oneRowScan(e, func(*scan) bool { return true })
}

// cannotJoin is the message of a cross-dataset rule whose comparison the
// Backend's engine would make differently.
func (pl *planner) cannotJoin(err error) string {
	return cannotEvaluate + pl.remote.Name + ": " + err.Error() + "; the embedded engine (--engine duckdb) evaluates this rule"
}

// errDiffers is a comparison the Backend's engine makes differently.
type errDiffers string

func (e errDiffers) Error() string { return string(e) }

// floatingType is true for the floating-point types.
func floatingType(typ string) bool {
	switch strings.ToUpper(typ) {
	case "DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8":
		return true
	}
	return false
}

// sameText is true for the types whose text DuckDB, PostgreSQL, Redshift
// and Trino spell alike (integers, decimals, dates, booleans, strings):
// comparing their text compares the same strings everywhere.
func sameText(typ string) bool {
	switch classify(typ) {
	case classString, classDate, classBoolean:
		return true
	case classNumeric:
		return !floatingType(typ)
	}
	return false
}

// sameEquality is true for types whose = means what DuckDB's does.
func sameEquality(typ string) bool {
	switch classify(typ) {
	case classNumeric, classString, classDate, classBoolean, classTimestamp, classTimestampTZ:
		return true
	}
	switch strings.ToUpper(typ) {
	case "UUID", "BLOB":
		return true
	}
	return false
}

// eqNaN is a = b holding NaN equal to NaN, as DuckDB does, in every
// engine: NaN is the one value not equal to itself under IEEE rules,
// and where the engine holds NaN = NaN already the first arm decides.
func eqNaN(a, b string) string {
	return "(" + a + " = " + b + " OR (" + a + " <> " + a + " AND " + b + " <> " + b + "))"
}

// backendKeyEquals is keyEquals in the Backend's dialect: a and b are
// qualified, quoted columns of types ac and bc.
func (pl *planner) backendKeyEquals(a string, ac column, b string, bc column) (string, error) {
	d := pl.remote
	acl, bcl := classify(ac.typ), classify(bc.typ)
	temporal := func(c typeClass) bool { return c == classDate || c == classTimestamp || c == classTimestampTZ }
	switch {
	case acl == bcl && acl != classOther, ac.typ == bc.typ && sameEquality(ac.typ):
		if floatingType(ac.typ) || floatingType(bc.typ) {
			return eqNaN(a, b), nil
		}
		return a + " = " + b, nil
	case ac.typ == bc.typ:
		return "", errDiffers(fmt.Sprintf("comparing %s columns (%s and %s): equality of this type differs between DuckDB and %s", ac.typ, ac.label(), bc.label(), d.Name))
	case temporal(acl) && temporal(bcl):
		if (acl == classTimestampTZ) != (bcl == classTimestampTZ) {
			return "", errDiffers(fmt.Sprintf("comparing %s (%s) with %s (%s): it depends on each engine's session time zone", ac.label(), ac.typ, bc.label(), bc.typ))
		}
		return a + " = " + b, nil
	case acl == classString || bcl == classString:
		return "", errDiffers(fmt.Sprintf("comparing the text column %s with the %s column %s: DuckDB's TRY_CAST of text and %s's casts accept different spellings",
			pick(acl == classString, ac, bc).label(), pick(acl == classString, bc, ac).typ, pick(acl == classString, bc, ac).label(), d.Name))
	}
	return pl.textEquals(a, ac, b, bc)
}

func pick(first bool, a, b column) column {
	if first {
		return a
	}
	return b
}

// textEquals compares two columns of different types by their text, as
// keyEquals and comparable do, when both engines spell them alike.
func (pl *planner) textEquals(a string, ac column, b string, bc column) (string, error) {
	for _, c := range []column{ac, bc} {
		if !sameText(c.typ) {
			return "", errDiffers(fmt.Sprintf("comparing %s (%s) with %s (%s) as text: %s spells %s values differently from DuckDB", ac.label(), ac.typ, bc.label(), bc.typ, pl.remote.Name, c.typ))
		}
	}
	text := pl.remote.Types[sqlexpr.Varchar]
	return "CAST(" + a + " AS " + text + ") = CAST(" + b + " AS " + text + ")", nil
}

// backendSame is DatasetMatch's comparison of one compared pair: equal
// values, or both NULL (hash() makes NULL equal NULL).
func (pl *planner) backendSame(a string, ac column, b string, bc column) (string, error) {
	var eq string
	switch {
	case ac.typ == bc.typ:
		if !sameEquality(ac.typ) {
			return "", errDiffers(fmt.Sprintf("comparing %s columns (%s and %s): equality of this type differs between DuckDB and %s", ac.typ, ac.label(), bc.label(), pl.remote.Name))
		}
		eq = a + " = " + b
		if floatingType(ac.typ) {
			eq = eqNaN(a, b)
		}
	case classify(ac.typ) == classNumeric && classify(bc.typ) == classNumeric:
		// comparable: numbers of different types as DOUBLE.
		double := pl.remote.Types[sqlexpr.Double]
		eq = eqNaN("CAST("+a+" AS "+double+")", "CAST("+b+" AS "+double+")")
	default:
		var err error
		if eq, err = pl.textEquals(a, ac, b, bc); err != nil {
			return "", err
		}
	}
	return "((" + a + " IS NULL AND " + b + " IS NULL) OR " + eq + ")", nil
}

// backendAntiJoin counts the primary rows whose key tuple has no equal in
// the reference (ReferentialIntegrity's dangling rows).
func (pl *planner) backendAntiJoin(ref *relation, pcs, rcs []column) (string, error) {
	d := pl.remote
	var on []string
	for i := range pcs {
		eq, err := pl.backendKeyEquals("__p."+d.Ident(pcs[i].name), pcs[i], "__r."+d.Ident(rcs[i].name), rcs[i])
		if err != nil {
			return "", err
		}
		on = append(on, eq)
	}
	return "SELECT count(*) FROM " + fromAs(pl.backendFrom(pl.plan.rel), "__p") + " WHERE NOT EXISTS (SELECT 1 FROM " + fromAs(pl.backendFrom(ref), "__r") +
		" WHERE " + strings.Join(on, " AND ") + ")", nil
}

// datasetMatchOnBackend is datasetMatch with the Backend's statements.
func (pl *planner) datasetMatchOnBackend(r *dqdl.SimpleRule, lp *leafPlan, ref *relation, pk, rk, pm, rm []column) {
	d := pl.remote
	var on, pKeys, rKeys []string
	for i := range pk {
		pc, rc := d.Ident(pk[i].name), d.Ident(rk[i].name)
		pKeys, rKeys = append(pKeys, pc), append(rKeys, rc)
		eq, err := pl.backendKeyEquals("__p."+pc, pk[i], "__r."+rc, rk[i])
		if err != nil {
			lp.fixed = errored(pl.cannotJoin(err))
			return
		}
		on = append(on, eq)
	}
	for i := range pm {
		eq, err := pl.backendSame("__p."+d.Ident(pm[i].name), pm[i], "__r."+d.Ident(rm[i].name), rm[i])
		if err != nil {
			lp.fixed = errored(pl.cannotJoin(err))
			return
		}
		on = append(on, eq)
	}
	pFrom, rFrom := pl.backendFrom(pl.plan.rel), pl.backendFrom(ref)
	matched := pl.backendSubquery("SELECT count(*) FROM " + fromAs(pFrom, "__p") + " JOIN " + fromAs(rFrom, "__r") + " ON " + strings.Join(on, " AND "))
	// Keys must be unique on both sides; GROUP BY puts NULL keys in one
	// group, as DuckDB's does.
	dups := func(from string, keys []string) slot {
		return pl.backendSubquery("SELECT count(*) FROM (SELECT 1 AS __one FROM " + from + " GROUP BY " + strings.Join(keys, ", ") + " HAVING count(*) > 1) AS __dups")
	}
	dupP, dupR := dups(pFrom, pKeys), dups(rFrom, rKeys)
	total := pl.aggregate(countRows())
	lp.judge = datasetMatchJudge(r, ref, matched, dupP, dupR, total)
}
