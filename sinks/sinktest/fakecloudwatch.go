package sinktest

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Datum is one decoded CloudWatch datapoint.
type Datum struct {
	Name       string
	Dimensions map[string]string
	Value      float64
	Unit       string
	Timestamp  time.Time
}

// MetricCall is one decoded PutMetricData request.
type MetricCall struct {
	Namespace string
	Data      []Datum
}

// FakeCloudWatch is an httptest server that speaks CloudWatch's wire
// protocol for PutMetricData: Smithy RPC v2 CBOR, gzip-compressed by the
// SDK. It decodes what it receives, so tests assert on the bytes the real
// client sent.
type FakeCloudWatch struct {
	URL    string
	Faults *Faults

	mu    sync.Mutex
	calls []MetricCall
}

// NewCloudWatch starts a fake, closed when t ends.
func NewCloudWatch(t testing.TB) *FakeCloudWatch {
	f := newCloudWatch()
	ts := httptest.NewServer(f.Faults.Wrap(f))
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	return f
}

func newCloudWatch() *FakeCloudWatch { return &FakeCloudWatch{Faults: &Faults{}} }

// Calls returns the requests received so far.
func (f *FakeCloudWatch) Calls() []MetricCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]MetricCall(nil), f.calls...)
}

// ServeHTTP handles PutMetricData; use it to mount the fake in a larger test server.
func (f *FakeCloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/service/GraniteServiceVersion20100801/operation/PutMetricData" ||
		r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		return
	}
	call, err := decodePutMetricData(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Write(cbor.Encode(cbor.Map{}))
}

func decodePutMetricData(r *http.Request) (MetricCall, error) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return MetricCall{}, err
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return MetricCall{}, err
	}
	v, err := cbor.Decode(raw)
	if err != nil {
		return MetricCall{}, fmt.Errorf("decoding CBOR: %w", err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return MetricCall{}, fmt.Errorf("body is %T, want a map", v)
	}
	var call MetricCall
	if ns, ok := m["Namespace"].(cbor.String); ok {
		call.Namespace = string(ns)
	}
	list, _ := m["MetricData"].(cbor.List)
	for _, item := range list {
		dm, ok := item.(cbor.Map)
		if !ok {
			return MetricCall{}, fmt.Errorf("datum is %T", item)
		}
		d := Datum{Dimensions: map[string]string{}}
		if s, ok := dm["MetricName"].(cbor.String); ok {
			d.Name = string(s)
		}
		if s, ok := dm["Unit"].(cbor.String); ok {
			d.Unit = string(s)
		}
		if v, ok := dm["Value"]; ok {
			if d.Value, err = cbor.AsFloat64(v); err != nil {
				return MetricCall{}, fmt.Errorf("datum value: %w", err)
			}
		}
		if v, ok := dm["Timestamp"]; ok {
			if d.Timestamp, err = cbor.AsTime(v); err != nil {
				return MetricCall{}, fmt.Errorf("datum timestamp: %w", err)
			}
		}
		dims, _ := dm["Dimensions"].(cbor.List)
		for _, dv := range dims {
			dd, _ := dv.(cbor.Map)
			n, _ := dd["Name"].(cbor.String)
			val, _ := dd["Value"].(cbor.String)
			d.Dimensions[string(n)] = string(val)
		}
		call.Data = append(call.Data, d)
	}
	return call, nil
}
