package gluecatalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// maxProjected bounds the partitions a projection may enumerate, as
// Athena does (1,000,000): past it the filter must narrow the ranges.
const maxProjected = 1_000_000

// project enumerates partitions from the table's projection.* parameters
// (Athena partition projection): enum, integer and date types, locations
// from storage.location.template or <location>/k=v/…. The partition filter
// is applied locally, since GetPartitions knows nothing of projected
// partitions.
func (t *Table) project(tb *types.Table) ([]partition, error) {
	params := lowerKeys(tb.Parameters)
	keys := tb.PartitionKeys
	var filter Expr
	numeric := map[string]bool{}
	for _, k := range keys {
		if numericType(aws.ToString(k.Type)) {
			numeric[strings.ToLower(aws.ToString(k.Name))] = true
		}
	}
	if t.Partition != "" {
		var err error
		if filter, err = ParseExpr(t.Partition); err != nil {
			return nil, err
		}
	}
	domains := make([][]string, len(keys))
	total := 1
	for i, k := range keys {
		name := strings.ToLower(aws.ToString(k.Name))
		vals, err := projectedValues(name, params, filter)
		if err != nil {
			return nil, err
		}
		domains[i] = vals
		total *= max(len(vals), 1)
		if total > maxProjected {
			return nil, fmt.Errorf("more than %d projected partitions; narrow them with --partition", maxProjected)
		}
	}
	template := params["storage.location.template"]
	base := strings.TrimSuffix(aws.ToString(tb.StorageDescriptor.Location), "/")
	var out []partition
	values := make([]string, len(keys))
	var walk func(i int) error
	walk = func(i int) error {
		if i == len(keys) {
			m := map[string]string{}
			for j, k := range keys {
				m[strings.ToLower(aws.ToString(k.Name))] = values[j]
			}
			if filter != nil {
				ok, err := filter.Eval(m, numeric)
				if err != nil || !ok {
					return err
				}
			}
			loc := template
			if loc == "" {
				parts := []string{base}
				for j, k := range keys {
					parts = append(parts, aws.ToString(k.Name)+"="+values[j])
				}
				loc = strings.Join(parts, "/")
			} else {
				for j, k := range keys {
					loc = strings.ReplaceAll(loc, "${"+aws.ToString(k.Name)+"}", values[j])
				}
			}
			out = append(out, partition{values: append([]string(nil), values...), location: loc})
			return nil
		}
		for _, v := range domains[i] {
			values[i] = v
			if err := walk(i + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(0); err != nil {
		return nil, err
	}
	return out, nil
}

// projectedValues is the domain of one projected key.
func projectedValues(key string, params map[string]string, filter Expr) ([]string, error) {
	p := func(s string) string { return params["projection."+key+"."+s] }
	switch strings.ToLower(p("type")) {
	case "enum":
		var out []string
		for _, v := range strings.Split(p("values"), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out, nil
	case "integer":
		lo, hi, ok := strings.Cut(p("range"), ",")
		a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		if !ok || err1 != nil || err2 != nil || b < a {
			return nil, fmt.Errorf("projection.%s.range %q: want min,max", key, p("range"))
		}
		step := int64(1)
		if s := p("interval"); s != "" {
			if step, _ = strconv.ParseInt(s, 10, 64); step <= 0 {
				return nil, fmt.Errorf("projection.%s.interval %q: want a positive integer", key, s)
			}
		}
		digits, _ := strconv.Atoi(p("digits"))
		if (b-a)/step > maxProjected {
			return nil, fmt.Errorf("projection.%s.range has more than %d values", key, maxProjected)
		}
		var out []string
		for v := a; v <= b; v += step {
			out = append(out, fmt.Sprintf("%0*d", digits, v))
		}
		return out, nil
	case "date":
		return dateValues(key, p)
	case "injected":
		// As in Athena, the query supplies the values: the filter must
		// pin the key with = or IN.
		if vals, ok := pinned(filter, key); ok {
			return vals, nil
		}
		return nil, fmt.Errorf("key %s is injected: give its values with --partition \"%s = '…'\" (or IN (…)), as Athena requires", key, key)
	case "":
		return nil, fmt.Errorf("projection.enabled is true but projection.%s.type is not set", key)
	}
	return nil, fmt.Errorf("projection.%s.type %q: dq knows enum, integer and date", key, p("type"))
}

// dateValues enumerates a date projection: range "start,end" in the
// projection's format (or NOW[±N UNIT]), stepping interval units.
func dateValues(key string, p func(string) string) ([]string, error) {
	layout := javaLayout(p("format"))
	lo, hi, ok := strings.Cut(p("range"), ",")
	if !ok {
		return nil, fmt.Errorf("projection.%s.range %q: want start,end", key, p("range"))
	}
	start, err := parseProjectedDate(strings.TrimSpace(lo), layout)
	if err != nil {
		return nil, fmt.Errorf("projection.%s.range: %w", key, err)
	}
	end, err := parseProjectedDate(strings.TrimSpace(hi), layout)
	if err != nil {
		return nil, fmt.Errorf("projection.%s.range: %w", key, err)
	}
	n := 1
	if s := p("interval"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			return nil, fmt.Errorf("projection.%s.interval %q: want a positive integer", key, s)
		}
	}
	unit := strings.ToUpper(p("interval.unit"))
	if unit == "" {
		unit = "DAYS"
	}
	step := func(t time.Time) time.Time {
		switch unit {
		case "YEARS":
			return t.AddDate(n, 0, 0)
		case "MONTHS":
			return t.AddDate(0, n, 0)
		case "WEEKS":
			return t.AddDate(0, 0, 7*n)
		case "HOURS":
			return t.Add(time.Duration(n) * time.Hour)
		case "MINUTES":
			return t.Add(time.Duration(n) * time.Minute)
		case "SECONDS":
			return t.Add(time.Duration(n) * time.Second)
		}
		return t.AddDate(0, 0, n)
	}
	var out []string
	for d := start; !d.After(end); d = step(d) {
		out = append(out, d.Format(layout))
		if len(out) > maxProjected {
			return nil, fmt.Errorf("projection.%s.range has more than %d values", key, maxProjected)
		}
	}
	return out, nil
}

func parseProjectedDate(s, layout string) (time.Time, error) {
	if strings.HasPrefix(strings.ToUpper(s), "NOW") {
		now := time.Now().UTC()
		rest := strings.TrimSpace(s[3:])
		if rest == "" {
			return now, nil
		}
		sign := 1
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, fmt.Errorf("%q: want NOW, NOW-3DAYS, NOW+1MONTHS", s)
		}
		num := strings.TrimLeft(rest[1:], " ")
		i := 0
		for i < len(num) && num[i] >= '0' && num[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(num[:i])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: want NOW-3DAYS", s)
		}
		n *= sign
		switch strings.ToUpper(strings.TrimSpace(num[i:])) {
		case "YEARS", "YEAR":
			return now.AddDate(n, 0, 0), nil
		case "MONTHS", "MONTH":
			return now.AddDate(0, n, 0), nil
		case "WEEKS", "WEEK":
			return now.AddDate(0, 0, 7*n), nil
		case "DAYS", "DAY":
			return now.AddDate(0, 0, n), nil
		case "HOURS", "HOUR":
			return now.Add(time.Duration(n) * time.Hour), nil
		}
		return time.Time{}, fmt.Errorf("%q: unknown unit", s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q does not match the projection's format", s)
	}
	return t, nil
}

// javaLayout turns a Java DateTimeFormatter pattern (yyyy-MM-dd, yyyy/MM/dd/HH)
// into a Go layout.
func javaLayout(f string) string {
	if f == "" {
		return "2006-01-02"
	}
	repl := []struct{ j, g string }{{"yyyy", "2006"}, {"yy", "06"}, {"MM", "01"}, {"dd", "02"}, {"HH", "15"}, {"mm", "04"}, {"ss", "05"}}
	var b strings.Builder
	for i := 0; i < len(f); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(f[i:], r.j) {
				b.WriteString(r.g)
				i += len(r.j)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(f[i])
			i++
		}
	}
	return b.String()
}

// pinned is the values e allows for key when it pins the key to a finite
// list (= or IN, under AND and OR), a superset of the values that match:
// the filter is applied to the projected partitions afterwards.
func pinned(e Expr, key string) ([]string, bool) {
	switch x := e.(type) {
	case *cmpExpr:
		if x.key == key && x.op == "=" {
			return []string{x.val.text}, true
		}
	case *inExpr:
		if x.key == key {
			var out []string
			for _, v := range x.vals {
				out = append(out, v.text)
			}
			return out, true
		}
	case *boolExpr:
		l, lok := pinned(x.l, key)
		r, rok := pinned(x.r, key)
		switch {
		case x.and && lok:
			return l, true
		case x.and && rok:
			return r, true
		case !x.and && lok && rok:
			seen := map[string]bool{}
			var out []string
			for _, v := range append(l, r...) {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
			return out, true
		}
	}
	return nil, false
}
