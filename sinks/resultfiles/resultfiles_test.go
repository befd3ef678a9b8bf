package resultfiles_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// fakeS3 is gofakes3 behind httptest and the faults, with a real SDK
// client pointed at it and one bucket created.
type fakeS3 struct {
	client *s3.Client
	faults *sinktest.Faults
	bucket string
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{faults: &sinktest.Faults{}, bucket: "dq-results"}
	ts := httptest.NewServer(f.faults.Wrap(gofakes3.New(s3mem.New()).Server()))
	t.Cleanup(ts.Close)
	f.client = s3.NewFromConfig(sinktest.AWSConfig(ts.URL), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := f.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(f.bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return f
}

// objects returns every object under prefix, key → body.
func (f *fakeS3) objects(t *testing.T, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(f.client, &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			got, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: o.Key})
			if err != nil {
				t.Fatalf("GetObject %s: %v", *o.Key, err)
			}
			body, err := io.ReadAll(got.Body)
			got.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(*o.Key, prefix)] = body
		}
	}
	return out
}

// deliveries decodes the run summaries among objects (key → body).
func deliveries(t *testing.T, objects map[string][]byte) []sinktest.Delivery {
	t.Helper()
	var out []sinktest.Delivery
	for key, body := range objects {
		if !strings.HasPrefix(key, resultfiles.RunsDir) {
			continue
		}
		var run struct {
			DQRunID           string   `json:"dqRunId"`
			RulesetName       string   `json:"rulesetName"`
			Score             *float64 `json:"score"`
			NumRulesSucceeded int      `json:"numRulesSucceeded"`
			NumRulesFailed    int      `json:"numRulesFailed"`
		}
		if err := json.Unmarshal(body, &run); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out = append(out, sinktest.Delivery{ResultID: run.DQRunID, Ruleset: run.RulesetName,
			Passed: run.NumRulesSucceeded, NotPassed: run.NumRulesFailed, Score: run.Score})
	}
	return out
}

// dirObjects reads a results directory the way objects reads a bucket.
func dirObjects(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		out[filepath.ToSlash(rel)] = body
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func TestConformanceS3(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		Idempotent: true,
		New: func(t *testing.T) (sinks.Sink, func() []sinktest.Delivery) {
			f := newFakeS3(t)
			s, err := resultfiles.New("s3://dq-results/team/dq", resultfiles.Options{S3: f.client})
			if err != nil {
				t.Fatal(err)
			}
			return s, func() []sinktest.Delivery { return deliveries(t, f.objects(t, "team/dq/")) }
		},
		Broken: func(t *testing.T) sinks.Sink {
			f := newFakeS3(t)
			f.faults.FailAlways(http.StatusInternalServerError)
			s, err := resultfiles.New("s3://dq-results/team/dq", resultfiles.Options{S3: f.client})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	})
}

