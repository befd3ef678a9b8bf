package main

import (
	"fmt"
	"time"

	"github.com/dqlabs/dq/sinks/publish"
)

// PublishCmd is `dq publish`: re-send the results that dq eval could not
// deliver.
type PublishCmd struct {
	Spool    string        `arg:"" optional:"" default:"dq-spool" placeholder:"SPOOL_DIR" help:"Spool directory that dq eval wrote undelivered results to. Default: dq-spool."`
	Timeout  time.Duration `placeholder:"DURATION" help:"Give up on a sink after this long, retries included. Default: 30s."`
	Attempts int           `placeholder:"N" help:"Attempts per AWS request, with exponential backoff (1 = no retry). Default: 3."`
}

// Run re-sends every spooled result to the sink it failed for. It exits 0
// when the spool is empty afterwards, exitNotDelivered when entries remain
// (they keep their result and record the new error), and exitInvalid when
// the spool cannot be read.
func (c *PublishCmd) Run(e *env) error {
	cfg := publish.Config{Timeout: c.Timeout, MaxAttempts: c.Attempts}
	if err := cfg.Validate(); err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if err := checkSpoolDir(c.Spool); err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	rep, err := publish.Resend(e.ctx, c.Spool, cfg, publish.Options{})
	if !e.quiet {
		for _, it := range rep.Delivered {
			fmt.Fprintf(e.stderr, "dq: re-sent %s to %s\n", it.Path, it.Sink)
		}
	}
	for _, d := range rep.Failed {
		fmt.Fprintf(e.stderr, "dq: still not delivered: %v\n", d.Err)
	}
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if !e.quiet {
		if rep.Recovered > 0 {
			fmt.Fprintf(e.stderr, "dq: took over %d entries from a dq publish that stopped while sending them\n", rep.Recovered)
		}
		busy := ""
		if rep.Busy > 0 {
			busy = fmt.Sprintf(", %d being sent by another dq publish", rep.Busy)
		}
		fmt.Fprintf(e.stderr, "dq: %d delivered, %d still spooled in %s%s\n", len(rep.Delivered), len(rep.Failed), c.Spool, busy)
	}
	if len(rep.Failed) > 0 {
		return reported(exitNotDelivered)
	}
	return nil
}
