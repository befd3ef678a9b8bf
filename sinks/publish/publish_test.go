package publish_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/publish"
	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/sinks/spool"
)

// setup is a results directory, CloudWatch and EventBridge fakes on one
// endpoint, and a spool, all fresh.
type setup struct {
	fake    *sinktest.FakeAWS
	results string
	spool   string
	cfg     publish.Config
}

func newSetup(t *testing.T) *setup {
	dir := t.TempDir()
	s := &setup{fake: sinktest.NewAWS(t), results: filepath.Join(dir, "results"), spool: filepath.Join(dir, "spool")}
	s.cfg = publish.Config{
		Results:     s.results,
		CloudWatch:  &publish.CloudWatchConfig{Enabled: true},
		EventBridge: &publish.EventBridgeConfig{Enabled: true},
		Spool:       s.spool,
		Timeout:     2 * time.Second,
	}
	return s
}

func (s *setup) publisher(t *testing.T) *publish.Publisher {
	t.Helper()
	aws := sinktest.AWSConfig(s.fake.URL)
	p, err := publish.New(context.Background(), s.cfg, publish.Options{AWS: &aws})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *setup) spooled(t *testing.T) []spool.Item {
	t.Helper()
	d, _ := spool.Open(s.spool)
	items, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestPublishAll(t *testing.T) {
	s := newSetup(t)
	p := s.publisher(t)
	if got := strings.Join(p.Sinks(), ", "); got != "results "+s.results+", cloudwatch Glue Data Quality, eventbridge bus default" {
		t.Errorf("sinks: %s", got)
	}
	rep := p.Publish(context.Background(), sinktest.Golden())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.fake.CloudWatch.Calls()) != 1 || len(s.fake.EventBridge.Events()) != 1 {
		t.Errorf("cloudwatch calls %d, events %d; want 1 each", len(s.fake.CloudWatch.Calls()), len(s.fake.EventBridge.Events()))
	}
	if _, err := os.Stat(filepath.Join(s.results, "year=2026", "month=03", "day=04", "dqresult-0123456789abcdef.jsonl")); err != nil {
		t.Error(err)
	}
	if n := len(s.spooled(t)); n != 0 {
		t.Errorf("%d spool entries after a clean publish", n)
	}
}

