package dqdl

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
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
	// Property classes come first: Go's regexp also reads long and
	// case-folded names (\p{Digit}, \p{letter}) that DuckDB's RE2, which
	// runs the patterns, rejects at run time, and some of them are Java's
	// POSIX classes, which mean something else there (Java's \p{Digit} is
	// 0-9, Go's every Unicode digit).
	if msg := checkPropertyClasses(p); msg != "" {
		return msg
	}
	// Constructs RE2 compiles with another meaning than Java's.
	if c, fix := javaClassSyntax(p); c != "" {
		return fmt.Sprintf("regular expression %q uses %s; %s", p, c, fix)
	}
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

// javaPOSIX maps Java's POSIX character classes (\p{Alpha}, US-ASCII
// only, as Java reads them without UNICODE_CHARACTER_CLASS) to the RE2
// classes that match exactly the same characters.
var javaPOSIX = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha",
	"Digit": "digit", "Alnum": "alnum", "Punct": "punct", "Graph": "graph",
	"Print": "print", "Blank": "blank", "Cntrl": "cntrl", "XDigit": "xdigit",
	"Space": "space",
}

// javaConstruct names the Java-only construct that makes p invalid for RE2.
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
			if end := propertyClassEnd(p, i); end > 0 {
				// The class's closing brace is not a quantifier's: \p{L}+
				// repeats a class, it is no possessive }+.
				i = end
				continue
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

// propertyClassEnd returns the index of the closing brace of the \p{...}
// or \P{...} class whose backslash is at p[i], or -1 when there is none.
func propertyClassEnd(p string, i int) int {
	if i+2 >= len(p) || (p[i+1] != 'p' && p[i+1] != 'P') || p[i+2] != '{' {
		return -1
	}
	if end := strings.IndexByte(p[i+3:], '}'); end >= 0 {
		return i + 3 + end
	}
	return -1
}

// javaClassSyntax finds Java regex syntax that RE2 accepts but reads
// otherwise, so that the pattern would silently match something else: a
// class nested in a class (Java's union [a-d[m-p]] and intersection
// [a-z&&[^x]]; RE2 takes the inner '[' as a literal), and a named group
// written (?<name>...), which DuckDB's RE2 refuses at run time although
// Go's accepts it. It returns the construct and what to write instead.
func javaClassSyntax(p string) (construct, fix string) {
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			i++ // an escaped character is never syntax
		case !inClass && c == '[':
			inClass = true
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++ // a leading ']' is a literal
			}
		case !inClass && c == '(' && strings.HasPrefix(p[i:], "(?<") && i+3 < len(p) && p[i+3] != '=' && p[i+3] != '!':
			return "a named group (?<name>...), which dq's RE2 engine (DuckDB's) does not accept", "write (?P<name>...) instead, which means the same"
		case inClass && c == '[':
			if i+1 < len(p) && p[i+1] == ':' { // an RE2 POSIX class [:alpha:]
				if end := strings.Index(p[i:], ":]"); end > 0 {
					i += end + 1
					continue
				}
			}
			return "a character class inside a class (Java's union or intersection), which dq's RE2 engine reads as a literal '['", "write one class instead (Java's [a-d[m-p]] is [a-dm-p]), and escape a literal '[' as \\["
		case inClass && c == '&' && i+1 < len(p) && p[i+1] == '&':
			return "'&&' in a character class (Java's intersection), which dq's RE2 engine reads as two '&' characters", "write the resulting class instead (Java's [a-z&&[^aeiou]] is [b-df-hj-np-tv-z])"
		case inClass && c == ']':
			inClass = false
		}
	}
	return "", ""
}

// checkPropertyClasses finds a \p{...} or \P{...} class in p that DuckDB's
// RE2 does not know, and says what to write instead.
func checkPropertyClasses(p string) string {
	for i := 0; i+1 < len(p); i++ {
		if p[i] != '\\' {
			continue
		}
		end := propertyClassEnd(p, i)
		if end < 0 {
			i++
			continue
		}
		class := p[i : end+1]
		name := strings.TrimPrefix(p[i+3:end], "^")
		if posix, ok := javaPOSIX[name]; ok {
			neg := ""
			if (p[i+1] == 'P') != strings.HasPrefix(p[i+3:end], "^") {
				neg = "^"
			}
			return fmt.Sprintf("regular expression %q uses Java POSIX class %s, a Java regex feature that dq's RE2 engine does not support; write [[:%s%s:]] (inside a [...] class: [:%s%s:]) instead, which means the same", p, class, neg, posix, neg, posix)
		}
		if name != "Any" && unicode.Categories[name] == nil && unicode.Scripts[name] == nil {
			if strings.HasPrefix(name, "java") || strings.HasPrefix(name, "Is") || strings.HasPrefix(name, "In") {
				return "" // named by javaOnly, with its own message
			}
			return fmt.Sprintf("regular expression %q uses the class %s, which dq's RE2 engine does not know; it takes Unicode general categories such as \\p{L} or \\p{Nd} and scripts such as \\p{Greek}, spelled exactly", p, class)
		}
		i = end
	}
	return ""
}

// doubledEscape finds a doubled backslash before a class letter (`\\d`,
// `\\w`, `\\s`, `\\b` and their capitals) in a pattern, and returns it.
// DQDL keeps a pattern's text as written, as Glue does, so `"\\d+"` is the
// regex \\d+: a literal backslash followed by d's, which matches almost
// nothing a user meant. Writers used to JSON or Java string escaping write
// it for a digit (\d), so it is worth a warning; "" when there is none.
func doubledEscape(p string) string {
	for i := 0; i+1 < len(p); i++ {
		if p[i] != '\\' {
			continue
		}
		if p[i+1] == '\\' && i+2 < len(p) && strings.IndexByte("dDwWsSbB", p[i+2]) >= 0 {
			return p[i : i+3]
		}
		i++ // the escaped character is not the start of another escape
	}
	return ""
}
