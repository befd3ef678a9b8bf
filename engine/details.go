package engine

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxShownValueRunes is where Summary cuts a long offending value.
const maxShownValueRunes = 40

// Summary renders the details as one line for a table or text report, e.g.
// `12 of 20,000 rows failed; top values: "XX" (7), "usd" (5)`. Values are
// quoted with Go escapes (so control characters and quotes cannot break
// the line) and cut at 40 characters; NULL is shown as NULL.
func (d *FailureDetails) Summary() string {
	if d == nil {
		return ""
	}
	var parts []string
	if d.FailedRows != nil && d.TotalRows != nil {
		parts = append(parts, groupThousands(*d.FailedRows)+" of "+groupThousands(*d.TotalRows)+" rows failed")
	}
	if len(d.TopValues) > 0 {
		vs := make([]string, len(d.TopValues))
		for i, v := range d.TopValues {
			vs[i] = ShowValue(v.Value) + " (" + groupThousands(v.Count) + ")"
		}
		parts = append(parts, "top values: "+strings.Join(vs, ", "))
	}
	if d.Hint != "" {
		parts = append(parts, d.Hint)
	}
	return strings.Join(parts, "; ")
}

// ShowValue renders an offending value for a message: NULL, or the value
// quoted and escaped, cut at 40 characters with "…".
func ShowValue(v *string) string {
	if v == nil {
		return "NULL"
	}
	s := *v
	if utf8.RuneCountInString(s) > maxShownValueRunes {
		r := []rune(s)
		return strconv.Quote(string(r[:maxShownValueRunes])) + "…"
	}
	return strconv.Quote(s)
}

// groupThousands prints n with comma separators: 20000 → 20,000.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
