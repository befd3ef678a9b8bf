package schedule

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cron is a parsed cron expression of either dialect. Day-of-week values
// are stored as Go's time.Weekday (0 = Sunday) whatever the dialect.
type cron struct {
	expr string
	loc  *time.Location

	minutes []int // sorted
	hours   []int // sorted
	months  [13]bool
	years   [maxYear + 1]bool // nil-equivalent: anyYear

	anyYear bool

	// Day of month.
	domAny   bool // * or ?
	domSet   [32]bool
	domLast  bool  // L
	domLastW bool  // LW
	domNearW []int // 15W: the weekday nearest the 15th

	// Day of week.
	dowAny  bool
	dowSet  [7]bool
	dowLast []int    // 6L (AWS numbering converted): the last Friday
	dowNth  [][2]int // 3#2 → {Tuesday, 2}: the second Tuesday

	// orDays is standard cron's rule: when both day fields are restricted,
	// a day matches if either does. AWS cron forbids restricting both.
	orDays bool
}

const (
	minYear = 1970
	maxYear = 2199
)

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// dayNames map to AWS numbering (1 = Sunday); standard cron subtracts one.
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(expr, body string, aws bool, loc *time.Location) (Schedule, error) {
	f := strings.Fields(body)
	bad := func(format string, a ...any) error {
		return fmt.Errorf("schedule %q: %s", expr, fmt.Sprintf(format, a...))
	}
	if aws && len(f) != 6 {
		return nil, bad("cron() takes six fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 6 * * ? *); got %d", len(f))
	}
	if !aws && len(f) != 5 {
		if len(f) == 6 {
			return nil, bad("six fields look like an AWS expression; wrap it as cron(%s)", body)
		}
		return nil, bad("standard cron takes five fields: minute hour day-of-month month day-of-week, e.g. 0 6 * * *; got %d", len(f))
	}
	c := &cron{expr: expr, loc: loc}
	var err error
	if c.minutes, err = simpleField("minutes", f[0], 0, 59, nil); err != nil {
		return nil, bad("%v", err)
	}
	if c.hours, err = simpleField("hours", f[1], 0, 23, nil); err != nil {
		return nil, bad("%v", err)
	}
	months, err := simpleField("month", f[3], 1, 12, monthNames)
	if err != nil {
		return nil, bad("%v", err)
	}
	for _, m := range months {
		c.months[m] = true
	}
	if aws {
		if f[5] == "*" {
			c.anyYear = true
		} else {
			ys, err := simpleField("year", f[5], minYear, maxYear, nil)
			if err != nil {
				return nil, bad("%v", err)
			}
			for _, y := range ys {
				c.years[y] = true
			}
		}
	} else {
		c.anyYear = true
	}
	domQ, dowQ := f[2] == "?", f[4] == "?"
	if aws {
		// AWS: "You can't specify the Day-of-month and Day-of-week fields
		// in the same cron expression. If you specify a value or a * in
		// one of the fields, you must use a ? in the other."
		if domQ == dowQ {
			return nil, bad("exactly one of day-of-month and day-of-week must be ?, e.g. cron(0 6 * * ? *) or cron(0 6 ? * MON-FRI *)")
		}
	}
	if err := c.parseDOM(f[2]); err != nil {
		return nil, bad("%v", err)
	}
	if err := c.parseDOW(f[4], aws); err != nil {
		return nil, bad("%v", err)
	}
	if !aws {
		// Vixie cron: a day matches either restricted field; a * in one
		// field leaves only the other.
		c.orDays = !c.domAny && !c.dowAny
	}
	return c, nil
}

// simpleField parses a comma list of *, N, A-B, */S, N/S and A-B/S.
func simpleField(name, s string, lo, hi int, names map[string]int) ([]int, error) {
	seen := map[int]bool{}
	for _, item := range strings.Split(s, ",") {
		vs, err := rangeItem(name, item, lo, hi, names)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			seen[v] = true
		}
	}
	out := make([]int, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Ints(out)
	return out, nil
}

