package sinktest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FakeAWS serves the S3, Glue Data Catalog, Athena, CloudWatch and
// EventBridge fakes on one endpoint, the way AWS_ENDPOINT_URL points every client at
// one host. Each service keeps its own Faults.
type FakeAWS struct {
	URL         string
	CloudWatch  *FakeCloudWatch
	EventBridge *FakeEventBridge
	S3          *FakeS3
	Glue        *FakeGlue
	Athena      *FakeAthena // runs queries over Glue's tables and S3's objects
}

// Handler routes a request to the fake serving it: by X-Amz-Target (Glue,
// EventBridge, Athena), CloudWatch's query path, else S3.
func (f *FakeAWS) Handler() http.Handler {
	cw, eb := f.CloudWatch.Faults.Wrap(f.CloudWatch), f.EventBridge.Faults.Wrap(f.EventBridge)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/"):
			cw.ServeHTTP(w, r)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents."):
			eb.ServeHTTP(w, r)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue."):
			f.Glue.ServeHTTP(w, r)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena."):
			f.Athena.ServeHTTP(w, r)
		case r.Header.Get("X-Amz-Target") != "":
			http.Error(w, "FakeAWS serves S3, Glue, Athena, CloudWatch and EventBridge only", http.StatusBadRequest)
		default:
			f.S3.ServeHTTP(w, r)
		}
	})
}

// NewAWSHandlers makes the fakes without a server (fakeaws serves them).
func NewAWSHandlers() *FakeAWS {
	s3, glue := NewS3(), NewGlue()
	return &FakeAWS{CloudWatch: newCloudWatch(), EventBridge: newEventBridge(), S3: s3, Glue: glue, Athena: NewAthena(glue, s3)}
}

// NewAWS starts the combined fake, closed when t ends.
func NewAWS(t testing.TB) *FakeAWS {
	f := NewAWSHandlers()
	ts := httptest.NewServer(f.Handler())
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	f.CloudWatch.URL, f.EventBridge.URL = ts.URL, ts.URL
	return f
}
