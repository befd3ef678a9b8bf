package main

// Each command's Help is printed after its flags by `dq CMD --help` and
// `dq help CMD`: a few examples of the common uses.

func (c *EvalCmd) Help() string {
	return `Examples:
  dq eval rules.dqdl data.parquet
  dq eval rules.dqdl 'lake/**/*.parquet' --format junit > dq-report.xml
  dq eval rules.dqdl data.csv --format markdown >> "$GITHUB_STEP_SUMMARY"
  dq eval rules.dqdl data/ --fail-on severity=high      only high-severity failures exit 1
  dq eval rules.dqdl orders.parquet --ref customers=customers.parquet --rows-out bad.parquet --rows failed`
}

func (c *ExplainCmd) Help() string {
	return `Examples:
  dq explain rules.dqdl data.parquet`
}

func (c *ProfileCmd) Help() string {
	return `Examples:
  dq profile data.parquet
  dq profile --format json 'trips/*.csv' > profile.json`
}

func (c *RecommendCmd) Help() string {
	return `Examples:
  dq recommend data.parquet -o rules.dqdl
  dq recommend --families completeness,range --strictness loose --skip notes data.csv`
}

func (c *RulesCmd) Help() string {
	return `Examples:
  dq rules
  dq rules ColumnValues DetectAnomalies`
}

func (c *HistoryListCmd) Help() string {
	return `Examples:
  dq history list --dataset-id orders --limit 10`
}

func (c *HistoryShowCmd) Help() string {
	return `Examples:
  dq history show dqresult-…
  dq history show --dataset-id orders --metric Dataset.*.RowCount`
}

func (c *HistoryPruneCmd) Help() string {
	return `Examples:
  dq history prune --older-than 90d`
}

func (c *HistoryExcludeCmd) Help() string {
	return `Examples:
  dq history exclude dqresult-… --metric Dataset.*.RowCount`
}

func (c *BacktestCmd) Help() string {
	return `Examples:
  dq backtest rules.dqdl --dataset-id orders --since 30d`
}

func (c *PublishCmd) Help() string {
	return `Examples:
  dq publish                 re-send what dq eval spooled in ./dq-spool
  dq publish /var/spool/dq`
}

func (c *AthenaDDLCmd) Help() string {
	return `Examples:
  dq athena-ddl --location s3://bucket/dq/ --database dq > tables.sql`
}

func (c *VersionCmd) Help() string {
	return `Examples:
  dq version`
}

func (c *HelpCmd) Help() string {
	return `Examples:
  dq help eval
  dq help history show`
}
