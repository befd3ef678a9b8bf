package engine

import (
	"fmt"
	"strings"
)

// unescapeQuotes turns the DQDL escape \" into " in SQL text taken raw
// from a rule (a where clause or a CustomSql statement), so a user can
// quote an identifier inside the DQDL string: "\"Order Id\" > 0". Other
// backslash sequences stay as written (spec §18 #25): the SQL engine gives
// them their meaning.
func unescapeQuotes(s string) string {
	if !strings.Contains(s, `\"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == '"' {
				b.WriteByte('"')
			} else {
				b.WriteString(s[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// caseGroups maps the lower-cased source name of every set of columns
// that differ only by case to that set; nil for the usual schema.
func (r *relation) caseGroups() map[string][]column {
	var g map[string][]column
	seen := map[string]column{}
	for _, c := range r.columns {
		k := strings.ToLower(c.sourceName())
		prev, dup := seen[k]
		if !dup {
			seen[k] = c
			continue
		}
		if g == nil {
			g = map[string][]column{}
		}
		if len(g[k]) == 0 {
			g[k] = []column{prev}
		}
		g[k] = append(g[k], c)
	}
	return g
}

// bindNames makes the column names in user SQL (a where clause or a
// CustomSql statement) resolve as rule columns do, for the rare data whose
// columns differ only by case. DuckDB binds identifiers ignoring case and
// renames such a column on read ("A" becomes "A_1"), so "A" in SQL would
// silently mean "a": an exact source name is rewritten to the column
// DuckDB made of it, and a name that matches several columns only ignoring
// case is an error naming them. Without such columns the SQL is returned
// unchanged.
func (r *relation) bindNames(sql string) (string, error) {
	groups := r.caseGroups()
	if groups == nil {
		return sql, nil
	}
	toks, err := tokenize(sql)
	if err != nil {
		return "", err
	}
	changed := false
	for i, t := range toks {
		var name string
		switch t.kind {
		case tkWord:
			name = t.text
		case tkQuotedIdent:
			name = strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`)
		default:
			continue
		}
		group, ok := groups[strings.ToLower(name)]
		if !ok {
			continue
		}
		if nx := nextSignificant(toks, i); nx >= 0 && toks[nx].kind == tkPunct && toks[nx].text == "(" {
			continue // a function call, not a column
		}
		var exact *column
		for j := range group {
			if group[j].sourceName() == name || group[j].name == name {
				exact = &group[j]
				break
			}
		}
		if exact == nil {
			names := make([]string, len(group))
			for j, c := range group {
				names[j] = c.describe()
			}
			return "", fmt.Errorf("column name %s is ambiguous: the data has columns %s, which differ only by case. Name one of them exactly", name, strings.Join(names, " and "))
		}
		if exact.name != name || t.kind == tkWord {
			toks[i].text = QuoteIdent(exact.name)
			changed = true
		}
	}
	if !changed {
		return sql, nil
	}
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String(), nil
}
