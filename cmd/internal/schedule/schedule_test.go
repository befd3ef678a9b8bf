package schedule

import (
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The expressions are AWS's documented examples (EventBridge "Cron
// expressions" table and Glue's "Time-based schedules for jobs and
// crawlers"), plus the wildcards each table describes; the expected times
// were worked out on a calendar (2025-01-01 is a Wednesday).
func TestNextAWSExamples(t *testing.T) {
	cases := []struct {
		expr, from, want string
	}{
		{"cron(0 10 * * ? *)", "2025-01-01T00:00:00Z", "2025-01-01T10:00:00Z"},
		{"cron(15 12 * * ? *)", "2025-01-01T12:15:00Z", "2025-01-02T12:15:00Z"},
		{"cron(0 18 ? * MON-FRI *)", "2025-01-01T00:00:00Z", "2025-01-01T18:00:00Z"},
		{"cron(0 18 ? * MON-FRI *)", "2025-01-03T19:00:00Z", "2025-01-06T18:00:00Z"},
		{"cron(0 8 1 * ? *)", "2025-01-01T09:00:00Z", "2025-02-01T08:00:00Z"},
		{"cron(0/15 * * * ? *)", "2025-01-01T00:07:00Z", "2025-01-01T00:15:00Z"},
		{"cron(0/15 * * * ? *)", "2025-01-01T23:45:00Z", "2025-01-02T00:00:00Z"},
		{"cron(0/10 * ? * MON-FRI *)", "2025-01-04T12:00:00Z", "2025-01-06T00:00:00Z"},
		{"cron(0/5 8-17 ? * MON-FRI *)", "2025-01-01T17:56:00Z", "2025-01-02T08:00:00Z"},
		{"cron(0/5 8-17 ? * MON-FRI *)", "2025-01-01T17:54:00Z", "2025-01-01T17:55:00Z"},
		// Glue: "10:15 AM on the last Friday of every month during 2019-2022".
		{"cron(15 10 ? * 6L 2019-2022)", "2022-01-01T00:00:00Z", "2022-01-28T10:15:00Z"},
		{"cron(15 10 ? * 6L 2019-2022)", "2022-12-30T10:15:00Z", ""},
		{"cron(0 0 1 1 ? 2030)", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"},
		// Day-of-week numbering: 1 = Sunday, 7 = Saturday.
		{"cron(0 12 ? * 1 *)", "2025-01-01T00:00:00Z", "2025-01-05T12:00:00Z"},
		{"cron(0 12 ? * 2 *)", "2025-01-01T00:00:00Z", "2025-01-06T12:00:00Z"},
		{"cron(0 12 ? * 7 *)", "2025-01-01T00:00:00Z", "2025-01-04T12:00:00Z"},
		{"cron(0 12 ? * SUN *)", "2025-01-01T00:00:00Z", "2025-01-05T12:00:00Z"},
		{"cron(0 12 ? * 1,7 *)", "2025-01-01T00:00:00Z", "2025-01-04T12:00:00Z"},
		// #: the second Tuesday (3 = Tuesday) of January 2025 is the 14th.
		{"cron(0 0 ? * 3#2 *)", "2025-01-01T00:00:00Z", "2025-01-14T00:00:00Z"},
		{"cron(0 0 ? * 2#5 *)", "2025-01-01T00:00:00Z", "2025-03-31T00:00:00Z"},
		// L: last day of the month, leap years included.
		{"cron(0 0 L * ? *)", "2025-02-01T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"cron(0 0 L * ? *)", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"cron(0 0 ? * L *)", "2025-01-01T00:00:00Z", "2025-01-04T00:00:00Z"},
		// W: the weekday nearest the day, never leaving the month.
		// 2025-02-01 is a Saturday: not Friday 31 Jan, but Monday 3 Feb.
		{"cron(0 0 1W * ? *)", "2025-01-31T12:00:00Z", "2025-02-03T00:00:00Z"},
		// 2025-03-15 is a Saturday: Friday the 14th.
		{"cron(0 0 15W * ? *)", "2025-03-01T00:00:00Z", "2025-03-14T00:00:00Z"},
		// 2025-06-15 is a Sunday: Monday the 16th.
		{"cron(0 0 15W * ? *)", "2025-06-01T00:00:00Z", "2025-06-16T00:00:00Z"},
		// LW: 2025-08-31 is a Sunday, so Friday the 29th.
		{"cron(0 0 LW * ? *)", "2025-08-01T00:00:00Z", "2025-08-29T00:00:00Z"},
		{"cron(0 0 1 JAN,JUL ? *)", "2025-01-02T00:00:00Z", "2025-07-01T00:00:00Z"},
		{"cron(0 0 31 * ? *)", "2025-04-01T00:00:00Z", "2025-05-31T00:00:00Z"},
		{"cron(0 0 30 2 ? *)", "2025-01-01T00:00:00Z", ""},

		// Standard five-field cron: 0 and 7 are Sunday.
		{"0 12 * * 0", "2025-01-01T00:00:00Z", "2025-01-05T12:00:00Z"},
		{"0 12 * * 7", "2025-01-01T00:00:00Z", "2025-01-05T12:00:00Z"},
		{"0 12 * * 1", "2025-01-01T00:00:00Z", "2025-01-06T12:00:00Z"},
		{"0 12 * * sat", "2025-01-01T00:00:00Z", "2025-01-04T12:00:00Z"},
		{"*/20 * * * *", "2025-01-01T00:41:00Z", "2025-01-01T01:00:00Z"},
		{"0 6 * * 1-5", "2025-01-04T00:00:00Z", "2025-01-06T06:00:00Z"},
		// Both day fields restricted: either matches (Vixie cron).
		{"0 0 13 * 5", "2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z"},
		{"0 0 13 * 5", "2025-01-10T00:00:00Z", "2025-01-13T00:00:00Z"},
		{"@daily", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"},
		{"@hourly", "2025-01-01T00:30:00Z", "2025-01-01T01:00:00Z"},

		// rate(): epoch-aligned intervals.
		{"rate(5 minutes)", "2025-01-01T00:07:30Z", "2025-01-01T00:10:00Z"},
		{"rate(1 hour)", "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z"},
		{"rate(1 day)", "2025-01-01T10:00:00Z", "2025-01-02T00:00:00Z"},
		{"rate(1 minute)", "2025-01-01T10:00:59Z", "2025-01-01T10:01:00Z"},
		{"rate(2 seconds)", "2025-01-01T10:00:01Z", "2025-01-01T10:00:02Z"},
	}
	for _, c := range cases {
		s, err := Parse(c.expr, time.UTC)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.expr, err)
			continue
		}
		got := s.Next(utc(c.from))
		if c.want == "" {
			if !got.IsZero() {
				t.Errorf("%s after %s = %s, want none", c.expr, c.from, got)
			}
			continue
		}
		if !got.Equal(utc(c.want)) {
			t.Errorf("%s after %s = %s, want %s", c.expr, c.from, got.UTC().Format(time.RFC3339), c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"", "empty schedule"},
		{"cron(0 6 * * * *)", "exactly one of day-of-month and day-of-week must be ?"},
		{"cron(0 6 ? * ? *)", "exactly one of"},
		{"cron(0 6 * *)", "six fields"},
		{"cron(0 6 ? * 0 *)", "0 is outside 1-7"},
		{"cron(0 6 ? * 8 *)", "8 is outside 1-7"},
		{"cron(60 6 * * ? *)", "60 is outside 0-59"},
		{"cron(0 24 * * ? *)", "24 is outside 0-23"},
		{"cron(0 6 * 13 ? *)", "13 is outside 1-12"},
		{"cron(0 6 * * ? 1969)", "1969 is outside 1970-2199"},
		{"cron(0 6 ? * 3#6 *)", "must be 1-5"},
		{"cron(0 6 ? * FRI-MON *)", "runs backwards"},
		{"cron(0/0 6 * * ? *)", "positive"},
		{"0 6 * * * *", "wrap it as cron("},
		{"0 6 * *", "five fields"},
		{"0 6 * * 5L", "need the AWS form"},
		{"rate(1 hours)", "rate(1 hour)"},
		{"rate(5 minute)", "rate(5 minutes)"},
		{"rate(0 minutes)", "positive"},
		{"rate(5 weeks)", "unknown rate unit"},
		{"rate(5)", "a value and a unit"},
		{"@fortnightly", "unknown macro"},
		{"at(2025-01-01T00:00:00)", "dq run"},
	}
	for _, c := range cases {
		_, err := Parse(c.expr, time.UTC)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", c.expr, err, c.want)
		}
	}
}

// DST in America/New_York: 2025-03-09 02:00 EST jumps to 03:00 EDT;
// 2025-11-02 02:00 EDT falls back to 01:00 EST.
func TestNextDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		expr string
		from string
		want []string // successive runs, UTC
	}{
		// A daily 02:30 runs on the spring-forward day at 03:00 EDT
		// (07:00Z), then at 02:30 EDT again.
		{"cron(30 2 * * ? *)", "2025-03-08T12:00:00Z", []string{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		// Every 15 minutes: 02:00-02:45 collapse into one run at 03:00.
		{"cron(0/15 * * * ? *)", "2025-03-09T06:40:00Z", []string{"2025-03-09T06:45:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:15:00Z"}},
		// A daily 01:30 runs once on the fall-back day, at 01:30 EDT.
		{"cron(30 1 * * ? *)", "2025-11-01T12:00:00Z", []string{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
		// Hourly: 01:00 runs once (EDT); the repeated hour is not run again.
		{"cron(0 * * * ? *)", "2025-11-02T04:30:00Z", []string{"2025-11-02T05:00:00Z", "2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z"}},
		// Standard cron follows the same rules.
		{"30 2 * * *", "2025-03-08T12:00:00Z", []string{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		// Local wall time, not UTC: 06:00 New York is 11:00Z in winter, 10:00Z in summer.
		{"cron(0 6 * * ? *)", "2025-03-08T12:00:00Z", []string{"2025-03-09T10:00:00Z"}},
		{"cron(0 6 * * ? *)", "2025-03-07T12:00:00Z", []string{"2025-03-08T11:00:00Z"}},
		// rate() is absolute time: 1 hour apart across the transition.
		{"rate(1 hour)", "2025-03-09T06:30:00Z", []string{"2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"}},
	}
	for _, c := range cases {
		s, err := Parse(c.expr, ny)
		if err != nil {
			t.Fatal(err)
		}
		at := utc(c.from)
		for i, w := range c.want {
			at = s.Next(at)
			if !at.Equal(utc(w)) {
				t.Errorf("%s from %s: run %d = %s, want %s", c.expr, c.from, i+1, at.UTC().Format(time.RFC3339), w)
				break
			}
		}
	}
}

func TestEvery(t *testing.T) {
	r, _ := Parse("rate(5 minutes)", nil)
	if Every(r) != 5*time.Minute {
		t.Errorf("Every(rate(5 minutes)) = %s", Every(r))
	}
	c, _ := Parse("0 * * * *", nil)
	if Every(c) != 0 {
		t.Errorf("Every(cron) = %s", Every(c))
	}
}