func rangeItem(name, item string, lo, hi int, names map[string]int) ([]int, error) {
	if item == "" {
		return nil, fmt.Errorf("%s: empty list item", name)
	}
	body, stepS, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepS)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: step %q must be a positive number", name, stepS)
		}
		step = n
	}
	from, to := lo, hi
	switch {
	case body == "*":
	case strings.Contains(body, "-"):
		a, b, _ := strings.Cut(body, "-")
		var err error
		if from, err = value(name, a, lo, hi, names); err != nil {
			return nil, err
		}
		if to, err = value(name, b, lo, hi, names); err != nil {
			return nil, err
		}
		if from > to {
			return nil, fmt.Errorf("%s: range %s runs backwards; write it as two ranges", name, body)
		}
	default:
		v, err := value(name, body, lo, hi, names)
		if err != nil {
			return nil, err
		}
		from = v
		if !hasStep {
			to = v
		}
	}
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out, nil
}

func value(name, s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", name, s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%s: %d is outside %d-%d", name, v, lo, hi)
	}
	return v, nil
}

func (c *cron) parseDOM(s string) error {
	if s == "*" || s == "?" {
		c.domAny = true
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		switch {
		case item == "L":
			c.domLast = true
		case item == "LW":
			c.domLastW = true
		case strings.HasSuffix(item, "W"):
			d, err := value("day-of-month", strings.TrimSuffix(item, "W"), 1, 31, nil)
			if err != nil {
				return err
			}
			c.domNearW = append(c.domNearW, d)
		default:
			vs, err := rangeItem("day-of-month", item, 1, 31, nil)
			if err != nil {
				return err
			}
			for _, v := range vs {
				c.domSet[v] = true
			}
		}
	}
	return nil
}

func (c *cron) parseDOW(s string, aws bool) error {
	if s == "*" || s == "?" {
		c.dowAny = true
		return nil
	}
	// toWeekday converts the dialect's number to time.Weekday.
	lo, hi := 1, 7 // AWS: 1 = Sunday … 7 = Saturday
	names := dayNames
	toWeekday := func(v int) int { return v - 1 }
	if !aws {
		lo, hi = 0, 7 // standard: 0 or 7 = Sunday
		names = map[string]int{}
		for k, v := range dayNames {
			names[k] = v - 1
		}
		toWeekday = func(v int) int { return v % 7 }
	}
	for _, item := range strings.Split(s, ",") {
		switch {
		case aws && item == "L":
			// Quartz and AWS: L alone is the last day of the week.
			c.dowSet[time.Saturday] = true
		case aws && strings.HasSuffix(item, "L"):
			v, err := value("day-of-week", strings.TrimSuffix(item, "L"), lo, hi, names)
			if err != nil {
				return err
			}
			c.dowLast = append(c.dowLast, toWeekday(v))
		case aws && strings.Contains(item, "#"):
			d, n, _ := strings.Cut(item, "#")
			v, err := value("day-of-week", d, lo, hi, names)
			if err != nil {
				return err
			}
			k, err := strconv.Atoi(n)
			if err != nil || k < 1 || k > 5 {
				return fmt.Errorf("day-of-week: in %s the occurrence after # must be 1-5", item)
			}
			c.dowNth = append(c.dowNth, [2]int{toWeekday(v), k})
		default:
			if !aws && (strings.ContainsAny(item, "L#")) {
				return fmt.Errorf("day-of-week: %s: L and # need the AWS form cron(…)", item)
			}
			vs, err := rangeItem("day-of-week", item, lo, hi, names)
			if err != nil {
				return err
			}
			for _, v := range vs {
				c.dowSet[toWeekday(v)] = true
			}
		}
	}
	return nil
}

