package publish_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/publish"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     publish.Config
		wantErr string
	}{
		{name: "empty"},
		{name: "all", cfg: publish.Config{Results: "s3://b/p", ResultsFormat: "parquet",
			CloudWatch:  &publish.CloudWatchConfig{Enabled: true, Dimensions: map[string]string{"Env": "prod"}},
			SNS:         &publish.SNSConfig{Topic: "arn:aws:sns:us-east-1:123456789012:dq", On: "always"},
			EventBridge: &publish.EventBridgeConfig{Enabled: true, Bus: "b", Source: "acme.dq"}}},
		{name: "bad scheme", cfg: publish.Config{Results: "gs://b/p"}, wantErr: "only s3://"},
		{name: "bad format", cfg: publish.Config{Results: "r", ResultsFormat: "csv"}, wantErr: "json or parquet"},
		{name: "format without location", cfg: publish.Config{ResultsFormat: "parquet"}, wantErr: "needs a results location"},
		{name: "topic not an ARN", cfg: publish.Config{SNS: &publish.SNSConfig{Topic: "alerts"}}, wantErr: "not a topic ARN"},
		{name: "bad sns-on", cfg: publish.Config{SNS: &publish.SNSConfig{Topic: "arn:aws:sns:us-east-1:1:t", On: "pass"}}, wantErr: "fail or always"},
		{name: "reserved source", cfg: publish.Config{EventBridge: &publish.EventBridgeConfig{Enabled: true, Source: "aws.glue"}}, wantErr: "reserved"},
		{name: "empty dimension", cfg: publish.Config{CloudWatch: &publish.CloudWatchConfig{Enabled: true, Dimensions: map[string]string{"Env": ""}}}, wantErr: "must not be empty"},
		{name: "negative timeout", cfg: publish.Config{Timeout: -time.Second}, wantErr: "negative"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("dq.yaml", `
# Other sections belong to other commands.
eval:
  anything: goes
publish:
  results: s3://acme-dq/results
  resultsFormat: parquet
  cloudwatch:
    enabled: true
    namespace: Glue Data Quality
    dimensions:
      Environment: prod
  sns:
    topic: arn:aws:sns:eu-west-1:123456789012:dq-alerts
    on: always
  eventbridge:
    enabled: true
    bus: quality
  spool: /var/spool/dq
  timeout: 45s
  maxAttempts: 5
`)
	got, err := publish.LoadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	want := publish.Config{
		Results: "s3://acme-dq/results", ResultsFormat: "parquet",
		CloudWatch:  &publish.CloudWatchConfig{Enabled: true, Namespace: "Glue Data Quality", Dimensions: map[string]string{"Environment": "prod"}},
		SNS:         &publish.SNSConfig{Topic: "arn:aws:sns:eu-west-1:123456789012:dq-alerts", On: "always"},
		EventBridge: &publish.EventBridgeConfig{Enabled: true, Bus: "quality"},
		Spool:       "/var/spool/dq", Timeout: 45 * time.Second, MaxAttempts: 5,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadFile:\n got %+v\nwant %+v", got, want)
	}

	if got, err := publish.LoadFile(write("none.yaml", "eval: {}\n")); err != nil || got.Enabled() {
		t.Errorf("file without publish section: %+v, %v", got, err)
	}
	if _, err := publish.LoadFile(write("typo.yaml", "publish:\n  result: ./r\n")); err == nil || !strings.Contains(err.Error(), "result") {
		t.Errorf("misspelt key: err = %v, want an error naming it", err)
	}
	if _, err := publish.LoadFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}
