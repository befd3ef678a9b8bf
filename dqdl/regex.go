package dqdl

import (
	"fmt"
	"regexp"
	"strings"
)

// javaOnly lists regex constructs that Glue's Java regex engine accepts and
// RE2 (Go's regexp, and DuckDB's) does not. Naming the construct tells the
// user what to rewrite; RE2's own message would only say "invalid".
var javaOnly = []struct{ token, name string }{
	{"(?<=", "lookbehind (?<=...)"},
	{"(?<!", "negative lookbehind (?<!...)"},
	{"(?=", "lookahead (?=...)"},
	{"(?!", "negative lookahead (?!...)"},
	{"(?>", "atomic group (?>...)"},
	{`\k<`, `named backreference \k<...>`},
	{`\p{java`, `Java character class \p{java...}`},
	{`\p{Is`, `Java script/property class \p{Is...}`},
	{`\p{In`, `Java block class \p{In...}`},
	{`\G`, `\G (end of previous match)`},
	{`\Z`, `\Z (end of input before a final newline)`},
	{`\R`, `\R (any line break)`},
	{`\h`, `\h (horizontal whitespace)`},
	{`\X`, `\X (grapheme cluster)`},
}

// checkRegex compiles a `matches` pattern or a ColumnNamesMatchPattern
// pattern with RE2 and, when that fails, says which Java-only construct is
// to blame. It returns "" when the pattern is usable.
func checkRegex(p string) string {
	if _, err := regexp.Compile(p); err == nil {
		return ""
	} else if c := javaConstruct(p); c != "" {
		return fmt.Sprintf("regular expression %q uses %s, a Java regex feature that dq's RE2 engine does not support; rewrite the pattern without it", p, c)
	} else {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error parsing regexp: ")
		return fmt.Sprintf("invalid regular expression %q: %s", p, msg)
	}
}

func javaConstruct(p string) string {
	for _, j := range javaOnly {
		if strings.Contains(p, j.token) {
			return j.name
		}
	}
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '\\' {
			if p[i+1] >= '1' && p[i+1] <= '9' {
				return fmt.Sprintf(`backreference \%c`, p[i+1])
			}
			i++
			continue
		}
		if (p[i] == '*' || p[i] == '+' || p[i] == '?' || p[i] == '}') && p[i+1] == '+' {
			return fmt.Sprintf("possessive quantifier %c+", p[i])
		}
	}
	return ""
}
