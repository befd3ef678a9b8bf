// Command fakeaws is a local stand-in for the AWS services dq reads from
// and publishes to, for trying `dq eval s3://… / glue://…` and
// `--results/--sns/--cloudwatch/--eventbridge` without an AWS account.
// One endpoint serves:
//
//	S3           gofakes3, in memory (path-style addressing)
//	Glue         the Data Catalog's GetDatabase/GetTable/GetPartitions,
//	             seeded with -seed (testdata/glue/lake.json)
//	Athena       StartQueryExecution/GetQueryExecution/GetQueryResults/
//	             StopQueryExecution, run on embedded DuckDB over the Glue
//	             tables (test-only Trino shim; see sinktest.FakeAthena)
//	SNS          goaws
//	CloudWatch   PutMetricData, decoded from the SDK's gzip CBOR
//	EventBridge  PutEvents
//
// and prints every metric, notification and event it receives. Point dq
// at it with the AWS SDK's own endpoint override:
//
//	go run -tags duckdb_arrow ./sinks/sinktest/fakeaws &
//	export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 \
//	       AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake
//
// It is a test tool: no authentication, no persistence, no limits.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/sirupsen/logrus"

	"github.com/dqlabs/dq/sinks/sinktest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4566", "listen address")
	bucket := flag.String("bucket", "dq-results", "S3 bucket to create")
	topic := flag.String("topic", "dq-alerts", "SNS topic to create")
	seed := flag.String("seed", "", "seed S3 objects and Glue tables from this file (e.g. testdata/glue/lake.json)")
	flag.Parse()
	if err := serve(*addr, *bucket, *topic, *seed, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func serve(addr, bucket, topic, seed string, out io.Writer) error {
	logrus.SetOutput(io.Discard) // goaws logs every request
	app.CurrentEnvironment.AccountID = "000000000000"
	app.CurrentEnvironment.Region = "us-east-1"

	lake := sinktest.NewAWSHandlers()
	if err := lake.S3.Backend.CreateBucket(bucket); err != nil {
		return fmt.Errorf("creating bucket: %w", err)
	}
	if seed != "" {
		if err := sinktest.SeedLake(lake, seed); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	s3h, glueh, athenah := lake.S3, lake.Glue, lake.Athena
	athenah.DefaultOutput = "s3://" + bucket + "/athena/"
	snsh := router.New()
	// goaws has no API to create a topic in-process: send it the request.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{"Action": {"CreateTopic"}, "Name": {topic}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	snsh.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("creating topic: %s", rec.Body)
	}
	topicARN := "arn:aws:sns:us-east-1:000000000000:" + topic

	var mu sync.Mutex // keeps printed reports whole
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
	}
	cw, eb := &sinktest.FakeCloudWatch{Faults: &sinktest.Faults{}}, &sinktest.FakeEventBridge{Faults: &sinktest.Faults{}}

	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/"):
			n := len(cw.Calls())
			cw.ServeHTTP(w, r)
			for _, c := range cw.Calls()[n:] {
				for _, d := range c.Data {
					report("cloudwatch  %s  %s = %v %s  %v\n", c.Namespace, d.Name, d.Value, d.Unit, d.Dimensions)
				}
			}
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue."):
			glueh.ServeHTTP(w, r)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena."):
			n := len(athenah.Queries())
			athenah.ServeHTTP(w, r)
			for _, q := range athenah.Queries()[n:] {
				report("athena %s %s\n  %s\n", q.ID, q.WorkGroup, strings.ReplaceAll(q.SQL, "\n", "\n  "))
			}
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents."):
			n := len(eb.Events())
			eb.ServeHTTP(w, r)
			for _, e := range eb.Events()[n:] {
				report("eventbridge %s / %s on bus %s: state=%v score=%v resultId=%v\n",
					e.Source, e.DetailType, e.EventBusName, e.Detail["state"], e.Detail["score"], e.Detail["resultId"])
			}
		case r.Method == http.MethodPost && r.URL.Path == "/" &&
			strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "Publish" {
				report("sns %s\n  Subject: %s\n  %s\n", form.Get("TopicArn"), form.Get("Subject"),
					strings.ReplaceAll(strings.TrimRight(form.Get("Message"), "\n"), "\n", "\n  "))
			}
			snsh.ServeHTTP(w, r)
		default:
			if r.Method == http.MethodPut {
				report("s3 PUT %s\n", r.URL.Path)
			}
			s3h.ServeHTTP(w, r)
		}
	})

	srv := &http.Server{Addr: addr, Handler: h}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		srv.Close()
	}()
	fmt.Fprintf(out, "fakeaws on http://%s: S3 bucket %s, SNS topic %s, CloudWatch, EventBridge, Glue Data Catalog, Athena\n", addr, bucket, topicARN)
	if seed != "" {
		fmt.Fprintf(out, "seeded from %s\n", seed)
	}
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
