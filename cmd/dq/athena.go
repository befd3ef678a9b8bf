package main

import (
	"fmt"

	"github.com/dqlabs/dq/sinks/resultfiles"
)

// AthenaDDLCmd is `dq athena-ddl`: print the Athena tables over the result
// files that dq eval --results writes.
type AthenaDDLCmd struct {
	Location   string `required:"" placeholder:"s3://BUCKET/PREFIX" help:"The results location given to dq eval --results."`
	Format     string `enum:"json,parquet" default:"json" placeholder:"json|parquet" help:"The --results-format the files were written in. Default: json."`
	Database   string `placeholder:"NAME" help:"Qualify the tables with this Athena database."`
	RulesTable string `name:"rules-table" default:"dq_rule_results" placeholder:"NAME" help:"Name of the rule-result table."`
	RunsTable  string `name:"runs-table" default:"dq_runs" placeholder:"NAME" help:"Name of the run-summary table."`
}

// Run prints the CREATE EXTERNAL TABLE and MSCK REPAIR TABLE statements.
func (c *AthenaDDLCmd) Run(e *env) error {
	ddl, err := resultfiles.DDL(resultfiles.DDLOptions{
		Location:   c.Location,
		Format:     resultfiles.Format(c.Format),
		Database:   c.Database,
		RulesTable: c.RulesTable,
		RunsTable:  c.RunsTable,
	})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	_, err = fmt.Fprint(e.stdout, ddl)
	return err
}
