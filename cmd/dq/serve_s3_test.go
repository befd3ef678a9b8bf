package main

import (
	"context"
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

	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// A scheduled check on a container without disk: its history lives on S3,
// so a second "container" (a fresh server) sees the first one's runs.
func TestHistoryOnS3(t *testing.T) {
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer ts.Close()
	fakeAWSEnv(t, &sinktest.FakeAWS{URL: ts.URL})
	client := s3.NewFromConfig(sinktest.AWSConfig(ts.URL), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("dq-results")}); err != nil {
		t.Fatal(err)
	}
	cfg := serveFixture(t, "cron(0 6 * * ? *)")
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "history: history.duckdb", "history: s3://dq-results/history/", 1)), 0o644)

	var stderr strings.Builder
	if code := run(context.Background(), []string{"run", "--config", cfg, "--format", "json"}, strings.NewReader(""), io.Discard, &stderr); code != exitFailed {
		t.Fatalf("dq run: exit %d: %s", code, stderr.String())
	}
	st, err := openHistoryStore(context.Background(), "s3://dq-results/history/", true)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs(context.Background(), history.RunQuery{DatasetID: "orders", WithMetrics: true})
	if err != nil || len(runs) != 1 || runs[0].Score == nil || *runs[0].Score != 0.75 || len(runs[0].Metrics) == 0 {
		t.Fatalf("recorded runs = %+v, %v", runs, err)
	}
	// A fresh server reads it: the last run for catch-up, the page's charts
	// and each rule's outcome strip (nothing of it is in memory).
	s, srv := startServe(t, cfg, "")
	res, err := http.Get(srv.URL + "/checks/orders")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if n := strings.Count(string(page), `<li class="FAIL"`); n != 1 || strings.Count(string(page), `<li class="PASS"`) != 3 ||
		!strings.Contains(string(page), `aria-label="Rule_0 outcomes: 1 runs, 1 pass"`) {
		t.Errorf("a fresh server's check page lacks the recorded rule outcomes (%d FAIL cells):\n%s", n, page)
	}
	if last, ok := s.lastRun(context.Background(), s.sched.Config().Check("orders")); !ok || !last.Equal(runs[0].At) {
		t.Errorf("last run seen by a new server: %s %v", last, ok)
	}
	if err := s.ready(context.Background()); err != nil {
		t.Errorf("not ready: %v", err)
	}
	out := filepath.Join(t.TempDir(), "r.html")
	if code := run(context.Background(), []string{"report", "--history", "s3://dq-results/history/", "--dataset-id", "orders", "-o", out}, strings.NewReader(""), io.Discard, &stderr); code != 0 {
		t.Fatalf("dq report: %d %s", code, stderr.String())
	}
	if rep, _ := os.ReadFile(out); strings.Count(string(rep), `<li class="FAIL"`) != 1 || strings.Count(string(rep), `<li class="PASS"`) != 3 {
		t.Errorf("dq report lacks the recorded rule outcomes:\n%s", rep)
	}
	// dq eval reads and writes the same store.
	if code := run(context.Background(), []string{"eval", "--history", "s3://dq-results/history/", "--dataset-id", "orders", "--format", "json",
		"--ref", "customers=../../testdata/retail/customers.parquet", filepath.Join(filepath.Dir(cfg), "orders.dqdl"), "../../testdata/retail/orders.parquet"},
		strings.NewReader(""), io.Discard, &stderr); code != exitFailed {
		t.Fatalf("dq eval: %d %s", code, stderr.String())
	}
	if runs, _ := st.Runs(context.Background(), history.RunQuery{DatasetID: "orders"}); len(runs) != 2 {
		t.Errorf("%d runs after dq eval, want 2", len(runs))
	}
	// A bucket that does not exist fails at once, naming it.
	stderr.Reset()
	if code := run(context.Background(), []string{"report", "--history", "s3://no-such-bucket/h/", "--dataset-id", "orders", "-o", out}, strings.NewReader(""), io.Discard, &stderr); code != exitInvalid || !strings.Contains(stderr.String(), "s3://no-such-bucket/") {
		t.Errorf("missing bucket: %d %s", code, stderr.String())
	}
}
