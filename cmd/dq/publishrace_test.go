package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/publish"
	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/sinks/spool"
)

// TestConcurrentPublishDeliversOnce: two dq publish on one spool must
// deliver each spooled result exactly once between them (issue 15 #9).
func TestConcurrentPublishDeliversOnce(t *testing.T) {
	fake := sinktest.NewAWS(t)
	fakeAWSEnv(t, fake)
	// Slow sends widen the window in which both publishers hold the
	// same listing.
	fake.CloudWatch.Faults.Delay(30 * time.Millisecond)
	dir := t.TempDir()
	d, _ := spool.Open(dir)
	const n = 6
	target := publish.Config{CloudWatch: &publish.CloudWatchConfig{Enabled: true}}
	for i := range n {
		r := sinktest.Golden()
		r.ResultID = fmt.Sprintf("dqresult-%02d", i)
		e, err := spool.NewEntry("cloudwatch Glue Data Quality", "cloudwatch", target, r, errors.New("503"), 1, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Put(context.Background(), r.ResultID, e); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Go(func() { results[i] = runDQ(t, "", "publish", dir) })
	}
	wg.Wait()
	for _, r := range results {
		if r.code != exitOK {
			t.Errorf("publish: exit %d\n%s", r.code, r.stderr)
		}
	}
	if got := len(fake.CloudWatch.Calls()); got != n {
		t.Errorf("CloudWatch got %d PutMetricData calls for %d spooled results; stderr:\n%s\n%s", got, n, results[0].stderr, results[1].stderr)
	}
	if items := spoolItems(t, dir); len(items) != 0 {
		t.Errorf("%d entries left in the spool", len(items))
	}
}
