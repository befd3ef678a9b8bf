package main

import (
	"io"

	"github.com/dqlabs/dq/engine"
)

// ExplainCmd is `dq explain`.
type ExplainCmd struct {
	Rules string `arg:"" help:"Ruleset file; - reads standard input."`
	Data  string `arg:"" help:"Data: a file, a glob (quote it; ** matches any depth), a directory (read recursively), - for standard input, s3://bucket/key|prefix/|glob or glue://database/table."`

	dataFlags `embed:""`
}

// Run prints the plan: the statements eval would run and the rules each
// serves. It reads the data's schema (planning depends on column types) but
// scans no rows.
func (c *ExplainCmd) Run(e *env) error {
	plan, err := c.plan(e)
	if err != nil {
		return err
	}
	// What the data resolved to (table, partitions, objects, bytes a run
	// fetches) comes first: explain fetched metadata only.
	out := terminalText(e)
	for _, r := range c.remotes {
		r.report(out)
	}
	_, err = io.WriteString(out, plan.String())
	return err
}

// plan is Run without the printing, so tests can check the plan's
// structure instead of its text.
func (c *ExplainCmd) plan(e *env) (*engine.Plan, error) {
	c.setNotes(e)
	if err := c.checkArgs(c.Rules, c.Data); err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	opts, err := c.options()
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	rs, err := loadRuleset(e, c.Rules, c.Strict)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.context(e.ctx)
	defer cancel()
	if err := c.runError(ctx, nil); err != nil {
		return nil, err
	}
	var plan *engine.Plan
	if c.pushdown() {
		var b engine.Backend
		if b, err = c.backend(ctx, c.Data, c.Timeout); err != nil {
			return nil, err
		}
		defer b.Close()
		plan, err = engine.ExplainOnBackend(ctx, rs, b, backendReferences(c.Ref, opts))
	} else {
		plan, err = engine.Explain(ctx, rs, c.sourceOf(c.Data), opts)
	}
	if err := c.runError(ctx, err); err != nil {
		return nil, err
	}
	return plan, nil
}
