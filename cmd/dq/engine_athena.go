package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/athena"
	"github.com/dqlabs/dq/engine/gluecatalog"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/sinks/publish"
)

// athenaFlags are --engine athena's own flags (part of engineFlag, so
// that eval and explain take them alike).
type athenaFlags struct {
	AthenaWorkgroup string `name:"athena-workgroup" placeholder:"NAME" help:"With --engine athena: the Athena workgroup to run in. Default: primary."`
	AthenaOutput    string `name:"athena-output" placeholder:"s3://BUCKET/PREFIX/" help:"With --engine athena: where Athena writes its result files. Default: the workgroup's result location."`
	AthenaCatalog   string `name:"athena-catalog" placeholder:"NAME" help:"With --engine athena: the Athena data catalog of the table. Default: AwsDataCatalog (the Glue Data Catalog)."`
	MaxScanBytes    string `name:"max-scan-bytes" placeholder:"SIZE" help:"With --engine athena: refuse (exit 2) before starting any query when the bytes to scan, predicted from Glue table/partition statistics or S3 object sizes, are above SIZE (e.g. 10GB, 500MiB)."`
	// partition is --partition (set by engineFlag.check).
	partition string `kong:"-"`
}

// check rejects Athena flags given without --engine athena, and bad
// values, before anything runs.
func (f *athenaFlags) check(engineName string) error {
	if engineName != "athena" {
		for flag, v := range map[string]string{"--athena-workgroup": f.AthenaWorkgroup, "--athena-output": f.AthenaOutput,
			"--athena-catalog": f.AthenaCatalog, "--max-scan-bytes": f.MaxScanBytes} {
			if v != "" {
				return fmt.Errorf("%s needs --engine athena", flag)
			}
		}
		return nil
	}
	if f.MaxScanBytes != "" {
		n, err := athena.ParseSize(f.MaxScanBytes)
		if err != nil {
			return fmt.Errorf("--max-scan-bytes: %w", err)
		}
		if n <= 0 {
			return fmt.Errorf("--max-scan-bytes must be above 0 (leave it out for no limit)")
		}
	}
	if f.AthenaOutput != "" && !s3source.IsS3(f.AthenaOutput) {
		return fmt.Errorf("--athena-output %q: want an s3://bucket/prefix/ location", f.AthenaOutput)
	}
	return nil
}

// openAthena opens the Athena backend for a glue://database/table and,
// with --max-scan-bytes, refuses before any query when the predicted
// scan is above it.
func openAthena(ctx context.Context, f *athenaFlags, data string, timeout time.Duration) (engine.Backend, error) {
	if err := f.check("athena"); err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	db, table, err := gluecatalog.ParseURL(data)
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: fmt.Errorf("--engine athena reads a Glue Data Catalog table: %w", err)}
	}
	cfg, err := publish.LoadAWS(ctx, 0)
	if err != nil {
		return nil, err
	}
	opts := athena.Options{Database: db, Table: table, WorkGroup: f.AthenaWorkgroup, OutputLocation: f.AthenaOutput,
		Catalog: f.AthenaCatalog, MaxWait: timeout, Partition: f.partition}
	if f.MaxScanBytes != "" {
		opts.MaxScanBytes, _ = athena.ParseSize(f.MaxScanBytes)
	}
	b, err := athena.New(cfg, s3source.NewClient(cfg), opts)
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	if opts.MaxScanBytes > 0 {
		// The primary table, before anything runs; the reference tables a
		// plan joins are added by the Backend before its first statement.
		if _, err := b.Guard(ctx, []string{"primary"}); err != nil {
			var le *athena.ScanLimitError
			if errors.As(err, &le) {
				return nil, &exitError{code: exitInvalid, err: fmt.Errorf("%w\nhint: raise --max-scan-bytes if the cost is acceptable; the prediction counts every partition of the table", err)}
			}
			return nil, err
		}
	}
	return b, nil
}

// reportAthena records what the run's Athena queries scanned in the
// result (DataSource.Engine) and says it on stderr, with the list-price
// estimate.
func reportAthena(b engine.Backend, res *engine.Result, stderr io.Writer, quiet bool) {
	ab, ok := b.(*athena.Backend)
	if !ok {
		return
	}
	st := ab.Stats()
	cost := st.EstimatedCost()
	if res != nil {
		if res.DataSource == nil {
			res.DataSource = &engine.DataSource{}
		}
		if res.DataSource.GlueTable == nil {
			// CloudWatch's Glue dimensions and the history key on it.
			db, table := ab.Table()
			res.DataSource.GlueTable = &engine.GlueTable{DatabaseName: db, TableName: table}
		}
		res.DataSource.Engine = &engine.EngineRun{Name: "athena", QueryIDs: st.QueryIDs, DataScannedBytes: st.DataScanned, EstimatedCostUSD: cost}
	}
	if !quiet {
		queries := "1 query"
		if n := len(st.QueryIDs); n != 1 {
			queries = fmt.Sprintf("%d queries", n)
		}
		fmt.Fprintf(stderr, "dq: athena: %s scanned %s; estimated cost $%.4f (list price $%g per TB, us-east-1; other regions differ; 10 MB minimum per query)\n",
			queries, athena.FormatBytes(st.DataScanned), cost, athena.PricePerTB)
	}
}
