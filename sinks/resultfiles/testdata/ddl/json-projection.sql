-- Rule results: one row per rule per run (AWS Glue Data Quality's result-file columns first).
CREATE EXTERNAL TABLE IF NOT EXISTS `dq`.`dq_rule_results` (
  `catalogid` string,
  `databasename` string,
  `tablename` string,
  `dqrunid` string,
  `evaluationstartedon` timestamp,
  `evaluationcompletedon` timestamp,
  `rule` string,
  `outcome` string,
  `failurereason` string,
  `evaluatedmetrics` map<string,double>,
  `rulesetname` string,
  `rulename` string,
  `evaluatedrule` string,
  `dataset` string,
  `labels` map<string,string>
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://dq-results/quality/'
TBLPROPERTIES (
  'classification'='json',
  'compressionType'='none',
  'typeOfData'='file',
  'projection.enabled'='true',
  'projection.year.type'='date',
  'projection.year.format'='yyyy',
  'projection.year.range'='2026,NOW',
  'projection.year.interval'='1',
  'projection.year.interval.unit'='YEARS',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'storage.location.template'='s3://dq-results/quality/year=${year}/month=${month}/day=${day}/'
);

-- Run summaries: one row per run (score and counts, for dashboards).
CREATE EXTERNAL TABLE IF NOT EXISTS `dq`.`dq_runs` (
  `dqrunid` string,
  `rulesetname` string,
  `catalogid` string,
  `databasename` string,
  `tablename` string,
  `dataset` string,
  `evaluationstartedon` timestamp,
  `evaluationcompletedon` timestamp,
  `state` string,
  `score` double,
  `numrules` int,
  `numrulessucceeded` int,
  `numrulesfailed` int,
  `numruleserrored` int,
  `totalrowsprocessed` bigint
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://dq-results/quality/_runs/'
TBLPROPERTIES (
  'classification'='json',
  'compressionType'='none',
  'typeOfData'='file',
  'projection.enabled'='true',
  'projection.year.type'='date',
  'projection.year.format'='yyyy',
  'projection.year.range'='2026,NOW',
  'projection.year.interval'='1',
  'projection.year.interval.unit'='YEARS',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'storage.location.template'='s3://dq-results/quality/_runs/year=${year}/month=${month}/day=${day}/'
);

-- Partitions are projected from year/month/day: no MSCK REPAIR TABLE is needed as results accumulate.
