package sinktest

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 is gofakes3 (in memory, path-style) behind faults and counters:
// the S3 that dq's S3 and Glue sources read in tests and in fakeaws.
type FakeS3 struct {
	Backend *s3mem.Backend
	Faults  *Faults

	// BytesServed counts GET body bytes sent; Gets and Lists count calls.
	BytesServed atomic.Int64
	Gets        atomic.Int64
	Heads       atomic.Int64
	Lists       atomic.Int64

	mu       sync.Mutex
	resetKey string // break the connection mid-body on the next GET of this key
	resets   int
	ranges   []string
	handler  http.Handler
}

// NewS3 returns a fake S3 handler; serve it with httptest or under
// FakeAWS.
func NewS3() *FakeS3 {
	b := s3mem.New()
	f := &FakeS3{Backend: b, Faults: &Faults{}}
	f.handler = f.Faults.Wrap(gofakes3.New(b, gofakes3.WithAutoBucket(false)).Server())
	return f
}

// Put stores an object, creating its bucket when needed.
func (f *FakeS3) Put(bucket, key string, data []byte) {
	if ok, _ := f.Backend.BucketExists(bucket); !ok {
		if err := f.Backend.CreateBucket(bucket); err != nil {
			panic(err)
		}
	}
	if _, err := f.Backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		panic(err)
	}
}

// ResetMidBody makes the next n GETs of key send half the body and then
// break the connection, as a reset mid-object does.
func (f *FakeS3) ResetMidBody(key string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resetKey, f.resets = key, n
}

// Ranges lists the Range headers of the GETs so far.
func (f *FakeS3) Ranges() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ranges...)
}

// ResetCounters zeroes the counters and the range log.
func (f *FakeS3) ResetCounters() {
	f.BytesServed.Store(0)
	f.Gets.Store(0)
	f.Heads.Store(0)
	f.Lists.Store(0)
	f.mu.Lock()
	f.ranges = nil
	f.mu.Unlock()
}

func (f *FakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isObject := strings.Count(strings.Trim(r.URL.Path, "/"), "/") >= 1
	switch {
	case r.Method == http.MethodGet && isObject:
		f.Gets.Add(1)
		f.mu.Lock()
		f.ranges = append(f.ranges, r.Header.Get("Range"))
		reset := f.resets > 0 && strings.HasSuffix(r.URL.Path, "/"+f.resetKey)
		if reset {
			f.resets--
		}
		f.mu.Unlock()
		cw := &countingWriter{ResponseWriter: w, n: &f.BytesServed}
		if reset {
			cw.breakAfter = 1
		}
		f.handler.ServeHTTP(cw, r)
		return
	case r.Method == http.MethodHead && isObject:
		f.Heads.Add(1)
	case r.Method == http.MethodGet:
		f.Lists.Add(1)
	}
	f.handler.ServeHTTP(w, r)
}

// countingWriter counts body bytes; with breakAfter it writes half of the
// first body write and then closes the connection under the client.
type countingWriter struct {
	http.ResponseWriter
	n          *atomic.Int64
	breakAfter int
	status     int
	broken     bool
}

func (c *countingWriter) WriteHeader(status int) {
	if c.broken {
		return
	}
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.broken {
		return 0, net.ErrClosed
	}
	if c.breakAfter > 0 && len(p) > 1 && c.status/100 == 2 {
		c.broken = true
		half := p[:len(p)/2]
		n, _ := c.ResponseWriter.Write(half)
		c.n.Add(int64(n))
		if fl, ok := c.ResponseWriter.(http.Flusher); ok {
			fl.Flush()
		}
		if hj, ok := c.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST, not FIN
				}
				conn.Close()
			}
		}
		return n, net.ErrClosed
	}
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}
