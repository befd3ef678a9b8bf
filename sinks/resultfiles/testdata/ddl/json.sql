-- Rule results: one row per rule per run (AWS Glue Data Quality's result-file columns first).
CREATE EXTERNAL TABLE IF NOT EXISTS `dq_rule_results` (
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
  'typeOfData'='file'
);

-- Run summaries: one row per run (score and counts, for dashboards).
CREATE EXTERNAL TABLE IF NOT EXISTS `dq_runs` (
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
  'typeOfData'='file'
);

-- Load partitions written since the last repair (or print the DDL with --projection).
MSCK REPAIR TABLE `dq_rule_results`;
MSCK REPAIR TABLE `dq_runs`;
