package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QuoteIdent quotes name as a DuckDB identifier. Every identifier dq puts
// into generated SQL goes through here, so column names holding quotes,
// spaces, dots or keywords ("primary") cannot change the statement's shape.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString quotes s as a standard SQL string literal. DuckDB gives
// backslashes no meaning inside '...', so doubling quotes is sufficient.
func QuoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// quoteStringList renders a DuckDB list literal of strings, e.g. for
// read_parquet's file list or allowed_paths.
func quoteStringList(items []string) string {
	if len(items) == 0 {
		return "CAST([] AS VARCHAR[])"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = QuoteString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

type tokKind int

const (
	tkSpace tokKind = iota
	tkComment
	tkWord        // unquoted identifier or keyword
	tkQuotedIdent // "..."
	tkString      // '...', E'...', $tag$...$tag$
	tkNumber
	tkParam // $1, ?, $name
	tkPunct // any other single character (operators, parentheses, ';', '.')
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the input, for error messages
}

// tokenize splits DuckDB SQL into tokens precisely enough to tell which
// words are bare identifiers: it understands the literal and comment forms
// that can hide a word ('…', E'…', $$…$$, "…", --, nested /* */). It is
// not a parser; it only needs to never mistake text inside a literal or
// comment for code, and to fail on anything unterminated rather than guess.
func tokenize(sql string) ([]token, error) {
	var toks []token
	i := 0
	n := len(sql)
	emit := func(k tokKind, start, end int) {
		toks = append(toks, token{kind: k, text: sql[start:end], pos: start})
	}
	for i < n {
		start := i
		r, size := utf8.DecodeRuneInString(sql[i:])
		switch {
		case unicode.IsSpace(r):
			for i < n {
				r, size = utf8.DecodeRuneInString(sql[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += size
			}
			emit(tkSpace, start, i)
		case strings.HasPrefix(sql[i:], "--"):
			// The newline stays outside the comment so that dropping the
			// comment keeps the line break.
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				i = n
			} else {
				i += end
			}
			emit(tkComment, start, i)
		case strings.HasPrefix(sql[i:], "/*"):
			depth := 0
			for {
				if i >= n {
					return nil, fmt.Errorf("unterminated comment starting at offset %d", start)
				}
				if strings.HasPrefix(sql[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(sql[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
			emit(tkComment, start, i)
		case r == '\'':
			end, err := scanQuoted(sql, i, '\'', false)
			if err != nil {
				return nil, err
			}
			i = end
			emit(tkString, start, i)
		case (r == 'e' || r == 'E') && i+1 < n && sql[i+1] == '\'':
			// E'…' strings honour backslash escapes, so \' does not end them.
			end, err := scanQuoted(sql, i+1, '\'', true)
			if err != nil {
				return nil, err
			}
			i = end
			emit(tkString, start, i)
		case r == '"':
			end, err := scanQuoted(sql, i, '"', false)
			if err != nil {
				return nil, err
			}
			i = end
			emit(tkQuotedIdent, start, i)
		case r == '`':
			// Spark's `backtick` identifier (`` doubles a backtick), which
			// Glue users write in where clauses and CustomSql. DuckDB has
			// no backtick quoting, so the token becomes "…" when rendered.
			end, err := scanQuoted(sql, i, '`', false)
			if err != nil {
				return nil, err
			}
			i = end
			name := strings.ReplaceAll(sql[start+1:end-1], "``", "`")
			toks = append(toks, token{kind: tkQuotedIdent, text: QuoteIdent(name), pos: start})
		case r == '$':
			if tag, ok := dollarTag(sql[i:]); ok {
				closeAt := strings.Index(sql[i+len(tag):], tag)
				if closeAt < 0 {
					return nil, fmt.Errorf("unterminated dollar-quoted string starting at offset %d", start)
				}
				i += len(tag) + closeAt + len(tag)
				emit(tkString, start, i)
				break
			}
			i += size
			for i < n {
				r, size = utf8.DecodeRuneInString(sql[i:])
				if !isIdentRune(r) {
					break
				}
				i += size
			}
			emit(tkParam, start, i)
		case r == '?':
			i += size
			emit(tkParam, start, i)
		case r >= '0' && r <= '9' || r == '.' && i+1 < n && sql[i+1] >= '0' && sql[i+1] <= '9':
			i += size
			for i < n {
				c := sql[i]
				if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' {
					i++
					continue
				}
				break
			}
			emit(tkNumber, start, i)
		case isIdentStart(r):
			i += size
			for i < n {
				r, size = utf8.DecodeRuneInString(sql[i:])
				if !isIdentRune(r) {
					break
				}
				i += size
			}
			emit(tkWord, start, i)
		default:
			i += size
			emit(tkPunct, start, i)
		}
	}
	return toks, nil
}

// scanQuoted returns the offset just past the literal that opens at
// sql[open] with quote q. A doubled quote is an escaped quote; with
// backslash, \x escapes x as well.
func scanQuoted(sql string, open int, q byte, backslash bool) (int, error) {
	for i := open + 1; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if backslash {
				i++
			}
		case q:
			if i+1 < len(sql) && sql[i+1] == q {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	what := "string literal"
	switch q {
	case '"':
		what = "quoted identifier"
	case '`':
		what = "backtick-quoted identifier"
	}
	return 0, fmt.Errorf("unterminated %s starting at offset %d", what, open)
}

// dollarTag recognises the opening $tag$ (or $$) of a dollar-quoted string.
func dollarTag(s string) (string, bool) {
	if len(s) < 2 || s[0] != '$' {
		return "", false
	}
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		isAlpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		isDigit := c >= '0' && c <= '9'
		if !(isAlpha || isDigit && j > 1) {
			return "", false
		}
	}
	return "", false
}

func isIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || r >= utf8.RuneSelf && !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r)
}

func isIdentRune(r rune) bool {
	return isIdentStart(r) || r == '$' || unicode.IsDigit(r)
}

func isTrivia(t token) bool { return t.kind == tkSpace || t.kind == tkComment }

// singleStatement tokenizes sql and checks it holds exactly one statement.
// It returns the statement's tokens with any trailing ';' removed.
func singleStatement(sql string) ([]token, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	end := len(toks)
	for i, t := range toks {
		if t.kind == tkPunct && t.text == ";" {
			for _, rest := range toks[i+1:] {
				if !isTrivia(rest) {
					return nil, fmt.Errorf("only one SQL statement is allowed; found more after ';' at offset %d", t.pos)
				}
			}
			end = i
			break
		}
	}
	toks = toks[:end]
	for _, t := range toks {
		if !isTrivia(t) {
			return toks, nil
		}
	}
	return nil, errors.New("empty SQL statement")
}

// render joins tokens back into SQL, replacing comments by a space. A
// trailing "-- comment" would otherwise swallow whatever the engine appends
// when it embeds the statement, e.g. the ")" of "SELECT count(*) FROM (…)".
func renderTokens(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind == tkComment {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(t.text)
	}
	return strings.TrimSpace(b.String())
}

// prevSignificant returns the index of the nearest non-trivia token before i, or -1.
func prevSignificant(toks []token, i int) int {
	for j := i - 1; j >= 0; j-- {
		if !isTrivia(toks[j]) {
			return j
		}
	}
	return -1
}

func nextSignificant(toks []token, i int) int {
	for j := i + 1; j < len(toks); j++ {
		if !isTrivia(toks[j]) {
			return j
		}
	}
	return -1
}

// RewriteRelations prepares a CustomSql statement for DuckDB: every bare
// identifier equal, ignoring case, to a key of rels (e.g. "primary" or a
// reference alias) is replaced by the mapped relation text. DQDL users write
// `select count(*) from primary`, and primary is a reserved word in DuckDB,
// so the statement cannot run as written. Words inside string literals,
// quoted identifiers and comments are left alone, as is a word right after a
// '.', which names a column or field rather than a relation. The statement
// must be exactly one statement; a trailing ';' and all comments are removed
// so that the result can be embedded in a larger query.
func RewriteRelations(userSQL string, rels map[string]string) (string, error) {
	lower := make(map[string]string, len(rels))
	for k, v := range rels {
		lk := strings.ToLower(k)
		if _, dup := lower[lk]; dup {
			return "", fmt.Errorf("relation names %q collide when compared without case", k)
		}
		lower[lk] = v
	}
	toks, err := singleStatement(userSQL)
	if err != nil {
		return "", err
	}
	for i, t := range toks {
		if t.kind != tkWord {
			continue
		}
		rel, ok := lower[strings.ToLower(t.text)]
		if !ok {
			continue
		}
		if p := prevSignificant(toks, i); p >= 0 && toks[p].kind == tkPunct && toks[p].text == "." {
			continue
		}
		toks[i].text = rel
	}
	return renderTokens(toks), nil
}

// readOnlyStarts are the statement keywords that cannot modify anything on
// their own. WITH needs the extra depth-0 scan below: DuckDB accepts
// WITH … INSERT/UPDATE/DELETE.
var readOnlyStarts = map[string]bool{"select": true, "with": true, "values": true, "from": true, "table": true}

var writingKeywords = map[string]bool{"insert": true, "update": true, "delete": true, "merge": true}

// sideEffectFunctions are DuckDB table/scalar functions that change session
// state. Configuration is locked after Seal, but these bypass the lock: e.g.
// enable_logging(storage_path=…) breaks every later query of the session.
var sideEffectFunctions = map[string]bool{
	"checkpoint": true, "force_checkpoint": true, "truncate_duckdb_logs": true,
	"import_database": true, "copy_database": true, "add_parquet_key": true,
	"write_log": true, "setseed": true, "nextval": true,
}

// CheckReadOnlySQL rejects untrusted user SQL (CustomSql) that is not a
// single read-only query: the first keyword must be SELECT, WITH, VALUES,
// FROM or TABLE (optionally after opening parentheses), a WITH query may not
// end in INSERT/UPDATE/DELETE/MERGE, and functions that change session
// state are refused. It is a static pre-check; Session.CheckReadOnly adds
// DuckDB's own parser as the authority.
func CheckReadOnlySQL(sql string) error {
	toks, err := singleStatement(sql)
	if err != nil {
		return err
	}
	first := -1
	for i, t := range toks {
		if isTrivia(t) || t.kind == tkPunct && t.text == "(" {
			continue
		}
		first = i
		break
	}
	if first < 0 || toks[first].kind != tkWord || !readOnlyStarts[strings.ToLower(toks[first].text)] {
		got := ""
		if first >= 0 {
			got = toks[first].text
		}
		return fmt.Errorf("only read-only queries are allowed (SELECT, WITH, VALUES, FROM, TABLE), got %q", got)
	}
	if err := checkTokens(toks); err != nil {
		return err
	}
	if strings.EqualFold(toks[first].text, "with") {
		depth := 0
		for _, t := range toks {
			switch {
			case t.kind == tkPunct && (t.text == "(" || t.text == "["):
				depth++
			case t.kind == tkPunct && (t.text == ")" || t.text == "]"):
				depth--
			case t.kind == tkWord && depth == 0 && writingKeywords[strings.ToLower(t.text)]:
				return fmt.Errorf("only read-only queries are allowed, found %s", strings.ToUpper(t.text))
			}
		}
	}
	return nil
}

// introspectionFunctions reveal the session rather than the data: its
// settings (temp_directory is the private spill directory, secret_directory
// and home_directory the user's home), environment, installed extensions,
// secrets, attached databases and temporary files. query and query_table
// run SQL given as a string, which no static check can see into. Functions
// named pragma_* (DuckDB's PRAGMA table functions) are refused as well.
var introspectionFunctions = map[string]bool{
	"current_setting": true, "duckdb_settings": true, "getenv": true,
	"getvariable": true, "duckdb_variables": true,
	"duckdb_extensions": true, "duckdb_secrets": true, "which_secret": true,
	"duckdb_databases": true, "duckdb_temporary_files": true,
	"duckdb_logs": true, "duckdb_log_contexts": true, "duckdb_external_file_cache": true,
	"duckdb_prepared_statements": true, "duckdb_memory": true,
	"query": true, "query_table": true,
}

// introspectionViews are DuckDB's built-in views over the same
// information; they need no parentheses.
var introspectionViews = map[string]bool{
	"duckdb_databases": true, "duckdb_logs": true, "pragma_database_list": true,
}

// checkTokens refuses calls of session-changing and introspection
// functions, whether the name is bare, quoted ("current_setting"(…)) or
// qualified (system.main.current_setting(…)).
func checkTokens(toks []token) error {
	for i, t := range toks {
		var name string
		switch t.kind {
		case tkWord:
			name = strings.ToLower(t.text)
		case tkQuotedIdent:
			name = strings.ToLower(strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`))
		default:
			continue
		}
		if introspectionViews[name] {
			return fmt.Errorf("%s is not allowed in a data quality rule: it describes dq's session, not the data", name)
		}
		called := false
		if nx := nextSignificant(toks, i); nx >= 0 && toks[nx].kind == tkPunct && toks[nx].text == "(" {
			called = true
		}
		if !called {
			continue
		}
		switch {
		case introspectionFunctions[name] || strings.HasPrefix(name, "pragma_"):
			return fmt.Errorf("function %s is not allowed in a data quality rule: it reveals dq's settings, paths or environment, not the data", name)
		case sideEffectFunctions[name] || strings.HasPrefix(name, "enable_") || strings.HasPrefix(name, "disable_"):
			return fmt.Errorf("function %s is not allowed in a data quality rule", name)
		}
	}
	return nil
}

// CheckExpressionSQL vets an untrusted SQL expression (a rule's where
// clause) before the engine splices it into its own statements: it must not
// end the statement (';'), must not close a parenthesis it did not open (which
// would let it escape the "(…)" the engine wraps it in), and must not call
// session-changing functions. It returns the expression with comments
// removed, so a "--" comment cannot swallow SQL the engine appends.
func CheckExpressionSQL(expr string) (string, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return "", err
	}
	var stack []string
	closing := map[string]string{")": "(", "]": "[", "}": "{"}
	significant := false
	for _, t := range toks {
		if !isTrivia(t) {
			significant = true
		}
		if t.kind != tkPunct {
			continue
		}
		switch t.text {
		case ";":
			return "", fmt.Errorf("';' is not allowed in an expression (offset %d)", t.pos)
		case "(", "[", "{":
			stack = append(stack, t.text)
		case ")", "]", "}":
			if len(stack) == 0 || stack[len(stack)-1] != closing[t.text] {
				return "", fmt.Errorf("unbalanced %q at offset %d", t.text, t.pos)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed %q in expression", stack[len(stack)-1])
	}
	if !significant {
		return "", errors.New("empty expression")
	}
	if err := checkTokens(toks); err != nil {
		return "", err
	}
	return renderTokens(toks), nil
}

// sortedKeys is a small helper for deterministic SQL generation.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