func TestConformanceDir(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		Idempotent: true,
		New: func(t *testing.T) (sinks.Sink, func() []sinktest.Delivery) {
			dir := filepath.Join(t.TempDir(), "results")
			s, err := resultfiles.New(dir, resultfiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s, func() []sinktest.Delivery { return deliveries(t, dirObjects(t, dir)) }
		},
		Broken: func(t *testing.T) sinks.Sink {
			// A directory that cannot be created: its parent is a file.
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := resultfiles.New(filepath.Join(file, "results"), resultfiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	})
}

// TestLayout pins object names, partitions and the line format against
// Glue's result files (spec §16, §18 #23).
func TestLayout(t *testing.T) {
	f := newFakeS3(t)
	for _, format := range []resultfiles.Format{resultfiles.FormatJSON, resultfiles.FormatParquet} {
		s, err := resultfiles.New("s3://dq-results/"+string(format), resultfiles.Options{S3: f.client, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Publish(context.Background(), sinktest.Golden()); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	objs := f.objects(t, "")
	ext := map[string]string{"json": ".jsonl", "parquet": ".parquet"}
	runExt := map[string]string{"json": ".json", "parquet": ".parquet"}
	for format := range ext {
		// Partitioned by StartedOn (23:59:58 on 4 March), not CompletedOn.
		rules := format + "/year=2026/month=03/day=04/dqresult-0123456789abcdef" + ext[format]
		run := format + "/_runs/year=2026/month=03/day=04/dqresult-0123456789abcdef" + runExt[format]
		for _, k := range []string{rules, run} {
			if _, ok := objs[k]; !ok {
				t.Errorf("missing object %s; have %v", k, keys(objs))
			}
		}
		if format == "parquet" && !bytes.HasPrefix(objs[rules], []byte("PAR1")) {
			t.Errorf("%s is not a Parquet file", rules)
		}
	}
	if len(objs) != 4 {
		t.Errorf("got %d objects, want 4: %v", len(objs), keys(objs))
	}

	sc := bufio.NewScanner(bytes.NewReader(objs["json/year=2026/month=03/day=04/dqresult-0123456789abcdef.jsonl"]))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want one per rule (3)", len(lines))
	}
	want := map[string]any{
		"catalogId": "123456789012", "databaseName": "sales", "tableName": "orders",
		"dqRunId": "dqresult-0123456789abcdef", "evaluationStartedOn": "2026-03-04 23:59:58.123",
		"evaluationCompletedOn": "2026-03-05 00:00:01.456", "rule": `ColumnValues "amount" >= 0`,
		"outcome": "Failed", "failureReason": "Value: -12.5 does not meet the constraint requirement!",
		"rulesetName": "orders_checks", "ruleName": "Rule_1", "dataset": "s3://data/sales/orders/",
	}
	for k, v := range want {
		if lines[1][k] != v {
			t.Errorf("line 2 %s = %#v, want %#v", k, lines[1][k], v)
		}
	}
	for i, o := range []string{"Passed", "Failed", "Error"} {
		if lines[i]["outcome"] != o {
			t.Errorf("line %d outcome = %v, want %s", i+1, lines[i]["outcome"], o)
		}
	}
	if lines[0]["failureReason"] != nil {
		t.Errorf("a passing rule has failureReason %v, want null", lines[0]["failureReason"])
	}
	if m, _ := lines[1]["evaluatedMetrics"].(map[string]any); m["Column.amount.Minimum"] != -12.5 {
		t.Errorf("evaluatedMetrics = %v", lines[1]["evaluatedMetrics"])
	}
	for _, c := range resultfiles.RuleColumns {
		if _, ok := lines[0][c.Key]; !ok {
			t.Errorf("line 1 lacks key %s (every line carries every key)", c.Key)
		}
	}
}

// TestRepublishOverwrites: a changed result for the same run replaces the
// old files instead of adding rows.
func TestRepublishOverwrites(t *testing.T) {
	dir := t.TempDir()
	s, err := resultfiles.New(dir, resultfiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := sinktest.Golden()
	if err := s.Publish(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r.RuleResults = r.RuleResults[:1]
	if err := s.Publish(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	objs := dirObjects(t, dir)
	if len(objs) != 2 {
		t.Fatalf("got %v, want one rule file and one summary", keys(objs))
	}
	body := objs["year=2026/month=03/day=04/dqresult-0123456789abcdef.jsonl"]
	if n := bytes.Count(body, []byte("\n")); n != 1 {
		t.Errorf("rule file has %d lines after re-publishing a 1-rule result, want 1", n)
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in      string
		want    resultfiles.Location
		wantErr bool
	}{
		{in: "s3://b/p", want: resultfiles.Location{Bucket: "b", Prefix: "p/"}},
		{in: "s3://b/p/q/", want: resultfiles.Location{Bucket: "b", Prefix: "p/q/"}},
		{in: "s3://b", want: resultfiles.Location{Bucket: "b"}},
		{in: "s3://b/", want: resultfiles.Location{Bucket: "b"}},
		{in: "./results", want: resultfiles.Location{Dir: "./results"}},
		{in: "s3://", wantErr: true},
		{in: "gs://b/p", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := resultfiles.ParseLocation(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseLocation(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNoResultID(t *testing.T) {
	s, err := resultfiles.New(t.TempDir(), resultfiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := sinktest.Golden()
	r.ResultID = ""
	if err := s.Publish(context.Background(), r); err == nil {
		t.Error("published a result without a ResultId (its files could not be overwritten on re-publish)")
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
