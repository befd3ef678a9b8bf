package checkconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadMinimalAndRelativePaths(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules/orders.dqdl", "Rules = [ RowCount > 0 ]\n")
	cfg := write(t, dir, "conf/../dq.yaml", `
server:
  maxConcurrentRuns: 3
  jitter: 10s
  catchUp: false
  history: state/history.duckdb
publish:
  results: results/
checks:
  - name: orders
    ruleset: rules/orders.dqdl
    dataset: data/orders/dt={{ .Prev.Format "2006-01-02" }}/
    schedule: cron(0 6 * * ? *)
  - name: orders.berlin
    ruleset: rules/orders.dqdl
    dataset: s3://bucket/orders/year={{ .Date.Format "2006" }}/
    schedule: 0 6 * * 1-5
    timezone: Europe/Berlin
    refs: {customers: data/customers.parquet}
    labels: {team: sales}
    timeout: 5m
    memoryLimit: 1GB
    publish:
      results: other/
`)
	f, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.Server.MaxConcurrentRuns != 3 || f.Server.Jitter != 10*time.Second || f.Server.CatchUpOn() || f.Server.GracePeriod != DefaultGracePeriod {
		t.Errorf("server = %+v", f.Server)
	}
	if want := filepath.Join(dir, "state/history.duckdb"); f.Server.History != want {
		t.Errorf("history = %s, want %s", f.Server.History, want)
	}
	if want := filepath.Join(dir, "results"); f.Publish.Results != want {
		t.Errorf("publish.results = %s, want %s", f.Publish.Results, want)
	}
	c := f.Checks[0]
	if c.Line != 10 || c.Ruleset != filepath.Join(dir, "rules/orders.dqdl") || c.DatasetID != "orders" {
		t.Errorf("check 0 = line %d ruleset %s id %s", c.Line, c.Ruleset, c.DatasetID)
	}
	// A daily 06:00 run on 2025-03-10 covers the day before.
	date := time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC)
	prev := Prev(c.Sched, date)
	if !prev.Equal(date.AddDate(0, 0, -1)) {
		t.Errorf("Prev = %s", prev)
	}
	ds, err := c.DatasetAt(date, prev)
	if err != nil || ds != filepath.Join(dir, "data/orders/dt=2025-03-09")+"/" && ds != filepath.Join(dir, "data/orders/dt=2025-03-09") {
		t.Errorf("dataset = %q, %v", ds, err)
	}
	b := f.Check("orders.berlin")
	if b == nil || b.Loc.String() != "Europe/Berlin" {
		t.Fatalf("berlin = %+v", b)
	}
	ds, _ = b.DatasetAt(date, prev)
	if ds != "s3://bucket/orders/year=2025/" {
		t.Errorf("s3 dataset = %q", ds)
	}
	refs, _ := b.RefsAt(date, prev)
	if refs["customers"] != filepath.Join(dir, "data/customers.parquet") {
		t.Errorf("refs = %v", refs)
	}
	if p := b.PublishConfig(f.Publish); p.Results != filepath.Join(dir, "other") {
		t.Errorf("per-check publish = %+v", p)
	}
	if p := c.PublishConfig(f.Publish); p.Results != filepath.Join(dir, "results") {
		t.Errorf("shared publish = %+v", p)
	}
	// Monday 06:00 Berlin (CET, UTC+1) is 05:00Z; the one before is Friday.
	mon := time.Date(2025, 3, 10, 5, 0, 0, 0, time.UTC)
	if got := b.Sched.Next(mon.Add(-time.Minute)); !got.Equal(mon) {
		t.Errorf("berlin next = %s", got)
	}
	if got := Prev(b.Sched, mon); !got.Equal(mon.AddDate(0, 0, -3)) {
		t.Errorf("berlin prev = %s", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "r.dqdl", "Rules = [ RowCount > 0 ]\n")
	cases := []struct{ name, body, want string }{
		{"unknown key with line", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n    schedul: x\n", "line 6: field schedul is not a setting in a check"},
		{"unknown top-level", "chekcs: []\n", "line 1: field chekcs is not a setting (the top level"},
		{"unknown server key", "server:\n  maxConcurrent: 2\n", "line 2: field maxConcurrent is not a setting in server:"},
		{"empty", "", "empty"},
		{"no checks", "server:\n  jitter: 1s\n", "no checks"},
		{"bad schedule", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: d\n    schedule: cron(0 6 * * * *)\n", "dq.yaml:2: check a: schedule \"cron(0 6 * * * *)\": exactly one of"},
		{"bad name", "checks:\n  - name: ../etc\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n", "name \"../etc\""},
		{"missing keys", "checks:\n  - name: a\n", "ruleset is missing"},
		{"missing ruleset file", "checks:\n  - name: a\n    ruleset: nope.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n", "no such file"},
		{"bad zone", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n    timezone: Mars/Olympus\n", "not an IANA zone"},
		{"bad template", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: 'd/{{ .Data }}'\n    schedule: rate(1 hour)\n", "can't evaluate field Data"},
		{"duplicate", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n  - name: A\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n", "dq.yaml:6: check A: the name is already used by the check on line 2"},
		{"bad publish", "publish:\n  resultsFormat: xml\n  results: r/\ncheckss: 1\n", "checkss"},
		{"bad format", "checks:\n  - name: a\n    ruleset: r.dqdl\n    dataset: d\n    schedule: rate(1 hour)\n    format: xls\n", "format \"xls\""},
		{"bad duration", "server:\n  jitter: soon\n", "line 2"},
	}
	for _, c := range cases {
		p := write(t, dir, "dq.yaml", c.body)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestPartitionTemplate renders a check's Glue partition filter from the
// run's logical date (yesterday's partition for a daily check) without
// treating it as a path, and refuses it on a dataset that is not a Glue
// table.
func TestPartitionTemplate(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules.dqdl", "Rules = [ RowCount > 0 ]\n")
	cfg := write(t, dir, "dq.yaml", `
checks:
  - name: trips
    ruleset: rules.dqdl
    dataset: glue://lake/trips
    partition: year='{{ .Prev.Format "2006" }}' AND month='{{ .Prev.Format "01" }}' AND day='{{ .Prev.Format "02" }}'
    schedule: cron(0 6 * * ? *)
`)
	f, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Checks[0]
	date := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	got, err := c.PartitionAt(date, Prev(c.Sched, date))
	if err != nil {
		t.Fatal(err)
	}
	if want := "year='2026' AND month='02' AND day='28'"; got != want {
		t.Errorf("partition = %q, want %q", got, want)
	}
	bad := write(t, dir, "bad.yaml", `
checks:
  - name: trips
    ruleset: rules.dqdl
    dataset: data/trips/
    partition: year='2026'
    schedule: rate(1 day)
`)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "glue://") {
		t.Errorf("partition on a local dataset: error %v, want one naming glue://", err)
	}
}
