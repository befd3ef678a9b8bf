// Package schedule parses the schedules of dq serve's checks and computes
// their run times: AWS EventBridge / Glue expressions (cron(…) with six
// fields, rate(…)) and standard five-field cron.
//
// Times are computed on the wall clock of the check's time zone. Two
// daylight-saving rules make a wall-clock schedule well defined:
//
//   - A wall time skipped by a spring-forward transition (02:30 when clocks
//     jump from 02:00 to 03:00) runs once, at the instant the clocks jump
//     (03:00). Several skipped times (every 15 minutes) collapse into that
//     one run. A daily 02:30 job therefore still runs that day.
//   - A wall time repeated by a fall-back transition (01:30 happens twice)
//     runs once, at its first occurrence.
//
// rate() schedules are intervals of absolute time, not of wall time, and
// ignore the zone: rate(1 hour) runs on every full UTC hour, rate(5
// minutes) at :00, :05, … UTC, rate(1 day) at 00:00 UTC. Anchoring at the
// Unix epoch (instead of at the moment the server started, as EventBridge
// anchors at creation) makes run times reproducible across restarts, which
// catch-up after downtime depends on.
package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	// Zones must resolve in a container without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Schedule yields run times.
type Schedule interface {
	// Next is the first run time strictly after t, or the zero time when
	// there is none (a cron whose years are all in the past).
	Next(t time.Time) time.Time
	// String is the expression as written.
	String() string
}

// Parse parses expr: cron(m h dom mon dow year), rate(N unit), a standard
// five-field cron line, or one of @hourly, @daily (@midnight), @weekly,
// @monthly, @yearly (@annually). loc is the zone cron times are read in;
// nil means UTC.
func Parse(expr string, loc *time.Location) (Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.TrimSpace(expr)
	switch {
	case s == "":
		return nil, errors.New("empty schedule; write e.g. cron(0 6 * * ? *), rate(1 hour) or 0 6 * * *")
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		return parseRate(s, s[len("rate("):len(s)-1])
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		return parseCron(s, s[len("cron("):len(s)-1], true, loc)
	case strings.HasPrefix(s, "@"):
		std, ok := macros[s]
		if !ok {
			return nil, fmt.Errorf("schedule %q: unknown macro; use @hourly, @daily, @weekly, @monthly or @yearly", s)
		}
		return parseCron(s, std, false, loc)
	case strings.HasPrefix(s, "at("):
		return nil, fmt.Errorf("schedule %q: one-time at() schedules are not supported; run the check once with dq run", s)
	}
	return parseCron(s, s, false, loc)
}

var macros = map[string]string{
	"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
	"@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}

// rate is an interval anchored at the Unix epoch.
type rate struct {
	expr  string
	every time.Duration
}

func parseRate(expr, body string) (Schedule, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return nil, fmt.Errorf("schedule %q: rate takes a value and a unit, e.g. rate(5 minutes)", expr)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("schedule %q: the rate value must be a positive whole number, got %q", expr, f[0])
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit := strings.ToLower(f[1])
	base, plural := unit, false
	if strings.HasSuffix(unit, "s") {
		base, plural = strings.TrimSuffix(unit, "s"), true
	}
	d, ok := units[base]
	if !ok {
		// Seconds are not an EventBridge unit, but the soak test and
		// demos need them; accept them only spelt out.
		if base == "second" {
			d = time.Second
		} else {
			return nil, fmt.Errorf("schedule %q: unknown rate unit %q; use minute(s), hour(s) or day(s)", expr, f[1])
		}
	}
	// EventBridge insists on rate(1 hour) but rate(2 hours); so do we, so
	// that an expression accepted here is accepted by AWS.
	if n == 1 && plural {
		return nil, fmt.Errorf("schedule %q: write rate(1 %s) (singular for a value of 1, as AWS requires)", expr, base)
	}
	if n > 1 && !plural {
		return nil, fmt.Errorf("schedule %q: write rate(%d %ss) (plural for values above 1, as AWS requires)", expr, n, base)
	}
	return rate{expr: expr, every: time.Duration(n) * d}, nil
}

func (r rate) String() string { return r.expr }

func (r rate) Next(t time.Time) time.Time {
	// Truncate works on absolute time since the zero time; the epoch is a
	// whole number of seconds, minutes, hours and days after it.
	n := t.Truncate(r.every)
	if !n.After(t) {
		n = n.Add(r.every)
	}
	return n.In(t.Location())
}

// Every is the interval of a rate schedule and 0 for a cron schedule; the
// scheduler uses it to bound jitter.
func Every(s Schedule) time.Duration {
	if r, ok := s.(rate); ok {
		return r.every
	}
	return 0
}