func (c *cron) String() string { return c.expr }

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (c *cron) domMatch(y int, m time.Month, d int) bool {
	if c.domSet[d] {
		return true
	}
	last := daysIn(y, m)
	if c.domLast && d == last {
		return true
	}
	wd := func(day int) time.Weekday { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Weekday() }
	if c.domLastW {
		l := last
		for wd(l) == time.Saturday || wd(l) == time.Sunday {
			l--
		}
		if d == l {
			return true
		}
	}
	for _, n := range c.domNearW {
		if n > last {
			continue
		}
		t := n
		switch wd(n) {
		case time.Saturday:
			// The Friday before, unless that leaves the month.
			if t = n - 1; t < 1 {
				t = n + 2
			}
		case time.Sunday:
			if t = n + 1; t > last {
				t = n - 2
			}
		}
		if d == t {
			return true
		}
	}
	return false
}

func (c *cron) dowMatch(y int, m time.Month, d int) bool {
	w := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday())
	if c.dowSet[w] {
		return true
	}
	last := daysIn(y, m)
	for _, lw := range c.dowLast {
		if w == lw && d+7 > last {
			return true
		}
	}
	for _, nth := range c.dowNth {
		if w == nth[0] && (d-1)/7+1 == nth[1] {
			return true
		}
	}
	return false
}

func (c *cron) dayMatch(y int, m time.Month, d int) bool {
	if !c.months[m] || !(c.anyYear || (y <= maxYear && c.years[y])) {
		return false
	}
	switch {
	case c.domAny && c.dowAny:
		return true
	case c.orDays:
		return c.domMatch(y, m, d) || c.dowMatch(y, m, d)
	case c.domAny:
		return c.dowMatch(y, m, d)
	default:
		return c.domMatch(y, m, d)
	}
}

// Next walks the wall-clock calendar of the zone day by day, and maps each
// matching wall time to an instant by the package's DST rules.
func (c *cron) Next(t time.Time) time.Time {
	after := t
	lt := t.In(c.loc)
	y, m, d := lt.Date()
	// The first candidate is the wall minute after lt's; earlier minutes of
	// the day can still map to later instants across a fall-back, and are
	// filtered by the After test below.
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 366*(maxYear-minYear+1); i++ {
		dy, dm, dd := day.Date()
		if !c.anyYear && dy > maxYear {
			break
		}
		if c.dayMatch(dy, dm, dd) {
			for _, h := range c.hours {
				for _, mi := range c.minutes {
					at := c.instant(dy, dm, dd, h, mi)
					if at.After(after) {
						return at
					}
				}
			}
		}
		if !c.anyYear && !c.yearsFrom(dy) {
			break
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}
}

// yearsFrom reports whether any allowed year is y or later.
func (c *cron) yearsFrom(y int) bool {
	for ; y <= maxYear; y++ {
		if c.years[y] {
			return true
		}
	}
	return false
}

// instant maps a wall time to the instant it runs at: the gap's end for a
// wall time skipped by DST, the first occurrence for a repeated one.
func (c *cron) instant(y int, m time.Month, d, h, mi int) time.Time {
	t := time.Date(y, m, d, h, mi, 0, 0, c.loc)
	ty, tm, td := t.Date()
	if ty != y || tm != m || td != d || t.Hour() != h || t.Minute() != mi {
		// Skipped: Go normalised into one of the zones around the gap.
		start, end := t.ZoneBounds()
		want := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
		got := time.Date(ty, tm, td, t.Hour(), t.Minute(), 0, 0, time.UTC)
		if got.After(want) {
			return start
		}
		return end
	}
	// Repeated: is there an earlier instant with the same wall time, in
	// the zone before this one?
	start, _ := t.ZoneBounds()
	if !start.IsZero() {
		_, prevOff := start.Add(-time.Nanosecond).Zone()
		wall := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
		earlier := wall.Add(-time.Duration(prevOff) * time.Second)
		if earlier.Before(start) {
			e := earlier.In(c.loc)
			if e.Hour() == h && e.Minute() == mi && e.Day() == d {
				return e
			}
		}
	}
	return t
}
