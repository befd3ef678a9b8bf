package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// checkEval is the dq eval a configured check stands for: the same
// command, flags filled from the check, so that dq serve and dq run read
// data, record history and publish exactly as dq eval does (and pick up
// whatever dataset kinds dq eval learns, s3:// and glue:// included).
func checkEval(cfg *checkconfig.File, req scheduler.Request, format string, awsHTTP aws.HTTPClient) (*EvalCmd, error) {
	c := req.Check
	data, err := c.DatasetAt(req.Date, req.Prev)
	if err != nil {
		return nil, err
	}
	refs, err := c.RefsAt(req.Date, req.Prev)
	if err != nil {
		return nil, err
	}
	partition, err := c.PartitionAt(req.Date, req.Prev)
	if err != nil {
		return nil, err
	}
	cmd := &EvalCmd{Rules: c.Ruleset, Data: data, Format: &format, Color: "never"}
	cmd.Partition = partition
	cmd.CompositeMode = "dataset"
	cmd.Timeout = c.Timeout
	cmd.MemoryLimit = c.MemoryLimit
	if c.Format != "" {
		f := strings.ToLower(c.Format)
		cmd.FormatIn = &f
	}
	aliases := make([]string, 0, len(refs))
	for a := range refs {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		cmd.Ref = append(cmd.Ref, a+"="+refs[a])
	}
	cmd.History = cfg.Server.History
	cmd.DatasetID = c.DatasetID
	cmd.Publishing.cfg = c.PublishConfig(cfg.Publish)
	cmd.Publishing.awsHTTP = awsHTTP
	cmd.storeFlag.awsHTTP = awsHTTP
	return cmd, nil
}

// evalCheck runs one check through dq eval and reports its exit code and
// result. The eval's output goes to stdout in format (json or table);
// its messages go to stderr and into the outcome.
// awsHTTP, when not nil, is the HTTP client every AWS call shares.
func evalCheck(ctx context.Context, cfg *checkconfig.File, req scheduler.Request, stdout, stderr io.Writer, format string, awsHTTP aws.HTTPClient) scheduler.Outcome {
	var msgs bytes.Buffer
	w := io.MultiWriter(&msgs, stderr)
	cmd, err := checkEval(cfg, req, format, awsHTTP)
	if err != nil {
		fmt.Fprintf(w, "dq: check %s: %v\n", req.Check.Name, err)
		return scheduler.Outcome{ExitCode: exitInvalid, Err: err, Messages: msgs.String()}
	}
	var res *engine.Result
	cmd.onResult = func(r *engine.Result) { res = r }
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: stdout, stderr: w, quiet: true}
	code := exitCode(w, cmd.Run(e))
	out := scheduler.Outcome{ExitCode: code, Result: res, Messages: msgs.String()}
	if code == exitInvalid {
		msg := strings.TrimSpace(strings.ReplaceAll(msgs.String(), "dq: ", ""))
		if msg == "" {
			msg = "the check could not run"
		}
		out.Err = errors.New(msg)
	}
	return out
}

// checkRulesets parses every check's ruleset, so that a config whose
// ruleset does not parse is rejected at load (and at reload, where the old
// config then keeps running) instead of failing every scheduled run.
func checkRulesets(cfg *checkconfig.File) error {
	var errs []error
	seen := map[string]bool{}
	for _, c := range cfg.Checks {
		if c.MemoryLimit != "" && !validSize(c.MemoryLimit) {
			errs = append(errs, fmt.Errorf("%s:%d: check %s: memoryLimit must be a size such as 2GB or 512MiB, got %q", cfg.Path, c.Line, c.Name, c.MemoryLimit))
		}
		if seen[c.Ruleset] {
			continue
		}
		seen[c.Ruleset] = true
		e := &env{stdin: strings.NewReader("")}
		name, src, err := readRuleset(e, c.Ruleset)
		if err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", c.Name, err))
			continue
		}
		res := parse(name, src, false)
		if !res.valid() {
			var lines []string
			for _, d := range res.diags {
				if d.Severity == dqdl.SeverityError {
					lines = append(lines, d.Error())
				}
			}
			errs = append(errs, fmt.Errorf("check %s: invalid ruleset:\n  %s", c.Name, strings.Join(lines, "\n  ")))
		}
	}
	return errors.Join(errs...)
}

// loadChecks reads and fully validates a dq.yaml for serve and run.
func loadChecks(path string) (*checkconfig.File, error) {
	cfg, err := checkconfig.Load(path)
	if err != nil {
		return nil, err
	}
	if err := checkRulesets(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// worstExit combines the exit codes of several checks: no verdict (2)
// outranks an undelivered result (4), which outranks failed rules (1), as
// in dq eval.
func worstExit(codes []int) int {
	rank := func(c int) int {
		switch c {
		case exitOK:
			return 0
		case exitFailed:
			return 1
		case exitNotDelivered:
			return 2
		}
		return 3
	}
	worst := exitOK
	for _, c := range codes {
		if rank(c) > rank(worst) {
			worst = c
		}
	}
	return worst
}
