package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/dqlabs/dq/sinks/publish"
	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/sinks/spool"
)

// The taxi sample has three failing rules (see testdata/taxi/taxi.dqdl).
const (
	pubRules = "../../testdata/taxi/taxi.dqdl"
	pubData  = "../../testdata/taxi/sample.parquet"
)

// fakeAWSEnv points the AWS SDK's default chain at fake: static
// credentials, a region, AWS_ENDPOINT_URL, and no shared files or instance
// metadata from the machine running the test.
// absPath is the dataset identity dq gives a relative data path.
func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func fakeAWSEnv(t *testing.T, fake *sinktest.FakeAWS) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": fake.URL,
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
		"DQ_PUBLISH_CONFIG": "",
	} {
		t.Setenv(k, v)
	}
}

func spoolItems(t *testing.T, dir string) []spool.Item {
	t.Helper()
	d, _ := spool.Open(dir)
	items, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// TestEvalPublishes runs dq eval with result files, CloudWatch and
// EventBridge (the AWS SDK's default chain pointed at local fakes by
// AWS_ENDPOINT_URL), and checks what each received.
func TestEvalPublishes(t *testing.T) {
	requireParser(t)
	fake := sinktest.NewAWS(t)
	fakeAWSEnv(t, fake)
	dir := t.TempDir()
	results, spoolDir := filepath.Join(dir, "results"), filepath.Join(dir, "spool")

	r := runDQ(t, "", "eval", pubRules, pubData, "--format", "json",
		"--results", results, "--cloudwatch", "--cloudwatch-dimension", "Environment=test", "--eventbridge", "--spool", spoolDir)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d (taxi has failing rules)\nstderr: %s", r.code, exitFailed, r.stderr)
	}
	for _, want := range []string{"published to results " + results, "published to cloudwatch Glue Data Quality", "published to eventbridge bus default"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	matches, _ := filepath.Glob(filepath.Join(results, "year=*", "month=*", "day=*", "dqresult-*.jsonl"))
	if len(matches) != 1 {
		t.Fatalf("result files %v, want one", matches)
	}
	body, _ := os.ReadFile(matches[0])
	lines := 0
	for sc := bufio.NewScanner(bytes.NewReader(body)); sc.Scan(); {
		lines++
	}
	if lines < 10 || !bytes.Contains(body, []byte(`"outcome":"Failed"`)) {
		t.Errorf("result file has %d lines:\n%s", lines, body)
	}

	calls := fake.CloudWatch.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d PutMetricData calls, want 1", len(calls))
	}
	for _, d := range calls[0].Data {
		if d.Dimensions["Ruleset"] != "taxi" || d.Dimensions["Environment"] != "test" || d.Dimensions["Dataset"] != absPath(t, pubData) {
			t.Errorf("%s dimensions %v", d.Name, d.Dimensions)
		}
		if d.Name == "glue.data.quality.rules.failed" && d.Value != 3 {
			t.Errorf("rules.failed = %v, want 3", d.Value)
		}
	}
	events := fake.EventBridge.Events()
	if len(events) != 1 || events[0].Detail["state"] != "FAILED" || events[0].Detail["numRulesFailed"] != 3.0 {
		t.Errorf("events %+v", events)
	}
	if n := len(spoolItems(t, spoolDir)); n != 0 {
		t.Errorf("%d spool entries after a clean publish", n)
	}
}

