package dqdl

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names must resolve the same on machines without a tz database
)

// LoadTimeZone resolves a `timeZone` tag value the way Java's ZoneId.of
// does for the forms people write: region IDs ("America/New_York"), "UTC",
// "Z", "GMT", and fixed offsets ("+05:30", "-08", "UTC+2", "GMT-05:00").
func LoadTimeZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, fmt.Errorf("empty time zone")
	case "Z", "UTC", "GMT", "UT":
		return time.UTC, nil
	}
	for _, prefix := range []string{"UTC", "GMT", "UT", ""} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" || (rest[0] != '+' && rest[0] != '-') {
			continue
		}
		off, err := parseOffset(rest)
		if err != nil {
			return nil, err
		}
		return time.FixedZone(name, off), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("unknown time zone (use an IANA name such as \"America/New_York\", or an offset such as \"+05:30\")")
	}
	return loc, nil
}

func parseOffset(s string) (int, error) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	var h, m int
	var err error
	switch {
	case len(s) <= 2:
		h, err = strconv.Atoi(s)
	case len(s) == 4:
		h, err = strconv.Atoi(s[:2])
		if err == nil {
			m, err = strconv.Atoi(s[2:])
		}
	case len(s) == 5 && s[2] == ':':
		h, err = strconv.Atoi(s[:2])
		if err == nil {
			m, err = strconv.Atoi(s[3:])
		}
	default:
		err = fmt.Errorf("bad offset")
	}
	if err != nil || h > 18 || m > 59 {
		return 0, fmt.Errorf("invalid offset %q", s)
	}
	return sign * (h*3600 + m*60), nil
}
