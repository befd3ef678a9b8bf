package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/cmd/internal/scheduler"
)

// RunCmd is `dq run`: the checks of a dq.yaml, once, for cron, Kubernetes
// CronJobs, ECS scheduled tasks and EventBridge Scheduler.
type RunCmd struct {
	Config string   `required:"" placeholder:"FILE" env:"DQ_CONFIG" help:"The dq.yaml listing the checks."`
	Checks []string `arg:"" optional:"" name:"check" help:"Checks to run, by name. Default: all of them."`
	Format *string  `enum:"table,json" placeholder:"table|json" help:"Each result on stdout. Default: table on a terminal, json otherwise."`
	Date   string   `placeholder:"RFC3339" help:"The logical date dataset templates see (.Date), e.g. 2026-01-31T06:00:00Z. Default: now."`
}

// Run runs the selected checks one after another (so that two large
// checks never share the memory) and exits with the worst of their exit
// codes, which are dq eval's.
func (c *RunCmd) Run(e *env) error {
	cfg, err := loadChecks(c.Config)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	checks := cfg.Checks
	if len(c.Checks) > 0 {
		checks = nil
		for _, name := range c.Checks {
			ch := cfg.Check(name)
			if ch == nil {
				var names []string
				for _, x := range cfg.Checks {
					names = append(names, x.Name)
				}
				return &exitError{code: exitInvalid, err: fmt.Errorf("no check %q in %s; the checks are: %s", name, c.Config, strings.Join(names, ", "))}
			}
			checks = append(checks, ch)
		}
	}
	date := time.Now()
	if c.Date != "" {
		if date, err = time.Parse(time.RFC3339, c.Date); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("--date must be an RFC 3339 time such as 2026-01-31T06:00:00Z, got %q", c.Date)}
		}
	}
	format := "json"
	if c.Format != nil {
		format = *c.Format
	} else if isTerminal(e.stdout) {
		format = "table"
	}
	var codes []int
	for _, ch := range checks {
		if e.ctx.Err() != nil {
			codes = append(codes, exitInvalid)
			break
		}
		req := scheduler.Request{ID: ch.Name, Check: ch, Date: date, Prev: checkconfig.Prev(ch.Sched, date), Trigger: scheduler.Manual}
		if format == "table" && !e.quiet {
			fmt.Fprintf(e.stdout, "== %s\n", ch.Name)
		}
		out := evalCheck(e.ctx, cfg, req, e.stdout, e.stderr, format, nil)
		codes = append(codes, out.ExitCode)
		if !e.quiet {
			fmt.Fprintf(e.stderr, "dq: check %s: exit %d (%s)\n", ch.Name, out.ExitCode, statusWord(out.ExitCode))
		}
	}
	if code := worstExit(codes); code != exitOK {
		return reported(code)
	}
	return nil
}

func statusWord(code int) string {
	switch code {
	case exitOK:
		return "passed"
	case exitFailed:
		return "rules failed"
	case exitNotDelivered:
		return "not delivered, spooled"
	}
	return "could not run"
}
