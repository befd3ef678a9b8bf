package sinktest

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Faults sits in front of a fake server and makes it misbehave on demand:
// fail the next n requests, fail every request, or answer slowly. The zero
// value passes everything through.
type Faults struct {
	mu       sync.Mutex
	failNext int
	failAll  bool
	status   int
	delay    time.Duration
	requests int
	failed   int
}

// FailNext makes the next n requests fail with status.
func (f *Faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext, f.status = n, status
}

// FailAlways makes every request fail with status.
func (f *Faults) FailAlways(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAll, f.status = true, status
}

// Delay makes every request wait d (or until the client gives up) first.
func (f *Faults) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Reset clears the faults and the request counts.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext, f.failAll, f.status, f.delay, f.requests, f.failed = 0, false, 0, 0, 0, 0
}

// Requests returns how many requests arrived and how many were failed.
func (f *Faults) Requests() (total, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.failed
}

// Wrap returns h behind the faults.
func (f *Faults) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		delay := f.delay
		fail := f.failAll || f.failNext > 0
		if f.failNext > 0 {
			f.failNext--
		}
		status := f.status
		if fail {
			f.failed++
		}
		f.mu.Unlock()
		if delay > 0 {
			// Read the body first: only then does net/http watch the
			// connection and cancel r.Context() when the client gives up,
			// which lets the server (and the test) shut down promptly.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if fail {
			// An empty body: every AWS protocol's error decoder falls
			// back to the status code, which is what the retryer keys on.
			w.WriteHeader(status)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// AWSConfig is a client configuration for a fake at url: static
// credentials, us-east-1, and the SDK's standard retryer with its real
// policy but millisecond backoff, so fault tests stay fast.
func AWSConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 5 * time.Millisecond
				o.Backoff = retry.NewExponentialJitterBackoff(5 * time.Millisecond)
			})
		},
	}
}
