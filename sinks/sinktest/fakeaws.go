package sinktest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FakeAWS serves the CloudWatch and EventBridge fakes on one endpoint, the
// way AWS_ENDPOINT_URL points every client at one host. Each service keeps
// its own Faults.
type FakeAWS struct {
	URL         string
	CloudWatch  *FakeCloudWatch
	EventBridge *FakeEventBridge
}

// NewAWS starts the combined fake, closed when t ends.
func NewAWS(t testing.TB) *FakeAWS {
	f := &FakeAWS{CloudWatch: newCloudWatch(), EventBridge: newEventBridge()}
	cw, eb := f.CloudWatch.Faults.Wrap(f.CloudWatch), f.EventBridge.Faults.Wrap(f.EventBridge)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/"):
			cw.ServeHTTP(w, r)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents."):
			eb.ServeHTTP(w, r)
		default:
			http.Error(w, "FakeAWS serves CloudWatch and EventBridge only", http.StatusBadRequest)
		}
	}))
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	f.CloudWatch.URL, f.EventBridge.URL = ts.URL, ts.URL
	return f
}
