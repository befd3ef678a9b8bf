package engine

import (
	"context"

	"fmt"
	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// CustomSql on a Backend (spec §6.23): the user's text runs in the
// Backend's own SQL dialect — Glue runs it in Spark SQL, the embedded
// engine in DuckDB's, a Backend in its engine's; dq translates only the
// relation names. "primary" and the co-located reference aliases become
// the engine's relations; the text must be one read-only query
// (checkBackendSQL), and the Backend runs it without write access
// (UserQuerier). The result shapes are the embedded engine's: one value
// judged by the condition, or — without one — the share of primary rows
// the statement returns, matched null-safely on the returned columns.

// backendWriting are words that only statements changing data use. They
// are refused anywhere in the text (unless quoted), because PostgreSQL
// accepts data-modifying statements inside WITH (WITH d AS (DELETE …
// RETURNING …) SELECT …) and SELECT … INTO creates a table.
var backendWriting = map[string]bool{"insert": true, "update": true, "delete": true, "merge": true, "into": true}

// checkBackendSQL admits the text of a CustomSql statement for a Backend:
// a single statement, starting with SELECT or WITH (after opening
// parentheses), without a data-changing keyword anywhere. The Backend's
// read-only execution is the second line of defence.
func checkBackendSQL(stmt string) error {
	toks, err := singleStatement(stmt)
	if err != nil {
		return err
	}
	first := ""
	for _, t := range toks {
		if isTrivia(t) || t.kind == tkPunct && t.text == "(" {
			continue
		}
		if t.kind == tkWord {
			first = strings.ToLower(t.text)
		} else {
			first = t.text
		}
		break
	}
	if first != "select" && first != "with" {
		return fmt.Errorf("only a read-only query (SELECT or WITH … SELECT) runs on a pushdown engine, got %q", first)
	}
	for _, t := range toks {
		if t.kind == tkWord && backendWriting[strings.ToLower(t.text)] {
			return fmt.Errorf("only read-only queries run on a pushdown engine, found %s (quote it if it is a column name)", strings.ToUpper(t.text))
		}
	}
	return nil
}

// customOnBackend plans CustomSql for the Backend; text is the rule's
// statement with column names bound.
func (pl *planner) customOnBackend(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan, text string) error {
	bk, d := pl.backend, pl.remote
	if bk.user == nil {
		lp.fixed = errored(cannotEvaluate + d.Name + ": this engine does not run user SQL (CustomSql); the embedded engine (--engine duckdb) evaluates this rule")
		return nil
	}
	rels := map[string]string{"primary": pl.backendFrom(pl.plan.rel)}
	for alias, rel := range bk.refs {
		rels[alias] = rel
	}
	// A relation that is a subquery naming itself ((SELECT … WHERE …) AS
	// "t": a table restricted to partitions) cannot stand where the user
	// writes a table name followed by its own alias: it becomes a CTE.
	var ctes []string
	for _, name := range sortedKeys(rels) {
		if rel := rels[name]; strings.HasPrefix(rel, "(") {
			cte := d.Ident(fmt.Sprintf("__dq_rel%d", len(ctes)))
			ctes = append(ctes, cte+" AS (SELECT * FROM "+rel+")")
			rels[name] = cte
		}
	}
	// A reference that lives elsewhere must not be read as whatever
	// table of the engine happens to have its name.
	marks := map[string]string{}
	for alias, why := range bk.apart {
		m := fmt.Sprintf("__dq_elsewhere_%d__", len(marks))
		rels[alias], marks[m] = m, why
	}
	stmt, err := RewriteRelations(text, rels)
	for m, why := range marks {
		if err == nil && strings.Contains(stmt, m) {
			lp.fixed = errored(notColocated(d.Name, why))
			return nil
		}
	}
	if err == nil {
		err = checkBackendSQL(stmt)
	}
	if err == nil && len(ctes) > 0 {
		stmt, err = withCTEs(stmt, ctes)
	}
	if err != nil {
		lp.fixed = errored("Error executing SQL statement: " + firstLine(err.Error()))
		return nil
	}
	if r.Condition != nil || pl.analyzer {
		c := &customRun{user: pl.user, sql: stmt, backend: d.Name}
		pl.plan.customs = append(pl.plan.customs, c)
		lp.judge = customJudge(r, c)
		return nil
	}
	names, _, err := bk.user(ctx, "SELECT * FROM (\n"+stmt+"\n) AS __custom LIMIT 0", 0)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lp.fixed = errored("Error executing SQL statement: " + firstLine(err.Error()))
		return nil
	}
	if len(names) == 0 {
		lp.fixed = failed("The output from CustomSQL must contain at least one column that matches the input dataset. Ensure that matching columns are returned from the SQL.")
		return nil
	}
	var missing, match []string
	for _, n := range names {
		c, err := pl.plan.rel.lookup(n)
		if err != nil {
			missing = append(missing, n)
			continue
		}
		p, q := "__dq_p."+d.Ident(c.name), "__custom."+d.Ident(n)
		eq := p + " = " + q
		if floatingType(c.typ) {
			eq = eqNaN(p, q)
		}
		match = append(match, "(("+p+" IS NULL AND "+q+" IS NULL) OR "+eq+")")
	}
	if len(missing) > 0 {
		lp.fixed = failed("The columns returned from the SQL statement should only belong to the primary table. Columns not found: " + strings.Join(missing, ", "))
		return nil
	}
	// Its own statement: an error in the user's SQL must not fail the
	// fused scan.
	pass := pl.backendSubquery("SELECT count(*) FROM " + fromAs(pl.backendFrom(pl.plan.rel), "__dq_p") + " WHERE EXISTS (SELECT 1 FROM (\n" + stmt + "\n) AS __custom WHERE " + strings.Join(match, " AND ") + ")")
	total := pl.aggregate(countRows())
	lp.judge = customRowJudge(r, pass, total)
	return nil
}

// withCTEs puts common table expressions in front of a vetted statement:
// into its WITH clause when it has one (after RECURSIVE), else as a new
// WITH.
func withCTEs(stmt string, ctes []string) (string, error) {
	toks, err := tokenize(stmt)
	if err != nil {
		return "", err
	}
	list := strings.Join(ctes, ", ")
	for i, t := range toks {
		if isTrivia(t) {
			continue
		}
		if t.kind != tkWord || !strings.EqualFold(t.text, "with") {
			break
		}
		at := i
		for j := i + 1; j < len(toks); j++ {
			if isTrivia(toks[j]) {
				continue
			}
			if toks[j].kind == tkWord && strings.EqualFold(toks[j].text, "recursive") {
				at = j
			}
			break
		}
		end := toks[at].pos + len(toks[at].text)
		return stmt[:end] + " " + list + "," + stmt[end:], nil
	}
	return "WITH " + list + "\n" + stmt, nil
}