// TestEvalNotDelivered is the end-to-end fault test: a sink that never
// recovers makes dq eval exit 4 with the result printed and spooled, and
// dq publish re-sends it once the sink is back.
func TestEvalNotDelivered(t *testing.T) {
	requireParser(t)
	fake := sinktest.NewAWS(t)
	fakeAWSEnv(t, fake)
	fake.CloudWatch.Faults.FailAlways(503)
	dir := t.TempDir()
	results, spoolDir := filepath.Join(dir, "results"), filepath.Join(dir, "spool")

	r := runDQ(t, "", "eval", pubRules, pubData, "--format", "json",
		"--results", results, "--cloudwatch", "--spool", spoolDir, "--publish-attempts", "1")
	if r.code != exitNotDelivered {
		t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitNotDelivered, r.stderr)
	}
	if !strings.Contains(r.stdout, `"ResultId"`) {
		t.Error("the result was not printed")
	}
	for _, want := range []string{"not delivered: cloudwatch Glue Data Quality", "spooled to " + spoolDir, "dq publish " + spoolDir, "published to results"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	items := spoolItems(t, spoolDir)
	if len(items) != 1 || items[0].Key != "cloudwatch" {
		t.Fatalf("spool %+v, want one cloudwatch entry", items)
	}

	// Still failing: dq publish keeps the entry and exits 4.
	if r := runDQ(t, "", "publish", spoolDir, "--attempts", "1"); r.code != exitNotDelivered || !strings.Contains(r.stderr, "still not delivered") {
		t.Errorf("publish to a failing sink: exit %d\n%s", r.code, r.stderr)
	}
	// Recovered: delivered, spool emptied, exit 0.
	fake.CloudWatch.Faults.Reset()
	if r := runDQ(t, "", "publish", spoolDir); r.code != exitOK || !strings.Contains(r.stderr, "1 delivered, 0 still spooled") {
		t.Errorf("publish after recovery: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(fake.CloudWatch.Calls()); n != 1 {
		t.Errorf("CloudWatch got %d calls, want 1", n)
	}
	if n := len(spoolItems(t, spoolDir)); n != 0 {
		t.Errorf("%d spool entries left", n)
	}
	if r := runDQ(t, "", "publish", spoolDir); r.code != exitOK {
		t.Errorf("publish of an empty spool: exit %d", r.code)
	}
}

// TestEvalPublishFlagErrors: bad publishing settings are usage errors
// caught before the data is read.
func TestEvalPublishFlagErrors(t *testing.T) {
	requireParser(t)
	t.Setenv("DQ_PUBLISH_CONFIG", "")
	dir := t.TempDir()
	typo := writeFile(t, dir, "dq.yaml", "publish:\n  resutls: ./r\n", 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"sns not an ARN", []string{"--sns", "alerts"}, "not a topic ARN"},
		{"format without location", []string{"--results-format", "parquet"}, "needs a results location"},
		{"bad results scheme", []string{"--results", "gs://b/p"}, "only s3://"},
		{"bad dimension", []string{"--cloudwatch-dimension", "Env"}, "NAME=VALUE"},
		{"sns-on without topic", []string{"--sns-on", "always"}, "needs a topic"},
		{"config typo", []string{"--publish-config", typo}, "resutls"},
	}
	for _, tt := range tests {
		args := append([]string{"eval", pubRules, "does-not-exist.parquet"}, tt.args...)
		r := runDQ(t, "", args...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, r.code, r.stderr, exitInvalid, tt.want)
		}
	}
}