// TestSinkRecovers is the fault test for 500s followed by recovery: the
// SDK retries, the result is delivered, nothing is spooled.
func TestSinkRecovers(t *testing.T) {
	s := newSetup(t)
	s.fake.EventBridge.Faults.FailNext(2, http.StatusInternalServerError)
	if err := s.publisher(t).Publish(context.Background(), sinktest.Golden()).Err(); err != nil {
		t.Fatalf("not delivered after transient 500s: %v", err)
	}
	if n := len(s.fake.EventBridge.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	if total, failed := s.fake.EventBridge.Faults.Requests(); total != 3 || failed != 2 {
		t.Errorf("requests %d (failed %d), want 3 (2)", total, failed)
	}
	if n := len(s.spooled(t)); n != 0 {
		t.Errorf("%d spool entries", n)
	}
}

// TestSinkNeverRecovers is the fault test for a sink that keeps failing:
// the other sinks still deliver, the failed one is spooled and reported as
// not delivered, and Resend delivers it once the sink is back.
func TestSinkNeverRecovers(t *testing.T) {
	s := newSetup(t)
	s.fake.CloudWatch.Faults.FailAlways(http.StatusServiceUnavailable)
	rep := s.publisher(t).Publish(context.Background(), sinktest.Golden())
	var nd *publish.NotDeliveredError
	if err := rep.Err(); !errors.As(err, &nd) {
		t.Fatalf("Err() = %v, want a NotDeliveredError", err)
	}
	if len(nd.Failures) != 1 || nd.Failures[0].Sink != "cloudwatch Glue Data Quality" {
		t.Fatalf("failures %+v, want cloudwatch only", nd.Failures)
	}
	if !strings.Contains(nd.Error(), "spooled to "+s.spool) {
		t.Errorf("error %q does not say where the result was spooled", nd.Error())
	}
	if total, _ := s.fake.CloudWatch.Faults.Requests(); total != 3 {
		t.Errorf("%d CloudWatch requests, want 3 (bounded retries)", total)
	}
	if n := len(s.fake.EventBridge.Events()); n != 1 {
		t.Errorf("the healthy sink got %d events, want 1", n)
	}
	items := s.spooled(t)
	if len(items) != 1 || items[0].Key != "cloudwatch" || items[0].Attempts != 1 || items[0].Error == "" {
		t.Fatalf("spool = %+v, want one cloudwatch entry", items)
	}

	// Still down: Resend keeps the entry and counts the attempt.
	aws := sinktest.AWSConfig(s.fake.URL)
	opts := publish.Options{AWS: &aws}
	rr, err := publish.Resend(context.Background(), s.spool, publish.Config{Timeout: 2 * time.Second}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rr.Err() == nil || len(rr.Delivered) != 0 {
		t.Fatalf("Resend to a failing sink: %+v", rr)
	}
	if items := s.spooled(t); len(items) != 1 || items[0].Attempts != 2 {
		t.Fatalf("spool after a failed resend = %+v, want the entry with 2 attempts", items)
	}

	// Back up: Resend delivers to CloudWatch only and empties the spool.
	s.fake.CloudWatch.Faults.Reset()
	rr, err = publish.Resend(context.Background(), s.spool, publish.Config{}, opts)
	if err != nil || rr.Err() != nil || len(rr.Delivered) != 1 {
		t.Fatalf("Resend = %+v, %v", rr, err)
	}
	calls := s.fake.CloudWatch.Calls()
	if len(calls) != 1 || calls[0].Data[0].Dimensions["Table"] != "orders" {
		t.Errorf("CloudWatch calls after resend: %+v", calls)
	}
	if n := len(s.fake.EventBridge.Events()); n != 1 {
		t.Errorf("resend re-sent to the sink that had delivered: %d events", n)
	}
	if n := len(s.spooled(t)); n != 0 {
		t.Errorf("%d spool entries left after a successful resend", n)
	}
}

// TestSlowSinkTimesOut is the fault test for a sink that hangs: the
// publish timeout bounds it, it is spooled, the others are not held up.
func TestSlowSinkTimesOut(t *testing.T) {
	s := newSetup(t)
	s.cfg.Timeout = 300 * time.Millisecond
	s.fake.EventBridge.Faults.Delay(time.Minute)
	start := time.Now()
	rep := s.publisher(t).Publish(context.Background(), sinktest.Golden())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("publish took %s with a 300ms timeout", d)
	}
	failed := rep.Failed()
	if len(failed) != 1 || !strings.HasPrefix(failed[0].Sink, "eventbridge") {
		t.Fatalf("failed = %+v, want eventbridge", failed)
	}
	if !strings.Contains(failed[0].Err.Error(), "publish timeout") || failed[0].Spooled == "" {
		t.Errorf("failure %+v: want a timeout, spooled", failed[0])
	}
	if n := len(s.fake.CloudWatch.Calls()); n != 1 {
		t.Errorf("CloudWatch got %d calls, want 1", n)
	}
}

// TestLocalOnlyNeedsNoAWS: a results directory alone must work on a
// machine with no AWS configuration at all.
func TestLocalOnlyNeedsNoAWS(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "missing"))
	t.Setenv("AWS_PROFILE", "does-not-exist")
	dir := t.TempDir()
	p, err := publish.New(context.Background(), publish.Config{Results: dir, Spool: filepath.Join(dir, "spool")}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(context.Background(), sinktest.Golden()).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestResendRejectsCorruptEntry(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.sns.json"), []byte(`{"key":"sns","target":{"sns":{"topic":"nope"}},"result":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Resend(context.Background(), dir, publish.Config{}, publish.Options{}); err == nil {
		t.Error("Resend accepted an entry with an invalid target")
	}
}

// TestBrokenAWSConfigSpools: when the AWS configuration cannot be loaded
// (here a profile that does not exist), the local sink still delivers and
// the AWS sinks' results are spooled rather than lost.
func TestBrokenAWSConfigSpools(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_PROFILE", "does-not-exist")
	dir := t.TempDir()
	cfg := publish.Config{Results: filepath.Join(dir, "r"), CloudWatch: &publish.CloudWatchConfig{Enabled: true}, Spool: filepath.Join(dir, "spool")}
	p, err := publish.New(context.Background(), cfg, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := p.Publish(context.Background(), sinktest.Golden()).Failed()
	if len(failed) != 1 || failed[0].Sink != "cloudwatch Glue Data Quality" || failed[0].Spooled == "" {
		t.Fatalf("failed = %+v, want cloudwatch, spooled", failed)
	}
}
