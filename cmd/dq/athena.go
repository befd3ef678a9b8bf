package main

import (
	"fmt"
	"time"

	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/sinks/publish"
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
	Projection bool   `help:"Declare partition projection for year/month/day instead of printing MSCK REPAIR TABLE, so new days need no repair."`
	FirstYear  int    `name:"first-year" placeholder:"YYYY" help:"With --projection: the first year to project. Default: the earliest year=YYYY under --location (listed through the AWS SDK's default chain), or this year when there are no results yet."`
}

// Run prints the CREATE EXTERNAL TABLE and MSCK REPAIR TABLE statements.
func (c *AthenaDDLCmd) Run(e *env) error {
	opts := resultfiles.DDLOptions{
		Location:   c.Location,
		Format:     resultfiles.Format(c.Format),
		Database:   c.Database,
		RulesTable: c.RulesTable,
		RunsTable:  c.RunsTable,
		Projection: c.Projection,
		FirstYear:  c.FirstYear,
	}
	if c.FirstYear != 0 && !c.Projection {
		return &exitError{code: exitInvalid, err: fmt.Errorf("--first-year needs --projection")}
	}
	if c.Projection && c.FirstYear == 0 {
		year, err := c.firstYear(e)
		if err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("%w\nhint: give the year of the first result with --first-year YYYY", err)}
		}
		opts.FirstYear = year
	}
	ddl, err := resultfiles.DDL(opts)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	_, err = fmt.Fprint(e.stdout, ddl)
	return err
}

// firstYear finds where the projection range starts: the earliest year
// partition already under the location, or the current year when nothing
// has been published yet (results are partitioned by their UTC start).
func (c *AthenaDDLCmd) firstYear(e *env) (int, error) {
	loc, err := resultfiles.ParseLocation(c.Location)
	if err != nil || !loc.IsS3() {
		// DDL reports the location problem itself.
		return time.Now().UTC().Year(), nil
	}
	cfg, err := publish.LoadAWS(e.ctx, 0)
	if err != nil {
		return 0, err
	}
	client := s3sdk.NewFromConfig(cfg, func(o *s3sdk.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil })
	year, found, err := resultfiles.FirstYear(e.ctx, c.Location, client)
	if err != nil {
		return 0, err
	}
	if !found {
		year = time.Now().UTC().Year()
		if !e.quiet {
			fmt.Fprintf(e.stderr, "dq: no results under %s yet; projecting years from %d\n", loc, year)
		}
	}
	return year, nil
}