func TestPublishFlagsConfig(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "dq.yaml", `publish:
  results: s3://acme/dq
  cloudwatch: {enabled: true, dimensions: {Team: data}}
  sns: {topic: "arn:aws:sns:us-east-1:123456789012:dq", on: always}
  eventbridge: {enabled: true, bus: quality}
  timeout: 10s
`, 0o644)
	no, yes := false, true
	parquet, fail := "parquet", "fail"
	tests := []struct {
		name  string
		flags PublishFlags
		want  publish.Config
	}{
		{name: "nothing", want: publish.Config{}},
		{name: "flags only", flags: PublishFlags{Results: "./r", CloudWatch: &yes, SNS: "arn:aws:sns:us-east-1:1:t", PublishTimeout: time.Second},
			want: publish.Config{Results: "./r", CloudWatch: &publish.CloudWatchConfig{Enabled: true},
				SNS: &publish.SNSConfig{Topic: "arn:aws:sns:us-east-1:1:t"}, Timeout: time.Second}},
		{name: "file only", flags: PublishFlags{PublishConfig: file},
			want: publish.Config{Results: "s3://acme/dq", CloudWatch: &publish.CloudWatchConfig{Enabled: true, Dimensions: map[string]string{"Team": "data"}},
				SNS:         &publish.SNSConfig{Topic: "arn:aws:sns:us-east-1:123456789012:dq", On: "always"},
				EventBridge: &publish.EventBridgeConfig{Enabled: true, Bus: "quality"}, Timeout: 10 * time.Second}},
		{name: "flags override the file",
			flags: PublishFlags{PublishConfig: file, Results: "./local", ResultsFormat: &parquet, CloudWatch: &no, SNSOn: &fail,
				EventBridgeBus: "other", CloudWatchDimension: []string{"Env=prod"}},
			want: publish.Config{Results: "./local", ResultsFormat: "parquet",
				CloudWatch:  &publish.CloudWatchConfig{Enabled: false, Dimensions: map[string]string{"Team": "data", "Env": "prod"}},
				SNS:         &publish.SNSConfig{Topic: "arn:aws:sns:us-east-1:123456789012:dq", On: "fail"},
				EventBridge: &publish.EventBridgeConfig{Enabled: true, Bus: "other"}, Timeout: 10 * time.Second}},
		{name: "a namespace turns metrics on", flags: PublishFlags{CloudWatchNamespace: "DQ"},
			want: publish.Config{CloudWatch: &publish.CloudWatchConfig{Enabled: true, Namespace: "DQ"}}},
	}
	for _, tt := range tests {
		got, err := tt.flags.config()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestAthenaDDLCommand(t *testing.T) {
	r := runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--database", "quality")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"CREATE EXTERNAL TABLE IF NOT EXISTS `quality`.`dq_rule_results`",
		"LOCATION 's3://acme-dq/results/'",
		"LOCATION 's3://acme-dq/results/_runs/'",
		"'org.apache.hive.hcatalog.data.JsonSerDe'",
		"MSCK REPAIR TABLE `quality`.`dq_runs`;",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("DDL lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--format", "parquet"); !strings.Contains(r.stdout, "STORED AS PARQUET") {
		t.Errorf("parquet DDL:\n%s", r.stdout)
	}
	if r := runDQ(t, "", "athena-ddl", "--location", "./results"); r.code != exitInvalid {
		t.Errorf("a local location: exit %d, want %d", r.code, exitInvalid)
	}
	if r := runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--first-year", "2024"); r.code != exitInvalid {
		t.Errorf("--first-year without --projection: exit %d, want %d", r.code, exitInvalid)
	}
}

// TestAthenaDDLProjection starts the projection at the earliest year
// published to the location, found by listing it through the SDK (pointed
// at the fake S3 by AWS_ENDPOINT_URL); --first-year overrides it.
func TestAthenaDDLProjection(t *testing.T) {
	requireParser(t)
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(ts.Close)
	fakeAWSEnv(t, &sinktest.FakeAWS{URL: ts.URL})
	client := s3.NewFromConfig(sinktest.AWSConfig(ts.URL), func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-dq")}); err != nil {
		t.Fatal(err)
	}
	r := runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--projection")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	this := fmt.Sprintf("'projection.year.range'='%d,NOW'", time.Now().UTC().Year())
	if !strings.Contains(r.stdout, this) || !strings.Contains(r.stderr, "no results under") {
		t.Errorf("empty location: want %s and a note\nstdout:\n%s\nstderr: %s", this, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "\nMSCK REPAIR TABLE") {
		t.Errorf("projected DDL asks for MSCK REPAIR TABLE:\n%s", r.stdout)
	}
	// A result file where a 2023 run's would be, and one under _runs/,
	// which is not a rule partition.
	for _, key := range []string{"results/year=2023/month=11/day=30/dqresult-old.jsonl", "results/_runs/year=2019/month=01/day=01/x.json"} {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acme-dq"), Key: aws.String(key), Body: strings.NewReader("{}\n")}); err != nil {
			t.Fatal(err)
		}
	}
	r = runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--projection")
	if r.code != exitOK || !strings.Contains(r.stdout, "'projection.year.range'='2023,NOW'") {
		t.Errorf("exit %d; want the range to start at 2023:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runDQ(t, "", "athena-ddl", "--location", "s3://acme-dq/results", "--projection", "--first-year", "2020")
	if r.code != exitOK || !strings.Contains(r.stdout, "'projection.year.range'='2020,NOW'") {
		t.Errorf("--first-year 2020: exit %d\n%s", r.code, r.stdout)
	}
}

func TestExitNotDeliveredIsInterface(t *testing.T) {
	if exitNotDelivered != 4 {
		t.Fatalf("exitNotDelivered = %d; scripts depend on 4", exitNotDelivered)
	}
}
